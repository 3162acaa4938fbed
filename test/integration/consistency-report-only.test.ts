import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import { toAuthUser } from '../../lib/auth-user';
import { useTestDatabase } from '../helpers/service';
import {
  authUsersOf,
  check,
  createIndexes,
  foundCounts,
  insertMirroredUsers,
  makeUser,
  repairedCounts,
  snapshot,
  usersOf,
} from './consistency-fixtures';

const database = useTestDatabase('consistency_report');

let db: Db;
let idlessUser: string;

beforeAll(async () => {
  db = await database.db();
  await createIndexes(db);
  // Legacy data that arrived around the unique indexes, which then could not be rebuilt.
  await usersOf(db).dropIndex('username_case_insensitive_unique');
  await usersOf(db).dropIndex('email_case_insensitive_unique');

  await insertMirroredUsers(db, [
    makeUser(1, 'Bob', { email: 'bob.one@example.com' }),
    makeUser(2, 'bob'),
    makeUser(3, 'pat', { email: 'Pat@example.com' }),
    makeUser(4, 'patricia', { email: 'pat@example.com' }),
    // Blank emails never collide.
    makeUser(5, 'nomail1', { email: '' }),
    makeUser(6, 'nomail2', { email: '' }),
    // Broken beyond mechanical repair: a username that is not NFKC-normalized, a hash in no known
    // format, a date that cannot be parsed.
    makeUser(7, 'ｆｕｌｌ'),
    makeUser(8, 'plain', { password_hash: 'hunter2' }),
    makeUser(9, 'baddate'),
    makeUser(10, 'ivan'),
  ]);
  await usersOf(db).updateOne({ id: 9 }, { $set: { date_joined: 'yesterday' } });
  await authUsersOf(db).updateOne({ id: 9 }, { $set: { date_joined: 'yesterday' } });
  // One id given to two people: Django's user 10 is not the tracker's user 10.
  await authUsersOf(db).updateOne({ id: 10 }, { $set: { username: 'someone_else', email: 'else@example.com' } });
  // A document whose id cannot be merged, and a second auth_user document under an existing id.
  idlessUser = String((await usersOf(db).insertOne({ ...makeUser(11, 'idless'), id: 'eleven' })).insertedId);
  await authUsersOf(db).insertOne(toAuthUser(makeUser(4, 'patricia_copy', { email: 'copy@example.com' })));
});

describe('consistency check with drift it only reports', () => {
  it('reports each kind with its count and ids', async () => {
    const report = await check();

    expect(report.ok).toBe(false);
    expect(foundCounts(report)).toEqual({
      missing_index: 2,
      duplicate_username: 2,
      duplicate_email: 2,
      invalid_document: 8,
      field_mismatch: 1,
    });
    expect(report.findings.missing_index.sample_ids).toEqual([
      'Attendancetracker.users.email_case_insensitive_unique',
      'Attendancetracker.users.username_case_insensitive_unique',
    ]);
    expect(report.findings.duplicate_username.sample_ids).toEqual([1, 2]);
    expect(report.findings.duplicate_email.sample_ids).toEqual([3, 4]);
    // Users 7, 8 and 9 in both collections, the second document under id 4, and the idless one.
    expect(report.findings.invalid_document.sample_ids).toEqual([4, 7, 8, 9, idlessUser]);
    expect(report.findings.field_mismatch.sample_ids).toEqual([10]);
  });

  it('repairs none of it', async () => {
    const before = await snapshot(db);

    const report = await check({ repair: true });

    expect(repairedCounts(report)).toEqual({});
    expect(report.ok).toBe(false);
    expect(await snapshot(db)).toEqual(before);
  });

  it('reports the same on the next run', async () => {
    const report = await check();

    expect(foundCounts(report)).toEqual({
      missing_index: 2,
      duplicate_username: 2,
      duplicate_email: 2,
      invalid_document: 8,
      field_mismatch: 1,
    });
  });
});
