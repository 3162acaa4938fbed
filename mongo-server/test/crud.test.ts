import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BSON, Double, Int32, MongoBulkWriteError, MongoServerError, ObjectId, type Collection, type Document } from 'mongodb';
import { openTestDatabase, type TestDatabase } from '../../test/helpers/database';

// Runs against the server of the test run: the embedded one, or MONGODB_URI when set.
let database: TestDatabase;

beforeAll(async () => {
  database = await openTestDatabase('crud');
});

afterAll(async () => {
  await database.cleanup();
});

function collection(name: string): Collection<Document> {
  return database.db.collection(name);
}

describe('insert and find', () => {
  it('round-trips documents with int32 ids', async () => {
    const users = collection('roundtrip');
    const result = await users.insertOne({ id: 7, name: 'Ann', tags: ['a'], created: new Date(1_700_000_000_000) });
    expect(result.insertedId).toBeInstanceOf(ObjectId);
    const found = await users.findOne({ id: 7 });
    expect(found).toEqual({ _id: result.insertedId, id: 7, name: 'Ann', tags: ['a'], created: new Date(1_700_000_000_000) });
    const typed = await users.findOne({ id: { $type: 'int' } });
    expect(typed?.id).toBe(7);
  });

  it('stores integers as int32 and fractions as double', async () => {
    const numbers = collection('numbers');
    await numbers.insertOne({ _id: 'n', id: 42, ratio: 0.5, big: 2 ** 40 } as Document);
    const raw = await numbers.findOne({ _id: 'n' } as Document, { raw: true });
    const typed = BSON.deserialize(raw as unknown as Uint8Array, { promoteValues: false });
    expect(typed.id).toBeInstanceOf(Int32);
    expect(typed.ratio).toBeInstanceOf(Double);
    expect(await numbers.findOne({ _id: 'n' } as Document)).toEqual({ _id: 'n', id: 42, ratio: 0.5, big: 2 ** 40 });
  });

  it('collection names with dots work', async () => {
    const users = collection('Attendancetracker.users');
    await users.insertMany([{ id: 1, name: 'a' }, { id: 2, name: 'b' }]);
    expect(await users.countDocuments()).toBe(2);
    const names = (await database.db.listCollections({}, { nameOnly: true }).toArray()).map((entry) => entry.name);
    expect(names).toContain('Attendancetracker.users');
  });

  it('filters, projects, sorts, skips and limits', async () => {
    const items = collection('query');
    await items.insertMany(Array.from({ length: 20 }, (_, position) => ({ n: position, parity: position % 2 === 0 ? 'even' : 'odd', nested: { v: position * 10 } })));
    const found = await items
      .find({ parity: 'even', n: { $gte: 4 } }, { projection: { _id: 0, n: 1, 'nested.v': 1 } })
      .sort({ n: -1 })
      .skip(1)
      .limit(3)
      .toArray();
    expect(found).toEqual([
      { n: 16, nested: { v: 160 } },
      { n: 14, nested: { v: 140 } },
      { n: 12, nested: { v: 120 } },
    ]);
    const excluded = await items.findOne({ n: 3 }, { projection: { nested: 0 } });
    expect(Object.keys(excluded ?? {})).toEqual(['_id', 'n', 'parity']);
  });

  it('getMore returns the rest in batches', async () => {
    const items = collection('batches');
    await items.insertMany(Array.from({ length: 250 }, (_, position) => ({ position })));
    const cursor = items.find({}, { batchSize: 40 }).sort({ position: 1 });
    const positions: number[] = [];
    for await (const document of cursor) positions.push(document.position);
    expect(positions).toHaveLength(250);
    expect(positions[249]).toBe(249);
  });

  it('killCursors closes an open cursor', async () => {
    const items = collection('batches');
    const reply = await database.db.command({ find: 'batches', batchSize: 2 });
    const cursorId = reply.cursor.id;
    expect(cursorId.toString()).not.toBe('0');
    const killed = await database.db.command({ killCursors: 'batches', cursors: [cursorId] });
    expect(killed.cursorsKilled.map(String)).toEqual([cursorId.toString()]);
    const error = await database.db.command({ getMore: cursorId, collection: 'batches' }).catch((caught: unknown) => caught);
    expect((error as MongoServerError).code).toBe(43);
    expect(await items.countDocuments()).toBe(250);
  });

  it('ordered insert stops at the first duplicate', async () => {
    const items = collection('ordered');
    const error = await items
      .insertMany([{ _id: 1 }, { _id: 2 }, { _id: 1 }, { _id: 3 }] as Document[])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    const bulkError = error as MongoBulkWriteError;
    expect(bulkError.code).toBe(11000);
    expect(bulkError.insertedCount).toBe(2);
    expect(bulkError.writeErrors).toHaveLength(1);
    const writeErrors = bulkError.writeErrors as unknown as Array<{ index: number; code: number }>;
    expect(writeErrors[0]!.index).toBe(2);
    expect(await items.countDocuments()).toBe(2);
  });

  it('unordered insert continues after duplicates', async () => {
    const items = collection('unordered');
    const error = await items
      .insertMany([{ _id: 1 }, { _id: 1 }, { _id: 2 }, { _id: 2 }, { _id: 3 }] as Document[], { ordered: false })
      .catch((caught: unknown) => caught);
    const bulkError = error as MongoBulkWriteError;
    expect(bulkError.insertedCount).toBe(3);
    const writeErrors = bulkError.writeErrors as unknown as Array<{ index: number; code: number }>;
    expect(writeErrors.map((entry) => entry.index)).toEqual([1, 3]);
    expect(writeErrors.every((entry) => entry.code === 11000)).toBe(true);
    expect(await items.countDocuments()).toBe(3);
  });

  it('duplicate _id error has mongod fields', async () => {
    const items = collection('dupid');
    await items.insertOne({ _id: 'x' } as Document);
    const error = (await items.insertOne({ _id: 'x' } as Document).catch((caught: unknown) => caught)) as MongoServerError;
    expect(error.code).toBe(11000);
    expect(error.keyPattern).toEqual({ _id: 1 });
    expect(error.keyValue).toEqual({ _id: 'x' });
    expect(error.message).toBe(`E11000 duplicate key error collection: ${database.db.databaseName}.dupid index: _id_ dup key: { _id: "x" }`);
  });
});

