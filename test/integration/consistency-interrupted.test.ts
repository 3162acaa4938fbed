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
  readCounter,
  repairedCounts,
  setCounter,
} from './consistency-fixtures';

const database = useTestDatabase('consistency_interrupted');

const users = [1, 2, 3, 4, 5, 6].map((id) => makeUser(id, `user${id}`));

let db: Db;

beforeAll(async () => {
  db = await database.db();
  await createIndexes(db);
  await insertMirroredUsers(db, users);

  // Drift: four mirror documents lost, two edited in Django, the counter restored from a backup.
  await authUsersOf(db).deleteMany({ id: { $in: [3, 4, 5, 6] } });
  await authUsersOf(db).updateMany({ id: { $in: [1, 2] } }, { $set: { email: 'edited@example.com' } });
  await setCounter(db, 2);

  // A repair run stopped after its first writes: user 1 reconciled, user 3 copied.
  await authUsersOf(db).updateOne({ id: 1 }, { $set: { email: users[0]!.email } });
  await authUsersOf(db).insertOne(toAuthUser(users[2]!));
});

describe('consistency repair after an interrupted run', () => {
  it('repairs what the first run left', async () => {
    const report = await check({ repair: true });

    expect(foundCounts(report)).toEqual({ field_mismatch: 1, missing_in_auth_user: 3, counter_behind: 1 });
    expect(report.findings.field_mismatch.sample_ids).toEqual([2]);
    expect(report.findings.missing_in_auth_user.sample_ids).toEqual([4, 5, 6]);
    expect(repairedCounts(report)).toEqual(foundCounts(report));
  });

  it('ends as one clean run would', async () => {
    const mirrored = await authUsersOf(db).find({}, { projection: { _id: 0 } }).sort({ id: 1 }).toArray();

    expect(mirrored).toEqual(users.map((user) => toAuthUser(user)));
    expect(await readCounter(db)).toBe(6);
  });

  it('finds nothing on the next run', async () => {
    const report = await check();

    expect(foundCounts(report)).toEqual({});
    expect(report.ok).toBe(true);
  });
});
