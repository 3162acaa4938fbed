import { createHash, pbkdf2Sync, scryptSync } from 'node:crypto';

import { hashSync } from 'bcryptjs';
import fc from 'fast-check';
import { argon2id } from 'hash-wasm';
import { describe, expect, it } from 'vitest';

import { hashPassword, verifyPassword } from '../../lib/passwords';
import { identifyAlgorithm } from '../../lib/passwords/django-hashers';

// Tests pass small costs explicitly.
const ROUNDS = 4;

/** A stored value, the password it was made from, and the hasher it names. */
interface Vector {
  name: string;
  encoded: string;
  password: string;
  algorithm: string;
}

function hexDigest(algorithm: 'md5' | 'sha1', text: string): string {
  return createHash(algorithm).update(text, 'utf8').digest('hex');
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

function pbkdf2Sha256(password: string, salt: string, iterations: number): string {
  return `pbkdf2_sha256$${iterations}$${salt}$${base64(pbkdf2Sync(password, salt, iterations, 32, 'sha256'))}`;
}

describe('verifyPassword with blank passwords', () => {
  it('verifies a blank password like Django', async () => {
    const blank: Vector[] = [
      {
        name: 'pbkdf2_sha256',
        encoded: pbkdf2Sha256('', 'seasalt', 1000),
        password: '',
        algorithm: 'pbkdf2_sha256',
      },
      {
        name: 'scrypt',
        encoded: `scrypt$1024$seasalt$8$1$${base64(scryptSync('', 'seasalt', 64, { N: 1024, r: 8, p: 1 }))}`,
        password: '',
        algorithm: 'scrypt',
      },
      { name: 'md5', encoded: `md5$seasalt$${hexDigest('md5', 'seasalt')}`, password: '', algorithm: 'md5' },
      { name: 'unsalted_md5', encoded: hexDigest('md5', ''), password: '', algorithm: 'unsalted_md5' },
      {
        name: 'bcrypt_sha256',
        encoded: await hashPassword('', ROUNDS),
        password: '',
        algorithm: 'bcrypt_sha256',
      },
    ];

    for (const vector of blank) {
      expect((await verifyPassword('', vector.encoded, ROUNDS)).valid, vector.name).toBe(true);
      expect((await verifyPassword(' ', vector.encoded, ROUNDS)).valid, vector.name).toBe(false);
    }
  });

  it('cannot check a blank password against argon2', async () => {
    const encoded = `argon2${await argon2id({
      password: 'not blank',
      salt: Buffer.from('0123456789abcdef'),
      iterations: 1,
      parallelism: 1,
      memorySize: 8,
      hashLength: 16,
      outputType: 'encoded',
    })}`;

    const result = await verifyPassword('', encoded, ROUNDS);

    expect(result).toEqual({ valid: false, algorithm: 'argon2', supported: false, needsUpgrade: false });
  });
});

describe('verifyPassword with bcrypt_sha256 and long passwords', () => {
  it('distinguishes passwords differing after byte 72', async () => {
    const prefix = 'a'.repeat(72);
    const encoded = await hashPassword(`${prefix}1`, ROUNDS);

    expect((await verifyPassword(`${prefix}1`, encoded, ROUNDS)).valid).toBe(true);
    expect((await verifyPassword(`${prefix}2`, encoded, ROUNDS)).valid).toBe(false);
    expect((await verifyPassword(prefix, encoded, ROUNDS)).valid).toBe(false);
  });

  it('distinguishes multi-byte passwords after byte 72', async () => {
    const prefix = 'é'.repeat(36); // 72 bytes in UTF-8
    const encoded = await hashPassword(`${prefix}é`, ROUNDS);

    expect((await verifyPassword(`${prefix}é`, encoded, ROUNDS)).valid).toBe(true);
    expect((await verifyPassword(`${prefix}e`, encoded, ROUNDS)).valid).toBe(false);
  });
});

describe('verifyPassword needsUpgrade', () => {
  it('is true for a correct old pbkdf2 password', async () => {
    const result = await verifyPassword('lètmein', pbkdf2Sha256('lètmein', 'seasalt', 1000), ROUNDS);

    expect(result).toEqual({ valid: true, algorithm: 'pbkdf2_sha256', supported: true, needsUpgrade: true });
  });

  it('is true for bcrypt_sha256 at another cost', async () => {
    const stored = await hashPassword('older cost', ROUNDS + 1);

    const result = await verifyPassword('older cost', stored, ROUNDS);

    expect(result).toEqual({ valid: true, algorithm: 'bcrypt_sha256', supported: true, needsUpgrade: true });
  });

  it('is false for bcrypt_sha256 at the current cost', async () => {
    const stored = await hashPassword('current format', ROUNDS);

    expect((await verifyPassword('current format', stored, ROUNDS)).needsUpgrade).toBe(false);
    expect((await verifyPassword('current format', stored, ROUNDS + 1)).needsUpgrade).toBe(true);
  });

  it('is false for a wrong password', async () => {
    const encoded = pbkdf2Sha256('right', 'salt', 1000);

    expect((await verifyPassword('wrong', encoded, ROUNDS)).needsUpgrade).toBe(false);
  });

  it('is true for plain bcrypt at the current cost', async () => {
    const encoded = `bcrypt$${hashSync('pw', ROUNDS)}`;

    expect((await verifyPassword('pw', encoded, ROUNDS)).needsUpgrade).toBe(true);
  });
});

describe('verifyPassword with unusable and missing values', () => {
  it('never verifies an unusable password', async () => {
    for (const encoded of ['!', '!Tz3bG2m0x4aW9kLq8vN1rS5yH7uJ6cE0fD2pX9iO', '!pbkdf2_sha256$1$a$b']) {
      const result = await verifyPassword('anything', encoded, ROUNDS);

      expect(result).toEqual({ valid: false, algorithm: 'unusable', supported: true, needsUpgrade: false });
    }
  });

  it('never verifies a hash made unusable with !', async () => {
    const stored = await hashPassword('secret', ROUNDS);

    const result = await verifyPassword('secret', `!${stored}`, ROUNDS);

    expect(result).toMatchObject({ valid: false, algorithm: 'unusable' });
  });

  it.each([null, undefined, ''])('returns no algorithm for %j', async (encoded) => {
    const result = await verifyPassword('secret', encoded, ROUNDS);

    expect(result).toEqual({ valid: false, algorithm: null, supported: false, needsUpgrade: false });
  });

  it('reports crypt as unsupported', async () => {
    const result = await verifyPassword('secret', 'crypt$$abN3k2P9mX0vQ', ROUNDS);

    expect(result).toEqual({ valid: false, algorithm: 'crypt', supported: false, needsUpgrade: false });
  });

  it('reports unknown hashers as unsupported', async () => {
    const result = await verifyPassword('secret', 'lolcat$salt$hash', ROUNDS);

    expect(result).toEqual({ valid: false, algorithm: 'lolcat', supported: false, needsUpgrade: false });
  });

  it('does not accept a raw SHA-1 digest', async () => {
    // Django's test: the unsalted_sha1 value without its `sha1$$` prefix.
    const result = await verifyPassword('lètmein', '6d138ca3ae545631b3abd71a4f076ce759c5700b', ROUNDS);

    expect(result).toEqual({ valid: false, algorithm: null, supported: false, needsUpgrade: false });
  });

  it('reports argon2 version 1.0 as unsupported', async () => {
    // Django's test vector for hashes without `v=`: argon2-cffi verifies it with "secret",
    // but hash-wasm computes only version 1.3.
    const encoded =
      'argon2$argon2i$m=8,t=1,p=1$c29tZXNhbHQ$gwQOXSNhxiOxPOA0+PY10P9QFO4NAYysnqRt1GSQLE55m+2GYDt9FEjPMHhP2Cuf0nOEXXMocVrsJAtNSsKyfg';

    const result = await verifyPassword('secret', encoded, ROUNDS);

    expect(result).toEqual({ valid: false, algorithm: 'argon2', supported: false, needsUpgrade: false });
  });

  it('does not name an algorithm that could be hash text', async () => {
    const cases = ['$2b$04$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui', 'PBKDF2$1$a$b', 'no-dollar-sign'];

    for (const encoded of cases) {
      expect(identifyAlgorithm(encoded)).toBeNull();
      expect(await verifyPassword('secret', encoded, ROUNDS)).toMatchObject({ algorithm: null, supported: false });
    }
  });

  it('rejects passwords with lone surrogates', async () => {
    const encoded = pbkdf2Sha256('\uFFFD', 'salt', 1000);

    expect((await verifyPassword('\uFFFD', encoded, ROUNDS)).valid).toBe(true);
    expect((await verifyPassword('\uD800', encoded, ROUNDS)).valid).toBe(false);
  });
});

const FORTY_FOUR_BASE64 = 'A'.repeat(43) + '=';
const EIGHTY_EIGHT_BASE64 = 'A'.repeat(86) + '==';
const BCRYPT_TAIL = 'abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui';

describe('verifyPassword with malformed values', () => {
  const malformed: [string, string | null][] = [
    ['pbkdf2_sha256', null],
    ['pbkdf2_sha256$', 'pbkdf2_sha256'],
    ['pbkdf2_sha256$390000$seasalt', 'pbkdf2_sha256'],
    ['pbkdf2_sha256$abc$salt$' + FORTY_FOUR_BASE64, 'pbkdf2_sha256'],
    ['pbkdf2_sha256$0$salt$' + FORTY_FOUR_BASE64, 'pbkdf2_sha256'],
    ['pbkdf2_sha256$-1$salt$' + FORTY_FOUR_BASE64, 'pbkdf2_sha256'],
    ['pbkdf2_sha256$1e3$salt$' + FORTY_FOUR_BASE64, 'pbkdf2_sha256'],
    ['pbkdf2_sha256$0390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=', 'pbkdf2_sha256'],
    ['pbkdf2_sha256$390000$$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=', 'pbkdf2_sha256'],
    ['pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c', 'pbkdf2_sha256'],
    ['pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=$', 'pbkdf2_sha256'],
    ['pbkdf2_sha1$390000$seasalt2$' + FORTY_FOUR_BASE64, 'pbkdf2_sha1'],
    ['bcrypt_sha256$', 'bcrypt_sha256'],
    ['bcrypt_sha256$$2x$12$' + BCRYPT_TAIL, 'bcrypt_sha256'],
    ['bcrypt_sha256$$2$12$' + BCRYPT_TAIL, 'bcrypt_sha256'],
    ['bcrypt_sha256$$2b$12$short', 'bcrypt_sha256'],
    ['bcrypt_sha256$$2b$1$' + BCRYPT_TAIL, 'bcrypt_sha256'],
    ['bcrypt_sha256$$2b$12$' + BCRYPT_TAIL + '!', 'bcrypt_sha256'],
    ['bcrypt_sha256$2b$12$' + BCRYPT_TAIL, 'bcrypt_sha256'],
    ['bcrypt$$2b$03$' + BCRYPT_TAIL, 'bcrypt'],
    ['argon2$', 'argon2'],
    ['argon2$argon2x$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q', 'argon2'],
    ['argon2$argon2i$v=19$t=1,m=8,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q', 'argon2'],
    ['argon2$argon2i$v=19$m=8,t=0,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q', 'argon2'],
    ['argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdA$YC9+jJCrQhs5R6db7LlN8Q', 'argon2'],
    ['argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ=$YC9+jJCrQhs5R6db7LlN8Q', 'argon2'],
    ['argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHR$YC9+jJCrQhs5R6db7LlN8Q', 'argon2'],
    ['argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$YQ', 'argon2'],
    ['argon2$argon2i$v=16$m=8,t=1,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q', 'argon2'],
    ['argon2$argon2i$m=8,t=1,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q', 'argon2'],
    ['argon2$argon2i$v=19$m=8,t=1,p=2$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q', 'argon2'],
    ['scrypt$', 'scrypt'],
    ['scrypt$16384$salt$8$1', 'scrypt'],
    ['scrypt$1000$salt$8$1$' + EIGHTY_EIGHT_BASE64, 'scrypt'],
    ['scrypt$1$salt$8$1$' + EIGHTY_EIGHT_BASE64, 'scrypt'],
    ['scrypt$16384$salt$0$1$' + EIGHTY_EIGHT_BASE64, 'scrypt'],
    ['scrypt$16384$salt$8$1$' + FORTY_FOUR_BASE64, 'scrypt'],
    ['md5$$', 'md5'],
    ['md5$$abc', 'md5'],
    ['md5$salt$nothex', 'md5'],
    ['md5$salt$' + 'A'.repeat(32), 'md5'],
    ['sha1$salt$' + 'a'.repeat(39), 'sha1'],
    ['sha1$$xyz', 'sha1'],
    ['z'.repeat(32), 'unsalted_md5'],
    ['$', null],
    ['$$$', null],
    ['\u0000', null],
    ['pbkdf2_sha256$1000$' + 's'.repeat(2000) + '$' + FORTY_FOUR_BASE64, 'pbkdf2_sha256'],
  ];

  it.each(malformed)('does not verify %j', async (encoded, algorithm) => {
    const result = await verifyPassword('lètmein', encoded, ROUNDS);

    expect(result).toEqual({ valid: false, algorithm, supported: false, needsUpgrade: false });
  });

  it('does not throw for non-string stored values', async () => {
    for (const encoded of [12345, {}, [], true]) {
      const result = await verifyPassword('secret', encoded as unknown as string, ROUNDS);

      expect(result).toEqual({ valid: false, algorithm: null, supported: false, needsUpgrade: false });
    }
  });

  it('never throws or verifies random stored values', async () => {
    const prefixes = [
      '',
      'pbkdf2_sha256$',
      'pbkdf2_sha256$1000$',
      'bcrypt_sha256$$2b$04$',
      'bcrypt$$2a$',
      'argon2$argon2id$v=19$m=',
      'argon2$argon2i$v=19$m=8,t=1,p=1$',
      'scrypt$16384$',
      'md5$',
      'md5$$',
      'sha1$$',
      '!',
    ];
    const stored = fc
      .tuple(fc.constantFrom(...prefixes), fc.string({ unit: 'binary', maxLength: 120 }))
      .map(([prefix, rest]) => prefix + rest);

    await fc.assert(
      fc.asyncProperty(stored, fc.string({ maxLength: 20 }), async (encoded, password) => {
        const result = await verifyPassword(password, encoded, ROUNDS);
        expect(result.valid).toBe(false);
        expect(result.needsUpgrade).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('verifyPassword with hostile parameters', () => {
  const hostile: [string, string][] = [
    ['pbkdf2_sha256$5000001$salt$' + FORTY_FOUR_BASE64, 'pbkdf2_sha256'],
    ['pbkdf2_sha256$999999999999999$salt$' + FORTY_FOUR_BASE64, 'pbkdf2_sha256'],
    ['pbkdf2_sha256$99999999999999999999999$salt$' + FORTY_FOUR_BASE64, 'pbkdf2_sha256'],
    ['pbkdf2_sha1$4294967296$salt$' + 'A'.repeat(27) + '=', 'pbkdf2_sha1'],
    ['bcrypt_sha256$$2b$16$' + BCRYPT_TAIL, 'bcrypt_sha256'],
    ['bcrypt_sha256$$2b$31$' + BCRYPT_TAIL, 'bcrypt_sha256'],
    ['bcrypt_sha256$$2b$99$' + BCRYPT_TAIL, 'bcrypt_sha256'],
    ['bcrypt$$2y$31$' + BCRYPT_TAIL, 'bcrypt'],
    ['scrypt$1073741824$salt$8$1$' + EIGHTY_EIGHT_BASE64, 'scrypt'],
    ['scrypt$2147483648$salt$8$1$' + EIGHTY_EIGHT_BASE64, 'scrypt'],
    ['scrypt$262144$salt$8$1$' + EIGHTY_EIGHT_BASE64, 'scrypt'],
    ['scrypt$16384$salt$4096$1$' + EIGHTY_EIGHT_BASE64, 'scrypt'],
    ['scrypt$16384$salt$8$4294967295$' + EIGHTY_EIGHT_BASE64, 'scrypt'],
    ['scrypt$131072$salt$8$8$' + EIGHTY_EIGHT_BASE64, 'scrypt'],
    // Within the caps, but OpenSSL requires N < 2^(16·r): the library error must not escape.
    ['scrypt$65536$salt$1$1$' + EIGHTY_EIGHT_BASE64, 'scrypt'],
    ['argon2$argon2id$v=19$m=4294967295,t=2,p=8$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q', 'argon2'],
    ['argon2$argon2id$v=19$m=524288,t=1,p=8$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q', 'argon2'],
    ['argon2$argon2id$v=19$m=102400,t=4294967295,p=8$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q', 'argon2'],
    ['argon2$argon2id$v=19$m=262144,t=5,p=8$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q', 'argon2'],
    ['argon2$argon2id$v=19$m=1048576,t=1,p=16777215$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q', 'argon2'],
    ['argon2$argon2id$v=19$m=8192,t=1,p=1024$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q', 'argon2'],
    ['argon2$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$' + 'A'.repeat(1400), 'argon2'],
  ];

  it.each(hostile)('rejects %s', { timeout: 10_000 }, async (encoded, algorithm) => {
    const result = await verifyPassword('lètmein', encoded, ROUNDS);

    expect(result).toEqual({ valid: false, algorithm, supported: false, needsUpgrade: false });
  });

  it('rejects a very long stored value', async () => {
    const encoded = `pbkdf2_sha256$1000$${'s'.repeat(1_000_000)}$${FORTY_FOUR_BASE64}`;

    const result = await verifyPassword('lètmein', encoded, ROUNDS);

    expect(result).toEqual({ valid: false, algorithm: 'pbkdf2_sha256', supported: false, needsUpgrade: false });
  });
});
