import { type AnyBulkWriteOperation, type ClientSession, type Collection, type Db, type Filter, type IndexDescription, MongoBulkWriteError } from 'mongodb';
import { findMaxAuthUserId } from './auth-user';
import { DUPLICATE_KEY_CODE, duplicateKeyFields, isDatabaseUnavailable } from './database-errors';
import { EmailTakenError, UsernameTakenError } from './http-errors';
import { describeError, logger } from './logger';
import { getDatabase } from './mongo-client';
import { onceUntilFailure } from './once';
import type { UserDocument } from './user-document';

/** The tracker's collection; the dot is part of the name, not a database separator. */
export const USERS_COLLECTION = 'Attendancetracker.users';
export const COUNTERS_COLLECTION = 'counters';
export const USER_ID_COUNTER = 'Attendancetracker.users.id';

/** Compares strings ignoring letter case (ICU strength 2: case-insensitive, accent-sensitive). */
export const CASE_INSENSITIVE = { locale: 'en', strength: 2 } as const;

/**
 * The indexes the service relies on. Username and email uniqueness ignore letter case through the
 * index collation, so the database enforces it for concurrent signups and the stored document keeps
 * exactly its historical fields. Django allows many users with an empty email, so only non-empty
 * emails are unique. The compound indexes serve the keyset pages of listUsers in (field, id) order.
 * A query or sort uses an index only under the index's collation (MongoDB manual, "Case-Insensitive
 * Indexes"), so { username, id } has the collation that username pages sort with (see findUserPage).
 */
export const USER_INDEXES: IndexDescription[] = [
  { key: { id: 1 }, name: 'id_unique', unique: true },
  { key: { username: 1 }, name: 'username_case_insensitive_unique', unique: true, collation: CASE_INSENSITIVE },
  {
    key: { email: 1 },
    name: 'email_case_insensitive_unique',
    unique: true,
    collation: CASE_INSENSITIVE,
    partialFilterExpression: { email: { $gt: '' } },
  },
  { key: { date_joined: 1, id: 1 }, name: 'date_joined_id' },
  { key: { last_login: 1, id: 1 }, name: 'last_login_id' },
  { key: { username: 1, id: 1 }, name: 'username_id_case_insensitive', collation: CASE_INSENSITIVE },
];

interface Counter {
  _id: string;
  seq: number;
}

const prepareOnce = onceUntilFailure(async () => prepareUsersCollection(await getDatabase()));

/** Returns the users collection, ensuring its indexes and the id counter once per container. */
export async function getUsersCollection(): Promise<Collection<UserDocument>> {
  await prepareOnce();
  return (await getDatabase()).collection<UserDocument>(USERS_COLLECTION);
}

/**
 * Ensures the indexes, then moves the id counter up to the highest id in Django's `auth_user`, so a
 * signup never takes the id of a Django user who has not logged in here yet.
 */
async function prepareUsersCollection(database: Db): Promise<void> {
  await ensureUserIndexes(database);
  const highestDjangoId = await findMaxAuthUserId();
  if (highestDjangoId > 0) await raiseUserIdCounter(highestDjangoId);
}

/**
 * Creates each required index that is missing, except those named in `exclude`. An index that
 * cannot be built (legacy users that differ only in letter case, or an index of that name with
 * other options) is logged in one line and skipped, so the service still starts. The consistency check reports it until it is fixed.
 */
export async function ensureUserIndexes(database: Db, exclude: readonly string[] = []): Promise<{ created: string[]; failed: string[] }> {
  const collection = database.collection(USERS_COLLECTION);
  const created: string[] = [];
  const failed: string[] = [];

  for (const { key, ...options } of USER_INDEXES) {
    if (options.name !== undefined && exclude.includes(options.name)) continue;
    try {
      created.push(await collection.createIndex(key, options));
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw error;
      failed.push(options.name ?? JSON.stringify(key));
      const reason =
        (error as { code?: unknown }).code === DUPLICATE_KEY_CODE
          ? 'existing users collide on it (usually usernames or emails that differ only in letter case)'
          : 'the database rejected it';
      logger.error(`Index ${options.name} on ${USERS_COLLECTION} could not be built: ${reason}. The service runs without it; run the consistency check to list the users involved.`, describeError(error));
    }
  }
  return { created, failed };
}

