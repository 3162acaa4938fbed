import { BSON, type Document } from 'bson';
import { commandError } from '../errors';
import { matchStored } from '../query/find';
import { applyUpdate, buildUpsertDocument } from '../query/update';
import type { Collection } from '../storage/collection';
import { isPlainObject } from '../storage/keys';
import { commandCollection, readCollation, requireArray, type CommandHandler, type CommandContext } from './context';
import { runBatch } from './write-errors';

interface UpdateStatement {
  q?: Document;
  u?: unknown;
  upsert?: boolean;
  multi?: boolean;
  arrayFilters?: Document[];
  collation?: unknown;
}

interface UpdateCounts {
  matched: number;
  modified: number;
  upsertedId?: unknown;
}

/**
 * Applies one update statement. Documents are updated one at a time, so a multi-update that fails on
 * its third document keeps the first two changes, as in mongod.
 */
export function runUpdateStatement(collection: Collection, statement: UpdateStatement, context: CommandContext): UpdateCounts {
  const filter = statement.q ?? {};
  if (!isPlainObject(filter)) throw commandError('TypeMismatch', 'update filter (q) must be an object');
  const collation = readCollation(statement.collation);
  let targets = matchStored(collection, filter, collation);
  if (statement.multi !== true) targets = targets.slice(0, 1);

  if (targets.length === 0) {
    if (statement.upsert !== true) return { matched: 0, modified: 0 };
    const document = buildUpsertDocument(filter, statement.u, statement.arrayFilters);
    collection.insert(document);
    return { matched: 0, modified: 0, upsertedId: document._id };
  }

  let modified = 0;
  for (const target of targets) {
    const copy = BSON.deserialize(target.bson);
    const updated = applyUpdate(copy, statement.u, { arrayFilters: statement.arrayFilters, filter, inserting: false });
    // Comparing serialized bytes counts exactly the updates that changed something, including a
    // field order change that a changed-paths list misses.
    if (Buffer.compare(BSON.serialize(updated), target.bson) === 0) continue;
    collection.replace(target, updated);
    modified += 1;
  }
  context.logger.debug('update applied', { namespace: collection.namespace, matched: targets.length, modified });
  return { matched: targets.length, modified };
}

/** update: applies each statement in `updates`; replies with n, nModified, upserted and writeErrors. */
const update: CommandHandler = (command, context) => {
  const name = commandCollection(command, context);
  const statements = requireArray(command, 'updates', 'update') as UpdateStatement[];
  const ordered = command.ordered !== false;

  let matched = 0;
  let modified = 0;
  const upserted: Document[] = [];
  const writeErrors = runBatch(statements, ordered, (statement, index) => {
    if (!isPlainObject(statement)) throw commandError('TypeMismatch', 'each update statement must be an object');
    if (statement.u === undefined) throw commandError('Location40414', "BSON field 'update.updates.u' is missing but a required field");
    if (statement.multi === true && isPlainObject(statement.u) && !Object.keys(statement.u).some((key) => key.startsWith('$'))) {
      throw commandError('FailedToParse', 'multi update is not supported for replacement-style update');
    }
    // Like mongod, only an upsert creates a missing collection.
    const collection = statement.upsert === true
      ? context.catalog.ensureCollection(context.db, name)
      : context.catalog.getCollection(context.db, name);
    if (!collection) return;
    const counts = runUpdateStatement(collection, statement, context);
    if (counts.upsertedId !== undefined) {
      upserted.push({ index, _id: counts.upsertedId });
      matched += 1;
    } else {
      matched += counts.matched;
      modified += counts.modified;
    }
  });

  const reply: Document = { n: matched, nModified: modified };
  if (upserted.length > 0) reply.upserted = upserted;
  if (writeErrors.length > 0) reply.writeErrors = writeErrors;
  return reply;
};

/** delete: removes the documents each statement matches (all, or the first when limit is 1). */
const deleteCommand: CommandHandler = (command, context) => {
  const name = commandCollection(command, context);
  const statements = requireArray(command, 'deletes', 'delete');
  const ordered = command.ordered !== false;
  const collection = context.catalog.getCollection(context.db, name);

  let deleted = 0;
  const writeErrors = runBatch(statements, ordered, (statement) => {
    if (!isPlainObject(statement)) throw commandError('TypeMismatch', 'each delete statement must be an object');
    if (statement.limit !== 0 && statement.limit !== 1) {
      throw commandError('FailedToParse', `The limit field in delete objects must be 0 or 1. Got ${String(statement.limit)}`);
    }
    const filter = statement.q as Document | undefined;
    if (!isPlainObject(filter)) throw commandError('TypeMismatch', "BSON field 'delete.deletes.q' is the wrong type, expected type 'object'");
    let targets = matchStored(collection, filter, readCollation(statement.collation));
    if (statement.limit === 1) targets = targets.slice(0, 1);
    for (const target of targets) collection!.remove(target);
    deleted += targets.length;
  });

  const reply: Document = { n: deleted };
  if (writeErrors.length > 0) reply.writeErrors = writeErrors;
  return reply;
};

export const updateCommands: Record<string, CommandHandler> = { update, delete: deleteCommand };
