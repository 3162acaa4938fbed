import { createHash, pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { hashSync } from 'bcryptjs';
import { argon2i, argon2id } from 'hash-wasm';

/**
 * Builds realistic `python manage.py dumpdata auth.user` files for tests. They contain every hash
 * format Django has written, blank and shared emails, usernames that differ only in letter case,
 * naive and offset dates, null `last_login`, records from older models that lack fields, and a few
 * records the import must skip. The hashes are computed here with node's crypto, bcryptjs and hash-wasm,
 * independently of lib/passwords.
 *
 * Work factors are far below Django's defaults (PBKDF2 at 1,000 to 2,000 iterations instead of
 * 100,000 to 260,000, bcrypt at cost 4, small argon2 and scrypt parameters), so that a file of
 * 1,000 users is written in about a second and logging in as a sample stays fast. The format and
 * the verification code path are the same at any work factor.
 */

export const HASH_FORMATS = [
  'pbkdf2_sha256',
  'pbkdf2_sha1',
  'bcrypt_sha256',
  'bcrypt',
  'argon2id',
  'argon2i',
  'scrypt',
  'md5',
  'sha1',
  'unsalted_md5',
  'unsalted_md5_prefixed',
  'unsalted_sha1',
  'unusable',
] as const;
export type HashFormat = (typeof HASH_FORMATS)[number];

/**
 * The formats in the proportions of a long-lived Django site: mostly PBKDF2-SHA256, Django's
 * default since 1.4, with a tail of older and optional hashers. Users cycle through this list.
 */
const REALISTIC_FORMAT_CYCLE: readonly HashFormat[] = [
  ...HASH_FORMATS,
  'pbkdf2_sha256',
  'pbkdf2_sha256',
  'pbkdf2_sha256',
  'pbkdf2_sha256',
  'pbkdf2_sha256',
  'pbkdf2_sha256',
  'md5',
];

/** A user of the generated file, with the password its hash was made from (null for unusable ones). */
export interface FixtureUser {
  pk: number;
  username: string;
  email: string;
  password: string | null;
  format: HashFormat;
  is_active: boolean;
  /** The record lacks fields that older Django models did not have. */
  legacyFields: boolean;
  /** Why the import must skip the record, or undefined when it is imported. */
  expectedSkip?: 'invalid_username' | 'email_taken' | 'invalid_field';
}

export interface DumpdataFixture {
  path: string;
  /** The generated auth.user records, in file order (empty when `collectUsers` is false). */
  users: FixtureUser[];
  /** Elements of the array, including the ones that are not auth.user records. */
  elements: number;
  /** Elements the import must skip because they are not auth.user records. */
  otherModels: number;
}

export interface FixtureOptions {
  /** Number of auth.user records, at least 40. */
  users: number;
  /** Hash formats to cycle through; every format, mostly PBKDF2-SHA256, when omitted. */
  formats?: readonly HashFormat[];
  /** Keep the user list in memory; turn off for very large files. */
  collectUsers?: boolean;
}

/** Usernames that only a case-variant-aware import keeps: each group is one set of Django users. */
export const CASE_VARIANT_GROUPS = [
  ['user_b', 'USER_B'],
  ['Mixed.Case', 'mixed.case', 'MIXED.CASE'],
];

/** Writes a dumpdata file at `path` and returns what it contains. */
export async function writeDumpdataFile(path: string, options: FixtureOptions): Promise<DumpdataFixture> {
  if (options.users < 40) throw new RangeError('A realistic fixture needs at least 40 users.');
  const formats = options.formats ?? REALISTIC_FORMAT_CYCLE;
  const collect = options.collectUsers ?? true;
  const random = seededRandom(20_240_611);
  const users: FixtureUser[] = [];
  const output = createWriteStream(path, { encoding: 'utf8' });
  let elements = 0;
  let otherModels = 0;

  // dumpdata without --indent writes one line, with Python's default ", " and ": " separators.
  const write = async (element: object) => {
    const text = (elements === 0 ? '[' : ', ') + pythonJson(element);
    elements += 1;
    if (!output.write(text)) await once(output, 'drain');
  };

  const specialUsernames = specialNames();
  for (let index = 0; index < options.users; index++) {
    // pks have gaps, as deleted users leave them.
    const pk = index + 1 + Math.floor(index / 50) * 3;
    const format = formats[index % formats.length] ?? 'md5';
    const special = specialUsernames[index];
    const username = special?.username ?? `user${String(pk).padStart(6, '0')}`;
    // Some passwords are not ASCII, because Django hashes the UTF-8 bytes.
    const plainPassword = index % 5 === 0 ? `lètmein-${pk}-${randomWord(random)}` : `pw-${pk}-${randomWord(random)}`;
    const password = format === 'unusable' ? null : plainPassword;
    const email = special?.email ?? (index % 7 === 3 ? '' : `${username.toLowerCase()}@${index % 4 === 0 ? 'Example.COM' : 'example.com'}`);
    const isActive = index % 97 !== 11;
    const legacyFields = index % 211 === 5;
    const joined = new Date(Date.UTC(2015, 0, 1) + Math.floor(random() * 8 * 365 * 86_400_000));
    const lastLogin = index % 3 === 0 ? null : new Date(joined.getTime() + Math.floor(random() * 365 * 86_400_000));

    const fields: Record<string, unknown> = {
      password: await encodeDjangoPassword(format, password ?? '', random),
      last_login: lastLogin && djangoDate(lastLogin, index),
      is_superuser: index === 1,
      username,
      first_name: index % 6 === 0 ? '' : `First${index}`,
      last_name: index % 8 === 0 ? '' : `Last${index}`,
      email,
      is_staff: index <= 2,
      is_active: isActive,
      date_joined: djangoDate(joined, index + 1),
      groups: [],
      user_permissions: [],
    };
    if (legacyFields) {
      // An account created before Django added these fields; the import fills in the defaults.
      for (const name of ['last_login', 'is_active', 'first_name', 'is_superuser', 'groups', 'user_permissions']) delete fields[name];
    }
    await write({ model: 'auth.user', pk, fields });

    if (collect) {
      users.push({
        pk,
        username,
        email,
        password,
        format,
        is_active: legacyFields ? true : isActive,
        legacyFields,
        ...(special?.expectedSkip && { expectedSkip: special.expectedSkip }),
      });
    }

    // Other models of a full `dumpdata auth`, which the import skips.
    if (index === 10) {
      await write({ model: 'auth.group', pk: 1, fields: { name: 'teachers', permissions: [] } });
      otherModels += 1;
    }
  }

  output.end(']\n');
  await once(output, 'finish');
  return { path, users, elements, otherModels };
}

interface SpecialName {
  username: string;
  email?: string;
  expectedSkip?: FixtureUser['expectedSkip'];
}

/** Usernames and emails placed at fixed positions among the generated users. */
function specialNames(): Record<number, SpecialName> {
  const names: Record<number, SpecialName> = {
    20: { username: 'józef.nowak', email: 'jozef@example.pl' },
    21: { username: 'Zoë+tag@site', email: 'zoe@Example.org' },
    22: { username: '名前-user', email: '' },
    23: { username: 'shared.first', email: 'shared@example.com' },
    24: { username: 'shared.second', email: 'Shared@EXAMPLE.com', expectedSkip: 'email_taken' },
    25: { username: 'bad name!', expectedSkip: 'invalid_username' },
  };
  // Case variants are different people, so each has an email of its own, or none.
  let position = 30;
  for (const group of CASE_VARIANT_GROUPS) {
    for (const [variant, username] of group.entries()) {
      names[position] = { username, email: variant === 1 ? '' : `variant${position}@example.net` };
      position += 1;
    }
  }
  return names;
}

/** Builds a Django user as djongo stores it in `auth_user`, with the password encoded in `format`. */
export async function authUserDocument(
  id: number,
  username: string,
  password: string,
  fields: Record<string, unknown> = {},
  format: HashFormat = 'pbkdf2_sha256',
) {
  return {
    id,
    password: await encodeDjangoPassword(format, password),
    last_login: null,
    is_superuser: false,
    username,
    first_name: 'Grace',
    last_name: 'Hopper',
    email: `${username.toLowerCase()}@example.com`,
    is_staff: false,
    is_active: true,
    date_joined: new Date('2018-04-05T06:07:08.901Z'),
    ...fields,
  };
}

/** Encodes a password in one of Django's formats (see django.contrib.auth.hashers). */
export async function encodeDjangoPassword(format: HashFormat, password: string, random: () => number = Math.random): Promise<string> {
  const salt = randomSalt(random, format.startsWith('pbkdf2') && random() < 0.5 ? 22 : 12);
  const hex = (algorithm: string, text: string) => createHash(algorithm).update(text, 'utf8').digest('hex');

  switch (format) {
    case 'pbkdf2_sha256': {
      const iterations = 1000 + Math.floor(random() * 3) * 500;
      return `pbkdf2_sha256$${iterations}$${salt}$${pbkdf2Sync(password, salt, iterations, 32, 'sha256').toString('base64')}`;
    }
    case 'pbkdf2_sha1': {
      const iterations = 1000 + Math.floor(random() * 3) * 500;
      return `pbkdf2_sha1$${iterations}$${salt}$${pbkdf2Sync(password, salt, iterations, 20, 'sha1').toString('base64')}`;
    }
    case 'bcrypt_sha256':
      return `bcrypt_sha256$${hashSync(hex('sha256', password), 4)}`;
    case 'bcrypt':
      return `bcrypt$${hashSync(password, 4)}`;
    case 'argon2id':
    case 'argon2i': {
      const argon2 = format === 'argon2id' ? argon2id : argon2i;
      const encoded = await argon2({ password, salt: randomBytes(16), parallelism: 1, iterations: 1, memorySize: 16, hashLength: 16, outputType: 'encoded' });
      return `argon2${encoded}`;
    }
    case 'scrypt':
      return `scrypt$256$${salt}$8$1$${scryptSync(password, salt, 64, { N: 256, r: 8, p: 1 }).toString('base64')}`;
    case 'md5':
      return `md5$${salt}$${hex('md5', salt + password)}`;
    case 'sha1':
      return `sha1$${salt}$${hex('sha1', salt + password)}`;
    case 'unsalted_md5':
      return hex('md5', password);
    case 'unsalted_md5_prefixed':
      return `md5$$${hex('md5', password)}`;
    case 'unsalted_sha1':
      return `sha1$$${hex('sha1', password)}`;
    case 'unusable':
      return `!${randomSalt(random, 40)}`;
  }
}

/**
 * Formats a date as DjangoJSONEncoder does: milliseconds, `Z` for UTC when USE_TZ was on, an
 * offset from another time zone, or no offset at all (naive, meaning UTC) when USE_TZ was off.
 */
function djangoDate(date: Date, variant: number): string {
  const iso = date.toISOString();
  switch (variant % 3) {
    case 0:
      return iso;
    case 1:
      return iso.slice(0, -1);
    default: {
      const shifted = new Date(date.getTime() + 2 * 3_600_000).toISOString();
      return `${shifted.slice(0, -1)}+02:00`;
    }
  }
}

/** Serializes like Python's json.dumps with its default separators and ensure_ascii. */
function pythonJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/[\u007f-\uffff]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/("(?:[^"\\]|\\.)*")|([,:])/g, (match, quoted: string | undefined, separator: string | undefined) =>
      quoted ?? `${separator} `,
    );
}

const SALT_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomSalt(random: () => number, length: number): string {
  let salt = '';
  for (let index = 0; index < length; index++) salt += SALT_ALPHABET[Math.floor(random() * SALT_ALPHABET.length)];
  return salt;
}

function randomWord(random: () => number): string {
  return randomSalt(random, 8).toLowerCase();
}

/** mulberry32: a small seeded generator, so that a fixture's structure is the same on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}
