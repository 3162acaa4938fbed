import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Double, ObjectId, type Collection, type Document } from 'mongodb';
import { openTestDatabase, type TestDatabase } from '../../test/helpers/database';
import { rejection } from './support';

// Runs against the server of the test run: the embedded one, or MONGODB_URI when set.
let database: TestDatabase;

beforeAll(async () => {
  database = await openTestDatabase('update');
});

afterAll(async () => {
  await database.cleanup();
});

async function seeded(name: string, documents: Document[]): Promise<Collection<Document>> {
  const collection = database.db.collection(name);
  await collection.insertMany(documents);
  return collection;
}

describe('update', () => {
  it('updateOne reports matched and modified', async () => {
    const items = await seeded('one', [{ _id: 1, n: 1 }, { _id: 2, n: 1 }] as Document[]);
    const result = await items.updateOne({ n: 1 }, { $set: { n: 5 } });
    expect(result.matchedCount).toBe(1);
    expect(result.modifiedCount).toBe(1);
    expect(result.upsertedId).toBeNull();
    expect(await items.countDocuments({ n: 5 })).toBe(1);
  });

  it('nModified is 0 when nothing changed', async () => {
    const items = await seeded('unchanged', [{ _id: 1, n: 1, tags: ['a'], nested: { a: 1, b: 2 } }] as Document[]);
    const updates: Document[] = [
      { $set: { n: 1 } },
      { $inc: { n: 0 } },
      { $addToSet: { tags: 'a' } },
      { $unset: { missing: '' } },
      { $min: { n: 0 + 5 } },
      { $set: { nested: { a: 1, b: 2 } } },
    ];
    for (const update of updates) {
      const result = await items.updateOne({ _id: 1 } as Document, update);
      expect(result.matchedCount, JSON.stringify(update)).toBe(1);
      expect(result.modifiedCount, JSON.stringify(update)).toBe(0);
    }
    const reordered = await items.updateOne({ _id: 1 } as Document, { $set: { nested: { b: 2, a: 1 } } });
    expect(reordered.modifiedCount).toBe(1);
  });

  it('updateMany applies operators', async () => {
    const items = await seeded('many', [
      { _id: 1, n: 1, tags: ['x'] },
      { _id: 2, n: 2, tags: [] },
      { _id: 3, n: 3, tags: ['y'] },
    ] as Document[]);
    const result = await items.updateMany(
      { n: { $lte: 2 } },
      { $inc: { n: 10 }, $push: { tags: 'new' }, $set: { 'meta.touched': true }, $currentDate: { at: true } } as Document,
    );
    expect(result.matchedCount).toBe(2);
    expect(result.modifiedCount).toBe(2);
    const first = await items.findOne({ _id: 1 } as Document);
    expect(first?.n).toBe(11);
    expect(first?.tags).toEqual(['x', 'new']);
    expect(first?.meta).toEqual({ touched: true });
    expect(first?.at).toBeInstanceOf(Date);
    expect((await items.findOne({ _id: 3 } as Document))?.n).toBe(3);
  });

  it('supports unset, rename, pull, pop, mul, max', async () => {
    const items = await seeded('operators', [{ _id: 1, a: 1, b: 2, list: [1, 2, 3, 2], m: 3, top: 5 }] as Document[]);
    const update: Document = {
      $unset: { a: '' },
      $rename: { b: 'renamed' },
      $pull: { list: 2 },
      $mul: { m: 4 },
      $max: { top: 9 },
    };
    await items.updateOne({ _id: 1 } as Document, update);
    await items.updateOne({ _id: 1 } as Document, { $pop: { list: -1 } });
    expect(await items.findOne({ _id: 1 } as Document)).toEqual({ _id: 1, renamed: 2, list: [3], m: 12, top: 9 });
  });

  it('updates array elements by position and filter', async () => {
    const items = await seeded('arrays', [{ _id: 1, grades: [{ g: 80 }, { g: 95 }], scores: [1, 5, 9] }] as Document[]);
    await items.updateOne({ _id: 1, scores: 5 } as Document, { $set: { 'scores.$': 50 } });
    await items.updateOne({ _id: 1 } as Document, { $set: { 'grades.$[high].top': true } }, { arrayFilters: [{ 'high.g': { $gte: 90 } }] });
    expect(await items.findOne({ _id: 1 } as Document)).toEqual({ _id: 1, grades: [{ g: 80 }, { g: 95, top: true }], scores: [1, 50, 9] });
  });

  it('replaceOne keeps _id and replaces fields', async () => {
    const items = await seeded('replace', [{ _id: 1, a: 1, b: 2 }] as Document[]);
    const result = await items.replaceOne({ _id: 1 } as Document, { c: 3 });
    expect(result.modifiedCount).toBe(1);
    expect(await items.findOne({ _id: 1 } as Document)).toEqual({ _id: 1, c: 3 });
  });

  it('upsert inserts from filter equalities', async () => {
    const items = database.db.collection('upsert');
    const result = await items.updateOne(
      { name: 'x', 'meta.kind': 'k', n: { $gt: 1 } },
      { $set: { value: 1 }, $setOnInsert: { created: true } },
      { upsert: true },
    );
    expect(result.upsertedCount).toBe(1);
    expect(result.matchedCount).toBe(0);
    expect(result.upsertedId).toBeInstanceOf(ObjectId);
    const stored = await items.findOne({ _id: result.upsertedId! }, { projection: { _id: 0 } });
    expect(stored).toEqual({ name: 'x', meta: { kind: 'k' }, value: 1, created: true });

    const again = await items.updateOne({ name: 'x' }, { $set: { value: 2 }, $setOnInsert: { created: false } }, { upsert: true });
    expect(again.matchedCount).toBe(1);
    expect(again.upsertedCount).toBe(0);
    expect((await items.findOne({ name: 'x' }))?.created).toBe(true);
  });

  it('replacement upsert takes _id from filter', async () => {
    const items = database.db.collection('upsertReplace');
    const result = await items.replaceOne({ _id: 'fixed' } as Document, { v: 1 }, { upsert: true });
    expect(result.upsertedId).toBe('fixed');
    expect(await items.findOne({ _id: 'fixed' } as Document)).toEqual({ _id: 'fixed', v: 1 });
  });

  it('pipeline update sets computed fields', async () => {
    const items = await seeded('pipeline', [{ _id: 1, a: 2, b: 3 }] as Document[]);
    await items.updateOne({ _id: 1 } as Document, [{ $set: { sum: { $add: ['$a', '$b'] } } }]);
    expect((await items.findOne({ _id: 1 } as Document))?.sum).toBe(5);
  });

  it('rejects changing _id', async () => {
    const items = await seeded('immutable', [{ _id: 1, a: 1 }] as Document[]);
    const error = await rejection(items.updateOne({ _id: 1 } as Document, { $set: { _id: 2 } }));
    expect(error.code).toBe(66);
  });

  it('rejects $inc on a string', async () => {
    const items = await seeded('incString', [{ _id: 1, a: 'text' }] as Document[]);
    const error = await rejection(items.updateOne({ _id: 1 } as Document, { $inc: { a: 1 } }));
    expect(error.code).toBe(14);
    expect((await items.findOne({ _id: 1 } as Document))?.a).toBe('text');
  });

  it('rejects $push onto a non-array', async () => {
    const items = await seeded('pushScalar', [{ _id: 1, a: 1 }] as Document[]);
    const error = await rejection(items.updateOne({ _id: 1 } as Document, { $push: { a: 2 } } as Document));
    expect(error.code).toBe(2);
  });

  it('rejects conflicting paths', async () => {
    const items = await seeded('conflict', [{ _id: 1, a: 1 }] as Document[]);
    const error = await rejection(items.updateOne({ _id: 1 } as Document, { $set: { a: 1 }, $inc: { a: 1 } }));
    expect(error.code).toBe(40);
  });

  it('rejects an unknown update operator', async () => {
    const items = await seeded('unknownOperator', [{ _id: 1 }] as Document[]);
    const reply = await database.db.command({ update: 'unknownOperator', updates: [{ q: {}, u: { $frobnicate: { a: 1 } } }] });
    expect(reply.n).toBe(0);
    expect(reply.writeErrors).toHaveLength(1);
    expect(reply.writeErrors[0].index).toBe(0);
    expect(reply.writeErrors[0].code).toBe(9);
    expect(await items.countDocuments()).toBe(1);
  });
});

