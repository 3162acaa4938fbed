import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { build, type Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_LIMIT_BYTES, packageFunctions, readZipEntries, type ZipEntry } from '../scripts/artifacts';
import { AUTH_USER_COLLECTION } from '../lib/auth-user';
import { authUserDocument } from './helpers/django-fixtures';
import { httpEvent, lambdaContext, type EventOptions } from './helpers/http-events';
import { STRONG_PASSWORD, TEST_JWT_SECRET, useTestDatabase } from './helpers/service';

/*
 * Packages the functions once, as `npm run package` does for deployment, and checks the artifacts
 * themselves: what each zip holds, what went into each bundle, and that the bundles run on a bare
 * Node.js with nothing but the zip's contents.
 */

const execFileAsync = promisify(execFile);
const { STUB_ERROR_NAME, unusedDriverModules } = createRequire(__filename)('../bundling/unused-driver-modules.cjs') as {
  STUB_ERROR_NAME: string;
  unusedDriverModules: () => Plugin;
};
const PROJECT_ROOT = join(__dirname, '..');
// Packaging took 20 to 40 s on the 2-core development machine, and longer while other suites run.
const PACKAGING_TIMEOUT_MS = 600_000;

const database = useTestDatabase('bundles');

/**
 * The chunks each function loads on first use (bundling/lazy-chunks.cjs): the common-password list
 * for signup and hash-wasm's argon2 build for login, which verifies Django's argon2 hashes.
 */
const LAZY_CHUNKS: Record<string, string[]> = {
  signup: ['common-passwords-data'],
  login: ['argon2'],
};

let workDirectory = '';
let packageDirectory = '';
const zips = new Map<string, ZipEntry[]>();

beforeAll(async () => {
  workDirectory = await mkdtemp(join(tmpdir(), 'attendance-bundles-'));
  packageDirectory = join(workDirectory, 'package');
  for (const artifact of await packageFunctions(packageDirectory)) zips.set(artifact.name, await readZipEntries(artifact.zipPath));
}, PACKAGING_TIMEOUT_MS);

afterAll(async () => {
  await rm(workDirectory, { recursive: true, force: true });
});

async function packagedState(): Promise<{ functions: string[]; esbuild: { alias?: Record<string, string>; exclude?: string[] } }> {
  const state = JSON.parse(await readFile(join(packageDirectory, 'serverless-state.json'), 'utf8'));
  return { functions: Object.keys(state.service.functions), esbuild: state.service.custom.esbuild };
}

function bundleOf(name: string): ZipEntry {
  const entry = zips.get(name)?.find((candidate) => candidate.name === `functions/${name}.js`);
  if (!entry) throw new Error(`The ${name} zip has no functions/${name}.js.`);
  return entry;
}

/** Returns the install path of the package a source map entry comes from, as package-lock.json keys it. */
function installPath(source: string): string | undefined {
  const start = source.indexOf('node_modules/');
  if (start < 0) return undefined;
  return /^node_modules\/(?:@[^/]+\/)?[^/]+(?:\/node_modules\/(?:@[^/]+\/)?[^/]+)*/.exec(source.slice(start))?.[0];
}

