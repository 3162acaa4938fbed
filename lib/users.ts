// Before changing this file, read CONTRIBUTING.md at the repository root (team rules: network, git, tests, wording).
import { type Collection, type Db, type Filter, type IndexDescription, type Sort } from 'mongodb';
import { DUPLICATE_KEY_CODE, duplicateKeyFields, isDatabaseUnavailable } from './database-errors';
import { EmailTakenError, UsernameTakenError } from './http-errors';
import { describeError, logger } from './logger';
import { getDatabase } from './mongo-client';
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
 * emails are unique.
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
];

interface Counter {
  _id: string;
  seq: number;
}

let indexesEnsured: Promise<unknown> | undefined;

/** Returns the users collection, ensuring its indexes once per container. */
export async function getUsersCollection(): Promise<Collection<UserDocument>> {
  const database = await getDatabase();
  indexesEnsured ??= ensureUserIndexes(database).catch((error: unknown) => {
    indexesEnsured = undefined;
    throw error;
  });
  await indexesEnsured;
  return database.collection<UserDocument>(USERS_COLLECTION);
}

/**
 * Creates each required index that is missing. An index that cannot be built (legacy users that
 * differ only in letter case, or an index of that name with other options) is logged in one line
 * and skipped, so the service still starts. The consistency check reports it until it is fixed.
 */
export async function ensureUserIndexes(database: Db): Promise<{ created: string[]; failed: string[] }> {
  const collection = database.collection(USERS_COLLECTION);
  const created: string[] = [];
  const failed: string[] = [];

  for (const { key, ...options } of USER_INDEXES) {
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
 * Inserts a user under the next id. Throws UsernameTakenError or EmailTakenError when a unique index
 * rejects the document, so uniqueness is enforced even for concurrent signups.
 */
export async function insertUser(user: NewUser): Promise<UserDocument> {
  const collection = await getUsersCollection();

  for (let attempt = 1; ; attempt += 1) {
    const document = { ...user, id: await nextUserId() } as UserDocument;
    try {
      const { insertedId } = await collection.insertOne(document);
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

/** Records a successful login: sets `last_login`, and stores an upgraded password hash when given. */
export async function recordLogin(user: UserDocument, options: { at: Date; passwordHash?: string }): Promise<UserDocument> {
  const collection = await getUsersCollection();
  const changes: Partial<UserDocument> = { last_login: options.at };
  if (options.passwordHash) changes.password_hash = options.passwordHash;

  await collection.updateOne({ _id: user._id }, { $set: changes });
  return { ...user, ...changes };
}

/** Reads one page of users matching a keyset filter, compared and sorted ignoring letter case. */
export async function findUserPage(filter: Filter<UserDocument>, sort: Sort, limit: number): Promise<UserDocument[]> {
  const collection = await getUsersCollection();
  return collection.find(filter, { collation: CASE_INSENSITIVE }).sort(sort).limit(limit).toArray();
}