/** Returns the next user id from the atomic counter. */
export async function nextUserId(): Promise<number> {
  const counters = (await getDatabase()).collection<Counter>(COUNTERS_COLLECTION);
  const counter = await counters.findOneAndUpdate(
    { _id: USER_ID_COUNTER },
    { $inc: { seq: 1 } },
    { upsert: true, returnDocument: 'after' },
  );
  if (!counter) throw new Error(`The ${USER_ID_COUNTER} counter returned no document after an upsert.`);
  return counter.seq;
}

/** Raises the id counter to at least `minimum`, never lowering it. */
export async function raiseUserIdCounter(minimum: number): Promise<void> {
  const counters = (await getDatabase()).collection<Counter>(COUNTERS_COLLECTION);
  await counters.updateOne({ _id: USER_ID_COUNTER }, { $max: { seq: minimum } }, { upsert: true });
}

export type NewUser = Omit<UserDocument, '_id' | 'id'>;

// A counter left behind by an import or a restore collides with existing ids. After the counter is
// raised past the largest id, the next attempt succeeds unless someone keeps writing ids by hand.
const MAX_ID_ATTEMPTS = 3;

/**
 * Inserts a user under the next id, in `session`'s transaction when one is given (the id counter
 * stays outside it). Throws UsernameTakenError or EmailTakenError when a unique index rejects the
 * document, so uniqueness is enforced even for concurrent signups.
 */
export async function insertUser(user: NewUser, options: { session?: ClientSession } = {}): Promise<UserDocument> {
  const collection = await getUsersCollection();

  for (let attempt = 1; ; attempt += 1) {
    const document = { ...user, id: await nextUserId() } as UserDocument;
    try {
      const { insertedId } = await collection.insertOne(document, { session: options.session });
      return { ...document, _id: insertedId };
    } catch (error) {
      const fields = duplicateKeyFields(error);
      if (fields?.includes('username')) throw new UsernameTakenError({ cause: error });
      if (fields?.includes('email')) throw new EmailTakenError({ cause: error });
      if (!fields?.includes('id') || attempt === MAX_ID_ATTEMPTS) throw error;

      logger.warn('The user id counter was behind the stored ids; raising it', { id: document.id });
      const [highest] = await collection.find({}, { projection: { id: 1 } }).sort({ id: -1 }).limit(1).toArray();
      await raiseUserIdCounter(highest?.id ?? 0);
    }
  }
}

/** A user copied from Django's `auth_user`, under the id Django gave it. */
export type MigratedUser = Omit<UserDocument, '_id'>;

/** Raised when a migrated user's id already belongs to a document of the tracker. */
export class UserIdTakenError extends Error {
  override name = 'UserIdTakenError';
  constructor(readonly id: number, options?: { cause?: unknown }) {
    super(`User id ${id} is already taken in ${USERS_COLLECTION}.`, options);
  }
}

/**
 * Inserts a user copied from Django under its Django id, then raises the id counter past it.
 * Throws UserIdTakenError, UsernameTakenError or EmailTakenError when a unique index rejects it.
 */
export async function insertMigratedUser(user: MigratedUser): Promise<UserDocument> {
  const collection = await getUsersCollection();
  try {
    const { insertedId } = await collection.insertOne({ ...user } as UserDocument);
    await raiseUserIdCounter(user.id);
    return { ...user, _id: insertedId };
  } catch (error) {
    const fields = duplicateKeyFields(error);
    if (fields?.includes('id')) throw new UserIdTakenError(user.id, { cause: error });
    if (fields?.includes('username')) throw new UsernameTakenError({ cause: error });
    if (fields?.includes('email')) throw new EmailTakenError({ cause: error });
    throw error;
  }
}

