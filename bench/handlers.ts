import { fork, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { compare as bcryptCompare, hash as bcryptHash } from 'bcryptjs';
import { startDatabaseProcess } from './database-process';
import { benchRow, childProcessMain, elapsedMs, percentile, runInChildProcess, timeMs } from './measure';
import type { BenchRow } from './run';
import { BENCH_PASSWORD, configureService, invokeExpecting, prepareInvocation } from './service';

/** The service's default cost (BCRYPT_ROUNDS), so login and signup are timed as deployed. */
const BCRYPT_COST = 12;
const LOGIN_REPEATS = 7;
const GET_USER_REPEATS = 5;
/** Invocations per repeat. Each repeat reports their p50. */
const GET_USER_SAMPLES = 400;
const SIGNUP_REPEATS = 3;
const SEQUENTIAL_SIGNUPS = 8;
/** Concurrent signups run in this many processes, as Lambda runs them in that many containers. */
const CONTAINERS = 10;
const SIGNUPS_PER_CONTAINER = 2;
const DATABASE = 'bench_handlers';

// bcrypt_sha256 hashes the hex SHA-256 of the password, so the bare baselines do too.
const passwordDigest = createHash('sha256').update(BENCH_PASSWORD, 'utf8').digest('hex');

/**
 * Measures login, getUser and signup against the embedded server, each against the work it cannot
 * avoid: one bcryptjs compare, the driver's findOne, and one bcryptjs hash.
 */
export function handlersSection(): Promise<BenchRow[]> {
  return runInChildProcess<BenchRow[]>(__filename);
}

async function measureHandlers(): Promise<BenchRow[]> {
  const database = await startDatabaseProcess();
  try {
    configureService({ mongodbUri: database.uri, database: DATABASE, bcryptRounds: BCRYPT_COST });
    const { handler: signup } = await import('../functions/signup');
    const { handler: login } = await import('../functions/login');
    const { handler: getUser } = await import('../functions/getUser');
    const { getDatabase } = await import('../lib/mongo-client');
    const { USERS_COLLECTION } = await import('../lib/users');

    const signUp = (username: string) =>
      invokeExpecting(signup, prepareInvocation({ method: 'POST', path: '/signup', body: { username, email: `${username}@example.com`, password: BENCH_PASSWORD } }), 201);
    const logIn = async (username: string) => {
      const result = await invokeExpecting(login, prepareInvocation({ method: 'POST', path: '/login', body: { username, password: BENCH_PASSWORD } }), 200);
      return JSON.parse(result.body ?? '{}') as { access_token: string; user: { id: number } };
    };

    // Login: the stored hash is verified once per login, so one bare compare is its floor.
    await signUp('bench_login');
    const users = (await getDatabase()).collection(USERS_COLLECTION);
    const stored = await users.findOne({ username: 'bench_login' });
    const bcryptString = String(stored?.password_hash).replace(/^bcrypt_sha256\$/, '');
    // The first login of a container also computes the decoy hash and ensures indexes.
    const { access_token: token, user } = await logIn('bench_login');
    await logIn('bench_login');
    const compareMs: number[] = [];
    const loginMs: number[] = [];
    for (let repeat = 0; repeat < LOGIN_REPEATS; repeat++) {
      compareMs.push(await timeMs(() => bcryptCompare(passwordDigest, bcryptString)));
      loginMs.push(await timeMs(() => logIn('bench_login')));
    }

    // getUser of one's own account performs exactly one findOne by id, on the same pooled client.
    const ownAccount = () => prepareInvocation({ method: 'GET', path: `/users/${user.id}`, routeKey: 'GET /users/{id}', pathParameters: { id: String(user.id) }, token });
    for (let warmup = 0; warmup < 50; warmup++) await invokeExpecting(getUser, ownAccount(), 200);
    const invocationP50: number[] = [];
    const findOneP50: number[] = [];
    const overheadUs: number[] = [];
    for (let repeat = 0; repeat < GET_USER_REPEATS; repeat++) {
      const invocations: number[] = [];
      const finds: number[] = [];
      // Alternating the two, sample by sample, exposes both to the same load on the machine.
      for (let sample = 0; sample < GET_USER_SAMPLES; sample++) {
        const invocation = ownAccount();
        let start = process.hrtime.bigint();
        await invokeExpecting(getUser, invocation, 200);
        invocations.push(elapsedMs(start));

        start = process.hrtime.bigint();
        await users.findOne({ id: user.id });
        finds.push(elapsedMs(start));
      }
      invocationP50.push(percentile(invocations, 50));
      findOneP50.push(percentile(finds, 50));
      overheadUs.push((percentile(invocations, 50) - percentile(finds, 50)) * 1000);
    }

    // Signup, one after another in this container: one bcryptjs hash per signup is its floor.
    const hashRate: number[] = [];
    const signupRate: number[] = [];
    for (let repeat = 0; repeat < SIGNUP_REPEATS; repeat++) {
      const hashingMs = await timeMs(async () => {
        for (let index = 0; index < SEQUENTIAL_SIGNUPS; index++) await bcryptHash(passwordDigest, BCRYPT_COST);
      });
      hashRate.push((SEQUENTIAL_SIGNUPS / hashingMs) * 1000);
      const signupMs = await timeMs(async () => {
        for (let index = 0; index < SEQUENTIAL_SIGNUPS; index++) await signUp(`bench_seq_${repeat}_${index}`);
      });
      signupRate.push((SEQUENTIAL_SIGNUPS / signupMs) * 1000);
    }
    const concurrent = await measureConcurrentSignups(database.uri);

    const compareRow = benchRow(`one bare bcryptjs compare, cost ${BCRYPT_COST}`, 'ms', compareMs);
    const findOneRow = benchRow('bare driver findOne by id, p50', 'ms', findOneP50);
    const hashRow = benchRow(`bare bcryptjs hash, cost ${BCRYPT_COST}, sequential`, 'hashes/s', hashRate);
    const concurrentHashRow = benchRow(`bare bcryptjs hash, ${CONTAINERS} processes`, 'hashes/s', concurrent.hashRate);
    return [
      compareRow,
      benchRow(`login, warm, cost ${BCRYPT_COST}`, 'ms', loginMs, compareRow),
      findOneRow,
      benchRow('getUser (own account), warm invocation, p50', 'ms', invocationP50, findOneRow),
      benchRow('getUser overhead over findOne, p50', 'µs', overheadUs),
      hashRow,
      benchRow(`signup, sequential, cost ${BCRYPT_COST}`, 'signups/s', signupRate, hashRow),
      concurrentHashRow,
      benchRow(`signup, ${CONTAINERS} concurrent processes, cost ${BCRYPT_COST}`, 'signups/s', concurrent.signupRate, concurrentHashRow),
    ];
  } finally {
    await database.stop();
  }
}

type WorkerTask = { kind: 'signup' | 'hash'; count: number; prefix: string };

/**
 * Ten processes stand for ten warm Lambda containers, each with its own MongoClient. All start a
 * round at once, and a round's rate is the operations of all processes ÷ the time until the last finishes.
 * NOTE: ten concurrent bcrypt computations share the cores of the machine running the benchmark (2
 * on the development machine). On Lambda each container has its own CPU share, so there the
 * throughput would grow with the container count.
 */
async function measureConcurrentSignups(mongodbUri: string): Promise<{ signupRate: number[]; hashRate: number[] }> {
  const workers: ChildProcess[] = [];
  try {
    for (let index = 0; index < CONTAINERS; index++) {
      workers.push(fork(__filename, ['signup-worker', String(index)], { execArgv: ['--import', 'tsx'], env: { ...process.env, BENCH_MONGODB_URI: mongodbUri }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
    }
    // Each worker warms its container with one signup before it reports ready.
    await Promise.all(workers.map((worker) => nextMessage(worker)));

    const round = async (task: Omit<WorkerTask, 'prefix'>, repeat: number) => {
      const start = process.hrtime.bigint();
      await Promise.all(
        workers.map((worker, index) => {
          const done = nextMessage(worker);
          worker.send({ ...task, prefix: `bench_c${repeat}_${index}` });
          return done;
        }),
      );
      return ((CONTAINERS * task.count) / elapsedMs(start)) * 1000;
    };
    const signupRate: number[] = [];
    const hashRate: number[] = [];
    for (let repeat = 0; repeat < SIGNUP_REPEATS; repeat++) {
      hashRate.push(await round({ kind: 'hash', count: SIGNUPS_PER_CONTAINER }, repeat));
      signupRate.push(await round({ kind: 'signup', count: SIGNUPS_PER_CONTAINER }, repeat));
    }
    return { signupRate, hashRate };
  } finally {
    for (const worker of workers) worker.disconnect();
  }
}

function nextMessage(worker: ChildProcess): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`A signup worker exited with code ${code}.`));
    worker.once('exit', onExit);
    worker.once('message', (message) => {
      worker.off('exit', onExit);
      resolve(message);
    });
  });
}

