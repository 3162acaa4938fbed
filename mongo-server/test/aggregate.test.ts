import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Document } from 'mongodb';
import { openTestDatabase, type TestDatabase } from '../../test/helpers/database';

// Runs against the server of the test run: the embedded one, or MONGODB_URI when set.
let database: TestDatabase;

beforeAll(async () => {
  database = await openTestDatabase('aggregate');
  await database.db.collection('sales').insertMany([
    { _id: 1, item: 'pen', qty: 5, price: 2, tags: ['office', 'school'] },
    { _id: 2, item: 'pen', qty: 1, price: 2, tags: ['office'] },
    { _id: 3, item: 'book', qty: 2, price: 10, tags: [] },
    { _id: 4, item: 'bag', qty: 1, price: 30 },
  ] as Document[]);
  await database.db.collection('Attendancetracker.users').insertMany([
    { id: 1, name: 'Ann' },
    { id: 2, name: 'Bob' },
  ]);
  await database.db.collection('Attendancetracker.records').insertMany([
    { userId: 1, day: 'mon' },
    { userId: 1, day: 'tue' },
    { userId: 2, day: 'mon' },
  ]);
});

afterAll(async () => {
  await database.cleanup();
});

describe('aggregate', () => {
  it('match, group, sort', async () => {
    const result = await database.db
      .collection('sales')
      .aggregate([
        { $match: { qty: { $gte: 1 } } },
        { $group: { _id: '$item', total: { $sum: { $multiply: ['$qty', '$price'] } }, count: { $sum: 1 } } },
        { $sort: { total: -1 } },
      ])
      .toArray();
    expect(result).toEqual([
      { _id: 'bag', total: 30, count: 1 },
      { _id: 'book', total: 20, count: 1 },
      { _id: 'pen', total: 12, count: 2 },
    ]);
  });

  it('project, skip, limit', async () => {
    const result = await database.db
      .collection('sales')
      .aggregate([{ $sort: { _id: 1 } }, { $skip: 1 }, { $limit: 2 }, { $project: { _id: 0, item: 1, value: { $multiply: ['$qty', '$price'] } } }])
      .toArray();
    expect(result).toEqual([
      { item: 'pen', value: 2 },
      { item: 'book', value: 20 },
    ]);
  });

  it('unwind drops empty and missing arrays', async () => {
    const result = await database.db
      .collection('sales')
      .aggregate([{ $unwind: '$tags' }, { $project: { _id: 1, tags: 1 } }, { $sort: { _id: 1, tags: 1 } }])
      .toArray();
    expect(result).toEqual([
      { _id: 1, tags: 'office' },
      { _id: 1, tags: 'school' },
      { _id: 2, tags: 'office' },
    ]);
  });

  it('count yields nothing for no input', async () => {
    const counted = await database.db.collection('sales').aggregate([{ $match: { item: 'pen' } }, { $count: 'n' }]).toArray();
    expect(counted).toEqual([{ n: 2 }]);
    const none = await database.db.collection('sales').aggregate([{ $match: { item: 'none' } }, { $count: 'n' }]).toArray();
    expect(none).toEqual([]);
  });

  it('lookup across dotted collection names', async () => {
    const result = await database.db
      .collection('Attendancetracker.users')
      .aggregate([
        { $lookup: { from: 'Attendancetracker.records', localField: 'id', foreignField: 'userId', as: 'records' } },
        { $project: { _id: 0, name: 1, days: '$records.day' } },
        { $sort: { name: 1 } },
      ])
      .toArray();
    expect(result).toEqual([
      { name: 'Ann', days: ['mon', 'tue'] },
      { name: 'Bob', days: ['mon'] },
    ]);
  });

  it('lookup leaves the other collection unchanged', async () => {
    await database.db
      .collection('Attendancetracker.users')
      .aggregate([{ $lookup: { from: 'Attendancetracker.records', localField: 'id', foreignField: 'userId', as: 'records' } }, { $set: { 'records.changed': true } }])
      .toArray();
    expect(await database.db.collection('Attendancetracker.records').countDocuments({ changed: true })).toBe(0);
  });

  it('returns large results through getMore', async () => {
    const items = database.db.collection('many');
    await items.insertMany(Array.from({ length: 300 }, (_, position) => ({ position })));
    const result = await items.aggregate([{ $sort: { position: -1 } }], { batchSize: 50 }).toArray();
    expect(result).toHaveLength(300);
    expect(result[0]?.position).toBe(299);
  });
});

describe('count and distinct', () => {
  it('countDocuments with filter, skip and limit', async () => {
    const sales = database.db.collection('sales');
    expect(await sales.countDocuments()).toBe(4);
    expect(await sales.countDocuments({ item: 'pen' })).toBe(2);
    expect(await sales.countDocuments({}, { skip: 1, limit: 2 })).toBe(2);
    expect(await database.db.collection('missing').countDocuments()).toBe(0);
  });

  it('estimatedDocumentCount counts all', async () => {
    expect(await database.db.collection('sales').estimatedDocumentCount()).toBe(4);
    expect(await database.db.collection('missing').estimatedDocumentCount()).toBe(0);
  });

  it('count command applies query, skip and limit', async () => {
    const reply = await database.db.command({ count: 'sales', query: { price: { $lt: 20 } }, skip: 1, limit: 5 });
    expect(reply.n).toBe(2);
  });

  it('distinct unwinds arrays and filters', async () => {
    const sales = database.db.collection('sales');
    expect((await sales.distinct('item')).sort()).toEqual(['bag', 'book', 'pen']);
    expect((await sales.distinct('tags')).sort()).toEqual(['office', 'school']);
    expect(await sales.distinct('item', { price: { $gt: 5 } })).toHaveLength(2);
    expect(await database.db.collection('missing').distinct('x')).toEqual([]);
  });
});