/**
 * Tells whether a user has this username, or this non-empty email, ignoring letter case. Prompts use
 * it to re-ask early; only the unique indexes decide when the user is inserted.
 */
export async function isUserFieldTaken(field: 'username' | 'email', value: string): Promise<boolean> {
  if (value === '') return false;
  const collection = await getUsersCollection();
  const found = await collection.findOne({ [field]: value } as Filter<UserDocument>, { collation: CASE_INSENSITIVE, projection: { _id: 1 } });
  return found !== null;
}

/** Finds a user by the integer id the API exposes. */
export async function findUserById(id: number): Promise<UserDocument | null> {
  const collection = await getUsersCollection();
  return collection.findOne({ id });
}

// Legacy Django data may hold several case variants of one username; a handful is all there can be.
const MAX_CASE_VARIANTS = 10;

/**
 * Finds the user a login names, by username or email, ignoring letter case. When several stored
 * users match (legacy case variants), only an exact match is accepted, since picking one of the
 * others would log a person into someone else's account.
 */
export async function findUserForLogin(identifier: { username: string } | { email: string }): Promise<UserDocument | null> {
  const collection = await getUsersCollection();
  const [field, value] = 'username' in identifier ? ['username', identifier.username] : ['email', identifier.email];

  const candidates = await collection
    .find({ [field]: value } as Filter<UserDocument>, { collation: CASE_INSENSITIVE })
    .sort({ id: 1 })
    .limit(MAX_CASE_VARIANTS)
    .toArray();

  const exact = candidates.find((candidate) => candidate[field as 'username' | 'email'] === value);
  if (exact) return exact;
  return candidates.length === 1 ? (candidates[0] ?? null) : null;
}

/**
 * Records a successful login: sets `last_login`, and stores an upgraded password hash when given,
 * in `session`'s transaction when one is given.
 */
export async function recordLogin(user: UserDocument, options: { at: Date; passwordHash?: string; session?: ClientSession }): Promise<UserDocument> {
  const collection = await getUsersCollection();
  const changes: Partial<UserDocument> = { last_login: options.at };
  if (options.passwordHash) changes.password_hash = options.passwordHash;

  await collection.updateOne({ _id: user._id }, { $set: changes }, { session: options.session });
  return { ...user, ...changes };
}

/**
 * Reads one page of users matching a keyset filter. A page sorted by username compares and sorts
 * usernames ignoring letter case. Other pages sort and bound only numbers and dates, so they run
 * under the simple collation of the `id`, `date_joined` and `last_login` indexes, which mongod can
 * then use for the sort. The `q` search uses `$regex` with the `i` option, and the MongoDB manual
 * ("Case-Insensitive Indexes") states that `$regex` is not collation-aware, so it matches the same
 * without the collation.
 */
export async function findUserPage(filter: Filter<UserDocument>, sort: Record<string, 1 | -1>, limit: number): Promise<UserDocument[]> {
  const collection = await getUsersCollection();
  const options = 'username' in sort ? { collation: CASE_INSENSITIVE } : {};
  return collection.find(filter, options).sort(sort).limit(limit).toArray();
}

/*
 * Bulk access for the Django import. These functions skip the once-per-container index check of
 * getUsersCollection, because the import builds the case-insensitive username index only after
 * loading: Django data can hold usernames that differ only in letter case, and both must load.
 */

/** Name of the index that the import builds last. */
export const USERNAME_INDEX = 'username_case_insensitive_unique';

function usersCollection(database: Db): Collection<UserDocument> {
  return database.collection<UserDocument>(USERS_COLLECTION);
}

/**
 * Ensures every index except the case-insensitive username index before an import, so that ids
 * and non-empty emails are unique while records load.
 */
export async function prepareUserImport(): Promise<{ created: string[]; failed: string[] }> {
  return ensureUserIndexes(await getDatabase(), [USERNAME_INDEX]);
}

