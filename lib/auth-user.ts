import { type Collection, type Db, type Filter, type IndexDescription, MongoBulkWriteError, type ObjectId } from 'mongodb';
import { DUPLICATE_KEY_CODE, isDatabaseUnavailable } from './database-errors';
import { describeError, logger } from './logger';
import { getDatabase } from './mongo-client';
import { onceUntilFailure } from './once';
import { parseStoredDate, type UserDocument } from './user-document';

/** Django's user table as djongo stored it in MongoDB. */
export const AUTH_USER_COLLECTION = 'auth_user';

/**
 * A document of `auth_user`: Django's field names, with the encoded hash under `password`. Documents
 * written before a Django model change may lack newer fields, and dates may be strings.
 */
export interface AuthUserDocument {
  _id?: ObjectId;
  id: number;
  password: string;
  last_login: Date | string | null;
  is_superuser: boolean;
  username: string;
  first_name: string;
  last_name: string;
  email: string;
  is_staff: boolean;
  is_active: boolean;
  date_joined: Date | string;
}

/**
 * ICU strength 2 (letter case ignored, accents compared): the comparison of the tracker's unique
 * username and email indexes, so both collections agree on which names are the same.
 */
const CASE_INSENSITIVE = { locale: 'en', strength: 2 } as const;

/**
 * Lookup indexes that this service adds to `auth_user`: logins that reach Django's data, and the
 * highest id read at every cold start, would otherwise scan the whole collection. None is unique,
 * because Django's data may hold case variants and shared emails; Django ignores extra indexes.
 */
export const AUTH_USER_INDEXES: IndexDescription[] = [
  { key: { id: 1 }, name: 'id' },
  { key: { username: 1 }, name: 'username_case_insensitive', collation: CASE_INSENSITIVE },
  { key: { email: 1 }, name: 'email_case_insensitive', collation: CASE_INSENSITIVE },
];

// Index code 85 (IndexOptionsConflict) and 86 (IndexKeySpecsConflict): an equivalent index exists
// under another name, for example the unique index djongo built for the primary key.
const EQUIVALENT_INDEX_CODES = new Set([85, 86]);

const ensureIndexesOnce = onceUntilFailure(async () => ensureAuthUserIndexes(await getDatabase()));

/** Returns the `auth_user` collection of the service's database, ensuring its lookup indexes once per container. */
export async function getAuthUserCollection(): Promise<Collection<AuthUserDocument>> {
  await ensureIndexesOnce();
  return (await getDatabase()).collection<AuthUserDocument>(AUTH_USER_COLLECTION);
}

/**
 * Creates each lookup index of AUTH_USER_INDEXES that is missing. An index that cannot be built is
 * logged and skipped: lookups still work without it, only more slowly. Creating an index also
 * creates the collection when the database has no `auth_user` yet.
 */
export async function ensureAuthUserIndexes(database: Db): Promise<void> {
  const collection = database.collection(AUTH_USER_COLLECTION);
  for (const { key, ...options } of AUTH_USER_INDEXES) {
    try {
      await collection.createIndex(key, options);
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw error;
      if (EQUIVALENT_INDEX_CODES.has((error as { code?: number }).code ?? 0)) continue;
      logger.warn(`Index ${options.name} on ${AUTH_USER_COLLECTION} could not be built; lookups of Django users scan the collection instead.`, describeError(error));
    }
  }
}

// Django data may contain several case variants of one username, or many users with one email.
// A lookup reads at most this many, and rejects the login as ambiguous when no single user fits.
const MAX_CANDIDATES = 10;

/**
 * Finds the Django user a login names, by username or email, ignoring letter case. An exact match
 * wins over case variants, and a single case-insensitive match is accepted. Returns null when no
 * user fits, or when several do (Django's emails are not unique), because picking one of them could
 * log a person into someone else's account.
 */
export async function findAuthUserForLogin(identifier: { username: string } | { email: string }): Promise<AuthUserDocument | null> {
  const collection = await getAuthUserCollection();
  const [field, value] = 'username' in identifier ? (['username', identifier.username] as const) : (['email', identifier.email] as const);
  if (value === '') return null;

  const candidates = await collection
    .find({ [field]: value } as Filter<AuthUserDocument>, { collation: CASE_INSENSITIVE })
    .sort({ id: 1 })
    .limit(MAX_CANDIDATES)
    .toArray();

  const exact = candidates.filter((candidate) => candidate[field] === value);
  if (exact.length > 0) return exact.length === 1 ? (exact[0] ?? null) : null;
  return candidates.length === 1 ? (candidates[0] ?? null) : null;
}

