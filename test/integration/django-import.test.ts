import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AUTH_USER_COLLECTION } from '../../lib/auth-user';
import { importDjangoUsers, type ImportSummary } from '../../lib/django-import';
import { COUNTERS_COLLECTION, USER_ID_COUNTER, USERS_COLLECTION, USERNAME_INDEX, ensureUserIndexes } from '../../lib/users';
import { writeDumpdataFile, type DumpdataFixture } from '../helpers/django-fixtures';
import { useTestDatabase } from '../helpers/service';

const database = useTestDatabase('django_import');

const HASH = 'pbkdf2_sha256$216000$legacysalt12$bWFkZS11cC1oYXNoLWZvci10ZXN0cy0wMTIzNDU2Nzg5YWI=';

function djangoUser(pk: number, fields: Record<string, unknown> = {}) {
  return {
    model: 'auth.user',
    pk,
    fields: {
      password: HASH,
      last_login: null,
      is_superuser: false,
      username: `user${pk}`,
      first_name: 'Ada',
      last_name: 'Lovelace',
      email: `user${pk}@example.com`,
      is_staff: false,
      is_active: true,
      date_joined: '2020-02-03T04:05:06.789Z',
      groups: [],
      user_permissions: [],
      ...fields,
    },
  };
}

function dump(elements: unknown[]): Readable {
  return Readable.from([JSON.stringify(elements)]);
}

async function users() {
  return (await database.db()).collection(USERS_COLLECTION);
}

async function authUsers() {
  return (await database.db()).collection(AUTH_USER_COLLECTION);
}

/** Every user of both collections without `_id`, and the id counter: what two imports must agree on. */
async function snapshot() {
  const documents = await (await users()).find({}, { projection: { _id: 0 } }).sort({ id: 1 }).toArray();
  const mirrored = await (await authUsers()).find({}, { projection: { _id: 0 } }).sort({ id: 1 }).toArray();
  const counter = await (await database.db()).collection(COUNTERS_COLLECTION).findOne({ _id: USER_ID_COUNTER as never });
  return { documents, mirrored, counter: counter?.seq };
}

async function resetCollections() {
  const db = await database.db();
  for (const name of [USERS_COLLECTION, COUNTERS_COLLECTION, AUTH_USER_COLLECTION]) await db.collection(name).drop().catch(() => undefined);
}

beforeEach(resetCollections);

