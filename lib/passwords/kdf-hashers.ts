// Django's PBKDF2 and scrypt hashers, computed with node's crypto on the libuv thread pool so that
// the event loop keeps running while a hash is derived.
import { pbkdf2, scrypt, type ScryptOptions } from 'node:crypto';
import { promisify } from 'node:util';

import { compareInConstantTime, parsePositiveInteger, type Verdict } from './hasher-utils';

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify<string | Buffer, string | Buffer, number, ScryptOptions, Buffer>(scrypt);

/**
 * Maximum PBKDF2 iteration count this module computes. Django's default is 1,000,000 in 5.2 and
 * 1,200,000 in 6.0, so 5,000,000 leaves room for raised settings and later releases. One million
 * PBKDF2-SHA256 iterations took about 0.5 s with node 20 on the 2-core development machine, so a
 * stored value at the cap costs about 2.5 s. Larger counts are reported as unsupported, so a hostile
 * value cannot tie up a thread-pool thread for minutes.
 */
export const PBKDF2_MAX_ITERATIONS = 5_000_000;

const PBKDF2_DIGESTS = {
  pbkdf2_sha256: { digest: 'sha256', base64: /^[A-Za-z0-9+/]{43}=$/, bytes: 32 },
  pbkdf2_sha1: { digest: 'sha1', base64: /^[A-Za-z0-9+/]{27}=$/, bytes: 20 },
} as const;

export type Pbkdf2Algorithm = keyof typeof PBKDF2_DIGESTS;

/**
 * Verifies `pbkdf2_sha256$<iterations>$<salt>$<base64>` (or `pbkdf2_sha1`): PBKDF2-HMAC over the
 * UTF-8 password with the salt's UTF-8 text as salt, full digest length, padded standard base64.
 */
export async function verifyPbkdf2(
  algorithm: Pbkdf2Algorithm,
  password: string,
  encoded: string,
): Promise<Verdict> {
  const fields = encoded.split('$');
  if (fields.length !== 4) {
    return 'unsupported';
  }

  const [, iterationsText = '', salt = '', storedHash = ''] = fields;
  const { digest, base64, bytes } = PBKDF2_DIGESTS[algorithm];
  const iterations = parsePositiveInteger(iterationsText);
  if (iterations === null || iterations > PBKDF2_MAX_ITERATIONS) {
    return 'unsupported';
  }
  if (salt === '' || !base64.test(storedHash)) {
    return 'unsupported';
  }

  const derived = await pbkdf2Async(
    Buffer.from(password, 'utf8'),
    Buffer.from(salt, 'utf8'),
    iterations,
    bytes,
    digest,
  );
  return compareInConstantTime(storedHash, derived.toString('base64'));
}

/** Django's scrypt key length in bytes; its hashes hold 88 characters of padded base64. */
const SCRYPT_KEY_LENGTH = 64;
const SCRYPT_BASE64 = /^[A-Za-z0-9+/]{86}==$/;

/**
 * Maximum memory of one scrypt computation, 128 · N · r bytes. Django's default (N = 2^14, r = 8)
 * uses 16 MiB, and Django passes `maxmem=0`, which keeps OpenSSL's 32 MiB limit, so stock Django
 * never wrote a hash above 32 MiB. The cap is 4 times that limit, for subclasses that raise `maxmem`.
 */
export const SCRYPT_MAX_MEMORY_BYTES = 128 * 1024 * 1024;

/**
 * Maximum total work, 128 · N · r · p bytes processed (the parallel lanes run one after another in
 * OpenSSL). Django's default is 16 MiB. N = 2^17, r = 8, p = 1 (128 MiB) took about 0.6 s with
 * node 20 on the 2-core development machine, so the cap of 512 MiB costs about 2.5 s.
 */
export const SCRYPT_MAX_WORK_BYTES = 512 * 1024 * 1024;

/** Upper bounds on the single parameters, far above Django's r = 8 and p = 1. */
const SCRYPT_MAX_BLOCK_SIZE = 32;
const SCRYPT_MAX_PARALLELISM = 16;

function isPowerOfTwo(value: number): boolean {
  return value >= 2 && (value & (value - 1)) === 0;
}

/**
 * Verifies `scrypt$<N>$<salt>$<r>$<p>$<base64>`: scrypt over the UTF-8 password with the salt's
 * UTF-8 text, a 64-byte key and padded standard base64.
 */
export async function verifyScrypt(password: string, encoded: string): Promise<Verdict> {
  const fields = encoded.split('$');
  if (fields.length !== 6) {
    return 'unsupported';
  }

  const [, costText = '', salt = '', blockSizeText = '', parallelismText = '', storedHash = ''] =
    fields;
  const cost = parsePositiveInteger(costText);
  const blockSize = parsePositiveInteger(blockSizeText);
  const parallelism = parsePositiveInteger(parallelismText);
  if (cost === null || blockSize === null || parallelism === null) {
    return 'unsupported';
  }
  if (salt === '' || !SCRYPT_BASE64.test(storedHash)) {
    return 'unsupported';
  }

  // Bounding N first keeps the bit test in isPowerOfTwo within 32 bits; the memory cap is stricter.
  if (cost > 2 ** 30 || !isPowerOfTwo(cost)) {
    return 'unsupported';
  }
  if (blockSize > SCRYPT_MAX_BLOCK_SIZE || parallelism > SCRYPT_MAX_PARALLELISM) {
    return 'unsupported';
  }
  const memoryBytes = 128 * cost * blockSize;
  if (memoryBytes > SCRYPT_MAX_MEMORY_BYTES || memoryBytes * parallelism > SCRYPT_MAX_WORK_BYTES) {
    return 'unsupported';
  }

  const derived = await scryptAsync(
    Buffer.from(password, 'utf8'),
    Buffer.from(salt, 'utf8'),
    SCRYPT_KEY_LENGTH,
    {
      N: cost,
      r: blockSize,
      p: parallelism,
      // OpenSSL counts the N + 2 blocks of V plus p blocks of B, each 128 · r bytes; 64 KiB spare.
      maxmem: 128 * blockSize * (cost + parallelism + 2) + 64 * 1024,
    },
  );
  return compareInConstantTime(storedHash, derived.toString('base64'));
}
