import { readFileSync } from 'node:fs';
import { MongoClient, type Collection, type Document } from 'mongodb';
import { startDatabaseProcess } from './database-process';
import type { BenchRow } from './run';

/** Documents inserted and looked up in each repeat. */
const DOCUMENTS = 10_000;
const REPEATS = 5;
/** Sequential pings per repeat: enough round trips for a stable rate. */
const PINGS = 5_000;
const INSERT_MANY_BATCH = 1_000;

/** Resident memory of a process in MiB from /proc: `VmRSS` now, or `VmHWM`, its peak so far. */
function memoryMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`/proc/${pid}/status has no ${field} line`);
  return Number(match[1]) / 1024;
}

function ratePerSecond(operations: number, startNs: bigint): number {
  const seconds = Number(process.hrtime.bigint() - startNs) / 1e9;
  return operations / seconds;
}

interface RepeatResult {
  pings: number;
  inserts: number;
  insertMany: number;
  finds: number;
  idleMiB: number;
  peakMiB: number;
}

async function runRepeat(): Promise<RepeatResult> {
  const server = await startDatabaseProcess();
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000, maxPoolSize: 1 });
  try {
    await client.connect();
    const admin = client.db('admin');
    await admin.command({ ping: 1 });
    const idleMiB = memoryMiB(server.pid, 'VmRSS');

    let start = process.hrtime.bigint();
    for (let count = 0; count < PINGS; count++) await admin.command({ ping: 1 });
    const pings = ratePerSecond(PINGS, start);

    const db = client.db('bench');
    const users: Collection<Document> = db.collection('users');
    await users.createIndex({ email: 1 }, { unique: true });
    start = process.hrtime.bigint();
    for (let id = 0; id < DOCUMENTS; id++) {
      await users.insertOne({ id, email: `user${id}@example.com`, name: `User ${id}`, active: id % 2 === 0, created: new Date() });
    }
    const inserts = ratePerSecond(DOCUMENTS, start);

    start = process.hrtime.bigint();
    for (let id = 0; id < DOCUMENTS; id++) {
      const found = await users.findOne({ email: `user${(id * 7919) % DOCUMENTS}@example.com` });
      if (!found) throw new Error('indexed lookup found nothing');
    }
    const finds = ratePerSecond(DOCUMENTS, start);

    const batches = db.collection('batches');
    start = process.hrtime.bigint();
    for (let offset = 0; offset < DOCUMENTS; offset += INSERT_MANY_BATCH) {
      const batch = Array.from({ length: INSERT_MANY_BATCH }, (_, position) => ({ id: offset + position, payload: 'x'.repeat(100) }));
      await batches.insertMany(batch);
    }
    const insertMany = ratePerSecond(DOCUMENTS, start);

    const peakMiB = memoryMiB(server.pid, 'VmHWM');
    return { pings, inserts, insertMany, finds, idleMiB, peakMiB };
  } finally {
    await client.close();
    await server.stop();
  }
}

function summarize(values: number[]): { median: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/**
 * Benchmarks the embedded server through the mongodb driver over loopback TCP, one connection,
 * sequential requests: 10,000 insertOne calls and 10,000 findOne calls on a unique index, plus
 * insertMany in batches of 1,000. `ping` round trips are the wire floor each rate is compared with.
 * Memory is the server process's peak resident set against its idle size after start.
 */
export async function embeddedServerSection(): Promise<BenchRow[]> {
  const repeats: RepeatResult[] = [];
  for (let repeat = 0; repeat < REPEATS; repeat++) repeats.push(await runRepeat());

  const ping = summarize(repeats.map((result) => result.pings));
  const idle = summarize(repeats.map((result) => result.idleMiB));
  const pingBaseline = { metric: 'ping round trips/s', median: ping.median };
  const row = (metric: string, unit: string, values: number[], baseline?: { metric: string; median: number }): BenchRow => {
    const summary = summarize(values);
    return {
      metric,
      unit,
      ...summary,
      repeats: values.length,
      ...(baseline ? { baseline, ratio: summary.median / baseline.median } : {}),
    };
  };

  return [
    row('ping round trips/s', 'ops/s', repeats.map((result) => result.pings)),
    row(`insertOne, ${DOCUMENTS} documents, unique index`, 'docs/s', repeats.map((result) => result.inserts), pingBaseline),
    row(`findOne on unique index, ${DOCUMENTS} lookups`, 'ops/s', repeats.map((result) => result.finds), pingBaseline),
    row(`insertMany, batches of ${INSERT_MANY_BATCH}`, 'docs/s', repeats.map((result) => result.insertMany), pingBaseline),
    row('server idle RSS after start', 'MiB', repeats.map((result) => result.idleMiB)),
    row(`server peak RSS, ${2 * DOCUMENTS} documents`, 'MiB', repeats.map((result) => result.peakMiB), { metric: 'server idle RSS after start', median: idle.median }),
  ];
}
