import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoServerError, type Document } from 'mongodb';
import { openTestDatabase, type TestDatabase } from '../../test/helpers/database';

// Runs against the server of the test run: the embedded one, or MONGODB_URI when set.
let database: TestDatabase;

beforeAll(async () => {
  database = await openTestDatabase('indexes');
});

afterAll(async () => {
  await database.cleanup();
});

async function rejection(promise: Promise<unknown>): Promise<MongoServerError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MongoServerError);
  return error as MongoServerError;
}

describe('unique indexes', () => {
  it('rejects a duplicate with mongod error fields', async () => {
    const users = database.db.collection('users');
    await users.createIndex({ email: 1 }, { unique: true });
    await users.insertOne({ email: 'a@example.com' });
    const error = await rejection(users.insertOne({ email: 'a@example.com', other: true }));
    expect(error.code).toBe(11000);
    expect(error.keyPattern).toEqual({ email: 1 });
    expect(error.keyValue).toEqual({ email: 'a@example.com' });
    expect(error.message).toBe(
      `E11000 duplicate key error collection: ${database.db.databaseName}.users index: email_1 dup key: { email: "a@example.com" }`,
    );
    expect(await users.countDocuments({ other: true })).toBe(0);
  });

  it('lets exactly one of two concurrent inserts win', async () => {
    const users = database.db.collection('race');
    await users.createIndex({ username: 1 }, { unique: true });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, attempt) => users.insertOne({ username: 'same', attempt })),
    );
    const fulfilled = results.filter((result) => result.status === 'fulfilled');
    const rejected = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(7);
    for (const result of rejected) expect((result.reason as MongoServerError).code).toBe(11000);
    expect(await users.countDocuments({ username: 'same' })).toBe(1);
  });

  it('case-insensitive unique index with collation', async () => {
    const users = database.db.collection('Attendancetracker.users');
    const collation = { locale: 'en', strength: 2 };
    await users.createIndex({ username: 1 }, { unique: true, collation });
    await users.insertOne({ id: 1, username: 'Alice' });
    const error = await rejection(users.insertOne({ id: 2, username: 'aLiCe' }));
    expect(error.code).toBe(11000);
    expect(error.keyPattern).toEqual({ username: 1 });

    const found = await users.find({ username: 'ALICE' }, { collation }).toArray();
    expect(found.map((user) => user.id)).toEqual([1]);
    expect(await users.findOne({ username: 'ALICE' })).toBeNull();

    const [listed] = (await users.listIndexes().toArray()).filter((index) => index.name === 'username_1');
    expect(listed?.collation?.locale).toBe('en');
    expect(listed?.collation?.strength).toBe(2);
    expect(listed?.unique).toBe(true);
  });

  it('update that would duplicate a key changes nothing', async () => {
    const users = database.db.collection('users');
    await users.insertOne({ email: 'b@example.com', n: 1 });
    const error = await rejection(users.updateOne({ email: 'b@example.com' }, { $set: { email: 'a@example.com', n: 2 } }));
    expect(error.code).toBe(11000);
    expect(await users.findOne({ email: 'b@example.com' }, { projection: { _id: 0 } })).toEqual({ email: 'b@example.com', n: 1 });
  });

  it('upsert racing on a unique key creates one document', async () => {
    const counters = database.db.collection('counters');
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        counters.findOneAndUpdate({ _id: 'seq' } as Document, { $inc: { value: 1 } }, { upsert: true, returnDocument: 'after' }),
      ),
    );
    expect(results.map((document) => document?.value).sort()).toEqual([1, 2, 3, 4, 5]);
  });
});
