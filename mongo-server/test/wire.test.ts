import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BSON, Long, MongoClient, MongoServerError, Timestamp, UUID, type Document } from 'mongodb';
import { startMongoServer, type MongoServerHandle } from '../index';
import { silentLogger } from '../logger';
import { createCapturingLogger } from './support';

// Embedded server only: raw-socket tests send bytes a driver never sends, to its own instance.
let server: MongoServerHandle;
const logger = createCapturingLogger();

beforeAll(async () => {
  server = await startMongoServer({ logger });
});

afterAll(async () => {
  await server.stop();
});

function openSocket(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: server.port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves with everything the server sent once it closes the socket, or after one full reply. */
function readReply(socket: Socket): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    let data = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 4 && data.length >= data.readInt32LE(0)) resolve({ data, closed: false });
    });
    socket.once('close', () => resolve({ data, closed: true }));
  });
}

function opQuery(namespace: string, query: Document, requestId: number): Buffer {
  const body = BSON.serialize(query);
  const name = Buffer.from(`${namespace}\0`, 'utf8');
  const header = Buffer.alloc(20);
  const length = 20 + name.length + 8 + body.length;
  header.writeInt32LE(length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(2004, 12);
  header.writeInt32LE(0, 16);
  const skipAndReturn = Buffer.alloc(8);
  skipAndReturn.writeInt32LE(-1, 4);
  return Buffer.concat([header, name, skipAndReturn, body]);
}

function opMsg(command: Document, requestId: number, flags = 0): Buffer {
  const body = BSON.serialize(command);
  const header = Buffer.alloc(21);
  header.writeInt32LE(21 + body.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(2013, 12);
  header.writeUInt32LE(flags, 16);
  header.writeUInt8(0, 20);
  return Buffer.concat([header, body]);
}

describe('wire protocol', () => {
  it('answers a legacy OP_QUERY handshake with OP_REPLY', async () => {
    const socket = await openSocket();
    const reply = readReply(socket);
    socket.write(opQuery('admin.$cmd', { isMaster: 1, helloOk: true }, 42));
    const { data } = await reply;
    socket.destroy();

    expect(data.readInt32LE(8)).toBe(42);
    expect(data.readInt32LE(12)).toBe(1);
    expect(data.readInt32LE(32)).toBe(1);
    const document = BSON.deserialize(data.subarray(36));
    expect(document.ismaster).toBe(true);
    expect(document.helloOk).toBe(true);
    expect(document.maxWireVersion).toBe(21);
    expect(document.ok).toBe(1);
    expect(document.compression).toBeUndefined();
    expect(document.setName).toBeUndefined();
    expect(document.logicalSessionTimeoutMinutes).toBe(30);
  });

  it('answers OP_MSG with the request id', async () => {
    const socket = await openSocket();
    const reply = readReply(socket);
    socket.write(opMsg({ ping: 1, $db: 'admin' }, 7));
    const { data } = await reply;
    socket.destroy();
    expect(data.readInt32LE(8)).toBe(7);
    expect(data.readInt32LE(12)).toBe(2013);
    expect(BSON.deserialize(data.subarray(21))).toEqual({ ok: 1 });
  });

  it('closes only the connection that sent garbage', async () => {
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
    await client.connect();
    try {
      const cases: Buffer[] = [
        Buffer.from([5, 0, 0, 0, 1]),
        Buffer.concat([Buffer.from([0x20, 0, 0, 0]), Buffer.alloc(28, 0xff)]),
        (() => {
          const message = opMsg({ ping: 1, $db: 'admin' }, 9);
          message.writeInt32LE(0x7fff, 21);
          return message;
        })(),
        (() => {
          const message = opMsg({ ping: 1, $db: 'admin' }, 9);
          message.writeInt32LE(2010, 12);
          return message;
        })(),
      ];
      for (const bytes of cases) {
        const socket = await openSocket();
        const reply = readReply(socket);
        socket.write(bytes);
        const result = await reply;
        expect(result.closed).toBe(true);
        expect(result.data.length).toBe(0);
      }
      expect(await client.db('admin').command({ ping: 1 })).toEqual({ ok: 1 });
      expect(logger.messages.filter((entry) => entry.level === 'warn').length).toBeGreaterThanOrEqual(cases.length);
    } finally {
      await client.close();
    }
  });

  it('sends no reply when moreToCome is set', async () => {
    const socket = await openSocket();
    const replies: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => replies.push(chunk));
    socket.write(opMsg({ insert: 'quiet', documents: [{ a: 1 }], $db: 'wire' }, 1, 2));
    const reply = readReply(socket);
    socket.write(opMsg({ count: 'quiet', $db: 'wire' }, 2));
    const { data } = await reply;
    socket.destroy();
    expect(data.readInt32LE(8)).toBe(2);
    expect(BSON.deserialize(data.subarray(21))).toEqual({ n: 1, ok: 1 });
  });
});

describe('fields the driver adds', () => {
  it('ignores lsid, txnNumber and $readPreference', async () => {
    const socket = await openSocket();
    const reply = readReply(socket);
    socket.write(
      opMsg(
        {
          find: 'plumbing',
          filter: {},
          lsid: { id: new UUID() },
          txnNumber: new Long(1),
          $readPreference: { mode: 'primaryPreferred' },
          $clusterTime: { clusterTime: new Timestamp({ t: 1, i: 1 }), signature: { hash: Buffer.alloc(20), keyId: 0 } },
          $db: 'wire',
        },
        11,
      ),
    );
    const { data } = await reply;
    socket.destroy();
    const document = BSON.deserialize(data.subarray(21));
    expect(document.ok).toBe(1);
    expect(document.cursor.firstBatch).toEqual([]);
  });

  it('rejects create options it cannot enforce', async () => {
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
    await client.connect();
    try {
      const error = await client
        .db('wire')
        .createCollection('validated', { validator: { a: { $exists: true } } })
        .catch((caught: unknown) => caught);
      expect((error as MongoServerError).code).toBe(238);
      expect((error as MongoServerError).message).toContain('validator');
    } finally {
      await client.close();
    }
  });
});

describe('scripts', () => {
  it('rejects $where', async () => {
    const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
    await client.connect();
    try {
      const items = client.db('wire').collection('scripts');
      await items.insertOne({ a: 1 });
      const error = await items.find({ $where: 'this.a == 1' }).toArray().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(MongoServerError);
      expect((error as MongoServerError).message).toContain('$where');
    } finally {
      await client.close();
    }
  });
});

describe('stop', () => {
  it('closes client connections', async () => {
    const own = await startMongoServer({ logger: silentLogger });
    const socket = await new Promise<Socket>((resolve) => {
      const opened = connect({ host: '127.0.0.1', port: own.port }, () => resolve(opened));
    });
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await own.stop();
    await closed;
    expect(socket.destroyed).toBe(true);
  });
});
