// Benchmark section for the password module: how long one login verification takes per stored
// format at Django's default parameters, compared with calling the underlying library directly.
import { pbkdf2, scrypt } from 'node:crypto';
import { promisify } from 'node:util';

import { compare as bcryptCompare } from 'bcryptjs';

import { hashPassword, validatePassword, verifyPassword } from '../lib/passwords';
import { sha256Hex } from '../lib/passwords/bcrypt-hashers';
import { decodePasswordList } from '../lib/passwords/common-passwords';
import { COMMON_PASSWORDS_BROTLI_BASE64 } from '../lib/passwords/common-passwords-data';
import { benchRow, timeMs } from './measure';
import type { BenchRow } from './run';

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify(scrypt);

const REPEATS = 5;
const PASSWORD = 'correct horse battery staple';

/** Times `task` REPEATS times and returns the row, with a ratio when `baseline` is given. */
async function measure(metric: string, task: () => Promise<unknown>, baseline?: BenchRow): Promise<BenchRow> {
  const samples: number[] = [];
  for (let repeat = 0; repeat < REPEATS; repeat += 1) samples.push(await timeMs(task));
  return benchRow(metric, 'ms', samples, baseline);
}

async function expectValid(encoded: string): Promise<void> {
  const result = await verifyPassword(PASSWORD, encoded, 12);
  if (!result.valid) {
    throw new Error(`Benchmark setup failed: ${result.algorithm ?? 'unknown'} hash did not verify.`);
  }
}

/** Measures password hashing, each Django format's verification and the password validators. */
export async function passwordsSection(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];

  // bcrypt_sha256 at cost 12, the BCRYPT_ROUNDS default.
  const current = await hashPassword(PASSWORD, 12);
  const bcryptString = current.slice('bcrypt_sha256$'.length);
  rows.push(await measure('hashPassword, cost 12', () => hashPassword(PASSWORD, 12)));
  const bcryptDirect = await measure('bcryptjs compare, cost 12', () =>
    bcryptCompare(sha256Hex(PASSWORD), bcryptString),
  );
  rows.push(bcryptDirect);
  rows.push(await measure('verify bcrypt_sha256, cost 12', () => expectValid(current), bcryptDirect));

  // pbkdf2_sha256 at the defaults of Django 3.1 (the last djongo-supported release) and 5.2.
  for (const iterations of [216_000, 1_000_000]) {
    const salt = 'benchsalt0123456789abc';
    const digest = await pbkdf2Async(PASSWORD, salt, iterations, 32, 'sha256');
    const encoded = `pbkdf2_sha256$${iterations}$${salt}$${digest.toString('base64')}`;
    const direct = await measure(`node pbkdf2, ${iterations} iterations`, () =>
      pbkdf2Async(PASSWORD, salt, iterations, 32, 'sha256'),
    );
    rows.push(direct);
    rows.push(await measure(`verify pbkdf2_sha256, ${iterations}`, () => expectValid(encoded), direct));
  }

  // scrypt at Django's defaults: N = 2^14, r = 8, p = 1.
  const scryptSalt = 'benchsalt0123456789abc';
  const scryptKey = (await scryptAsync(PASSWORD, scryptSalt, 64)) as Buffer;
  const scryptEncoded = `scrypt$16384$${scryptSalt}$8$1$${scryptKey.toString('base64')}`;
  const scryptDirect = await measure('node scrypt, N=16384 r=8 p=1', () => scryptAsync(PASSWORD, scryptSalt, 64));
  rows.push(scryptDirect);
  rows.push(await measure('verify scrypt, Django defaults', () => expectValid(scryptEncoded), scryptDirect));

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
