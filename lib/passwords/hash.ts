// Hashes new passwords in Django's `bcrypt_sha256` format, so a Django deployment with
// BCryptSHA256PasswordHasher enabled verifies them too.
import { randomBytes } from 'node:crypto';

import { genSalt, hash as bcryptHash } from 'bcryptjs';

import {
  BCRYPT_MAX_COST,
  BCRYPT_MIN_COST,
  BCRYPT_SHA256_PREFIX,
  sha256Hex,
} from './bcrypt-hashers';
import { isWellFormedUnicode } from './hasher-utils';

export const CURRENT_ALGORITHM = 'bcrypt_sha256';

function assertValidRounds(rounds: number): void {
  if (!Number.isInteger(rounds) || rounds < BCRYPT_MIN_COST || rounds > BCRYPT_MAX_COST) {
    throw new RangeError(
      `Invalid bcrypt cost ${rounds}: expected an integer from ${BCRYPT_MIN_COST} to ${BCRYPT_MAX_COST}. ` +
        'Check BCRYPT_ROUNDS.',
    );
  }
}

/**
 * Hashes a password as `bcrypt_sha256$` + bcrypt (`$2b$`, cost `rounds`) over the lowercase hex
 * SHA-256 of its UTF-8 bytes. Pre-hashing means every byte of a long password counts, not only
 * bcrypt's first 72. Throws RangeError for a cost outside 4–15 and TypeError for a password with a
 * lone surrogate, which has no UTF-8 encoding.
 */
export async function hashPassword(password: string, rounds: number): Promise<string> {
  assertValidRounds(rounds);
  if (typeof password !== 'string' || !isWellFormedUnicode(password)) {
    throw new TypeError('Invalid password: expected a string of well-formed Unicode text.');
  }

  const salt = await genSalt(rounds);
  return BCRYPT_SHA256_PREFIX + (await bcryptHash(sha256Hex(password), salt));
}

const decoyHashes = new Map<number, Promise<string>>();

/**
 * Returns a real `bcrypt_sha256` hash of a random password at cost `rounds`, computed once per
 * container for each cost. Verifying a login against it when the user does not exist takes as long
 * as verifying a current hash, so response time does not reveal which usernames exist.
 */
export async function getDecoyHash(rounds: number): Promise<string> {
  assertValidRounds(rounds);

  let decoy = decoyHashes.get(rounds);
  if (decoy === undefined) {
    decoy = hashPassword(randomBytes(32).toString('hex'), rounds);
    decoyHashes.set(rounds, decoy);
    // A failed computation is not cached, so the next call tries again.
    decoy.catch(() => decoyHashes.delete(rounds));
  }
  return decoy;
}
