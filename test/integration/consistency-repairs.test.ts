import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import { toAuthUser } from '../../lib/auth-user';
import { useTestDatabase } from '../helpers/service';
import {
  authUsersOf,
  check,
  createIndexes,
  fakeHash,
  foundCounts,
  insertMirroredUsers,
  JOINED,
  makeUser,
  readCounter,
  repairedCounts,
  setCounter,
  snapshot,
  usersOf,
} from './consistency-fixtures';

const database = useTestDatabase('consistency_repairs');

const EARLIER = new Date('2024-01-01T10:00:00.000Z');
const LATER = new Date('2024-06-01T10:00:00.000Z');

// Each user below carries one kind of repairable drift, created through the driver.
const grace = makeUser(7, 'grace', { password_hash: fakeHash('pbkdf2_sha256', 'grace') });
const heidi = makeUser(8, 'heidi');
const upgradedHere = fakeHash('current', 'erinNew');
const upgradedInDjango = fakeHash('pbkdf2_sha256', 'frankDjango');
const currentInDjango = fakeHash('current', 'aliceDjango');

let db: Db;

beforeAll(async () => {
  db = await database.db();
  await createIndexes(db);
  await insertMirroredUsers(db, [
    makeUser(1, 'alice', { password_hash: fakeHash('pbkdf2_sha256', 'alice') }),
    makeUser(2, 'bob'),
    makeUser(3, 'carol'),
    makeUser(4, 'dave'),
    makeUser(5, 'erin', { password_hash: fakeHash('pbkdf2_sha256', 'erin'), last_login: EARLIER }),
    makeUser(6, 'frank', { password_hash: fakeHash('bcrypt_sha256_cost_12', 'frank'), last_login: EARLIER }),
  ]);

  // missing_index: an index dropped by hand.
  await usersOf(db).dropIndex('last_login_id');
  // invalid_document: a date stored as text, and fields an older Django did not write.
  await usersOf(db).updateOne({ id: 2 }, { $set: { date_joined: '2021-03-04 05:06:07' } });
  await authUsersOf(db).updateOne({ id: 3 }, { $unset: { last_login: '', is_staff: '' } });
  // missing_in_users and missing_in_auth_user.
  await authUsersOf(db).insertOne(toAuthUser(grace));
  await usersOf(db).insertOne({ ...heidi });
  // counter_behind: the counter was restored from an older backup.
  await setCounter(db, 4);
  // field_mismatch: a Django admin edit (4), a login here whose mirror write failed (5), a login in
  // Django that upgraded the hash there (6), and a tie on last_login where only Django's hash is current (1).
  await authUsersOf(db).updateOne({ id: 4 }, { $set: { email: 'old@example.com', is_staff: true } });
  await usersOf(db).updateOne({ id: 5 }, { $set: { password_hash: upgradedHere, last_login: LATER } });
  await authUsersOf(db).updateOne({ id: 6 }, { $set: { password: upgradedInDjango, last_login: LATER } });
  await authUsersOf(db).updateOne({ id: 1 }, { $set: { password: currentInDjango } });
});

describe('consistency check with repairable drift', () => {
  it('reports each kind with its count and ids', async () => {
    const report = await check();

    expect(report.ok).toBe(false);
    expect(foundCounts(report)).toEqual({
      missing_index: 1,
      invalid_document: 2,
      counter_behind: 1,
      missing_in_users: 1,
      missing_in_auth_user: 1,
      field_mismatch: 4,
    });
    expect(report.findings.missing_index.sample_ids).toEqual(['Attendancetracker.users.last_login_id']);
    expect(report.findings.invalid_document.sample_ids).toEqual([2, 3]);
    expect(report.findings.counter_behind.sample_ids).toEqual([8]);
    expect(report.findings.missing_in_users.sample_ids).toEqual([7]);
    expect(report.findings.missing_in_auth_user.sample_ids).toEqual([8]);
    expect(report.findings.field_mismatch.sample_ids).toEqual([1, 4, 5, 6]);
    expect(repairedCounts(report)).toEqual({});
  });

  it('changes nothing without --repair', async () => {
    const before = await snapshot(db);

    await check();

    expect(await snapshot(db)).toEqual(before);
  });

  it('repairs every finding', async () => {
    const report = await check({ repair: true });

    expect(repairedCounts(report)).toEqual(foundCounts(report));
    expect(report.ok).toBe(true);
  });

  it('finds nothing on the next run', async () => {
    const report = await check();

    expect(foundCounts(report)).toEqual({});
    expect(report.ok).toBe(true);
  });

  it('rebuilt the dropped index', async () => {
    const names = (await usersOf(db).listIndexes().toArray()).map((index) => index.name);

    expect(names).toContain('last_login_id');
  });

  it('parsed the date and filled the defaults', async () => {
    const bob = await usersOf(db).findOne({ id: 2 });
    const carol = await authUsersOf(db).findOne({ id: 3 });

    expect(bob?.date_joined).toEqual(JOINED);
    expect(carol?.last_login).toBeNull();
    expect(carol?.is_staff).toBe(false);
  });

  it('raised the counter to the largest id', async () => {
    expect(await readCounter(db)).toBe(8);
  });

  it('copied the one-sided users across', async () => {
    const copiedGrace = await usersOf(db).findOne({ id: 7 }, { projection: { _id: 0 } });
    const copiedHeidi = await authUsersOf(db).findOne({ id: 8 }, { projection: { _id: 0 } });

    expect(copiedGrace).toEqual(grace);
    expect(copiedHeidi).toEqual(toAuthUser(heidi));
  });

  it('took email and flags from users', async () => {
    const dave = await authUsersOf(db).findOne({ id: 4 });

    expect(dave?.email).toBe('dave@example.com');
    expect(dave?.is_staff).toBe(false);
  });

  it('took hash and login from the later login', async () => {
    const erinInDjango = await authUsersOf(db).findOne({ id: 5 });
    const frankHere = await usersOf(db).findOne({ id: 6 });

    expect(erinInDjango?.password).toBe(upgradedHere);
    expect(erinInDjango?.last_login).toEqual(LATER);
    expect(frankHere?.password_hash).toBe(upgradedInDjango);
    expect(frankHere?.last_login).toEqual(LATER);
  });

  it('took the current-format hash on a tie', async () => {
    const alice = await usersOf(db).findOne({ id: 1 });

    expect(alice?.password_hash).toBe(currentInDjango);
  });

  it('deleted no user', async () => {
    expect(await usersOf(db).countDocuments()).toBe(8);
    expect(await authUsersOf(db).countDocuments()).toBe(8);
  });

  it('changes nothing when repairing again', async () => {
    const before = await snapshot(db);

    const report = await check({ repair: true });

    expect(repairedCounts(report)).toEqual({});
    expect(await snapshot(db)).toEqual(before);
  });
});
