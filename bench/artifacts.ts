import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { createRequire } from 'node:module';
import { BUNDLE_LIMIT_BYTES, packageFunctions, readZipEntries, type FunctionArtifact, type ZipEntry } from '../scripts/artifacts';
import { benchRow } from './measure';
import type { BenchRow } from './run';

const execFileAsync = promisify(execFile);
const PROJECT_ROOT = join(__dirname, '..');
/** The functions whose cold start is measured; the others serve pages and the API description. */
const ACCOUNT_FUNCTIONS = ['signup', 'login', 'listUsers', 'getUser'];
const COLD_START_REPEATS = 7;
// Sizes are reported in kB of 1,000 bytes, the unit of the 600 kB bundle limit.
const KB = 1000;
const { unusedDriverModules } = createRequire(__filename)('../bundling/unused-driver-modules.cjs') as { unusedDriverModules: () => Plugin };

/**
 * Packages the functions as `npm run package` does, then reports each bundle's and zip's size. For
 * each account function it times a cold import: a fresh node process loading the packaged bundle,
 * against the same handler compiled file by file and loaded from node_modules.
 */
export async function artifactsSection(): Promise<BenchRow[]> {
  const workDirectory = await mkdtemp(join(tmpdir(), 'attendance-bench-'));
  // Unbundled modules must sit inside the project, so that require('mongodb') finds node_modules.
  const unbundledDirectory = join(PROJECT_ROOT, 'node_modules', '.cache', `attendance-bench-${process.pid}`);
  try {
    const packageDirectory = join(workDirectory, 'package');
    const artifacts = await packageFunctions(packageDirectory);
    const esbuildOptions = await readPackagedEsbuildOptions(packageDirectory);

    const driverOnly = benchRow('MongoDB driver alone, bundled with the same options', 'kB', [(await bundleDriverOnly(esbuildOptions)) / KB]);
    const rows: BenchRow[] = [driverOnly];
    const bundlePaths = new Map<string, string>();
    for (const artifact of artifacts) {
      const sizes = await extractBundle(artifact, join(workDirectory, 'bundles', artifact.name));
      bundlePaths.set(artifact.name, sizes.bundlePath);
      rows.push(benchRow(`${artifact.name}: bundle (goal ≤ ${BUNDLE_LIMIT_BYTES / KB} kB)`, 'kB', [sizes.bundleBytes / KB], driverOnly));
      for (const chunk of sizes.chunks) rows.push(benchRow(`${artifact.name}: chunk ${chunk.name}, loaded on first use`, 'kB', [chunk.bytes / KB]));
      rows.push(benchRow(`${artifact.name}: source maps`, 'kB', [sizes.mapBytes / KB]));
      rows.push(benchRow(`${artifact.name}: zip`, 'kB', [sizes.zipBytes / KB]));
    }

    await compileUnbundled(unbundledDirectory);
    for (const name of ACCOUNT_FUNCTIONS) {
      const bundled = bundlePaths.get(name);
      if (!bundled) throw new Error(`serverless package produced no ${name}.zip.`);
      const unbundled = join(unbundledDirectory, 'functions', `${name}.js`);
      const times = { bundled: [] as number[], bundledNoMaps: [] as number[], unbundled: [] as number[] };
      // Interleaved, so that a burst of load on the machine touches every variant alike.
      for (let repeat = 0; repeat < COLD_START_REPEATS; repeat++) {
        times.unbundled.push(await timeColdImport(unbundled, true));
        times.bundled.push(await timeColdImport(bundled, true));
        times.bundledNoMaps.push(await timeColdImport(bundled, false));
      }
      const unbundledRow = benchRow(`${name}: cold import, unbundled`, 'ms', times.unbundled);
      rows.push(unbundledRow);
      rows.push(benchRow(`${name}: cold import, bundled (goal ≤ 150 ms, ≤ 0.5× unbundled)`, 'ms', times.bundled, unbundledRow));
      rows.push(benchRow(`${name}: cold import, bundled, without --enable-source-maps`, 'ms', times.bundledNoMaps, unbundledRow));
    }
    return rows;
  } finally {
    await rm(workDirectory, { recursive: true, force: true });
    await rm(unbundledDirectory, { recursive: true, force: true });
  }
}

