import { MongoClient, type Db, type Document } from 'mongodb';
import { startDatabaseProcess } from './database-process';
import { benchRow, childProcessMain, runInChildProcess, timeMs } from './measure';
import type { BenchRow } from './run';
import { configureService } from './service';

/*
 * The consistency check against its baseline: a bare cursor scan of both collections in id order,
 * which is the least any check of every user must do. Both run in fresh processes against the same
 * data, and each reports its wall time and its peak resident memory. The check runs at two sizes to
 * show that its memory does not grow with the number of users.
 */

const SIZES = [10_000, 100_000];
const REPEATS = 3;
const INSERT_MANY_BATCH = 1_000;
/** One user in this many differs between the collections, so the check also records findings. */
const DRIFT_EVERY = 100;
const BCRYPT_ROUNDS = 12;

type Task = 'scan' | 'check';

interface ChildResult {
  durationMs: number;
  peakRssMiB: number;
  users: number;
}

export async function consistencyCheckSection(): Promise<BenchRow[]> {
  const server = await startDatabaseProcess();
  const client = await new MongoClient(server.uri).connect();
  try {
    const rows: BenchRow[] = [];
    for (const size of SIZES) {
      const database = `bench_consistency_${size}`;
      process.stderr.write(`bench: loading ${size.toLocaleString('en-US')} users into each collection\n`);
      await loadUsers(client.db(database), size);

      const scans: ChildResult[] = [];
      const checks: ChildResult[] = [];
      for (let repeat = 0; repeat < REPEATS; repeat++) {
        scans.push(await runInChildProcess<ChildResult>(__filename, ['scan', server.uri, database]));
        checks.push(await runInChildProcess<ChildResult>(__filename, ['check', server.uri, database]));
      }
      rows.push(...sizeRows(size, scans, checks));
      await client.db(database).dropDatabase();
    }
    return rows;
  } finally {
    await client.close();
    await server.stop();
  }
}

function sizeRows(size: number, scans: ChildResult[], checks: ChildResult[]): BenchRow[] {
  const users = `${size.toLocaleString('en-US')} users per collection`;
  const scanTime = benchRow(`cursor scan of both collections, ${users}`, 'ms', scans.map((run) => run.durationMs));
  const scanMemory = benchRow(`peak RSS of the cursor scan, ${users}`, 'MiB', scans.map((run) => run.peakRssMiB));
  return [
    scanTime,
    benchRow(`consistency check, ${users}`, 'ms', checks.map((run) => run.durationMs), scanTime),
    scanMemory,
    benchRow(`peak RSS of the consistency check, ${users}`, 'MiB', checks.map((run) => run.peakRssMiB), scanMemory),
  ];
}

/** Inserts `size` users into each collection, mirrored except for every DRIFT_EVERY-th email. */
async function loadUsers(db: Db, size: number): Promise<void> {
  const { ensureUserIndexes, USERS_COLLECTION, COUNTERS_COLLECTION, USER_ID_COUNTER } = await import('../lib/users');
  const { ensureAuthUserIndexes, AUTH_USER_COLLECTION, toAuthUser } = await import('../lib/auth-user');
  await ensureUserIndexes(db);
  await ensureAuthUserIndexes(db);

  for (let first = 1; first <= size; first += INSERT_MANY_BATCH) {
    const users = [];
    for (let id = first; id < Math.min(first + INSERT_MANY_BATCH, size + 1); id++) users.push(makeUser(id));
    await db.collection(USERS_COLLECTION).insertMany(users.map((user) => ({ ...user })), { ordered: false });
    await db.collection(AUTH_USER_COLLECTION).insertMany(
      users.map((user) => ({ ...toAuthUser(user), email: user.id % DRIFT_EVERY === 0 ? `changed${user.id}@example.com` : user.email })),
      { ordered: false },
    );
  }
  await db.collection<{ _id: string; seq: number }>(COUNTERS_COLLECTION).updateOne({ _id: USER_ID_COUNTER }, { $set: { seq: size } }, { upsert: true });
}

function makeUser(id: number) {
  return {
    id,
    username: `user${id}`,
    email: `user${id}@example.com`,
    first_name: 'Bench',
    last_name: `User ${id}`,
    // A well-formed bcrypt_sha256 hash at the default cost; the check never verifies it.
    password_hash: `bcrypt_sha256$$2b$12$${String(id).padStart(53, 'a')}`,
    is_active: true,
    is_staff: false,
    is_superuser: false,
    date_joined: new Date(1_600_000_000_000 + id * 60_000),
    last_login: id % 3 === 0 ? null : new Date(1_700_000_000_000 + id * 60_000),
  };
}

/**
 * Runs one task in this process, a fresh one per run, and reports its time and peak memory. Module
 * loading and the connection happen before the timer starts, so only the reading is timed.
 */
async function measureTask(task: Task, uri: string, database: string): Promise<ChildResult> {
  configureService({ mongodbUri: uri, database, bcryptRounds: BCRYPT_ROUNDS });
  const { getDatabase } = await import('../lib/mongo-client');
  const { runConsistencyCheck } = await import('../lib/consistency');
  const db = await getDatabase();

  let users = 0;
  const durationMs = await timeMs(async () => {
    users = task === 'scan' ? await scanBothCollections(db) : await checkBothCollections(runConsistencyCheck);
  });
  // maxRSS is in KiB: the largest resident set of this process so far.
  return { durationMs, peakRssMiB: process.resourceUsage().maxRSS / 1024, users };
}

async function scanBothCollections(db: Db): Promise<number> {
  let count = 0;
  for (const name of ['Attendancetracker.users', 'auth_user']) {
    for await (const document of db.collection<Document>(name).find({}).sort({ id: 1 }).batchSize(1000)) {
      if (document.id !== undefined) count += 1;
    }
  }
  return count;
}

async function checkBothCollections(runConsistencyCheck: typeof import('../lib/consistency').runConsistencyCheck): Promise<number> {
  const { report } = await runConsistencyCheck();
  if (report.findings.field_mismatch.count === 0) throw new Error('The check found none of the drift the benchmark created.');
  return report.findings.field_mismatch.count;
}

if (require.main === module) {
  const [task, uri, database] = process.argv.slice(2);
  childProcessMain(() => measureTask(task as Task, uri ?? '', database ?? ''));
}
