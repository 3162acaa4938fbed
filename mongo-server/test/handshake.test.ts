import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoServerError } from 'mongodb';
import { openTestDatabase, type TestDatabase } from '../../test/helpers/database';

// Runs against the server of the test run: the embedded one, or MONGODB_URI when set.
let database: TestDatabase;

beforeAll(async () => {
  database = await openTestDatabase('handshake');
});

afterAll(async () => {
  await database.cleanup();
});

describe('handshake and admin commands', () => {
  it('hello reports a writable primary', async () => {
    const reply = await database.db.admin().command({ hello: 1 });
    expect(reply.ok).toBe(1);
    expect(reply.isWritablePrimary).toBe(true);
    expect(reply.maxWireVersion).toBeGreaterThanOrEqual(17);
    expect(reply.maxBsonObjectSize).toBe(16 * 1024 * 1024);
    expect(reply.logicalSessionTimeoutMinutes).toBeGreaterThan(0);
    expect(reply.localTime).toBeInstanceOf(Date);
  });

  it('isMaster answers with ismaster', async () => {
    const reply = await database.db.admin().command({ isMaster: 1 });
    expect(reply.ismaster).toBe(true);
    expect(reply.isWritablePrimary).toBeUndefined();
  });

  it('ping returns ok', async () => {
    // A replica set adds $clusterTime and operationTime, so only ok is compared.
    expect((await database.db.admin().ping()).ok).toBe(1);
  });

  it('buildInfo reports version 6 or later', async () => {
    const info = await database.db.admin().buildInfo();
    expect(info.versionArray[0]).toBeGreaterThanOrEqual(6);
    expect(typeof info.version).toBe('string');
  });

  it('getParameter returns featureCompatibilityVersion', async () => {
    const reply = await database.db.admin().command({ getParameter: 1, featureCompatibilityVersion: 1 });
    expect(reply.featureCompatibilityVersion.version).toMatch(/^\d+\.\d+$/);
  });

  it('unknown command fails with code 59', async () => {
    const error = await database.db.command({ noSuchCommandHere: 1 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).code).toBe(59);
    expect((error as MongoServerError).codeName).toBe('CommandNotFound');
    expect((error as MongoServerError).message).toBe("no such command: 'noSuchCommandHere'");
  });

  it('endSessions succeeds', async () => {
    const session = database.client.startSession();
    await database.db.collection('sessions').insertOne({ a: 1 }, { session });
    await session.endSession();
    const reply = await database.db.admin().command({ endSessions: [session.id] });
    expect(reply.ok).toBe(1);
  });

  it('listDatabases and dropDatabase', async () => {
    const name = `${database.db.databaseName}_drop`;
    const other = database.client.db(name);
    await other.collection('items').insertOne({ a: 1 });
    let names = (await database.db.admin().listDatabases()).databases.map((entry) => entry.name);
    expect(names).toContain(name);
    expect(await other.dropDatabase()).toBe(true);
    names = (await database.db.admin().listDatabases({ nameOnly: true })).databases.map((entry) => entry.name);
    expect(names).not.toContain(name);
  });
});
