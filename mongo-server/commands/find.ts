import { Long } from 'bson';
import { commandError } from '../errors';
import { findDocuments } from '../query/find';
import {
  commandCollection, optionalDocument, optionalNonNegative, optionalNumber, readCollation, requireArray, describeType,
  type CommandHandler,
} from './context';

/** find: runs the whole query at once and returns its first batch through a cursor. */
const find: CommandHandler = (command, context) => {
  const name = commandCollection(command, context);
  const rawLimit = optionalNumber(command, 'limit', 'find');
  if (rawLimit !== undefined && rawLimit < 0) {
    throw commandError('BadValue', `BSON field 'limit' value must be >= 0, actual value '${rawLimit}'`);
  }
  const batchSize = optionalNonNegative(command, 'batchSize', 'find');
  const documents = findDocuments(context.catalog.getCollection(context.db, name), {
    filter: optionalDocument(command, 'filter', 'find'),
    sort: optionalDocument(command, 'sort', 'find'),
    projection: optionalDocument(command, 'projection', 'find'),
    skip: optionalNonNegative(command, 'skip', 'find'),
    limit: rawLimit === undefined ? undefined : Math.trunc(rawLimit),
    collation: readCollation(command.collation),
  });
  return context.cursors.open(`${context.db}.${name}`, documents, batchSize, command.singleBatch === true);
};

const getMore: CommandHandler = (command, context) => {
  const id = command.getMore;
  if (typeof id !== 'number') {
    throw commandError('TypeMismatch', `BSON field 'getMore.getMore' is the wrong type '${describeType(id)}', expected type 'long'`);
  }
  if (typeof command.collection !== 'string') {
    throw commandError('TypeMismatch', `BSON field 'getMore.collection' is the wrong type '${describeType(command.collection)}', expected type 'string'`);
  }
  const batchSize = optionalNonNegative(command, 'batchSize', 'getMore');
  return context.cursors.getMore(id, `${context.db}.${command.collection}`, batchSize);
};

const killCursors: CommandHandler = (command, context) => {
  // Cursors of listCollections and database-level aggregate live on `$cmd.*` names, which are not
  // valid collection names, so only the type is checked here.
  if (typeof command.killCursors !== 'string') {
    throw commandError('TypeMismatch', `BSON field 'killCursors.killCursors' is the wrong type '${describeType(command.killCursors)}', expected type 'string'`);
  }
  const cursorsKilled: Long[] = [];
  const cursorsNotFound: Long[] = [];
  for (const id of requireArray(command, 'cursors', 'killCursors')) {
    if (typeof id !== 'number') continue;
    (context.cursors.kill(id) ? cursorsKilled : cursorsNotFound).push(Long.fromNumber(id));
  }
  return { cursorsKilled, cursorsNotFound, cursorsAlive: [], cursorsUnknown: [] };
};

export const findCommands: Record<string, CommandHandler> = { find, getMore, killCursors };
