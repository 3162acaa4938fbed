// Benchmark section for the password module: how long one login verification takes per stored
// format at Django's default parameters, compared with calling the underlying library directly.
// Run alone with `npx tsx bench/password.ts`, or add `run` to the sections of bench/run.ts.
import { pbkdf2, scrypt } from 'node:crypto';
import { promisify } from 'node:util';

import { compare as bcryptCompare } from 'bcryptjs';

import { hashPassword, validatePassword, verifyPassword } from '../lib/passwords';
import { sha256Hex } from '../lib/passwords/bcrypt-hashers';
import { decodePasswordList } from '../lib/passwords/common-passwords';
import { COMMON_PASSWORDS_BROTLI_BASE64 } from '../lib/passwords/common-passwords-data';

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify(scrypt);

const REPEATS = 5;
const PASSWORD = 'correct horse battery staple';

/** One measured figure in milliseconds: median, min and max over REPEATS runs. */
export interface PasswordBenchRow {
  name: string;
  metric: string;
  unit: 'ms';
  median: number;
  min: number;
  max: number;
  repeats: number;
  baseline?: { metric: string; median: number };
  ratio?: number;
}

async function measure(name: string, task: () => Promise<unknown>): Promise<PasswordBenchRow> {
  const samples: number[] = [];
  for (let repeat = 0; repeat < REPEATS; repeat += 1) {
    const start = process.hrtime.bigint();
    await task();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);

  return {
    name,
    metric: name,
    unit: 'ms',
    median: samples[Math.floor(samples.length / 2)] ?? Number.NaN,
    min: samples[0] ?? Number.NaN,
    max: samples[samples.length - 1] ?? Number.NaN,
    repeats: samples.length,
  };
}

function withBaseline(row: PasswordBenchRow, baseline: PasswordBenchRow): PasswordBenchRow {
  return {
    ...row,
    baseline: { metric: baseline.metric, median: baseline.median },
    ratio: row.median / baseline.median,
  };
}

async function expectValid(encoded: string): Promise<void> {
  const result = await verifyPassword(PASSWORD, encoded, 12);
  if (!result.valid) {
    throw new Error(`Benchmark setup failed: ${result.algorithm ?? 'unknown'} hash did not verify.`);
  }
}

/** Runs the section and returns its rows, in bench/run.ts's row shape plus a `name`. */
export async function run(): Promise<PasswordBenchRow[]> {
  const rows: PasswordBenchRow[] = [];

  // bcrypt_sha256 at cost 12, the BCRYPT_ROUNDS default.
  const current = await hashPassword(PASSWORD, 12);
  const bcryptString = current.slice('bcrypt_sha256$'.length);
  rows.push(await measure('hashPassword, cost 12', () => hashPassword(PASSWORD, 12)));
  const bcryptDirect = await measure('bcryptjs compare, cost 12', () =>
    bcryptCompare(sha256Hex(PASSWORD), bcryptString),
  );
  rows.push(bcryptDirect);
  rows.push(withBaseline(await measure('verify bcrypt_sha256, cost 12', () => expectValid(current)), bcryptDirect));

  // pbkdf2_sha256 at the defaults of Django 3.1 (the last djongo-supported release) and 5.2.
  for (const iterations of [216_000, 1_000_000]) {
    const salt = 'benchsalt0123456789abc';
    const digest = await pbkdf2Async(PASSWORD, salt, iterations, 32, 'sha256');
    const encoded = `pbkdf2_sha256$${iterations}$${salt}$${digest.toString('base64')}`;
    const direct = await measure(`node pbkdf2, ${iterations} iterations`, () =>
      pbkdf2Async(PASSWORD, salt, iterations, 32, 'sha256'),
    );
    rows.push(direct);
    rows.push(withBaseline(await measure(`verify pbkdf2_sha256, ${iterations}`, () => expectValid(encoded)), direct));
  }

  // scrypt at Django's defaults: N = 2^14, r = 8, p = 1.
  const scryptSalt = 'benchsalt0123456789abc';
  const scryptKey = (await scryptAsync(PASSWORD, scryptSalt, 64)) as Buffer;
  const scryptEncoded = `scrypt$16384$${scryptSalt}$8$1$${scryptKey.toString('base64')}`;
  const scryptDirect = await measure('node scrypt, N=16384 r=8 p=1', () => scryptAsync(PASSWORD, scryptSalt, 64));
  rows.push(scryptDirect);
  rows.push(withBaseline(await measure('verify scrypt, Django defaults', () => expectValid(scryptEncoded)), scryptDirect));

  // argon2id at Django 3.2+ defaults: m = 102,400 KiB, t = 2, p = 8.
  const { default: argon2 } = await import('hash-wasm/dist/argon2.umd.min.js');
  const argon2Encoded = `argon2${await argon2.argon2id({
    password: PASSWORD,
    salt: 'benchsalt0123456',
    iterations: 2,
    parallelism: 8,
    memorySize: 102_400,
    hashLength: 32,
    outputType: 'encoded',
  })}`;
  rows.push(await measure('verify argon2id, Django defaults', () => expectValid(argon2Encoded)));

  // The common-password list: decompression on a cold container, then a warm validation.
  rows.push(
    await measure('decode common-password list', async () => new Set(await decodePasswordList(COMMON_PASSWORDS_BROTLI_BASE64))),
  );
  await validatePassword(PASSWORD, { username: 'bench' });
  rows.push(await measure('validatePassword, list loaded', () => validatePassword(PASSWORD, { username: 'bench' })));

  return rows;
}

if (require.main === module) {
  run()
    .then((rows) => {
      for (const row of rows) {
        const ratio = row.ratio === undefined ? '' : `  ratio ${row.ratio.toFixed(3)} to ${row.baseline?.metric}`;
        console.log(`${row.name}: median ${row.median.toFixed(1)} ms (min ${row.min.toFixed(1)}, max ${row.max.toFixed(1)})${ratio}`);
      }
    })
    .catch((error: unknown) => {
      console.error(`Password benchmark failed: ${String(error)}`);
      process.exit(1);
    });
}
