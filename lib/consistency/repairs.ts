import type { Collection, Document } from 'mongodb';
import { isDatabaseUnavailable } from '../database-errors';
import { describeError, logger } from '../logger';
import type { FindingKind } from './report';

/*
 * Every repair is one conditional write to one document, so a run that stops halfway leaves each
 * document either repaired or as it was, and the next run picks up the rest. Nothing here deletes.
 */

/**
 * Sets `changes` on the stored document only while each changed field still has the value the
 * check read (or is still missing), so a login or an admin edit made meanwhile is never overwritten.
 * Returns whether the document matched; when it did not, the next run looks again.
 */
export async function setIfUnchanged(collection: Collection<Document>, document: Document, changes: Document): Promise<boolean> {
  const filter: Document = { _id: document._id };
  for (const field of Object.keys(changes)) {
    filter[field] = field in document ? { $eq: document[field] } : { $exists: false };
  }
  const result = await collection.updateOne(filter, { $set: changes });
  return result.matchedCount === 1;
}

/**
 * Inserts `document` under `id` unless a document with that id exists by now. Returns whether it
 * inserted. A unique index can still reject the insert, for a username that another user has.
 */
export async function insertIfAbsent(collection: Collection<Document>, id: number, document: Document): Promise<boolean> {
  // The filter supplies `id`, and the new document gets an `_id` of its own.
  const fields = { ...document };
  delete fields.id;
  delete fields._id;
  const result = await collection.updateOne({ id }, { $setOnInsert: fields }, { upsert: true });
  return result.upsertedCount === 1;
}

/**
 * Runs one repair, logging and swallowing a rejection by the database (a unique index, a validator)
 * so that the run goes on and reports the finding as not repaired. An unreachable database still
 * stops the run.
 */
export async function attemptRepair(kind: FindingKind, target: { collection: string; id: number | string }, repair: () => Promise<boolean>): Promise<boolean> {
  try {
    return await repair();
  } catch (error) {
    if (isDatabaseUnavailable(error)) throw error;
    logger.warn('Consistency repair failed; the finding stays reported', { kind, collection: target.collection, user_id: target.id, ...describeError(error) });
    return false;
  }
}
