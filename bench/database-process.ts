import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { BSON } from 'mongodb';

/** An embedded database server running in a process of its own. */
export interface DatabaseProcess {
  uri: string;
  /** Process id of the server, for reading its memory from /proc. */
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts the embedded server as `npm run db` does, in memory, on a free port of 127.0.0.1. It runs in
 * its own process, as a real database would, so the service under test does not share its event loop.
 */
export async function startDatabaseProcess(): Promise<DatabaseProcess> {
  const cli = join(__dirname, '..', 'mongo-server', 'cli.ts');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', cli, '--port', '0'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const uri = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((candidate) => candidate.startsWith('mongodb://'));
      if (line) resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`The embedded server exited with code ${code} before it printed its URI.`)));
  });

  return {
    uri,
    pid: child.pid ?? 0,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const OP_MSG = 2013;

/**
 * Returns the number the server gave its latest connection: it numbers connections in the order it
 * accepts them and reports the number in each `hello` reply, as mongod does. The probe sends one
 * OP_MSG `hello` over a socket of its own, not through a MongoClient, whose monitor would open extra
 * connections, so each reading counts exactly one connection of its own.
 */
export async function readConnectionNumber(uri: string): Promise<number> {
  const { hostname, port } = new URL(uri.replace(/^mongodb:/, 'http:'));
  const body = BSON.serialize({ hello: 1, $db: 'admin' });
  const header = Buffer.alloc(21);
  header.writeInt32LE(21 + body.length, 0);
  header.writeInt32LE(1, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(OP_MSG, 12);
  header.writeUInt32LE(0, 16);
  header.writeUInt8(0, 20);

  const socket = createConnection({ host: hostname, port: Number(port) });
  try {
    const reply = await new Promise<Buffer>((resolve, reject) => {
      let received = Buffer.alloc(0);
      socket.once('error', reject);
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length >= 4 && received.length >= received.readInt32LE(0)) resolve(received);
      });
      socket.write(Buffer.concat([header, body]));
    });
    // Header (16 bytes), flag bits (4) and the section kind (1) come before the reply document.
    const document = BSON.deserialize(reply.subarray(21));
    if (typeof document.connectionId !== 'number') throw new Error(`The server's hello reply has no connectionId: ${JSON.stringify(document)}`);
    return document.connectionId;
  } finally {
    socket.destroy();
  }
}