describe('delete', () => {
  it('deleteOne and deleteMany report counts', async () => {
    const items = await seeded('deletes', [{ k: 1 }, { k: 1 }, { k: 2 }, { k: 3 }]);
    expect((await items.deleteOne({ k: 1 })).deletedCount).toBe(1);
    expect((await items.deleteMany({ k: { $in: [1, 2] } })).deletedCount).toBe(2);
    expect((await items.deleteMany({ k: 99 })).deletedCount).toBe(0);
    expect(await items.find({}, { projection: { _id: 0 } }).toArray()).toEqual([{ k: 3 }]);
  });

  it('findOneAndDelete returns the removed document', async () => {
    const items = await seeded('findDelete', [{ _id: 1, k: 'a' }] as Document[]);
    expect(await items.findOneAndDelete({ k: 'a' })).toEqual({ _id: 1, k: 'a' });
    expect(await items.findOneAndDelete({ k: 'a' })).toBeNull();
  });
});

describe('queries', () => {
  it('rejects an unknown query operator', async () => {
    const items = await seeded('badQuery', [{ a: 1 }]);
    const error = await rejection(items.find({ a: { $bogus: 1 } }).toArray());
    expect(error.code).toBe(2);
    expect(error.message).toBe('unknown operator: $bogus');
  });

  it('matches regex, in, exists, elemMatch and dotted paths', async () => {
    const items = await seeded('matching', [
      { _id: 1, name: 'Alpha', tags: ['x', 'y'], items: [{ q: 1 }, { q: 5 }] },
      { _id: 2, name: 'beta', tags: ['z'], items: [{ q: 2 }] },
      { _id: 3, other: true },
    ] as Document[]);
    const ids = async (filter: Document): Promise<unknown[]> =>
      (await items.find(filter).sort({ _id: 1 }).toArray()).map((document) => document._id);
    expect(await ids({ name: /^al/i })).toEqual([1]);
    expect(await ids({ name: { $regex: 'ETA', $options: 'i' } })).toEqual([2]);
    expect(await ids({ tags: { $in: ['y', 'z'] } })).toEqual([1, 2]);
    expect(await ids({ name: { $exists: false } })).toEqual([3]);
    expect(await ids({ items: { $elemMatch: { q: { $gt: 3 } } } })).toEqual([1]);
    expect(await ids({ 'items.q': 2 })).toEqual([2]);
    expect(await ids({ $or: [{ _id: 3 }, { tags: 'x' }] })).toEqual([1, 3]);
  });

  it('matches top-level equality like mongod', async () => {
    const items = await seeded('equality', [
      { _id: 1, tags: ['x', 'y'], n: new Double(1), flag: true },
      { _id: 2, tags: 'x', n: 2, when: new Date(5) },
      { _id: 3, tags: [['x']], n: 1.5 },
    ] as Document[]);
    const ids = async (filter: Document): Promise<unknown[]> =>
      (await items.find(filter).sort({ _id: 1 }).toArray()).map((document) => document._id);
    expect(await ids({ tags: 'x' })).toEqual([1, 2]);
    expect(await ids({ n: 1 })).toEqual([1]);
    expect(await ids({ n: 1, flag: true })).toEqual([1]);
    expect(await ids({ when: new Date(5) })).toEqual([2]);
    expect(await ids({ flag: false })).toEqual([]);
    expect(await ids({ tags: 'X' })).toEqual([]);
  });

  it('sorts mixed types in BSON order', async () => {
    const items = await seeded('mixedSort', [
      { _id: 1, v: 5 },
      { _id: 2, v: 2.5 },
      { _id: 3, v: 'x' },
      { _id: 4, v: [3, 9] },
      { _id: 5, v: null },
      { _id: 6, v: true },
      { _id: 7, v: new Date(0) },
      { _id: 8, v: { a: 1 } },
      { _id: 9, v: new ObjectId('65a000000000000000000000') },
    ] as Document[]);
    const order = async (direction: 1 | -1): Promise<unknown[]> =>
      (await items.find().sort({ v: direction }).toArray()).map((document) => document._id);
    expect(await order(1)).toEqual([5, 2, 4, 1, 3, 8, 9, 6, 7]);
    expect(await order(-1)).toEqual([7, 6, 9, 8, 3, 4, 1, 2, 5]);
  });

  it('keeps ties in a compound sort apart', async () => {
    const items = await seeded('compoundSort', [
      { _id: 1, a: 2, b: 'y' },
      { _id: 2, a: 1, b: 'z' },
      { _id: 3, a: 2, b: 'x' },
      { _id: 4, a: 1, b: 'a' },
    ] as Document[]);
    const sorted = await items.find().sort({ a: -1, b: 1 }).toArray();
    expect(sorted.map((document) => document._id)).toEqual([3, 1, 4, 2]);
  });

  it('sorts with a case-insensitive collation', async () => {
    const items = await seeded('collationSort', [{ s: 'b' }, { s: 'B' }, { s: 'a' }, { s: 'C' }]);
    const sorted = await items.find({}, { collation: { locale: 'en', strength: 2 }, projection: { _id: 0 } }).sort({ s: 1 }).toArray();
    expect(sorted.map((document) => document.s.toLowerCase())).toEqual(['a', 'b', 'b', 'c']);
    const binary = await items.find({}, { projection: { _id: 0 } }).sort({ s: 1 }).toArray();
    expect(binary.map((document) => document.s)).toEqual(['B', 'C', 'a', 'b']);
  });

  it('strength 1 collation ignores accents', async () => {
    const items = await seeded('accents', [{ s: 'café' }, { s: 'Cafe' }, { s: 'tea' }]);
    expect(await items.countDocuments({ s: 'cafe' }, { collation: { locale: 'fr', strength: 1 } })).toBe(2);
    expect(await items.countDocuments({ s: 'cafe' }, { collation: { locale: 'fr', strength: 2 } })).toBe(1);
    expect(await items.countDocuments({ s: 'CAFÉ' }, { collation: { locale: 'fr', strength: 2 } })).toBe(1);
  });
});

