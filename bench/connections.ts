import { MongoClient } from 'mongodb';
import { readConnectionNumber, startDatabaseProcess } from './database-process';
import { benchRow, childProcessMain, runInChildProcess } from './measure';
import type { BenchRow } from './run';
import { BENCH_PASSWORD, configureService, invokeExpecting, prepareInvocation, type PreparedInvocation } from './service';

const INVOCATIONS = 1_000;
/** Each repeat is a fresh process, that is, a fresh container. */
const REPEATS = 3;
// Connection counts do not depend on the bcrypt cost, while 2,000 signups and logins at the default
// cost 12 would take over eight minutes (about 0.25 s each), so this section hashes at the minimum cost.
const BCRYPT_COST = 4;
const DATABASE = 'bench_connections';
const HANDLERS = ['signup', 'login', 'getUser', 'listUsers'] as const;
type HandlerName = (typeof HANDLERS)[number];

interface ContainerCounts {
  bareClient: number;
  perHandler: Record<HandlerName, number>;
  total: number;
  clientsCreated: number;
  pooledConnections: number;
}

/**
 * Counts the connections the database accepts while one process (one Lambda container) serves 1,000
 * warm invocations of each handler in turn, from the server's own numbering and from the driver's
 * pool events. The baseline is what a bare MongoClient with the service's options opens for one
 * findOne: its monitor connection plus one pooled connection.
 */
export async function connectionsSection(): Promise<BenchRow[]> {
  const runs: ContainerCounts[] = [];
  for (let repeat = 0; repeat < REPEATS; repeat++) runs.push(await runInChildProcess<ContainerCounts>(__filename));

  const all = `all ${HANDLERS.length * INVOCATIONS} invocations in one process`;
  const baseline = benchRow('bare MongoClient, one findOne: connections the server accepted', 'connections', runs.map((run) => run.bareClient));
  return [
    baseline,
    ...HANDLERS.map((name) => benchRow(`${INVOCATIONS} ${name} invocations: connections the server accepted`, 'connections', runs.map((run) => run.perHandler[name]))),
    benchRow(`${all}: connections the server accepted`, 'connections', runs.map((run) => run.total), baseline),
    benchRow(`${all}: MongoClients created`, 'clients', runs.map((run) => run.clientsCreated)),
    benchRow(`${all}: pooled connections (driver events)`, 'connections', runs.map((run) => run.pooledConnections)),
  ];
}

async function countInOneContainer(): Promise<ContainerCounts> {
  const database = await startDatabaseProcess();
  try {
    configureService({ mongodbUri: database.uri, database: DATABASE, bcryptRounds: BCRYPT_COST });
    // The driver then behaves as on Lambda: it reports a FaaS environment and monitors by polling.
    process.env.AWS_EXECUTION_ENV = 'AWS_Lambda_nodejs22.x';
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'bench';
    process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE = '1024';
    const { MONGO_CLIENT_OPTIONS, getDatabase, getMongoClientStats } = await import('../lib/mongo-client');
    const { USERS_COLLECTION } = await import('../lib/users');
    const handlers = {
      signup: (await import('../functions/signup')).handler,
      login: (await import('../functions/login')).handler,
      getUser: (await import('../functions/getUser')).handler,
      listUsers: (await import('../functions/listUsers')).handler,
    };

    // Each reading opens one probe connection, which the differences leave out.
    let reading = await readConnectionNumber(database.uri);
    const openedSinceLastReading = async () => {
      const previous = reading;
      reading = await readConnectionNumber(database.uri);
      return reading - previous - 1;
    };

    const bare = new MongoClient(database.uri, MONGO_CLIENT_OPTIONS);
    await bare.db(DATABASE).collection('bench').findOne({});
    await bare.close();
    const bareClient = await openedSinceLastReading();
    const start = reading;

    // The first signup creates the account that the other handlers log in as, made staff for listUsers.
    const staff = 'bench_staff';
    let session = { token: '', userId: 0 };
    const invocations: Record<HandlerName, (index: number) => PreparedInvocation> = {
      signup: (index) => {
        const username = index === 0 ? staff : `bench_${index}`;
        return prepareInvocation({ method: 'POST', path: '/signup', body: { username, email: `${username}@example.com`, password: BENCH_PASSWORD } });
      },
      login: () => prepareInvocation({ method: 'POST', path: '/login', body: { username: staff, password: BENCH_PASSWORD } }),
      getUser: () => prepareInvocation({ method: 'GET', path: `/users/${session.userId}`, routeKey: 'GET /users/{id}', pathParameters: { id: String(session.userId) }, token: session.token }),
      listUsers: () => prepareInvocation({ method: 'GET', path: '/users', query: { limit: '20' }, token: session.token }),
    };
    const expectedStatus: Record<HandlerName, number> = { signup: 201, login: 200, getUser: 200, listUsers: 200 };

    const perHandler = {} as Record<HandlerName, number>;
    for (const name of HANDLERS) {
      for (let index = 0; index < INVOCATIONS; index++) {
        const result = await invokeExpecting(handlers[name], invocations[name](index), expectedStatus[name]);
        if (name === 'login' && index === 0) {
          const body = JSON.parse(result.body ?? '{}') as { access_token: string; user: { id: number } };
          session = { token: body.access_token, userId: body.user.id };
        }
      }
      if (name === 'signup') await (await getDatabase()).collection(USERS_COLLECTION).updateOne({ username: staff }, { $set: { is_staff: true } });
      perHandler[name] = await openedSinceLastReading();
    }

    const stats = getMongoClientStats();
    return {
      bareClient,
      perHandler,
      // Each of the readings taken after `start` opened one probe connection.
      total: reading - start - HANDLERS.length,
      clientsCreated: stats.clientsCreated,
      pooledConnections: stats.connectionsCreated,
    };
  } finally {
    await database.stop();
  }
}

if (require.main === module) childProcessMain(countInOneContainer);
