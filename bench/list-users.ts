import { startDatabaseProcess } from './database-process';
import { benchRow, childProcessMain, elapsedMs, percentile, runInChildProcess } from './measure';
import type { BenchRow } from './run';
import { BENCH_PASSWORD, configureService, invokeExpecting, prepareInvocation } from './service';

const REPEATS = 3;
/**
 * Collection sizes and requests per query and repeat. The embedded server returns a page at 100,000
 * users in about half a second, because it scans and sorts the whole collection instead of walking
 * an index, so that size gets fewer requests to keep `npm run bench` under ten minutes.
 * NOTE: with 10 requests, the p99 reported at 100,000 users is the slowest of the 10.
 */
const SIZES = [
  { users: 10_000, samples: 50 },
  { users: 100_000, samples: 10 },
];
const INSERT_BATCH = 1_000;
// Only the staff account that lists users is created through signup; the cost does not affect listing.
const BCRYPT_COST = 4;
const DATABASE = 'bench_list_users';
const LAST_NAMES = ['Garcia', 'Smith', 'Okafor', 'Novak', 'Tanaka', 'Silva', 'Kowalski', 'Haddad', 'Jensen', 'Moreau'];
const PAGE_SIZE = 20;

interface QueryTimes {
  p50: number;
  p99: number;
}

type Measurements = Record<string, QueryTimes[]>;

/**
 * listUsers p50 and p99 over the embedded server at 10,000 and 100,000 users, for the first page, a
 * page filtered by search text and flag, and a page 90% of the way through the usernames, reached
 * with a cursor. The baseline is the bare driver reading the first page's 21 users in id order: what
 * any page costs when the database can walk an index straight to its documents.
 */
export async function listUsersSection(): Promise<BenchRow[]> {
  const measurements = await runInChildProcess<Measurements>(__filename);
  const rows: BenchRow[] = [];
  for (const { users: size } of SIZES) {
    const label = `${size.toLocaleString('en-US')} users`;
    const bare = measurements[`${size} bare`]!;
    const baseline = benchRow(`${label}: bare driver find, ${PAGE_SIZE + 1} users by id, p50`, 'ms', bare.map((times) => times.p50));
    rows.push(baseline);
    for (const query of ['first page', 'filtered page', 'deep cursor page']) {
      const times = measurements[`${size} ${query}`]!;
      rows.push(benchRow(`${label}: listUsers ${query}, p50`, 'ms', times.map((time) => time.p50), baseline));
      rows.push(benchRow(`${label}: listUsers ${query}, p99`, 'ms', times.map((time) => time.p99), baseline));
    }
  }
  return rows;
}

async function measureListing(): Promise<Measurements> {
  const database = await startDatabaseProcess();
  try {
    configureService({ mongodbUri: database.uri, database: DATABASE, bcryptRounds: BCRYPT_COST });
    const { handler: signup } = await import('../functions/signup');
    const { handler: login } = await import('../functions/login');
    const { handler: listUsers } = await import('../functions/listUsers');
    const { getDatabase } = await import('../lib/mongo-client');
    const { USERS_COLLECTION, raiseUserIdCounter } = await import('../lib/users');
    const { encodeCursor, fingerprintQuery } = await import('../lib/cursor');
    const { listUsersQuerySchema, parseInput } = await import('../lib/validation');

    // The staff account is user 1; its signup also creates the collection's indexes.
    const staff = 'bench_staff';
    await invokeExpecting(signup, prepareInvocation({ method: 'POST', path: '/signup', body: { username: staff, email: `${staff}@example.com`, password: BENCH_PASSWORD } }), 201);
    const users = (await getDatabase()).collection(USERS_COLLECTION);
    await users.updateOne({ username: staff }, { $set: { is_staff: true } });
    const loginResult = await invokeExpecting(login, prepareInvocation({ method: 'POST', path: '/login', body: { username: staff, password: BENCH_PASSWORD } }), 200);
    const token = (JSON.parse(loginResult.body ?? '{}') as { access_token: string }).access_token;
    const passwordHash = (await users.findOne({ username: staff }))?.password_hash as string;

    /** Builds a cursor 90% of the way through the usernames, as the service would issue it for that page. */
    const deepCursor = (size: number) => {
      const query = parseInput(listUsersQuerySchema, { ordering: 'username' });
      const { cursor: _cursor, limit: _limit, ...parameters } = query;
      const id = Math.floor(size * 0.9);
      return encodeCursor({ ordering: 'username', query: fingerprintQuery(parameters), value: seededUsername(id), id });
    };

    const measurements: Measurements = {};
    let seeded = 1;
    for (const { users: size, samples } of SIZES) {
      for (let offset = seeded + 1; offset <= size; offset += INSERT_BATCH) {
        const batch = [];
        for (let id = offset; id < Math.min(offset + INSERT_BATCH, size + 1); id++) batch.push(seededUser(id, passwordHash));
        await users.insertMany(batch);
      }
      await raiseUserIdCounter(size);
      seeded = size;

      const queries: Record<string, Record<string, string>> = {
        'first page': { limit: String(PAGE_SIZE) },
        'filtered page': { q: 'garcia', is_active: 'true', limit: String(PAGE_SIZE) },
        'deep cursor page': { ordering: 'username', cursor: deepCursor(size), limit: String(PAGE_SIZE) },
      };
      const request = (query: Record<string, string>) => prepareInvocation({ method: 'GET', path: '/users', query, token });
      for (const query of Object.values(queries)) {
        const result = await invokeExpecting(listUsers, request(query), 200);
        if ((JSON.parse(result.body ?? '{}') as { items: unknown[] }).items.length !== PAGE_SIZE) throw new Error(`listUsers returned a short page for ${JSON.stringify(query)}.`);
      }

      for (let repeat = 0; repeat < REPEATS; repeat++) {
        const bare: number[] = [];
        for (let sample = 0; sample < samples; sample++) {
          const start = process.hrtime.bigint();
          await users.find({}).sort({ id: 1 }).limit(PAGE_SIZE + 1).toArray();
          bare.push(elapsedMs(start));
        }
        (measurements[`${size} bare`] ??= []).push({ p50: percentile(bare, 50), p99: percentile(bare, 99) });

        for (const [name, query] of Object.entries(queries)) {
          const times: number[] = [];
          for (let sample = 0; sample < samples; sample++) {
            const invocation = request(query);
            const start = process.hrtime.bigint();
            await invokeExpecting(listUsers, invocation, 200);
            times.push(elapsedMs(start));
          }
          (measurements[`${size} ${name}`] ??= []).push({ p50: percentile(times, 50), p99: percentile(times, 99) });
        }
      }
    }
    return measurements;
  } finally {
    await database.stop();
  }
}

// Zero-padded, so username order and id order agree and the deep cursor's position is known.
function seededUsername(id: number): string {
  return `user${String(id).padStart(6, '0')}`;
}

function seededUser(id: number, passwordHash: string) {
  const joined = new Date(Date.UTC(2022, 0, 1) + id * 60_000);
  return {
    id,
    username: seededUsername(id),
    email: `${seededUsername(id)}@example.com`,
    first_name: `First${id % 97}`,
    last_name: LAST_NAMES[id % LAST_NAMES.length]!,
    password_hash: passwordHash,
    is_active: id % 50 !== 0,
    is_staff: id % 100 === 0,
    is_superuser: false,
    date_joined: joined,
    last_login: id % 3 === 0 ? null : new Date(joined.getTime() + 86_400_000),
  };
}

if (require.main === module) childProcessMain(measureListing);