describe('packaged functions', () => {
  it('one zip per function', async () => {
    const { functions } = await packagedState();

    expect([...zips.keys()].sort()).toEqual([...functions].sort());
  });

  it('zips hold the bundle, its map and its chunks', () => {
    for (const [name, entries] of zips) {
      const files = [`functions/${name}.js`, ...(LAZY_CHUNKS[name] ?? []).map((chunk) => `functions/${name}.${chunk}.js`)];
      const expected = files.flatMap((file) => [file, `${file}.map`]).sort();

      expect(entries.map((entry) => entry.name).sort(), name).toEqual(expected);
    }
  });

  it('bundles stay within 600 KB', () => {
    const oversized: string[] = [];
    for (const name of zips.keys()) {
      const size = bundleOf(name).data.length;
      if (size > BUNDLE_LIMIT_BYTES) oversized.push(`${name}: ${size} bytes, limit ${BUNDLE_LIMIT_BYTES}`);
    }

    expect(oversized).toEqual([]);
  });

  it('bundles contain no dev dependency', async () => {
    const lock = JSON.parse(await readFile(join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const offenders: string[] = [];
    for (const [name, entries] of zips) {
      // Chunks have maps of their own, so every map in the zip counts.
      const sources = entries
        .filter((entry) => entry.name.endsWith('.js.map'))
        .flatMap((map) => (JSON.parse(map.data.toString('utf8')) as { sources: string[] }).sources);
      const packages = new Set(sources.map(installPath).filter((path): path is string => path !== undefined));
      for (const path of packages) {
        const locked = lock.packages[path];
        if (!locked) offenders.push(`${name}: ${path} is not in package-lock.json`);
        else if (locked.dev) offenders.push(`${name}: ${path} is a dev dependency`);
      }
      // A bundle lists its inputs in its source map; one without node_modules means the check saw nothing.
      expect(packages.size, `${name} source map lists no package`).toBeGreaterThan(0);
    }

    expect(offenders).toEqual([]);
  });

  it('bundles run from the zip alone', async () => {
    // Outside the project, so that no node_modules folder can supply what a bundle lacks.
    const runDirectory = join(workDirectory, 'run');
    const environment = {
      PATH: process.env.PATH ?? '',
      MONGODB_URI: process.env.MONGODB_URI ?? '',
      MONGODB_DB: database.name,
      JWT_SECRET: TEST_JWT_SECRET,
      BCRYPT_ROUNDS: '4',
      LOG_LEVEL: 'SILENT',
    };
    const invokePackaged = async (name: string, options: EventOptions) => {
      for (const entry of zips.get(name) ?? []) {
        await mkdir(dirname(join(runDirectory, name, entry.name)), { recursive: true });
        await writeFile(join(runDirectory, name, entry.name), entry.data);
      }
      const script = [
        'const [bundle, event, context] = process.argv.slice(1).map((argument, index) => (index === 0 ? argument : JSON.parse(argument)));',
        'context.getRemainingTimeInMillis = () => 10000;',
        'require(bundle).handler(event, context).then((result) => { process.stdout.write(JSON.stringify(result)); process.exit(0); });',
      ].join('\n');
      const bundle = join(runDirectory, name, 'functions', `${name}.js`);
      const { stdout } = await execFileAsync(
        process.execPath,
        ['--enable-source-maps', '-e', script, bundle, JSON.stringify(httpEvent(options)), JSON.stringify(lambdaContext(name))],
        { cwd: runDirectory, env: environment },
      );
      const result = JSON.parse(stdout) as { statusCode: number; body: string };
      return { statusCode: result.statusCode, body: JSON.parse(result.body) };
    };

    const signup = await invokePackaged('signup', { method: 'POST', path: '/signup', body: { username: 'packaged', email: 'packaged@example.com', password: STRONG_PASSWORD } });
    const login = await invokePackaged('login', { method: 'POST', path: '/login', body: { username: 'packaged', password: STRONG_PASSWORD } });
    const wrongPassword = await invokePackaged('login', { method: 'POST', path: '/login', body: { username: 'packaged', password: 'not the password at all' } });

    expect(signup.statusCode).toBe(201);
    expect(signup.body.username).toBe('packaged');
    expect(login.statusCode).toBe(200);
    expect(login.body.token_type).toBe('Bearer');
    expect(wrongPassword.statusCode).toBe(401);
    expect(wrongPassword.body.error.code).toBe('invalid_credentials');

    // Both need a chunk: signup reads the common-password list, and a Django user with an argon2
    // hash logs in through hash-wasm.
    const commonPassword = await invokePackaged('signup', { method: 'POST', path: '/signup', body: { username: 'packaged2', email: 'packaged2@example.com', password: 'password123' } });
    await (await database.db())
      .collection(AUTH_USER_COLLECTION)
      .insertOne(await authUserDocument(70_001, 'argon2_user', 'argon2 user password', {}, 'argon2id'));
    const argon2Login = await invokePackaged('login', { method: 'POST', path: '/login', body: { username: 'argon2_user', password: 'argon2 user password' } });

    expect(commonPassword.statusCode).toBe(400);
    expect(commonPassword.body.error.details.password).toContain('This password is too common.');
    expect(argon2Login.statusCode).toBe(200);
    expect(argon2Login.body.user.username).toBe('argon2_user');
  }, 120_000);

  it('driver stubs throw when reached', async () => {
    // The bundles replace driver modules this service never uses (bundling/unused-driver-modules.cjs).
    // The driver must still load, connect and query, and a stubbed feature must fail loudly.
    const { esbuild } = await packagedState();
    const outfile = join(workDirectory, 'stubbed-driver.cjs');
    await build({
      stdin: {
        contents: [
          "const { GridFSBucket, MongoClient } = require('mongodb');",
          'module.exports = async (uri, databaseName) => {',
          '  const client = new MongoClient(uri);',
          '  try {',
          '    const database = client.db(databaseName);',
          "    await database.collection('stub_check').insertOne({ checked: true });",
          "    const found = await database.collection('stub_check').findOne({ checked: true });",
          '    const failures = [];',
          '    for (const attempt of [() => new GridFSBucket(database), () => client.watch(), () => client.bulkWrite([])]) {',
          '      try { await attempt(); failures.push(null); } catch (error) { failures.push({ name: error.name, message: error.message }); }',
          '    }',
          '    return { found: found?.checked, failures };',
          '  } finally {',
          '    await client.close();',
          '  }',
          '};',
        ].join('\n'),
        resolveDir: PROJECT_ROOT,
        loader: 'js',
      },
      absWorkingDir: PROJECT_ROOT,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: esbuild.exclude ?? [],
      plugins: [unusedDriverModules()],
      outfile,
      logLevel: 'error',
    });
    const requireNative = createRequire(__filename);
    const check = requireNative(outfile) as (uri: string, databaseName: string) => Promise<{ found: boolean; failures: ({ name: string; message: string } | null)[] }>;

    const result = await check(process.env.MONGODB_URI ?? '', database.name);

    expect(result.found).toBe(true);
    expect(result.failures.map((failure) => failure?.name)).toEqual([STUB_ERROR_NAME, STUB_ERROR_NAME, STUB_ERROR_NAME]);
    expect(result.failures[0]?.message).toContain("The MongoDB driver's GridFS support is not part of this bundle");
    expect(result.failures[1]?.message).toContain('change streams');
    expect(result.failures[2]?.message).toContain('MongoClient.bulkWrite');
  });

  it('bundled URL parser reads connection strings alike', async () => {
    // The bundles replace whatwg-url with Node's URL (see bundling/whatwg-url.cjs); the driver's
    // connection string parser must read every form of connection string as it does unbundled.
    const { esbuild } = await packagedState();
    const outfile = join(workDirectory, 'connection-string.cjs');
    await build({
      stdin: { contents: "module.exports = require('mongodb-connection-string-url');", resolveDir: PROJECT_ROOT, loader: 'js' },
      absWorkingDir: PROJECT_ROOT,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      alias: esbuild.alias ?? {},
      outfile,
      logLevel: 'error',
    });
    // Node's own require, so that the test runner's module transforms stay out of the comparison.
    const requireNative = createRequire(__filename);
    const bundled = requireNative(outfile).ConnectionString;
    const original = requireNative('mongodb-connection-string-url').ConnectionString;
    const connectionStrings = [
      'mongodb://127.0.0.1:27017',
      'mongodb://localhost/',
      'mongodb://app:p%40ss%3Aw0rd@db1:27017,db2:27018,[::1]:27019/attendance_db?replicaSet=rs0&authSource=admin',
      'mongodb+srv://app:s3cr%2Ft@cluster0.abcde.mongodb.net/attendance_db?retryWrites=true&w=majority&appName=Cluster0',
      'mongodb://db/?tls=true&tlsCAFile=%2Fetc%2Fssl%2Fca.pem&readPreference=secondaryPreferred',
      'mongodb://us%C3%A9r:pw@db/attendance_db',
      'mongodb://db:27017/d?authMechanismProperties=SERVICE_NAME:mongodb,CANONICALIZE_HOST_NAME:true',
      'mongodb://db/d?AuthSource=x&authsource=y',
      'mongodb://a@b@db',
      'mongodb://db:99999',
      'mongodb+srv://db1,db2/attendance_db',
    ];
    const describeParse = (parser: new (uri: string) => Record<string, any>, uri: string) => {
      try {
        const parsed = new parser(uri);
        return {
          href: parsed.href,
          hosts: parsed.hosts,
          username: parsed.username,
          password: parsed.password,
          pathname: parsed.pathname,
          options: [...parsed.searchParams],
          authSource: parsed.searchParams.get('authsource'),
          isSRV: parsed.isSRV,
          redacted: parsed.redact().toString(),
        };
      } catch (error) {
        return { error: (error as Error).message };
      }
    };

    for (const uri of connectionStrings) {
      expect(describeParse(bundled, uri), uri).toEqual(describeParse(original, uri));
    }
  });
});