// mongod's codes for dropIndex on a missing collection (NamespaceNotFound) or index (IndexNotFound).
const NOTHING_TO_DROP_CODES = new Set([26, 27]);

/**
 * Drops the case-insensitive username index, so that an import can store Django usernames that
 * differ only in letter case. Until those users are renamed, the index cannot be built again and
 * the database no longer rejects case variants of new usernames. Returns whether an index was dropped.
 */
export async function dropUsernameIndex(): Promise<boolean> {
  try {
    await usersCollection(await getDatabase()).dropIndex(USERNAME_INDEX);
  } catch (error) {
    if (NOTHING_TO_DROP_CODES.has((error as { code?: number }).code ?? 0)) return false;
    throw error;
  }
  logger.warn(`Index ${USERNAME_INDEX} on ${USERS_COLLECTION} was dropped to import usernames that differ only in letter case`);
  return true;
}

/** Ensures every index after an import. A username index that legacy case variants prevent is reported in `failed`. */
export async function completeUserImport(): Promise<{ created: string[]; failed: string[] }> {
  return ensureUserIndexes(await getDatabase());
}

/** Reads the users with the given ids. */
export async function findUsersByIds(ids: readonly number[]): Promise<UserDocument[]> {
  return usersCollection(await getDatabase()).find({ id: { $in: [...ids] } }).toArray();
}

/** Reads the users whose username, or non-empty email, equals the given one ignoring letter case. */
export async function findUsersMatchingNames(names: { username: string; email: string }): Promise<UserDocument[]> {
  const conditions: Filter<UserDocument>[] = [{ username: names.username }];
  if (names.email !== '') conditions.push({ email: names.email });
  return usersCollection(await getDatabase())
    .find({ $or: conditions }, { collation: CASE_INSENSITIVE })
    .sort({ id: 1 })
    .limit(MAX_CASE_VARIANTS)
    .toArray();
}

/** A write of the import: a new user under its Django id, or changed fields of the user with that id. */
export type UserWrite = { insert: MigratedUser } | { update: { id: number; set: Partial<MigratedUser> } };

/** Why a write was rejected: the field of the unique index it broke, or undefined with the server's message. */
export interface UserWriteFailure {
  field: 'id' | 'username' | 'email' | undefined;
  message: string;
}

/**
 * Applies writes in one unordered bulk write, so one rejected record does not stop the others.
 * Returns the failures by the index of the write in `writes`. Throws when the bulk write fails as a
 * whole, for example when the database is unreachable.
 */
export async function writeUsers(writes: readonly UserWrite[]): Promise<Map<number, UserWriteFailure>> {
  const failures = new Map<number, UserWriteFailure>();
  if (writes.length === 0) return failures;

  const operations: AnyBulkWriteOperation<UserDocument>[] = writes.map((write) =>
    'insert' in write
      ? { insertOne: { document: { ...write.insert } as UserDocument } }
      : { updateOne: { filter: { id: write.update.id }, update: { $set: write.update.set } } },
  );
  try {
    await usersCollection(await getDatabase()).bulkWrite(operations, { ordered: false });
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    if (writeErrors.length === 0) throw error;
    for (const writeError of writeErrors) {
      failures.set(writeError.index, {
        field: writeError.code === DUPLICATE_KEY_CODE ? duplicateIndexField(writeError.errmsg ?? '') : undefined,
        message: writeError.errmsg ?? `write error ${writeError.code}`,
      });
    }
  }
  return failures;
}

/** Returns the field of the unique index named in a duplicate-key message. */
function duplicateIndexField(message: string): UserWriteFailure['field'] {
  const indexName = /index: (\S+)/.exec(message)?.[1];
  const index = USER_INDEXES.find((candidate) => candidate.name === indexName);
  const field = index ? Object.keys(index.key)[0] : undefined;
  return field === 'id' || field === 'username' || field === 'email' ? field : undefined;
}
