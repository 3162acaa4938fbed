import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MongoClient, type Document } from 'mongodb';
import { startMongoServer } from '../index';
import { silentLogger } from '../logger';
import { JOURNAL_FILE } from '../persistence/journal';
import { LOCK_FILE } from '../persistence/lock';
import { createCapturingLogger } from './support';

// Embedded server only: these tests start their own instances on a temporary --dbpath.
const directories: string[] = [];

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'mongo-server-test-'));
  directories.push(directory);
  return directory;
}

afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

async function withClient<T>(uri: string, use: (client: MongoClient) => Promise<T>): Promise<T> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
  try {
    await client.connect();
    return await use(client);
  } finally {
    await client.close();
  }
}

describe('persistence with dbPath', () => {
  it('keeps data, indexes and deletes across restarts', async () => {
    const dbPath = temporaryDirectory();
    const first = await startMongoServer({ dbPath, logger: silentLogger });
    await withClient(first.uri, async (client) => {
      const users = client.db('attendance_db').collection('Attendancetracker.users');
      await users.createIndex({ username: 1 }, { unique: true, collation: { locale: 'en', strength: 2 } });
      await users.insertMany([{ id: 1, username: 'Ann' }, { id: 2, username: 'Bob' }, { id: 3, username: 'Cy' }]);
      await users.updateOne({ id: 2 }, { $set: { username: 'Bobby' } });
      await users.deleteOne({ id: 3 });
    });
    await first.stop();

    const second = await startMongoServer({ dbPath, logger: silentLogger });
    try {
      await withClient(second.uri, async (client) => {
        const users = client.db('attendance_db').collection('Attendancetracker.users');
        const stored = await users.find({}, { projection: { _id: 0 } }).sort({ id: 1 }).toArray();
        expect(stored).toEqual([{ id: 1, username: 'Ann' }, { id: 2, username: 'Bobby' }]);
        const error = await users.insertOne({ id: 4, username: 'ANN' }).catch((caught: unknown) => caught);
        expect((error as { code?: number }).code).toBe(11000);
        const typed = await users.countDocuments({ id: { $type: 'int' } });
        expect(typed).toBe(2);
      });
    } finally {
      await second.stop();
    }
  });

  it('skips a torn last record with a warning', async () => {
    const dbPath = temporaryDirectory();
    const first = await startMongoServer({ dbPath, logger: silentLogger });
    await withClient(first.uri, (client) => client.db('app').collection('items').insertOne({ kept: true }));
    await first.stop();

    // A record header that promises more bytes than follow, as a crash in mid-write leaves it.
    const torn = Buffer.alloc(12);
    torn.writeUInt32LE(500, 0);
    appendFileSync(join(dbPath, JOURNAL_FILE), torn);

    const logger = createCapturingLogger();
    const second = await startMongoServer({ dbPath, logger });
    try {
      const warnings = logger.messages.filter((entry) => entry.level === 'warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.message).toContain('torn record');
      const documents = await withClient(second.uri, (client) =>
        client.db('app').collection('items').find({}, { projection: { _id: 0 } }).toArray(),
      );
      expect(documents).toEqual([{ kept: true }]);
    } finally {
      await second.stop();
    }
  });

  it('skips a record whose checksum does not match', async () => {
    const dbPath = temporaryDirectory();
    const first = await startMongoServer({ dbPath, logger: silentLogger });
    await withClient(first.uri, async (client) => {
      await client.db('app').collection('items').insertOne({ n: 1 });
      await client.db('app').collection('items').insertOne({ n: 2 });
    });
    await first.stop();

    // Flip a byte near the end, inside the record of the second insert.
    const path = join(dbPath, JOURNAL_FILE);
    const bytes = readFileSync(path);
    const position = bytes.length - 2;
    bytes.writeUInt8(bytes.readUInt8(position) ^ 0xff, position);
    writeFileSync(path, bytes);

    const logger = createCapturingLogger();
    const second = await startMongoServer({ dbPath, logger });
    try {
      expect(logger.messages.some((entry) => entry.level === 'warn' && entry.message.includes('checksum'))).toBe(true);
      const documents = await withClient(second.uri, (client) =>
        client.db('app').collection('items').find({}, { projection: { _id: 0 } }).toArray(),
      );
      expect(documents).toEqual([{ n: 1 }]);
    } finally {
      await second.stop();
    }
  });

  it('compacts superseded versions on start', async () => {
    const dbPath = temporaryDirectory();
    const first = await startMongoServer({ dbPath, logger: silentLogger });
    await withClient(first.uri, async (client) => {
      const counters = client.db('app').collection('counters');
      for (let step = 0; step < 200; step++) {
        await counters.updateOne({ _id: 'c' } as Document, { $inc: { seq: 1 } }, { upsert: true });
      }
    });
    await first.stop();
    const sizeBefore = statSync(join(dbPath, JOURNAL_FILE)).size;

    const second = await startMongoServer({ dbPath, logger: silentLogger });
    await second.stop();
    expect(statSync(join(dbPath, JOURNAL_FILE)).size).toBeLessThan(sizeBefore / 10);

    const third = await startMongoServer({ dbPath, logger: silentLogger });
    try {
      const counter = await withClient(third.uri, (client) => client.db('app').collection('counters').findOne({}));
      expect(counter).toEqual({ _id: 'c', seq: 200 });
    } finally {
      await third.stop();
    }
  });

  it('loses no acknowledged write on SIGKILL', async () => {
    const dbPath = temporaryDirectory();
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'cli.ts'), '--port', '0', '--dbpath', dbPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const uri = await new Promise<string>((resolve, reject) => {
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const line = output.split('\n').find((candidate) => candidate.startsWith('mongodb://'));
          if (line) resolve(line.trim());
        });
        child.once('exit', (code) => reject(new Error(`server exited early with code ${code}`)));
      });
      await withClient(uri, async (client) => {
        const items = client.db('app').collection('items');
        for (let position = 0; position < 50; position++) await items.insertOne({ position });
        await items.updateOne({ position: 7 }, { $set: { changed: true } });
      });
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }

    const restarted = await startMongoServer({ dbPath, logger: silentLogger });
    try {
      await withClient(restarted.uri, async (client) => {
        const items = client.db('app').collection('items');
        expect(await items.countDocuments()).toBe(50);
        expect((await items.findOne({ position: 7 }))?.changed).toBe(true);
      });
    } finally {
      await restarted.stop();
    }
  });
});

