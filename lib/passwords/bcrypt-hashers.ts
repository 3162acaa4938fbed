// Django's `bcrypt_sha256` and `bcrypt` hashers, computed with bcryptjs. It is pure JavaScript, so
// it needs no compiler, and its async API yields to the event loop about every 100 ms.
import { createHash } from 'node:crypto';

import { hash as bcryptHash } from 'bcryptjs';

import { compareInConstantTime, type Verdict } from './hasher-utils';

export const BCRYPT_SHA256_PREFIX = 'bcrypt_sha256$';
export const BCRYPT_PREFIX = 'bcrypt$';

/** bcrypt's smallest cost factor; bcryptjs rejects lower values. */
export const BCRYPT_MIN_COST = 4;

/**
 * Largest cost factor this module hashes or verifies. Each step doubles the work: cost 12 took
 * about 0.47 s in bcryptjs with node 20 on the 2-core development machine, so cost 15 takes about
 * 4 s, and a hostile stored cost of 31 would take days. Hashes above the cap are reported as
 * unsupported, and hashPassword rejects larger costs, so every hash we write can be verified.
 */
export const BCRYPT_MAX_COST = 15;

/**
 * A modular-crypt bcrypt string: `$2a$`, `$2b$` or `$2y$`, a two-digit cost, then 22 characters of
 * salt and 31 of hash in bcrypt's base64 alphabet. bcryptjs and Python's bcrypt treat the three
 * minor versions alike for passwords of at most 72 bytes, and keep the prefix they were given.
 */
const BCRYPT_STRING = /^\$2[aby]\$([0-9]{2})\$[./A-Za-z0-9]{53}$/;

/** Length of `$2b$12$` plus the 22 salt characters: what bcrypt needs to recompute the hash. */
const BCRYPT_SETTINGS_LENGTH = 29;

/** Returns the cost factor of a bcrypt string, or null when the string is not one. */
function parseBcryptCost(bcryptString: string): number | null {
  const match = BCRYPT_STRING.exec(bcryptString);
  return match?.[1] === undefined ? null : Number(match[1]);
}

/** Returns the lowercase hex SHA-256 of the UTF-8 password: the 64 ASCII bytes bcrypt_sha256 hashes. */
export function sha256Hex(password: string): string {
  return createHash('sha256').update(password, 'utf8').digest('hex');
}

async function verifyBcryptString(secret: string, bcryptString: string): Promise<Verdict> {
  const cost = parseBcryptCost(bcryptString);
  if (cost === null || cost < BCRYPT_MIN_COST || cost > BCRYPT_MAX_COST) {
    return 'unsupported';
  }

  const recomputed = await bcryptHash(secret, bcryptString.slice(0, BCRYPT_SETTINGS_LENGTH));
  return compareInConstantTime(bcryptString, recomputed);
}

/** Verifies `bcrypt_sha256$` + a bcrypt string computed over the hex SHA-256 of the password. */
export function verifyBcryptSha256(password: string, encoded: string): Promise<Verdict> {
  return verifyBcryptString(sha256Hex(password), encoded.slice(BCRYPT_SHA256_PREFIX.length));
}

/**
 * Verifies `bcrypt$` + a bcrypt string computed over the UTF-8 password itself, of which bcrypt
 * reads only the first 72 bytes. Python's bcrypt raises on a password containing a NUL byte, so
 * Django could never verify one, and neither do we.
 */
export async function verifyBcrypt(password: string, encoded: string): Promise<Verdict> {
  if (password.includes('\0')) {
    return 'mismatch';
  }
  return verifyBcryptString(password, encoded.slice(BCRYPT_PREFIX.length));
}

/** Returns the cost factor of a well-formed `bcrypt_sha256$` hash, or null for anything else. */
export function getBcryptSha256Cost(encoded: string): number | null {
  if (!encoded.startsWith(BCRYPT_SHA256_PREFIX)) {
    return null;
  }
  return parseBcryptCost(encoded.slice(BCRYPT_SHA256_PREFIX.length));
}
