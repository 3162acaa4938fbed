import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Db } from 'mongodb';
import { toAuthUser } from '../../lib/auth-user';
import { runConsistencyCheck } from '../../lib/consistency';
import { parseConfig } from '../../lib/config';
import { logger } from '../../lib/logger';
import { chooseMirrorMode, getMirrorMode } from '../../lib/mirror';
import { hashPassword } from '../../lib/passwords';
import type { UserDocument } from '../../lib/user-document';
import { logInAs, signUp, STRONG_PASSWORD, useTestDatabase } from '../helpers/service';
import { authUsersOf, usersOf } from './consistency-fixtures';

const database = useTestDatabase('mirror');

let db: Db;

beforeAll(async () => {
  db = await database.db();
  // Django's primary key: a second auth_user document under one id is rejected.
  await authUsersOf(db).createIndex({ id: 1 }, { unique: true, name: 'auth_user_pkey' });
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function storedPair(id: number) {
  const user = (await usersOf(db).findOne({ id })) as UserDocument | null;
  const authUser = await authUsersOf(db).findOne({ id }, { projection: { _id: 0 } });
  return { user, authUser };
}

// The replies a driver receives from mongod 7.0 in each topology, reduced to the fields that matter.
const SESSIONS = { logicalSessionTimeoutMinutes: 30 };
const STANDALONE = { isWritablePrimary: true, maxWireVersion: 21, ...SESSIONS };
const REPLICA_SET_PRIMARY = { ...STANDALONE, setName: 'rs0' };
const MONGOS = { ...STANDALONE, msg: 'isdbgrid' };

describe('chooseMirrorMode', () => {
  it('uses a transaction on a replica set', () => {
    expect(chooseMirrorMode(true, REPLICA_SET_PRIMARY)).toBe('transaction');
  });

  it('uses a transaction on a sharded cluster', () => {
    expect(chooseMirrorMode(true, MONGOS)).toBe('transaction');
  });

  it('writes one after the other on a standalone', () => {
    expect(chooseMirrorMode(true, STANDALONE)).toBe('sequential');
  });

  it('writes one after the other before transactions existed', () => {
    // MongoDB 3.6 (wire 6) had no transactions; 4.0 (wire 7) had them on replica sets only.
    expect(chooseMirrorMode(true, { ...REPLICA_SET_PRIMARY, maxWireVersion: 6 })).toBe('sequential');
    expect(chooseMirrorMode(true, { ...MONGOS, maxWireVersion: 7 })).toBe('sequential');
  });

  it('writes one after the other without sessions', () => {
    expect(chooseMirrorMode(true, { ...REPLICA_SET_PRIMARY, logicalSessionTimeoutMinutes: null })).toBe('sequential');
  });

  it('writes nothing when the mirror is off', () => {
    expect(chooseMirrorMode(false, REPLICA_SET_PRIMARY)).toBe('off');
  });
});

describe('getMirrorMode', () => {
  it('detects the embedded standalone server', async () => {
    await expect(getMirrorMode()).resolves.toBe('sequential');
  });
});

describe('AUTH_USER_MIRROR', () => {
  const environment = { MONGODB_URI: 'mongodb://127.0.0.1:27017', JWT_SECRET: 'x'.repeat(40) };

  it('defaults to true', () => {
    expect(parseConfig(environment).authUserMirror).toBe(true);
  });

  it('accepts "false"', () => {
    expect(parseConfig({ ...environment, AUTH_USER_MIRROR: 'false' }).authUserMirror).toBe(false);
  });

  it('rejects other spellings with the variable name', () => {
    expect(() => parseConfig({ ...environment, AUTH_USER_MIRROR: 'no' })).toThrow('AUTH_USER_MIRROR must be "true" or "false", got "no"');
  });
});

describe('signup with the mirror', () => {
  it('writes auth_user in Django shape', async () => {
    const created = await signUp({ username: 'mira', first_name: 'Mira', last_name: 'Mirror' });

    const { user, authUser } = await storedPair(created.id);
    expect(authUser).toEqual(toAuthUser(user!));
    expect(authUser?.password).toBe(user?.password_hash);
    expect(Object.keys(authUser ?? {}).sort()).toEqual(
      ['id', 'password', 'last_login', 'is_superuser', 'username', 'first_name', 'last_name', 'email', 'is_staff', 'is_active', 'date_joined'].sort(),
    );
  });
});

describe('login with the mirror', () => {
  it('sets last_login on both sides', async () => {
    const created = await signUp({ username: 'lena' });

    await logInAs('lena');

    const { user, authUser } = await storedPair(created.id);
    expect(user?.last_login).toBeInstanceOf(Date);
    expect(authUser?.last_login).toEqual(user?.last_login);
  });

  it('writes the upgraded hash to both sides', async () => {
    const created = await signUp({ username: 'otto' });
    // A hash at cost 5 is upgraded to the tests' cost 4 at the next login.
    const olderHash = await hashPassword(STRONG_PASSWORD, 5);
    await usersOf(db).updateOne({ id: created.id }, { $set: { password_hash: olderHash } });
    await authUsersOf(db).updateOne({ id: created.id }, { $set: { password: olderHash } });

    await logInAs('otto');

    const { user, authUser } = await storedPair(created.id);
    expect(user?.password_hash).toMatch(/^bcrypt_sha256\$\$2b\$04\$/);
    expect(authUser?.password).toBe(user?.password_hash);
  });
});

describe('signup when the mirror write fails', () => {
  let personId: number;
  let laterDjangoId: number;

  it('answers 201 and logs the user id', async () => {
    const errors = vi.spyOn(logger, 'error');
    const first = await signUp({ username: 'before' });
    // Django created two users after the service started, so the tracker's counter is behind: the
    // next signup is given the id of the first, and the mirror insert fails on the unique id.
    personId = first.id + 1;
    laterDjangoId = first.id + 5;
    await authUsersOf(db).insertMany([toAuthUser(djangoUser(personId, 'django_person')), toAuthUser(djangoUser(laterDjangoId, 'django_other'))]);

    const newcomer = await signUp({ username: 'newcomer' });

    expect(newcomer.id).toBe(personId);
    const mirrorErrors = errors.mock.calls.filter(([message]) => String(message).startsWith('Writing the auth_user mirror failed'));
    expect(mirrorErrors).toHaveLength(1);
    expect(mirrorErrors[0]?.[1]).toMatchObject({ action: 'signup', user_id: personId });
    const storedHash = (await usersOf(db).findOne({ id: personId }))?.password_hash as string;
    expect(JSON.stringify(mirrorErrors)).not.toContain(storedHash);
  });

  it('leaves the Django user alone at login', async () => {
    await logInAs('newcomer');

    const person = await authUsersOf(db).findOne({ id: personId });
    expect(person?.username).toBe('django_person');
    expect(person?.last_login).toBeNull();
    expect(person?.password).toBe(DJANGO_HASH);
  });

  it('is repaired where it can be and reported otherwise', async () => {
    const { report } = await runConsistencyCheck({ repair: true });

    expect(report.findings.field_mismatch).toEqual({ count: 1, sample_ids: [personId] });
    expect(report.findings.counter_behind).toEqual({ count: 1, sample_ids: [laterDjangoId] });
    expect(report.findings.missing_in_users).toEqual({ count: 1, sample_ids: [laterDjangoId] });
    expect(report.repaired).toMatchObject({ field_mismatch: 0, counter_behind: 1, missing_in_users: 1 });
    expect(report.ok).toBe(false);
  });

  it('reports only the shared id on the next run', async () => {
    const { report } = await runConsistencyCheck();

    expect(report.findings.field_mismatch).toEqual({ count: 1, sample_ids: [personId] });
    expect(report.findings.counter_behind.count).toBe(0);
    expect(report.findings.missing_in_users.count).toBe(0);
    expect((await usersOf(db).findOne({ id: laterDjangoId }))?.username).toBe('django_other');
  });

  it('gives the next signup a free id', async () => {
    const after = await signUp({ username: 'after' });

    expect(after.id).toBe(laterDjangoId + 1);
    expect((await authUsersOf(db).findOne({ id: after.id }))?.username).toBe('after');
  });
});

const DJANGO_HASH = 'pbkdf2_sha256$260000$salt$ZGphbmdv';

function djangoUser(id: number, username: string): Omit<UserDocument, '_id'> {
  return {
    id,
    username,
    email: `${username}@example.com`,
    first_name: '',
    last_name: '',
    password_hash: DJANGO_HASH,
    is_active: true,
    is_staff: false,
    is_superuser: false,
    date_joined: new Date('2020-01-01T00:00:00Z'),
    last_login: null,
  };
}
