import { BSON, type Document } from 'bson';
import { commandError } from '../errors';
import { matchStored, projectDocuments, sortDocuments } from '../query/find';
import { applyUpdate, buildUpsertDocument } from '../query/update';
import { commandCollection, optionalDocument, readCollation, type CommandHandler } from './context';

/**
 * findAndModify: updates, replaces or removes the first document the query and sort select, and
 * returns it as it was before (default) or after (`new: true`) the change.
 */
const findAndModify: CommandHandler = (command, context) => {
  const name = commandCollection(command, context);
  const filter = optionalDocument(command, 'query', 'findAndModify') ?? {};
  const sort = optionalDocument(command, 'sort', 'findAndModify');
  const fields = optionalDocument(command, 'fields', 'findAndModify');
  const collation = readCollation(command.collation);
  const remove = command.remove === true;
  const update = command.update;
  const returnNew = command.new === true;
  const upsert = command.upsert === true;
  const arrayFilters = command.arrayFilters as Document[] | undefined;

  if (remove && update !== undefined) throw commandError('FailedToParse', 'Cannot specify both an update and remove=true');
  if (!remove && update === undefined) throw commandError('FailedToParse', 'Either an update or remove=true must be specified');
  if (remove && (upsert || returnNew)) {
    throw commandError('FailedToParse', 'Cannot specify both upsert=true and remove=true ');
  }

  const project = (document: Document | null): Document | null =>
    document === null ? null : projectDocuments([document], fields, filter)[0]!;

  const existing = context.catalog.getCollection(context.db, name);
  const matched = matchStored(existing, filter, collation);
  let target = matched[0];
  if (sort && matched.length > 1) {
    const byDocument = new Map(matched.map((stored) => [stored.document, stored]));
    target = byDocument.get(sortDocuments(matched.map((stored) => stored.document), sort, collation)[0]!);
  }

  if (remove) {
    if (!target || !existing) return { lastErrorObject: { n: 0 }, value: null };
    existing.remove(target);
    return { lastErrorObject: { n: 1 }, value: project(target.document) };
  }

  if (!target) {
    if (!upsert) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null };
    const collection = context.catalog.ensureCollection(context.db, name);
    const document = buildUpsertDocument(filter, update, arrayFilters);
    collection.insert(document);
    return {
      lastErrorObject: { n: 1, updatedExisting: false, upserted: document._id },
      value: returnNew ? project(document) : null,
    };
  }

  const updated = applyUpdate(BSON.deserialize(target.bson), update, { arrayFilters, filter, inserting: false });
  let stored = target;
  if (Buffer.compare(BSON.serialize(updated), target.bson) !== 0) stored = existing!.replace(target, updated);
  return {
    lastErrorObject: { n: 1, updatedExisting: true },
    value: project(returnNew ? stored.document : target.document),
  };
};

export const findAndModifyCommands: Record<string, CommandHandler> = { findAndModify, findandmodify: findAndModify };
