import { createHash, pbkdf2Sync, scryptSync } from 'node:crypto';

import { hashSync } from 'bcryptjs';
import { argon2i, argon2id } from 'hash-wasm';
import { describe, expect, it } from 'vitest';

import { verifyPassword } from '../../lib/passwords';

// Tests pass small costs explicitly; only the vectors below carry their own, larger costs.
const ROUNDS = 4;

/** A vector: a stored value, the password it was made from, and the hasher it names. */
interface Vector {
  name: string;
  encoded: string;
  password: string;
  algorithm: string;
}

function hexDigest(algorithm: 'md5' | 'sha1' | 'sha256', text: string): string {
  return createHash(algorithm).update(text, 'utf8').digest('hex');
}

async function expectVerifies(vector: Vector, rounds = ROUNDS): Promise<void> {
  const result = await verifyPassword(vector.password, vector.encoded, rounds);
  expect(result.valid).toBe(true);
  expect(result.algorithm).toBe(vector.algorithm);
  expect(result.supported).toBe(true);
}

/**
 * Returns passwords that differ from the vector's: a changed first character and an added last
 * one. Plain bcrypt reads only 72 bytes, so for longer passwords only the first change counts.
 */
function wrongPasswordsFor(vector: Vector): string[] {
  const { password } = vector;
  const changedFirst = (password.startsWith('a') ? 'b' : 'a') + password.slice(1);
  if (vector.algorithm === 'bcrypt' && Buffer.byteLength(password, 'utf8') >= 72) {
    return [changedFirst];
  }
  return [changedFirst, `${password}x`];
}

async function expectRejectsWrongPassword(
  vector: Vector,
  wrongPasswords = wrongPasswordsFor(vector),
): Promise<void> {
  for (const wrong of wrongPasswords) {
    const result = await verifyPassword(wrong, vector.encoded, ROUNDS);
    expect(result).toEqual({
      valid: false,
      algorithm: vector.algorithm,
      supported: true,
      needsUpgrade: false,
    });
  }
}

// Values published in Django's test suite (tests/auth_tests/test_hashers.py in Django 4.1, and
// Django 3.2's pbkdf2 vector as ported by the djangohashers crate). Each was also recomputed with
// Python's hashlib or hash-wasm before being added here.
const DJANGO_VECTORS: Vector[] = [
  {
    name: 'pbkdf2_sha256 (Django 4.1)',
    encoded: 'pbkdf2_sha256$390000$seasalt$8xBlGd3jVgvJ+92hWPxi5ww0uuAuAnKgC45eudxro7c=',
    password: 'lètmein',
    algorithm: 'pbkdf2_sha256',
  },
  {
    name: 'pbkdf2_sha1 (Django 4.1)',
    encoded: 'pbkdf2_sha1$390000$seasalt2$aDapRanzW8aHTz97v2TcfHzWD+I=',
    password: 'lètmein',
    algorithm: 'pbkdf2_sha1',
  },
  {
    name: 'pbkdf2_sha256 low-level (Django 4.1)',
    encoded: 'pbkdf2_sha256$390000$seasalt2$geC/uZ92nRXDSjSxeoiBqYyRcrLzMm8xK3ro1QS1uo8=',
    password: 'lètmein',
    algorithm: 'pbkdf2_sha256',
  },
  {
    name: 'pbkdf2_sha256 (Django 3.2)',
    encoded: 'pbkdf2_sha256$260000$seasalt2$UCGMhrOoaq1ghQPArIBK5RkI6IZLRxlIwHWA1dMy7y8=',
    password: 'lètmein',
    algorithm: 'pbkdf2_sha256',
  },
  {
    name: 'bcrypt_sha256',
    encoded: 'bcrypt_sha256$$2b$12$LZSJchsWG/DrBy1erNs4eeYo6tZNlLFQmONdxN9HPesa1EyXVcTXK',
    password: 'ExjGmyUT73bFoT',
    algorithm: 'bcrypt_sha256',
  },
  {
    name: 'argon2i version 1.3',
    encoded: 'argon2$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$YC9+jJCrQhs5R6db7LlN8Q',
    password: 'secret',
    algorithm: 'argon2',
  },
  {
    name: 'argon2id at Django 3.2 defaults',
    encoded: 'argon2$argon2id$v=19$m=102400,t=2,p=8$Y041dExhNkljRUUy$TMa6A8fPJhCAUXRhJXCXdw',
    password: 'secret',
    algorithm: 'argon2',
  },
  {
    name: 'scrypt',
    encoded:
      'scrypt$16384$seasalt$8$1$Qj3+9PPyRjSJIebHnG81TMjsqtaIGxNQG/aEB/NYafTJ7tibgfYz71m0ldQESkXFRkdVCBhhY8mx7rQwite/Pw==',
    password: 'lètmein',
    algorithm: 'scrypt',
  },
  {
    name: 'sha1',
    encoded: 'sha1$seasalt$cff36ea83f5706ce9aa7454e63e431fc726b2dc8',
    password: 'lètmein',
    algorithm: 'sha1',
  },
  {
    name: 'md5',
    encoded: 'md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3',
    password: 'lètmein',
    algorithm: 'md5',
  },
  {
    name: 'unsalted_md5',
    encoded: '88a434c88cca4e900f7874cd98123f43',
    password: 'lètmein',
    algorithm: 'unsalted_md5',
  },
  {
    name: 'unsalted_md5 with md5$$ prefix',
    encoded: 'md5$$88a434c88cca4e900f7874cd98123f43',
    password: 'lètmein',
    algorithm: 'unsalted_md5',
  },
  {
    name: 'unsalted_sha1',
    encoded: 'sha1$$6d138ca3ae545631b3abd71a4f076ce759c5700b',
    password: 'lètmein',
    algorithm: 'unsalted_sha1',
  },
];

