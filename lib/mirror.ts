import type { ClientSession, Document } from 'mongodb';
import { getAuthUserCollection, toAuthUser } from './auth-user';
import { getConfig } from './config';
import { describeError, logger } from './logger';
import { getMongoClient } from './mongo-client';
import type { UserDocument } from './user-document';

/*
 * Dual storage: while AUTH_USER_MIRROR is true, every account is written twice, to
 * `Attendancetracker.users` for the tracker and to Django's `auth_user` (same id, the hash under
 * `password`) for a Django site that still reads it. Signup creates both documents, and login sets
 * `last_login`, and an upgraded hash, on both.
 */

/**
 * The way the two writes happen. `off` writes the tracker only. `transaction` puts both writes in one
 * transaction. `sequential` writes the tracker first and the mirror second, and logs a failed
 * mirror write for the consistency check to repair.
 */
export type MirrorMode = 'off' | 'sequential' | 'transaction';

/** The fields of a `hello` reply that tell the deployment's topology. */
export interface HelloReply {
  setName?: unknown;
  msg?: unknown;
  maxWireVersion?: unknown;
  logicalSessionTimeoutMinutes?: unknown;
}

// Multi-document transactions need MongoDB 4.0 (wire version 7) on a replica set and 4.2 (wire
// version 8) on a sharded cluster, and sessions, which a server announces with
// logicalSessionTimeoutMinutes.
const REPLICA_SET_TRANSACTIONS_WIRE_VERSION = 7;
const SHARDED_TRANSACTIONS_WIRE_VERSION = 8;

/**
 * Chooses the mirror mode for a deployment from its `hello` reply. A replica set member reports
 * `setName`, and a mongos router reports `msg: "isdbgrid"`. A standalone server reports neither
 * and cannot run transactions.
 */
export function chooseMirrorMode(enabled: boolean, hello: HelloReply): MirrorMode {
  if (!enabled) return 'off';
  if (typeof hello.logicalSessionTimeoutMinutes !== 'number') return 'sequential';

  const wireVersion = typeof hello.maxWireVersion === 'number' ? hello.maxWireVersion : 0;
  if (typeof hello.setName === 'string') return wireVersion >= REPLICA_SET_TRANSACTIONS_WIRE_VERSION ? 'transaction' : 'sequential';
  if (hello.msg === 'isdbgrid') return wireVersion >= SHARDED_TRANSACTIONS_WIRE_VERSION ? 'transaction' : 'sequential';
  return 'sequential';
}

let detectedMode: Promise<MirrorMode> | undefined;

/** Returns the mirror mode, asking the server for its topology once per container. */
export function getMirrorMode(): Promise<MirrorMode> {
  if (!getConfig().authUserMirror) return Promise.resolve('off');
  detectedMode ??= detectMirrorMode().catch((error: unknown) => {
    detectedMode = undefined;
    throw error;
  });
  return detectedMode;
}

async function detectMirrorMode(): Promise<MirrorMode> {
  const client = await getMongoClient();
  const hello = await client.db('admin').command({ hello: 1 });
  const mode = chooseMirrorMode(true, hello);
  logger.debug('Chose the auth_user mirror mode', { mode });
  return mode;
}

/**
 * Runs the writes of one signup or login: `write` receives a session when the two writes must share
 * a transaction, and undefined otherwise.
 *
 * NOTE: no test runs the transaction path, because the embedded test server is a standalone.
 * withTransaction runs `write` again after a transient error, so `write` must be safe to repeat,
 * and a failed mirror write on this path fails the whole signup or login.
 */
export async function withMirrorTransaction<T>(write: (session: ClientSession | undefined) => Promise<T>): Promise<T> {
  if ((await getMirrorMode()) !== 'transaction') return write(undefined);

  const client = await getMongoClient();
  return client.withSession((session) => session.withTransaction(() => write(session)));
}

/** Writes the `auth_user` document of a new user: Django's shape under the same id. */
export async function mirrorNewUser(user: UserDocument, session?: ClientSession): Promise<void> {
  if ((await getMirrorMode()) === 'off') return;

  await writeMirror('signup', user.id, session, async () => {
    const authUsers = await getAuthUserCollection();
    await authUsers.insertOne(toAuthUser(user), { session });
  });
}

/** Sets `last_login`, and the upgraded hash when there is one, on the user's `auth_user` document. */
export async function mirrorLogin(user: UserDocument, upgradedHash: string | undefined, session?: ClientSession): Promise<void> {
  if ((await getMirrorMode()) === 'off') return;

  await writeMirror('login', user.id, session, async () => {
    const changes: Document = { last_login: user.last_login };
    if (upgradedHash !== undefined) changes.password = upgradedHash;

    // The username guards against a Django user who was given the same id: that account is not this one.
    const authUsers = await getAuthUserCollection();
    const { matchedCount } = await authUsers.updateOne({ id: user.id, username: user.username }, { $set: changes }, { session });
    if (matchedCount === 0) {
      logger.warn('auth_user has no document with the id and username of the user who logged in; the consistency check reports it', { user_id: user.id });
    }
  });
}

/**
 * Runs a mirror write. Inside a transaction an error propagates, so both writes fail together.
 * Without one, the tracker's write has already succeeded and stays, so the error is logged with the
 * user id (never the document, which contains the hash) and the request goes on.
 */
async function writeMirror(action: 'signup' | 'login', userId: number, session: ClientSession | undefined, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (session) throw error;
    logger.error('Writing the auth_user mirror failed; the consistency check repairs it', { action, user_id: userId, ...describeError(error) });
  }
}