/** Reads the esbuild options serverless-esbuild used, as serverless resolved them into its state file. */
async function readPackagedEsbuildOptions(packageDirectory: string): Promise<Record<string, unknown>> {
  const state = JSON.parse(await readFile(join(packageDirectory, 'serverless-state.json'), 'utf8')) as {
    service: { custom: { esbuild: Record<string, unknown> } };
  };
  return state.service.custom.esbuild;
}

/**
 * Bundles nothing but the MongoDB driver with the options that decide bundle size. The driver is
 * CommonJS, so esbuild cannot drop its unused parts, and this size is the floor under every function
 * that reaches the database.
 */
async function bundleDriverOnly(packaged: Record<string, unknown>): Promise<number> {
  const options: BuildOptions = {
    bundle: true,
    minify: packaged.minify as boolean,
    target: packaged.target as string,
    platform: packaged.platform as BuildOptions['platform'],
    format: packaged.format as BuildOptions['format'],
    alias: packaged.alias as Record<string, string>,
    external: packaged.exclude as string[],
    plugins: [unusedDriverModules()],
    absWorkingDir: PROJECT_ROOT,
    stdin: { contents: "export { MongoClient } from 'mongodb';", resolveDir: PROJECT_ROOT, loader: 'ts' },
    write: false,
    logLevel: 'error',
  };
  const result = await build(options);
  return result.outputFiles![0]!.contents.length;
}

/**
 * Writes a function's zip to `directory` and returns the sizes of its bundle, of the chunks beside it
 * (bundling/lazy-chunks.cjs), of all its source maps and of the zip.
 */
async function extractBundle(artifact: FunctionArtifact, directory: string) {
  const entries = await readZipEntries(artifact.zipPath);
  const bundleName = `functions/${artifact.name}.js`;
  const bundle = entries.find((entry) => entry.name === bundleName);
  if (!bundle) throw new Error(`${artifact.zipPath} has no ${bundleName}. It contains: ${entries.map((entry) => entry.name).join(', ')}`);
  for (const entry of entries) {
    await mkdir(dirname(join(directory, entry.name)), { recursive: true });
    await writeFile(join(directory, entry.name), entry.data);
  }

  const isChunk = (entry: ZipEntry) => entry.name.endsWith('.js') && entry.name !== bundleName;
  const chunkPrefix = `functions/${artifact.name}.`;
  return {
    bundlePath: join(directory, bundle.name),
    bundleBytes: bundle.data.length,
    chunks: entries.filter(isChunk).map((entry) => ({ name: entry.name.slice(chunkPrefix.length), bytes: entry.data.length })),
    mapBytes: entries.filter((entry) => entry.name.endsWith('.js.map')).reduce((total, entry) => total + entry.data.length, 0),
    zipBytes: (await stat(artifact.zipPath)).size,
  };
}

/** Compiles functions/ and lib/ file by file to CommonJS, as `tsc` would, keeping every import. */
async function compileUnbundled(outputDirectory: string): Promise<void> {
  const sources: string[] = [];
  for (const folder of ['functions', 'lib']) {
    for (const file of await readdir(join(PROJECT_ROOT, folder), { recursive: true })) {
      if (file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.endsWith('.test.ts')) sources.push(join(folder, file));
    }
  }
  await build({
    entryPoints: sources,
    outdir: outputDirectory,
    outbase: PROJECT_ROOT,
    absWorkingDir: PROJECT_ROOT,
    bundle: false,
    format: 'cjs',
    platform: 'node',
    target: 'node22',
    sourcemap: 'linked',
    logLevel: 'error',
  });
}

/**
 * Starts a fresh node process that requires one handler module and reports how long the require took,
 * in milliseconds. NODE_OPTIONS is cleared so that no loader of this process leaks in.
 */
async function timeColdImport(modulePath: string, sourceMaps: boolean): Promise<number> {
  const script = 'const start = performance.now(); require(process.argv[1]); process.stdout.write(String(performance.now() - start));';
  const flags = sourceMaps ? ['--enable-source-maps'] : [];
  const { stdout } = await execFileAsync(process.execPath, [...flags, '-e', script, modulePath], {
    cwd: dirname(modulePath),
    env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: '' },
  });
  const milliseconds = Number(stdout);
  if (!Number.isFinite(milliseconds)) throw new Error(`Cold import of ${relative(PROJECT_ROOT, modulePath)} printed ${JSON.stringify(stdout)}.`);
  return milliseconds;
}
