import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoServerError, type Document } from 'mongodb';
import { openTestDatabase, type TestDatabase } from '../../test/helpers/database';
import { rejection } from './support';

// Runs against the server of the test run: the embedded one, or MONGODB_URI when set.
let database: TestDatabase;

beforeAll(async () => {
  database = await openTestDatabase('indexes');
});

afterAll(async () => {
  await database.cleanup();
});

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

  it('collation folds Greek final sigma', async () => {
    // ICU compares ς (final sigma) and σ at the tertiary level, so strength 2 treats them as equal.
    const names = database.db.collection('sigma_names');
    const collation = { locale: 'en', strength: 2 };
    await names.createIndex({ name: 1 }, { unique: true, collation });
    await names.insertOne({ name: 'σοφος' });

    const error = await rejection(names.insertOne({ name: 'ΣΟΦΟΣ' }));
    const finalSigmaError = await rejection(names.insertOne({ name: 'σοφοσ' }));
    const byEquality = await names.countDocuments({ name: 'σοφοσ' }, { collation });
    const byRange = await names.countDocuments({ name: { $gte: 'σοφοσ', $lte: 'σοφοσ' } }, { collation });

    expect(error.code).toBe(11000);
    expect(finalSigmaError.code).toBe(11000);
    expect(byEquality).toBe(1);
    expect(byRange).toBe(1);
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

describe('index management', () => {
  it('createIndexes, listIndexes and dropIndexes', async () => {
    const items = database.db.collection('managed');
    await items.insertOne({ a: 1, b: 1 });
    expect(await items.createIndex({ a: 1, b: -1 })).toBe('a_1_b_-1');
    expect(await items.createIndex({ b: 1 }, { name: 'by_b', sparse: true })).toBe('by_b');
    const listed = await items.listIndexes().toArray();
    expect(listed.map((index) => index.name)).toEqual(['_id_', 'a_1_b_-1', 'by_b']);
    expect(listed[1]?.key).toEqual({ a: 1, b: -1 });
    expect(listed[2]?.sparse).toBe(true);

    await items.dropIndex('by_b');
    await items.dropIndex({ a: 1, b: -1 } as never);
    expect((await items.listIndexes().toArray()).map((index) => index.name)).toEqual(['_id_']);
  });

  it('creating an identical index again is a no-op', async () => {
    const items = database.db.collection('repeat');
    await items.createIndex({ a: 1 }, { unique: true });
    const reply = await database.db.command({ createIndexes: 'repeat', indexes: [{ key: { a: 1 }, name: 'a_1', unique: true }] });
    expect(reply.numIndexesBefore).toBe(2);
    expect(reply.numIndexesAfter).toBe(2);
  });

  it('same name with another key conflicts', async () => {
    const items = database.db.collection('conflicts');
    await items.createIndex({ a: 1 }, { name: 'idx' });
    const error = await rejection(items.createIndex({ b: 1 }, { name: 'idx' }));
    expect(error.code).toBe(86);
    expect(error.codeName).toBe('IndexKeySpecsConflict');
    const renamed = await rejection(items.createIndex({ a: 1 }, { name: 'other' }));
    expect(renamed.code).toBe(85);
    expect(renamed.codeName).toBe('IndexOptionsConflict');
  });

  it('dropping a missing index fails with IndexNotFound', async () => {
    const items = database.db.collection('managed');
    const error = await rejection(items.dropIndex('nope'));
    expect(error.code).toBe(27);
    expect(error.codeName).toBe('IndexNotFound');
  });

  it('listIndexes on a missing collection fails', async () => {
    const error = await rejection(database.db.collection('absent').listIndexes().toArray());
    expect(error.code).toBe(26);
    expect(error.codeName).toBe('NamespaceNotFound');
  });

  it('dropping the _id index is rejected', async () => {
    const items = database.db.collection('managed');
    const error = await rejection(items.dropIndex('_id_'));
    expect(error.code).toBe(72);
  });

  it('unique index over duplicates fails and is not created', async () => {
    const items = database.db.collection('existingDuplicates');
    await items.insertMany([{ k: 1 }, { k: 1 }]);
    const error = await rejection(items.createIndex({ k: 1 }, { unique: true }));
    expect(error.code).toBe(11000);
    expect((await items.listIndexes().toArray()).map((index) => index.name)).toEqual(['_id_']);
  });

  it('unique sparse index ignores missing fields', async () => {
    const items = database.db.collection('sparseUnique');
    await items.createIndex({ code: 1 }, { unique: true, sparse: true });
    await items.insertMany([{ other: 1 }, { other: 2 }, { code: 'x' }]);
    const error = await rejection(items.insertOne({ code: 'x' }));
    expect(error.code).toBe(11000);
  });

  it('unique index treats missing fields as null', async () => {
    const items = database.db.collection('nullUnique');
    await items.createIndex({ code: 1 }, { unique: true });
    await items.insertOne({ other: 1 });
    const error = await rejection(items.insertOne({ other: 2 }));
    expect(error.code).toBe(11000);
    expect(error.keyValue).toEqual({ code: null });
  });

  it('partial unique index applies to matching documents', async () => {
    const items = database.db.collection('partialUnique');
    await items.createIndex({ email: 1 }, { unique: true, partialFilterExpression: { active: true } });
    await items.insertMany([
      { email: 'a', active: false },
      { email: 'a', active: false },
      { email: 'a', active: true },
    ]);
    const error = await rejection(items.insertOne({ email: 'a', active: true }));
    expect(error.code).toBe(11000);
  });

  it('compound unique index reports every field', async () => {
    const items = database.db.collection('compoundUnique');
    await items.createIndex({ org: 1, user: 1 }, { unique: true });
    await items.insertMany([{ org: 1, user: 'a' }, { org: 2, user: 'a' }]);
    const error = await rejection(items.insertOne({ org: 1, user: 'a' }));
    expect(error.code).toBe(11000);
    expect(error.keyPattern).toEqual({ org: 1, user: 1 });
    expect(error.keyValue).toEqual({ org: 1, user: 'a' });
    expect(error.message).toContain('dup key: { org: 1, user: "a" }');
  });

  it('unique index on array elements', async () => {
    const items = database.db.collection('multikeyUnique');
    await items.createIndex({ tags: 1 }, { unique: true });
    await items.insertOne({ tags: ['a', 'b'] });
    const error = await rejection(items.insertOne({ tags: ['c', 'b'] }));
    expect(error.code).toBe(11000);
    expect(error.keyValue).toEqual({ tags: 'b' });
  });

  it('indexed queries return the same documents', async () => {
    const items = database.db.collection('indexedQuery');
    await items.insertMany(Array.from({ length: 50 }, (_, position) => ({ k: position % 5, s: `v${position % 3}` })));
    const before = await items.countDocuments({ k: 2, s: 'v1' });
    await items.createIndex({ k: 1 });
    await items.createIndex({ s: 1 }, { collation: { locale: 'en', strength: 2 } });
    expect(await items.countDocuments({ k: 2, s: 'v1' })).toBe(before);
    expect(await items.countDocuments({ s: 'V1' })).toBe(0);
    expect(await items.countDocuments({ s: 'V1' }, { collation: { locale: 'en', strength: 2 } })).toBe(17);
    expect(await items.countDocuments({ k: { $in: [1, 2] } })).toBe(20);
  });
});
