import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { startMongoServer, type MongoServerHandle } from '../index';
import { silentLogger } from '../logger';
import { waitFor } from './support';

// Embedded server only: mongod's TTL monitor runs once a minute, so this uses its own instance with a
// 20 ms monitor interval.
let server: MongoServerHandle;
let client: MongoClient;

beforeAll(async () => {
  server = await startMongoServer({ logger: silentLogger, ttlMonitorIntervalMs: 20 });
  client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
  await client.connect();
});

afterAll(async () => {
  await client.close();
  await server.stop();
});

describe('TTL indexes', () => {
  it('removes expired documents only', async () => {
    const sessions = client.db('ttl').collection('sessions');
    await sessions.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
    const hour = 60 * 60 * 1000;
    await sessions.insertMany([
      { name: 'expired', expiresAt: new Date(Date.now() - hour) },
      { name: 'expiredArray', expiresAt: [new Date(Date.now() + hour), new Date(Date.now() - hour)] },
      { name: 'future', expiresAt: new Date(Date.now() + hour) },
      { name: 'notDate', expiresAt: 'tomorrow' },
      { name: 'missing' },
    ]);

    await waitFor(async () => (await sessions.countDocuments()) === 3, 'expired documents removed');
    const names = (await sessions.find().toArray()).map((document) => document.name).sort();
    expect(names).toEqual(['future', 'missing', 'notDate']);
  });

  it('honours expireAfterSeconds', async () => {
    const events = client.db('ttl').collection('events');
    await events.createIndex({ createdAt: 1 }, { expireAfterSeconds: 3600 });
    await events.insertMany([
      { name: 'old', createdAt: new Date(Date.now() - 2 * 3600 * 1000) },
      { name: 'recent', createdAt: new Date(Date.now() - 60 * 1000) },
    ]);
    await waitFor(async () => (await events.countDocuments()) === 1, 'old event removed');
    expect((await events.findOne())?.name).toBe('recent');
    const [, index] = await events.listIndexes().toArray();
    expect(index?.expireAfterSeconds).toBe(3600);
  });
});
