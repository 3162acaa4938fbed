import { createHash } from 'node:crypto';

import { getRounds, hashSync } from 'bcryptjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { CURRENT_ALGORITHM, getDecoyHash, hashPassword, verifyPassword } from '../../lib/passwords';

const ROUNDS = 4;
const BCRYPT_SHA256_FORMAT = /^bcrypt_sha256\$\$2b\$(\d\d)\$[./A-Za-z0-9]{53}$/;

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

describe('hashPassword', () => {
  it('names bcrypt_sha256 as the current algorithm', () => {
    expect(CURRENT_ALGORITHM).toBe('bcrypt_sha256');
  });

  it('writes Django bcrypt_sha256 at the requested cost', async () => {
    const encoded = await hashPassword('correct horse', ROUNDS);

    expect(encoded).toMatch(BCRYPT_SHA256_FORMAT);
    expect(BCRYPT_SHA256_FORMAT.exec(encoded)?.[1]).toBe('04');
  });

  it('hashes the hex SHA-256 of the password', async () => {
    const password = 'pässwörd-😀';
    const encoded = await hashPassword(password, ROUNDS);
    const bcryptString = encoded.slice('bcrypt_sha256$'.length);

    // Recompute with bcryptjs directly, from the stored salt.
    expect(hashSync(sha256Hex(password), bcryptString.slice(0, 29))).toBe(bcryptString);
    expect(hashSync(password, bcryptString.slice(0, 29))).not.toBe(bcryptString);
  });

  it('uses a fresh salt each time', async () => {
    const first = await hashPassword('same password', ROUNDS);
    const second = await hashPassword('same password', ROUNDS);

    expect(first).not.toBe(second);
    expect((await verifyPassword('same password', first, ROUNDS)).valid).toBe(true);
    expect((await verifyPassword('same password', second, ROUNDS)).valid).toBe(true);
  });

  it('round-trips arbitrary Unicode passwords', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 40 }), async (password) => {
        const encoded = await hashPassword(password, ROUNDS);

        expect(await verifyPassword(password, encoded, ROUNDS)).toEqual({
          valid: true,
          algorithm: 'bcrypt_sha256',
          supported: true,
          needsUpgrade: false,
        });
        expect((await verifyPassword(`${password}\u0000`, encoded, ROUNDS)).valid).toBe(false);
      }),
      { numRuns: 25 },
    );
  });

  it.each([3, 16, 31, 4.5, Number.NaN, -1])('rejects cost %s', async (rounds) => {
    await expect(hashPassword('secret', rounds)).rejects.toThrow(RangeError);
  });

  it('rejects a password with a lone surrogate', async () => {
    await expect(hashPassword('abc\uD800', ROUNDS)).rejects.toThrow(TypeError);
  });
});

describe('getDecoyHash', () => {
  it('returns a real bcrypt_sha256 hash at the cost', async () => {
    const decoy = await getDecoyHash(ROUNDS);

    expect(decoy).toMatch(BCRYPT_SHA256_FORMAT);
    expect(getRounds(decoy.slice('bcrypt_sha256$'.length))).toBe(ROUNDS);
  });

  it('computes once per cost and reuses it', async () => {
    const [first, second] = await Promise.all([getDecoyHash(ROUNDS), getDecoyHash(ROUNDS)]);
    const third = await getDecoyHash(ROUNDS);
    const otherCost = await getDecoyHash(ROUNDS + 1);

    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(otherCost).not.toBe(first);
    expect(getRounds(otherCost.slice('bcrypt_sha256$'.length))).toBe(ROUNDS + 1);
  });

  it('verifies like a current hash and matches nothing', async () => {
    const decoy = await getDecoyHash(ROUNDS);

    for (const password of ['', 'password', 'anything at all']) {
      expect(await verifyPassword(password, decoy, ROUNDS)).toEqual({
        valid: false,
        algorithm: 'bcrypt_sha256',
        supported: true,
        needsUpgrade: false,
      });
    }
  });

  it('rejects an invalid cost', async () => {
    await expect(getDecoyHash(40)).rejects.toThrow(RangeError);
  });
});