async function runSignupWorker(index: string): Promise<void> {
  configureService({ mongodbUri: process.env.BENCH_MONGODB_URI ?? '', database: DATABASE, bcryptRounds: BCRYPT_COST });
  const { handler: signup } = await import('../functions/signup');
  const signUp = (username: string) =>
    invokeExpecting(signup, prepareInvocation({ method: 'POST', path: '/signup', body: { username, email: `${username}@example.com`, password: BENCH_PASSWORD } }), 201);

  await signUp(`bench_warm_${index}`);
  process.send!('ready');
  process.on('message', (task: WorkerTask) => {
    void (async () => {
      for (let count = 0; count < task.count; count++) {
        if (task.kind === 'signup') await signUp(`${task.prefix}_${count}`);
        else await bcryptHash(passwordDigest, BCRYPT_COST);
      }
      process.send!('done');
    })().catch((error: unknown) => {
      process.stderr.write(`signup worker ${index} failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    });
  });
  process.on('disconnect', () => process.exit(0));
}

if (require.main === module) {
  if (process.argv[2] === 'signup-worker') {
    runSignupWorker(process.argv[3] ?? '0').catch((error: unknown) => {
      process.stderr.write(`signup worker failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    });
  } else {
    childProcessMain(measureHandlers);
  }
}
