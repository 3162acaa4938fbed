import { MongoClient, type CommandStartedEvent, type Db } from 'mongodb';
import { getConfig } from './config';
import { logger } from './logger';

/**
 * One MongoClient per container, created on the first request and reused by every later invocation.
 * Lambda runs one invocation at a time per container, so a small pool is enough, and short timeouts
 * let a request return 503 well inside the function's timeout when the database is down.
 */
export const MONGO_CLIENT_OPTIONS = {
  // A container serves one request at a time, and a request runs at most two operations at once
  // (signup's two auth_user lookups, the consistency check's two collection scans), so two pooled
  // connections serve it without waiting (`npm run bench` counts them). The cap bounds a container to
  // two pooled connections plus one monitoring connection on the primary, the figure that sizing
  // Lambda concurrency against the database's connection limit needs (docs/DEPLOY.md).
  maxPoolSize: 2,
  minPoolSize: 0,
  // A Lambda container can be frozen for minutes; idle sockets are closed rather than trusted.
  maxIdleTimeMS: 60_000,
  serverSelectionTimeoutMS: 3_000,
  connectTimeoutMS: 3_000,
  socketTimeoutMS: 20_000,
  waitQueueTimeoutMS: 3_000,
  appName: 'attendance-accounts',
} as const;

let clientPromise: Promise<MongoClient> | undefined;
let clientsCreated = 0;
let connectionsCreated = 0;
let commandStartedListener: ((event: CommandStartedEvent) => void) | undefined;

/** Returns the container's MongoClient, connecting on first use. */
export function getMongoClient(): Promise<MongoClient> {
  clientPromise ??= connect().catch((error: unknown) => {
    // A failed first connect must not poison the container: the next request tries again.
    clientPromise = undefined;
    throw error;
  });
  return clientPromise;
}

/** Returns the service's database on the container's client. */
export async function getDatabase(): Promise<Db> {
  const client = await getMongoClient();
  return client.db(getConfig().mongodbDb);
}

/** Counts clients and pooled connections opened by this container, for tests and benchmarks. */
export function getMongoClientStats(): { clientsCreated: number; connectionsCreated: number } {
  return { clientsCreated, connectionsCreated };
}

/**
 * Passes every command that clients created after this call start to `listener`, through the
 * driver's command monitoring; undefined stops it. Tests use it to inspect the filters the service
 * sends. The service never sets a listener, so deployed clients run without monitoring.
 */
export function setCommandStartedListener(listener: ((event: CommandStartedEvent) => void) | undefined): void {
  commandStartedListener = listener;
}

/** Closes the container's client. Functions never call this; scripts and tests do when they finish. */
export async function closeMongoClient(): Promise<void> {
  const pending = clientPromise;
  clientPromise = undefined;
  if (pending) await (await pending.catch(() => undefined))?.close();
}

async function connect(): Promise<MongoClient> {
  const monitorCommands = commandStartedListener !== undefined;
  const client = new MongoClient(getConfig().mongodbUri, { ...MONGO_CLIENT_OPTIONS, monitorCommands });
  clientsCreated += 1;
  if (monitorCommands) client.on('commandStarted', (event) => commandStartedListener?.(event));
  client.on('connectionCreated', () => {
    connectionsCreated += 1;
  });
  await client.connect();
  logger.debug('Connected to MongoDB', { database: getConfig().mongodbDb });
  return client;
}
