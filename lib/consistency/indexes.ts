import { MongoServerError, type Db, type Document, type IndexDescription } from 'mongodb';
import { AUTH_USER_COLLECTION, AUTH_USER_INDEXES, ensureAuthUserIndexes } from '../auth-user';
import { ensureUserIndexes, USER_INDEXES, USERS_COLLECTION } from '../users';
import type { FindingTally } from './report';

/** A required index and the collection it belongs to. */
interface RequiredIndex {
  collection: string;
  index: IndexDescription;
}

// mongod's code for a command on a collection that does not exist yet.
const NAMESPACE_NOT_FOUND = 26;

/** Lists the indexes the service needs: the users indexes, and the `auth_user` ones while mirroring. */
function requiredIndexes(mirror: boolean): RequiredIndex[] {
  const required = USER_INDEXES.map((index) => ({ collection: USERS_COLLECTION, index }));
  if (mirror) required.push(...AUTH_USER_INDEXES.map((index) => ({ collection: AUTH_USER_COLLECTION, index })));
  return required;
}

/**
 * Finds the required indexes that are absent. An index counts as present when one with the same key,
 * collation and partial filter exists under any name, because djongo and operators name indexes
 * their own way. A unique index also serves a required non-unique one, but not the other way round.
 */
async function findMissingIndexes(database: Db, required: RequiredIndex[]): Promise<RequiredIndex[]> {
  const existingByCollection = new Map<string, Document[]>();
  for (const collection of new Set(required.map((entry) => entry.collection))) {
    existingByCollection.set(collection, await listIndexes(database, collection));
  }
  return required.filter(({ collection, index }) => !existingByCollection.get(collection)!.some((existing) => satisfies(existing, index)));
}

async function listIndexes(database: Db, collection: string): Promise<Document[]> {
  try {
    return await database.collection(collection).listIndexes().toArray();
  } catch (error) {
    if (error instanceof MongoServerError && error.code === NAMESPACE_NOT_FOUND) return [];
    throw error;
  }
}

function satisfies(existing: Document, required: IndexDescription): boolean {
  if (JSON.stringify(existing.key) !== JSON.stringify(required.key)) return false;
  if (required.unique === true && existing.unique !== true) return false;
  if (JSON.stringify(existing.partialFilterExpression ?? null) !== JSON.stringify(required.partialFilterExpression ?? null)) return false;

  const collation = existing.collation as { locale?: string; strength?: number } | undefined;
  if (!required.collation) return collation === undefined || collation.locale === 'simple';
  return collation?.locale === required.collation.locale && collation.strength === required.collation.strength;
}

function describeIndex({ collection, index }: RequiredIndex): string {
  return `${collection}.${index.name ?? JSON.stringify(index.key)}`;
}

/**
 * Reports each missing index and, when repairing, builds them with the same functions the service
 * uses at start-up. An index that still cannot be built (usually because users collide on it) stays
 * reported, and those functions log why.
 */
export async function checkIndexes(database: Db, options: { mirror: boolean; repair: boolean }, tally: FindingTally): Promise<MissingIndexes> {
  const required = requiredIndexes(options.mirror);
  const missing = await findMissingIndexes(database, required);
  for (const entry of missing) {
    tally.record('missing_index', describeIndex(entry), entry.collection, `no index on ${JSON.stringify(entry.index.key)} with the required options`);
  }
  if (!options.repair || missing.length === 0) return new MissingIndexes(missing);

  if (missing.some((entry) => entry.collection === USERS_COLLECTION)) await ensureUserIndexes(database);
  if (missing.some((entry) => entry.collection === AUTH_USER_COLLECTION)) await ensureAuthUserIndexes(database);

  const stillMissing = await findMissingIndexes(database, missing);
  tally.recordRepair('missing_index', missing.length - stillMissing.length);
  return new MissingIndexes(stillMissing);
}

/** The required indexes still absent after the index phase, for the checks that rely on them. */
export class MissingIndexes {
  constructor(private readonly missing: RequiredIndex[]) {}

  /** Tells whether `Attendancetracker.users` has the unique index on `field`, so duplicates of it cannot exist. */
  hasUniqueUserIndex(field: string): boolean {
    const index = USER_INDEXES.find((candidate) => candidate.unique === true && JSON.stringify(candidate.key) === JSON.stringify({ [field]: 1 }));
    if (!index) return false;
    return !this.missing.some((entry) => entry.collection === USERS_COLLECTION && entry.index === index);
  }
}
