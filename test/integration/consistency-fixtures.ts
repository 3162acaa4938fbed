import type { Db, Document } from 'mongodb';
import { AUTH_USER_COLLECTION, ensureAuthUserIndexes, toAuthUser } from '../../lib/auth-user';
import { FINDING_KINDS, runConsistencyCheck, type ConsistencyReport, type FindingKind } from '../../lib/consistency';
import type { UserDocument } from '../../lib/user-document';
import { COUNTERS_COLLECTION, ensureUserIndexes, USER_ID_COUNTER, USERS_COLLECTION } from '../../lib/users';

/*
 * Helpers for the consistency check tests: users written straight through the driver, so that each
 * test can build exactly the drift it needs.
 */

export type StoredUser = Omit<UserDocument, '_id'>;

/**
 * Returns a well-formed stored hash that is never verified. `current` is bcrypt_sha256 at cost 4, the cost
 * the tests run with (test/setup-env.ts), so the check treats it as the current format.
 */
export function fakeHash(format: 'current' | 'bcrypt_sha256_cost_12' | 'pbkdf2_sha256', seed: string): string {
  const body = seed.padEnd(53, '.').slice(0, 53);
  if (format === 'current') return `bcrypt_sha256$$2b$04$${body}`;
  if (format === 'bcrypt_sha256_cost_12') return `bcrypt_sha256$$2b$12$${body}`;
  return `pbkdf2_sha256$260000$${seed}$${Buffer.from(seed).toString('base64')}`;
}

export const JOINED = new Date('2021-03-04T05:06:07.000Z');

/** Returns a valid user as signup stores it, with `overrides` applied. */
export function makeUser(id: number, username: string, overrides: Partial<StoredUser> = {}): StoredUser {
  return {
    id,
    username,
    email: `${username}@example.com`,
    first_name: username[0]!.toUpperCase() + username.slice(1),
    last_name: 'Tester',
    password_hash: fakeHash('current', username),
    is_active: true,
    is_staff: false,
    is_superuser: false,
    date_joined: JOINED,
    last_login: null,
    ...overrides,
  };
}

/** Creates every index the service needs on both collections. */
export async function createIndexes(db: Db): Promise<void> {
  await ensureUserIndexes(db);
  await ensureAuthUserIndexes(db);
}

/** Inserts users into both collections (a consistent mirror) and sets the id counter to the largest id. */
export async function insertMirroredUsers(db: Db, users: StoredUser[]): Promise<void> {
  if (users.length === 0) return;
  await db.collection(USERS_COLLECTION).insertMany(users.map((user) => ({ ...user })));
  await db.collection(AUTH_USER_COLLECTION).insertMany(users.map((user) => toAuthUser(user)));
  await setCounter(db, Math.max(...users.map((user) => user.id)));
}

export async function setCounter(db: Db, seq: number): Promise<void> {
  await db.collection<{ _id: string; seq: number }>(COUNTERS_COLLECTION).updateOne({ _id: USER_ID_COUNTER }, { $set: { seq } }, { upsert: true });
}

export async function readCounter(db: Db): Promise<number | undefined> {
  const counter = await db.collection<{ _id: string; seq: number }>(COUNTERS_COLLECTION).findOne({ _id: USER_ID_COUNTER });
  return counter?.seq;
}

export function usersOf(db: Db) {
  return db.collection<Document>(USERS_COLLECTION);
}

export function authUsersOf(db: Db) {
  return db.collection<Document>(AUTH_USER_COLLECTION);
}

/** Reads every document of both collections and the counter, to show that a run changed nothing. */
export async function snapshot(db: Db): Promise<unknown> {
  return {
    users: await usersOf(db).find({}).sort({ _id: 1 }).toArray(),
    authUsers: await authUsersOf(db).find({}).sort({ _id: 1 }).toArray(),
    counter: await readCounter(db),
  };
}

export async function check(options: { repair?: boolean } = {}): Promise<ConsistencyReport> {
  return (await runConsistencyCheck(options)).report;
}

/** Returns the count of each kind a report found, leaving out the kinds with nothing found. */
export function foundCounts(report: ConsistencyReport): Partial<Record<FindingKind, number>> {
  return Object.fromEntries(FINDING_KINDS.filter((kind) => report.findings[kind].count > 0).map((kind) => [kind, report.findings[kind].count]));
}

/** Returns the count of each kind a report repaired, leaving out the kinds with no repair. */
export function repairedCounts(report: ConsistencyReport): Partial<Record<FindingKind, number>> {
  return Object.fromEntries(FINDING_KINDS.filter((kind) => report.repaired[kind] > 0).map((kind) => [kind, report.repaired[kind]]));
}