/**
 * Tells which of a new user's username and email a Django user already has, ignoring letter case.
 * A Django user who has not logged in here yet exists only in `auth_user`, where the tracker's unique
 * indexes cannot see it, and a signup taking that name would lock the Django user out.
 *
 * NOTE: this read runs before the insert, so a lazy migration of the same name at the same moment can
 * still slip between them. The tracker's unique indexes then keep the two users apart.
 */
export async function findAuthUserClaims(user: { username: string; email: string }): Promise<{ username: boolean; email: boolean }> {
  const collection = await getAuthUserCollection();
  const options = { collation: CASE_INSENSITIVE, projection: { _id: 1 } };
  const [username, email] = await Promise.all([
    collection.findOne({ username: user.username }, options),
    user.email === '' ? null : collection.findOne({ email: user.email }, options),
  ]);
  return { username: username !== null, email: email !== null };
}

/** Returns the highest `id` in `auth_user`, or 0 when the collection is empty or missing. */
export async function findMaxAuthUserId(): Promise<number> {
  const collection = await getAuthUserCollection();
  const [highest] = await collection
    // `$gt` compares numbers with numbers only, so an id stored as text cannot sort above the real ones.
    .find({ id: { $gt: 0 } }, { projection: { _id: 0, id: 1 } })
    .sort({ id: -1 })
    .limit(1)
    .toArray();
  return typeof highest?.id === 'number' && Number.isFinite(highest.id) ? highest.id : 0;
}

/**
 * Inserts the Django-shaped copy of each user whose id `auth_user` lacks, and returns how many were
 * inserted. An existing `auth_user` document is never changed, because Django may hold newer data
 * there, such as a later login or a changed password. A copy that another writer inserted first is
 * left to that writer.
 */
export async function insertMissingAuthUsers(users: readonly Omit<UserDocument, '_id'>[]): Promise<number> {
  if (users.length === 0) return 0;
  const collection = await getAuthUserCollection();
  const present = await collection.find({ id: { $in: users.map((user) => user.id) } }, { projection: { _id: 0, id: 1 } }).toArray();
  const presentIds = new Set(present.map((authUser) => authUser.id));
  const missing = users.filter((user) => !presentIds.has(user.id)).map(toAuthUser);
  if (missing.length === 0) return 0;

  try {
    return (await collection.insertMany(missing, { ordered: false })).insertedCount;
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    if (writeErrors.some((writeError) => writeError.code !== DUPLICATE_KEY_CODE)) throw error;
    return error.insertedCount;
  }
}

/** Maps a tracker user to Django's shape: the same id and fields, `password_hash` becoming `password`. */
export function toAuthUser(user: Omit<UserDocument, '_id'>): AuthUserDocument {
  return {
    id: user.id,
    password: user.password_hash,
    last_login: user.last_login,
    is_superuser: user.is_superuser,
    username: user.username,
    first_name: user.first_name,
    last_name: user.last_name,
    email: user.email,
    is_staff: user.is_staff,
    is_active: user.is_active,
    date_joined: user.date_joined,
  };
}

/**
 * Maps a Django user to the tracker's shape, filling fields an older Django lacked with Django's
 * defaults and parsing dates stored as text. A `date_joined` that cannot be parsed stays as stored,
 * for the consistency check to report.
 */
export function fromAuthUser(authUser: AuthUserDocument): Omit<UserDocument, '_id'> {
  return {
    id: authUser.id,
    username: authUser.username,
    email: authUser.email ?? '',
    first_name: authUser.first_name ?? '',
    last_name: authUser.last_name ?? '',
    password_hash: authUser.password ?? '',
    is_active: authUser.is_active ?? true,
    is_staff: authUser.is_staff ?? false,
    is_superuser: authUser.is_superuser ?? false,
    date_joined: parseStoredDate(authUser.date_joined) ?? (authUser.date_joined as Date),
    last_login: parseStoredDate(authUser.last_login),
  };
}