describe('keyset pages under a collation', () => {
  it('visit every document exactly once', async () => {
    const names = ['a_b', 'a-b', 'ab', 'A.b', 'a@b', 'Ab', 'b', 'B_', 'b-', 'a', 'Zed', 'zed2', '_x', '-y', '0a', '9b'];
    const users = await seeded('keyset', names.map((username, id) => ({ id, username })));
    const collation = { locale: 'en', strength: 2 };
    const visited: number[] = [];
    let last: { username: string; id: number } | undefined;
    for (let page = 0; page < names.length; page++) {
      const filter: Document = last
        ? { $or: [{ username: { $gt: last.username } }, { username: last.username, id: { $gt: last.id } }] }
        : {};
      const batch = await users.find(filter, { collation }).sort({ username: 1, id: 1 }).limit(3).toArray();
      if (batch.length === 0) break;
      visited.push(...batch.map((user) => user.id as number));
      const tail = batch[batch.length - 1]!;
      last = { username: tail.username as string, id: tail.id as number };
    }
    expect([...visited].sort((left, right) => left - right)).toEqual(names.map((_, id) => id));
    const all = await users.find({}, { collation }).sort({ username: 1, id: 1 }).toArray();
    expect(visited).toEqual(all.map((user) => user.id));
  });
});
