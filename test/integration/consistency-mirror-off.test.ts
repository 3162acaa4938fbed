import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import { toAuthUser } from '../../lib/auth-user';
import { ensureUserIndexes } from '../../lib/users';
import { logInAs, signUp, useTestDatabase } from '../helpers/service';
import { authUsersOf, check, foundCounts, makeUser, setCounter, usersOf } from './consistency-fixtures';

// Read by the configuration on first use, which comes after this line.
process.env.AUTH_USER_MIRROR = 'false';

const database = useTestDatabase('consistency_mirror_off');

let db: Db;

beforeAll(async () => {
  db = await database.db();
  await ensureUserIndexes(db);
  await usersOf(db).insertMany([{ ...makeUser(1, 'ann') }, { ...makeUser(2, 'ben', { date_joined: 'not a date' as never }) }]);
  await setCounter(db, 1);
  // Django's data, which a deployment without the mirror neither writes nor checks.
  await authUsersOf(db).insertOne(toAuthUser(makeUser(50, 'django_only')));
  await authUsersOf(db).insertOne({ ...toAuthUser(makeUser(1, 'ann')), email: 'changed@example.com' });
});

describe('consistency check with the mirror off', () => {
  it('runs only the checks of Attendancetracker.users', async () => {
    const report = await check();

    expect(foundCounts(report)).toEqual({ invalid_document: 1, counter_behind: 1 });
    expect(report.findings.invalid_document.sample_ids).toEqual([2]);
    // The largest id of auth_user (50) does not count without the mirror.
    expect(report.findings.counter_behind.sample_ids).toEqual([2]);
  });
});

describe('accounts with the mirror off', () => {
  it('write nothing to auth_user', async () => {
    const created = await signUp({ username: 'solo' });
    await logInAs('solo');

    expect(await authUsersOf(db).countDocuments({ id: created.id })).toBe(0);
    expect(await authUsersOf(db).countDocuments({ username: 'solo' })).toBe(0);
  });
});
