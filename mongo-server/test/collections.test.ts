import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/helpers/database';
import { rejection } from './support';

// Runs against the server of the test run: the embedded one, or MONGODB_URI when set.
let database: TestDatabase;

beforeAll(async () => {
  database = await openTestDatabase('collections');
});

afterAll(async () => {
  await database.cleanup();
});

async function collectionNames(): Promise<string[]> {
  return (await database.db.listCollections({}, { nameOnly: true }).toArray()).map((entry) => entry.name).sort();
}

describe('collections', () => {
  it('create, list and drop', async () => {
    await database.db.createCollection('alpha');
    await database.db.createCollection('beta.gamma');
    expect(await collectionNames()).toEqual(['alpha', 'beta.gamma']);

    const [entry] = await database.db.listCollections({ name: 'alpha' }, { nameOnly: false }).toArray();
    expect(entry?.type).toBe('collection');
    expect(entry?.options).toEqual({});
    expect(entry?.idIndex).toMatchObject({ key: { _id: 1 }, name: '_id_' });

    expect(await database.db.collection('alpha').drop()).toBe(true);
    expect(await collectionNames()).toEqual(['beta.gamma']);
    await database.db.collection('beta.gamma').drop();
  });

  it('create with other options fails with NamespaceExists', async () => {
    await database.db.createCollection('capped');
    const error = await rejection(database.db.command({ create: 'capped', capped: true, size: 4096 }));
    expect(error.code).toBe(48);
    expect(error.codeName).toBe('NamespaceExists');
    await database.db.collection('capped').drop();
  });

  it('insert creates the collection implicitly', async () => {
    await database.db.collection('implicit').insertOne({ a: 1 });
    expect(await collectionNames()).toContain('implicit');
  });

  it('drop removes documents and indexes', async () => {
    const items = database.db.collection('dropped');
    await items.insertOne({ a: 1 });
    await items.createIndex({ a: 1 });
    await items.drop();
    expect(await items.countDocuments()).toBe(0);
    await items.insertOne({ a: 1 });
    expect((await items.listIndexes().toArray()).map((index) => index.name)).toEqual(['_id_']);
  });

  it('listCollections pages through getMore and closes early', async () => {
    for (let position = 0; position < 5; position++) await database.db.createCollection(`paged${position}`);
    const all = await database.db.listCollections({ name: /^paged/ }, { nameOnly: true, batchSize: 2 }).toArray();
    expect(all.map((entry) => entry.name).sort()).toEqual(['paged0', 'paged1', 'paged2', 'paged3', 'paged4']);

    const opened = await database.db.command({ listCollections: 1, nameOnly: true, cursor: { batchSize: 1 } });
    expect(opened.cursor.ns).toBe(`${database.db.databaseName}.$cmd.listCollections`);
    const cursorId = opened.cursor.id;
    const killed = await database.db.command({ killCursors: '$cmd.listCollections', cursors: [cursorId] });
    expect(killed.cursorsKilled.map(String)).toEqual([cursorId.toString()]);
  });

  it('find on a missing collection is empty', async () => {
    expect(await database.db.collection('nothing').find({}).toArray()).toEqual([]);
  });
});