// bcrypt test vectors of the OpenWall crypt_blowfish test suite, in Django's `bcrypt$` format.
const OPENWALL_BCRYPT_VECTORS: Vector[] = [
  ['$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'U*U'],
  ['$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK', 'U*U*'],
  ['$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a', 'U*U*U'],
].map(([bcryptString = '', password = '']) => ({
  name: `bcrypt ${password}`,
  encoded: `bcrypt$${bcryptString}`,
  password,
  algorithm: 'bcrypt',
}));

const LONG_OPENWALL_PASSWORD =
  '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored';
const LONG_OPENWALL_HASH = 'bcrypt$$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui';

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** Builds one vector per format with node crypto, bcryptjs and hash-wasm, never with the module under test. */
async function buildIndependentVectors(password: string): Promise<Vector[]> {
  const salt = 'sél€-c2Vhc2FsdA=='; // non-ASCII and base64-looking: it must be used as text
  const passwordBytes = Buffer.from(password, 'utf8');
  const argon2Options = {
    password: passwordBytes,
    salt: Buffer.from('0123456789abcdef'),
    iterations: 2,
    parallelism: 2,
    memorySize: 64,
    hashLength: 32,
    outputType: 'encoded',
  } as const;

  return [
    {
      name: 'pbkdf2_sha256',
      encoded: `pbkdf2_sha256$1000$${salt}$${base64(pbkdf2Sync(password, salt, 1000, 32, 'sha256'))}`,
      password,
      algorithm: 'pbkdf2_sha256',
    },
    {
      name: 'pbkdf2_sha1',
      encoded: `pbkdf2_sha1$1200$${salt}$${base64(pbkdf2Sync(password, salt, 1200, 20, 'sha1'))}`,
      password,
      algorithm: 'pbkdf2_sha1',
    },
    {
      name: 'scrypt',
      encoded: `scrypt$1024$${salt}$8$2$${base64(scryptSync(password, salt, 64, { N: 1024, r: 8, p: 2 }))}`,
      password,
      algorithm: 'scrypt',
    },
    {
      name: 'bcrypt_sha256 $2b$',
      encoded: `bcrypt_sha256$${hashSync(hexDigest('sha256', password), 5)}`,
      password,
      algorithm: 'bcrypt_sha256',
    },
    {
      name: 'bcrypt_sha256 $2a$',
      encoded: `bcrypt_sha256$${hashSync(hexDigest('sha256', password), '$2a$05$abcdefghijklmnopqrstuu')}`,
      password,
      algorithm: 'bcrypt_sha256',
    },
    {
      name: 'bcrypt_sha256 $2y$',
      encoded: `bcrypt_sha256$${hashSync(hexDigest('sha256', password), '$2y$05$ABCDEFGHIJKLMNOPQRSTUu')}`,
      password,
      algorithm: 'bcrypt_sha256',
    },
    {
      name: 'bcrypt',
      encoded: `bcrypt$${hashSync(password, 5)}`,
      password,
      algorithm: 'bcrypt',
    },
    {
      name: 'argon2id',
      encoded: `argon2${await argon2id(argon2Options)}`,
      password,
      algorithm: 'argon2',
    },
    {
      name: 'argon2i',
      encoded: `argon2${await argon2i({ ...argon2Options, iterations: 3, hashLength: 16 })}`,
      password,
      algorithm: 'argon2',
    },
    {
      name: 'md5',
      encoded: `md5$${salt}$${hexDigest('md5', salt + password)}`,
      password,
      algorithm: 'md5',
    },
    {
      name: 'sha1',
      encoded: `sha1$${salt}$${hexDigest('sha1', salt + password)}`,
      password,
      algorithm: 'sha1',
    },
    {
      name: 'unsalted_md5',
      encoded: hexDigest('md5', password),
      password,
      algorithm: 'unsalted_md5',
    },
    {
      name: 'unsalted_md5 with md5$$ prefix',
      encoded: `md5$$${hexDigest('md5', password)}`,
      password,
      algorithm: 'unsalted_md5',
    },
    {
      name: 'unsalted_sha1',
      encoded: `sha1$$${hexDigest('sha1', password)}`,
      password,
      algorithm: 'unsalted_sha1',
    },
  ];
}

// Concurrent, so that PBKDF2 and scrypt on the thread pool overlap bcrypt and argon2 on the main thread.
describe.concurrent('verifyPassword with Django test-suite vectors', () => {
  // With cost 12 as the current cost, only the bcrypt_sha256 vector (cost 12) needs no upgrade.
  it.each(DJANGO_VECTORS.map((vector) => [vector.name, vector] as const))(
    '%s verifies',
    async (_name, vector) => {
      const result = await verifyPassword(vector.password, vector.encoded, 12);

      expect(result).toEqual({
        valid: true,
        algorithm: vector.algorithm,
        supported: true,
        needsUpgrade: vector.algorithm !== 'bcrypt_sha256',
      });
    },
  );

  // Django's own tests append a "z" to the password. One wrong password per slow vector keeps the
  // suite fast, and the built vectors below try more.
  it.each(DJANGO_VECTORS.map((vector) => [vector.name, vector] as const))(
    '%s rejects a wrong password',
    async (_name, vector) => {
      await expectRejectsWrongPassword(vector, [`${vector.password}z`]);
    },
  );
});

describe('verifyPassword with OpenWall bcrypt vectors', () => {
  it.each(OPENWALL_BCRYPT_VECTORS.map((vector) => [vector.name, vector] as const))(
    '%s verifies and rejects a wrong password',
    async (_name, vector) => {
      await expectVerifies(vector);
      await expectRejectsWrongPassword(vector);
    },
  );

  it('plain bcrypt ignores bytes after 72', async () => {
    const first72 = LONG_OPENWALL_PASSWORD.slice(0, 72);

    expect((await verifyPassword(LONG_OPENWALL_PASSWORD, LONG_OPENWALL_HASH, ROUNDS)).valid).toBe(true);
    expect((await verifyPassword(`${first72}anything else`, LONG_OPENWALL_HASH, ROUNDS)).valid).toBe(true);
    expect((await verifyPassword(first72.slice(0, 71), LONG_OPENWALL_HASH, ROUNDS)).valid).toBe(false);
  });

  it('plain bcrypt rejects passwords with NUL', async () => {
    const encoded = `bcrypt$${hashSync('abc\0def', 4)}`;

    const result = await verifyPassword('abc\0def', encoded, ROUNDS);

    expect(result).toMatchObject({ valid: false, algorithm: 'bcrypt', supported: true });
  });
});

describe('verifyPassword with independently built vectors', () => {
  const passwords = ['correct horse', 'lètmein', 'пароль-密码-😀', 'x'.repeat(100)];

  it.each(passwords)('verifies every format for %j', async (password) => {
    for (const vector of await buildIndependentVectors(password)) {
      await expect.soft(verifyPassword(password, vector.encoded, ROUNDS), vector.name).resolves.toMatchObject({
        valid: true,
        algorithm: vector.algorithm,
        supported: true,
        needsUpgrade: true,
      });
    }
  });

  it.each(passwords)('rejects wrong passwords in every format for %j', async (password) => {
    for (const vector of await buildIndependentVectors(password)) {
      await expectRejectsWrongPassword(vector);
    }
  });

  it('uses the salt as text, not decoded', async () => {
    const salt = 'c2Vhc2FsdA==';
    const asText = base64(pbkdf2Sync('pw', salt, 1000, 32, 'sha256'));
    const asDecoded = base64(pbkdf2Sync('pw', Buffer.from(salt, 'base64'), 1000, 32, 'sha256'));

    expect((await verifyPassword('pw', `pbkdf2_sha256$1000$${salt}$${asText}`, ROUNDS)).valid).toBe(true);
    expect((await verifyPassword('pw', `pbkdf2_sha256$1000$${salt}$${asDecoded}`, ROUNDS)).valid).toBe(false);
  });

  it('compares passwords case-sensitively', async () => {
    const encoded = `pbkdf2_sha256$1000$salt$${base64(pbkdf2Sync('Secret', 'salt', 1000, 32, 'sha256'))}`;

    expect((await verifyPassword('Secret', encoded, ROUNDS)).valid).toBe(true);
    expect((await verifyPassword('secret', encoded, ROUNDS)).valid).toBe(false);
    expect((await verifyPassword('SECRET', encoded, ROUNDS)).valid).toBe(false);
  });

  it('does not normalize Unicode in passwords', async () => {
    const composed = 'caf\u00e9-password';
    const decomposed = 'cafe\u0301-password';
    const encoded = `pbkdf2_sha256$1000$salt$${base64(pbkdf2Sync(composed, 'salt', 1000, 32, 'sha256'))}`;

    expect((await verifyPassword(composed, encoded, ROUNDS)).valid).toBe(true);
    expect((await verifyPassword(decomposed, encoded, ROUNDS)).valid).toBe(false);
  });

  it('rejects uppercase hex digests like Django', async () => {
    const encoded = hexDigest('md5', 'pw').toUpperCase();

    const result = await verifyPassword('pw', encoded, ROUNDS);

    expect(result).toMatchObject({ valid: false, algorithm: 'unsalted_md5' });
  });
});