describe('dbPath lock', () => {
  it('rejects a second server on one dbPath', async () => {
    const dbPath = temporaryDirectory();
    const first = await startMongoServer({ dbPath, logger: silentLogger });
    try {
      await expect(startMongoServer({ dbPath, logger: silentLogger })).rejects.toThrow(`dbPath ${dbPath} is in use by process ${process.pid}`);
    } finally {
      await first.stop();
    }
    const second = await startMongoServer({ dbPath, logger: silentLogger });
    await second.stop();
  });

  it('takes over a lock whose process is gone', async () => {
    const dbPath = temporaryDirectory();
    // Process ids are below 2^22 on Linux, so this one cannot be running.
    writeFileSync(join(dbPath, LOCK_FILE), '99999999\n');
    const logger = createCapturingLogger();
    const server = await startMongoServer({ dbPath, logger });
    await server.stop();
    expect(logger.messages.some((entry) => entry.level === 'warn' && entry.message.includes('stale lock'))).toBe(true);
  });
});

describe('start failure', () => {
  it('releases dbPath when the port is taken', async () => {
    const dbPath = temporaryDirectory();
    const blocker = await startMongoServer({ logger: silentLogger });
    try {
      await expect(startMongoServer({ dbPath, port: blocker.port, logger: silentLogger })).rejects.toThrow(/EADDRINUSE/);
      const retry = await startMongoServer({ dbPath, logger: silentLogger });
      await retry.stop();
    } finally {
      await blocker.stop();
    }
  });
});
