import { describe, expect, it } from 'vitest';

import { hashPassword, isCurrentHash, isKnownHashFormat } from '../../lib/passwords';

const BCRYPT_BODY = `$2b$12$${'a'.repeat(53)}`;

describe('isKnownHashFormat', () => {
  it.each([
    ['pbkdf2_sha256', 'pbkdf2_sha256$260000$salt$hash='],
    ['pbkdf2_sha1', 'pbkdf2_sha1$100000$salt$hash='],
    ['bcrypt_sha256', `bcrypt_sha256$${BCRYPT_BODY}`],
    ['bcrypt', `bcrypt$${BCRYPT_BODY}`],
    ['argon2', 'argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA'],
    ['scrypt', 'scrypt$16384$salt$8$1$hash='],
    ['md5', 'md5$salt$0123456789abcdef0123456789abcdef'],
    ['sha1', 'sha1$salt$0123456789abcdef0123456789abcdef01234567'],
    ['unsalted_md5', '0123456789abcdef0123456789abcdef'],
    ['unsalted_sha1', `sha1$$${'0'.repeat(40)}`],
    ['crypt', 'crypt$$abN0vQ2pX9a3U'],
    ['unusable', '!abcdefghijklmnopqrstuvwxyz0123456789ABCD'],
  ])('accepts %s', (_name, encoded) => {
    expect(isKnownHashFormat(encoded)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['plain text', 'hunter2'],
    ['unknown hasher', 'whirlpool$salt$hash'],
    ['leading separator', '$2b$12$abc'],
  ])('rejects %s', (_name, encoded) => {
    expect(isKnownHashFormat(encoded)).toBe(false);
  });
});

describe('isCurrentHash', () => {
  it('accepts what hashPassword writes at the same cost', async () => {
    const encoded = await hashPassword('correct horse', 4);

    expect(isCurrentHash(encoded, 4)).toBe(true);
  });

  it('rejects another cost or another hasher', async () => {
    const encoded = await hashPassword('correct horse', 4);

    expect(isCurrentHash(encoded, 5)).toBe(false);
    expect(isCurrentHash(`bcrypt$${BCRYPT_BODY}`, 12)).toBe(false);
    expect(isCurrentHash('pbkdf2_sha256$260000$salt$hash=', 4)).toBe(false);
  });
});