describe('findOneAndUpdate', () => {
  it('upserts a counter and increments it', async () => {
    const counters = collection('counters');
    const first = await counters.findOneAndUpdate({ _id: 'userId' } as Document, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after' });
    expect(first).toEqual({ _id: 'userId', seq: 1 });
    const second = await counters.findOneAndUpdate({ _id: 'userId' } as Document, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after' });
    expect(second).toEqual({ _id: 'userId', seq: 2 });
    const before = await counters.findOneAndUpdate({ _id: 'userId' } as Document, { $inc: { seq: 1 } }, { returnDocument: 'before' });
    expect(before).toEqual({ _id: 'userId', seq: 2 });
  });

  it('returns null when nothing matches without upsert', async () => {
    const counters = collection('counters');
    expect(await counters.findOneAndUpdate({ _id: 'missing' } as Document, { $set: { a: 1 } })).toBeNull();
  });

  it('upsert before returns null and reports metadata', async () => {
    const counters = collection('counters');
    const result = await counters.findOneAndUpdate(
      { _id: 'fresh' } as Document,
      { $setOnInsert: { created: true }, $inc: { seq: 5 } },
      { upsert: true, returnDocument: 'before', includeResultMetadata: true },
    );
    expect(result.value).toBeNull();
    expect(result.lastErrorObject).toEqual({ n: 1, updatedExisting: false, upserted: 'fresh' });
    expect(await counters.findOne({ _id: 'fresh' } as Document)).toEqual({ _id: 'fresh', created: true, seq: 5 });
  });

  it('sorts to pick the document and projects it', async () => {
    const queue = collection('queue');
    await queue.insertMany([{ p: 2, job: 'b' }, { p: 1, job: 'a' }, { p: 3, job: 'c' }]);
    const taken = await queue.findOneAndDelete({}, { sort: { p: 1 }, projection: { _id: 0, job: 1 } });
    expect(taken).toEqual({ job: 'a' });
    const replaced = await queue.findOneAndReplace({ job: 'c' }, { job: 'c2', p: 9 }, { returnDocument: 'after', projection: { _id: 0 } });
    expect(replaced).toEqual({ job: 'c2', p: 9 });
    expect(await queue.countDocuments()).toBe(2);
  });
});