describe('importDjangoUsers', () => {
  it('maps a record to the tracker document', async () => {
    const summary = await importDjangoUsers(
      dump([
        djangoUser(7, { last_login: '2021-06-01T10:00:00.123', date_joined: '2019-01-02T03:04:05.678+02:00', is_staff: true }),
      ]),
    );

    const stored = await (await users()).findOne({ id: 7 }, { projection: { _id: 0 } });
    expect(summary.imported).toBe(1);
    expect(stored).toEqual({
      id: 7,
      username: 'user7',
      email: 'user7@example.com',
      first_name: 'Ada',
      last_name: 'Lovelace',
      password_hash: HASH,
      is_active: true,
      is_staff: true,
      is_superuser: false,
      date_joined: new Date('2019-01-02T01:04:05.678Z'),
      last_login: new Date('2021-06-01T10:00:00.123Z'),
    });
  });

  it('copies new users to auth_user while AUTH_USER_MIRROR is on', async () => {
    const summary = await importDjangoUsers(dump([djangoUser(7, { last_login: '2021-06-01T10:00:00Z' })]));

    expect(summary.authUserInserted).toBe(1);
    expect(await (await authUsers()).findOne({ id: 7 }, { projection: { _id: 0 } })).toEqual({
      id: 7,
      password: HASH,
      last_login: new Date('2021-06-01T10:00:00Z'),
      is_superuser: false,
      username: 'user7',
      first_name: 'Ada',
      last_name: 'Lovelace',
      email: 'user7@example.com',
      is_staff: false,
      is_active: true,
      date_joined: new Date('2020-02-03T04:05:06.789Z'),
    });
  });

  it('leaves an existing auth_user document alone', async () => {
    const djangoRow = { id: 7, username: 'user7', password: 'pbkdf2_sha256$600000$newersalt$newer', last_login: new Date('2025-01-01T00:00:00Z') };
    await (await authUsers()).insertOne({ ...djangoRow });

    const summary = await importDjangoUsers(dump([djangoUser(7)]));

    expect(summary.authUserInserted).toBe(0);
    expect(await (await authUsers()).findOne({ id: 7 }, { projection: { _id: 0 } })).toEqual(djangoRow);
  });

  it('fills fields an older model lacked with Django defaults', async () => {
    await importDjangoUsers(dump([{ model: 'auth.user', pk: 3, fields: { username: 'old', password: HASH, date_joined: '2012-05-06T07:08:09' } }]));

    const stored = await (await users()).findOne({ id: 3 }, { projection: { _id: 0 } });
    expect(stored).toEqual({
      id: 3,
      username: 'old',
      email: '',
      first_name: '',
      last_name: '',
      password_hash: HASH,
      is_active: true,
      is_staff: false,
      is_superuser: false,
      date_joined: new Date('2012-05-06T07:08:09Z'),
      last_login: null,
    });
  });

  it('keeps many blank emails', async () => {
    const summary = await importDjangoUsers(dump([1, 2, 3].map((pk) => djangoUser(pk, { email: '' }))));

    expect(summary.imported).toBe(3);
    expect(await (await users()).countDocuments({ email: '' })).toBe(3);
  });

  it('skips invalid records with reasons', async () => {
    const summary = await importDjangoUsers(
      dump([
        { model: 'auth.group', pk: 1, fields: { name: 'staff' } },
        { model: 'auth.user', fields: { username: 'natural', password: HASH } },
        djangoUser(0),
        djangoUser(5),
        djangoUser(5, { username: 'again' }),
        djangoUser(6, { username: 'has space' }),
        djangoUser(8, { is_staff: 'yes' }),
        djangoUser(9, { date_joined: 'yesterday' }),
        djangoUser(10, { email: 'USER5@example.com' }),
      ]),
    );

    expect(summary.records).toBe(9);
    expect(summary.imported).toBe(1);
    expect(summary.skipped).toBe(8);
    expect(summary.skippedByReason.not_auth_user?.count).toBe(1);
    expect(summary.skippedByReason.invalid_pk?.count).toBe(2);
    expect(summary.skippedByReason.invalid_pk?.examples[0]?.detail).toContain('--natural-primary');
    expect(summary.skippedByReason.duplicate_pk?.examples[0]).toMatchObject({ pk: 5, username: 'again' });
    expect(summary.skippedByReason.invalid_username?.examples[0]).toMatchObject({ pk: 6 });
    expect(summary.skippedByReason.invalid_field?.count).toBe(2);
    expect(summary.skippedByReason.invalid_field?.examples.map((skipped) => skipped.detail)).toEqual([
      'is_staff is a string, not true or false',
      'date_joined "yesterday" is not an ISO 8601 date',
    ]);
    expect(summary.skippedByReason.email_taken?.examples[0]?.detail).toContain('user 5 ("user5")');
    expect(await (await users()).countDocuments()).toBe(1);
  });

  it('keeps usernames that differ only in letter case', async () => {
    const summary = await importDjangoUsers(dump([djangoUser(1, { username: 'user_b' }), djangoUser(2, { username: 'USER_B' })]));

    expect(summary.imported).toBe(2);
    expect(summary.failedIndexes).toEqual([USERNAME_INDEX]);
    expect(await (await users()).countDocuments({ username: { $in: ['user_b', 'USER_B'] } })).toBe(2);
  });

  it('skips a case variant once the username index exists', async () => {
    await ensureUserIndexes(await database.db());

    const summary = await importDjangoUsers(dump([djangoUser(1, { username: 'user_b' }), djangoUser(2, { username: 'USER_B' })]));

    expect(summary.imported).toBe(1);
    expect(summary.skippedByReason.username_taken?.examples[0]?.detail).toBe(
      'username "USER_B" equals the username "user_b" of user 1 ("user_b"), ignoring letter case; both are Django users: rerun with --allow-case-variants to keep both',
    );
  });

  it('keeps case variants after dropping the username index on request', async () => {
    await ensureUserIndexes(await database.db());

    const summary = await importDjangoUsers(dump([djangoUser(1, { username: 'user_b' }), djangoUser(2, { username: 'USER_B' })]), { allowCaseVariants: true });

    expect(summary).toMatchObject({ imported: 2, skipped: 0, droppedUsernameIndex: true, failedIndexes: [USERNAME_INDEX] });
  });

  it('skips a record whose id another tracker user holds', async () => {
    await (await users()).insertOne({ id: 4, username: 'signed_up_here', email: '', password_hash: HASH });

    const summary = await importDjangoUsers(dump([djangoUser(4)]));

    expect(summary.skippedByReason.id_taken?.examples[0]?.detail).toBe('id 4 belongs to tracker user "signed_up_here"');
    expect(await (await users()).findOne({ id: 4 })).toMatchObject({ username: 'signed_up_here' });
  });

  it('raises the id counter past the largest id', async () => {
    await importDjangoUsers(dump([djangoUser(12), djangoUser(4000), djangoUser(33)]));

    expect((await snapshot()).counter).toBe(4000);
  });

  it('writes nothing when run again', async () => {
    const elements = [djangoUser(1), djangoUser(2, { last_login: '2022-01-01T00:00:00' }), djangoUser(3, { email: '' })];
    await importDjangoUsers(dump(elements));
    const before = await (await users()).find().sort({ id: 1 }).toArray();

    const second = await importDjangoUsers(dump(elements));

    expect(second).toMatchObject({ imported: 0, unchanged: 3, updated: 0, skipped: 0, authUserInserted: 0 });
    expect(await (await users()).find().sort({ id: 1 }).toArray()).toEqual(before);
  });

  it('updates the fields Django changed', async () => {
    await importDjangoUsers(dump([djangoUser(1), djangoUser(2)]));

    const summary = await importDjangoUsers(dump([djangoUser(1, { email: 'new@example.com', is_active: false }), djangoUser(2)]));

    expect(summary).toMatchObject({ imported: 0, unchanged: 1, updated: 1 });
    expect(await (await users()).findOne({ id: 1 })).toMatchObject({ email: 'new@example.com', is_active: false });
  });

  it('keeps the hash of a later tracker login', async () => {
    await importDjangoUsers(dump([djangoUser(1, { last_login: '2022-01-01T00:00:00Z' })]));
    const loggedIn = { password_hash: 'bcrypt_sha256$$2b$04$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234', last_login: new Date('2024-01-01T00:00:00Z') };
    await (await users()).updateOne({ id: 1 }, { $set: loggedIn });

    const summary = await importDjangoUsers(dump([djangoUser(1, { last_login: '2022-01-01T00:00:00Z' })]));

    expect(summary.unchanged).toBe(1);
    expect(await (await users()).findOne({ id: 1 })).toMatchObject(loggedIn);
  });

  it('takes the hash of a later Django login', async () => {
    await importDjangoUsers(dump([djangoUser(1, { last_login: '2022-01-01T00:00:00Z' })]));
    const newHash = 'pbkdf2_sha256$260000$othersalt123$bmV3LWhhc2gtYWZ0ZXItYS1kamFuZ28tbG9naW4tMDEyMzQ=';

    const summary = await importDjangoUsers(dump([djangoUser(1, { last_login: '2023-03-03T00:00:00Z', password: newHash })]));

    expect(summary.updated).toBe(1);
    expect(await (await users()).findOne({ id: 1 })).toMatchObject({ password_hash: newHash, last_login: new Date('2023-03-03T00:00:00Z') });
  });

  it('rejects input that is not a JSON array', async () => {
    await expect(importDjangoUsers(Readable.from(['{"model": "auth.user"}']))).rejects.toThrow();
  });

  it('keeps earlier batches when the JSON breaks', async () => {
    const elements = Array.from({ length: 300 }, (_, index) => djangoUser(index + 1));
    const text = JSON.stringify(elements);
    const broken = `${text.slice(0, -1)}, {"model": `;
    // Chunks as a file stream delivers them; the parser reads ahead only a few kilobytes.
    const chunks = broken.match(/[^]{1,1024}/g) ?? [];

    await expect(importDjangoUsers(Readable.from(chunks), { batchSize: 30 })).rejects.toThrow();
    const written = await (await users()).countDocuments();
    const rerun = await importDjangoUsers(dump(elements));

    expect(written).toBeGreaterThanOrEqual(150);
    expect(rerun).toMatchObject({ imported: 300 - written, unchanged: written, skipped: 0 });
  });
});

describe('an interrupted import', () => {
  let directory: string;
  let fixture: DumpdataFixture;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'django-import-'));
    fixture = await writeDumpdataFile(join(directory, 'users.json'), { users: 1_000 });
  });

  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('ends as one clean run when run again', async () => {
    const clean = await importDjangoUsers(createReadStream(fixture.path));
    const expected = await snapshot();
    await resetCollections();

    const controller = new AbortController();
    const stopped = await importDjangoUsers(createReadStream(fixture.path), {
      batchSize: 50,
      signal: controller.signal,
      onProgress: (counts) => {
        if (counts.records >= 400) controller.abort();
      },
    });
    const partial = await (await users()).countDocuments();
    const resumed: ImportSummary = await importDjangoUsers(createReadStream(fixture.path));

    expect(stopped.interrupted).toBe(true);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(clean.imported);
    expect(resumed.imported + resumed.unchanged).toBe(clean.imported);
    expect(resumed.skipped).toBe(clean.skipped);
    expect(await snapshot()).toEqual(expected);
  });
});
