import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

const PROJECT_ROOT = join(__dirname, '..');
const SERVERLESS_BIN = join(PROJECT_ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js');
// Packaging all functions took 10 to 40 s on the 2-core development machine, and a busy machine takes longer.
const PACKAGE_TIMEOUT_MS = 600_000;

/**
 * Maximum size of each function bundle (functions/<name>.js), in bytes: 600 KB, read as 1,000-byte
 * kilobytes so that the limit applies under either reading. test/bundles.test.ts fails above it.
 * Chunks that a bundle loads on first use (bundling/lazy-chunks.cjs) are files of their own and
 * count separately; the bench reports their sizes.
 */
export const BUNDLE_LIMIT_BYTES = 600_000;

/** One function's deployment zip as `serverless package` wrote it. */
export interface FunctionArtifact {
  name: string;
  zipPath: string;
}

/**
 * Runs `serverless package --stage prod` into `outputDirectory`, as `npm run package` does into
 * `.serverless`, and returns one zip per function. The esbuild work folder is private to this call, so
 * packaging can run while serverless-offline or another packaging run uses the default one.
 */
export async function packageFunctions(outputDirectory: string): Promise<FunctionArtifact[]> {
  // serverless-esbuild joins this folder to the service directory, so it must be a relative path.
  const workFolder = `.esbuild-package-${randomBytes(4).toString('hex')}`;
  // NOTE: serverless-esbuild 1.57.2 leaves one temporary folder per function in the system's temporary
  // directory (its cleanup calls a file system stub that does nothing), about 6.6 MB per packaging.
  // A private TMPDIR, removed afterwards, keeps test and bench runs from piling them up.
  const temporaryDirectory = await mkdtemp(join(tmpdir(), 'attendance-package-'));
  try {
    await runServerless(['package', '--stage', 'prod', '--package', outputDirectory], {
      ESBUILD_WORK_FOLDER: workFolder,
      TMPDIR: temporaryDirectory,
    });
  } finally {
    await rm(join(PROJECT_ROOT, workFolder), { recursive: true, force: true });
    await rm(temporaryDirectory, { recursive: true, force: true });
  }

  const zips = (await readdir(outputDirectory)).filter((file) => file.endsWith('.zip')).sort();
  return zips.map((file) => ({ name: basename(file, '.zip'), zipPath: join(outputDirectory, file) }));
}

function runServerless(args: string[], environment: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SERVERLESS_BIN, ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), PACKAGE_TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`serverless ${args.join(' ')} failed (${signal ?? `exit code ${code}`}):\n${output}`));
    });
  });
}

/** One file stored in a zip archive. */
export interface ZipEntry {
  name: string;
  data: Buffer;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;

/**
 * Reads every file of a zip archive, using the central directory for names and sizes, as unzip does.
 * NOTE: ZIP64 archives (over 4 GiB or 65,535 files) and encrypted entries are rejected, since a
 * function zip is never either.
 */
export async function readZipEntries(zipPath: string): Promise<ZipEntry[]> {
  const archive = await readFile(zipPath);

  // The end record is 22 bytes plus a comment of at most 65,535 bytes, so it lies near the end.
  let end = -1;
  for (let offset = archive.length - 22; offset >= Math.max(0, archive.length - 22 - 0xffff); offset--) {
    if (archive.readUInt32LE(offset) === END_OF_CENTRAL_DIRECTORY) {
      end = offset;
      break;
    }
  }
  if (end < 0) throw new Error(`${zipPath} is not a zip archive: no end of central directory record.`);

  const entryCount = archive.readUInt16LE(end + 10);
  let offset = archive.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let index = 0; index < entryCount; index++) {
    if (archive.readUInt32LE(offset) !== CENTRAL_DIRECTORY_HEADER) throw new Error(`${zipPath}: invalid central directory entry ${index}.`);
    const flags = archive.readUInt16LE(offset + 8);
    const method = archive.readUInt16LE(offset + 10);
    const compressedSize = archive.readUInt32LE(offset + 20);
    const nameLength = archive.readUInt16LE(offset + 28);
    const extraLength = archive.readUInt16LE(offset + 30);
    const commentLength = archive.readUInt16LE(offset + 32);
    const localHeader = archive.readUInt32LE(offset + 42);
    const name = archive.toString('utf8', offset + 46, offset + 46 + nameLength);
    if (compressedSize === 0xffffffff || localHeader === 0xffffffff) throw new Error(`${zipPath}: ${name} is a ZIP64 entry, which is not supported.`);
    if ((flags & 1) !== 0) throw new Error(`${zipPath}: ${name} is encrypted.`);

    if (archive.readUInt32LE(localHeader) !== LOCAL_FILE_HEADER) throw new Error(`${zipPath}: invalid local header for ${name}.`);
    const dataStart = localHeader + 30 + archive.readUInt16LE(localHeader + 26) + archive.readUInt16LE(localHeader + 28);
    const compressed = archive.subarray(dataStart, dataStart + compressedSize);
    if (method !== STORED && method !== DEFLATED) throw new Error(`${zipPath}: ${name} uses compression method ${method}, expected stored or deflate.`);
    entries.push({ name, data: method === STORED ? Buffer.from(compressed) : inflateRawSync(compressed) });

    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
