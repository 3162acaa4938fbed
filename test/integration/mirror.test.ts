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
  it('answers 201 and leaves the drift to the check', async () => {
    const errors = vi.spyOn(logger, 'error');
    const first = await signUp({ username: 'before' });
    // Django wrote these after the service started: a stale copy of the next user, and another
    // person under the id after it. Both make the mirror insert fail on the unique id.
    const staleId = first.id + 1;
    const otherId = first.id + 2;
    await authUsersOf(db).insertMany([
      { ...toAuthUser(makeStale(staleId, 'stale')), email: 'stale.old@example.com', password: 'pbkdf2_sha256$260000$salt$c3RhbGU=' },
      toAuthUser(makeStale(otherId, 'django_person')),
    ]);

    const stale = await signUp({ username: 'stale' });
    const newcomer = await signUp({ username: 'newcomer' });

    expect([stale.id, newcomer.id]).toEqual([staleId, otherId]);
    const mirrorErrors = errors.mock.calls.filter(([message]) => String(message).startsWith('Writing the auth_user mirror failed'));
    expect(mirrorErrors.map(([, attributes]) => (attributes as { user_id: number }).user_id)).toEqual([staleId, otherId]);
    const storedHash = (await usersOf(db).findOne({ id: staleId }))?.password_hash as string;
    expect(JSON.stringify(mirrorErrors)).not.toContain(storedHash);
  });

  it('is repaired where the usernames agree', async () => {
    const [staleId, otherId] = [await idOf('stale'), await idOf('newcomer')];

    const { report } = await runConsistencyCheck({ repair: true });

    expect(report.findings.field_mismatch).toEqual({ count: 2, sample_ids: [staleId, otherId] });
    expect(report.repaired.field_mismatch).toBe(1);
    const { user, authUser } = await storedPair(staleId);
    expect(authUser?.email).toBe(user?.email);
    expect(authUser?.password).toBe(user?.password_hash);
  });

  it('stays reported where the usernames differ', async () => {
    const otherId = await idOf('newcomer');

    const { report } = await runConsistencyCheck({ repair: true });

    expect(report.ok).toBe(false);
    expect(report.findings.field_mismatch).toEqual({ count: 1, sample_ids: [otherId] });
    expect((await authUsersOf(db).findOne({ id: otherId }))?.username).toBe('django_person');
  });
});

function makeStale(id: number, username: string): Omit<UserDocument, '_id'> {
  return {
    id,
    username,
    email: `${username}@example.com`,
    first_name: '',
    last_name: '',
    password_hash: 'pbkdf2_sha256$260000$salt$c3RhbGU=',
    is_active: true,
    is_staff: false,
    is_superuser: false,
    date_joined: new Date('2020-01-01T00:00:00Z'),
    last_login: null,
  };
}

async function idOf(username: string): Promise<number> {
  return ((await usersOf(db).findOne({ username })) as UserDocument).id;
}
