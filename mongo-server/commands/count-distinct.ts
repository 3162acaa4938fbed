import type { Document } from 'bson';
import { commandError } from '../errors';
import { matchStored } from '../query/find';
import { encodeKey, collationFolds, foldValue } from '../storage/keys';
import { indexValuesAtPath } from '../storage/paths';
import { commandCollection, optionalDocument, optionalNumber, optionalNonNegative, readCollation, type CommandHandler } from './context';

/** count: the number of matching documents after skip and limit. Drivers send it for estimatedDocumentCount. */
const count: CommandHandler = (command, context) => {
  const name = commandCollection(command, context);
  const filter = optionalDocument(command, 'query', 'count');
  const skip = optionalNonNegative(command, 'skip', 'count') ?? 0;
  // A negative limit counts like its absolute value, as in mongod.
  const limit = Math.abs(optionalNumber(command, 'limit', 'count') ?? 0);
  const collection = context.catalog.getCollection(context.db, name);

  let n = filter && Object.keys(filter).length > 0
    ? matchStored(collection, filter, readCollation(command.collation)).length
    : (collection?.size ?? 0);
  n = Math.max(0, n - skip);
  if (limit > 0) n = Math.min(n, limit);
  return { n };
};

/**
 * distinct: the distinct values of a field among matching documents. Array values contribute their
 * elements, and values equal under the request's collation count once.
 */
const distinct: CommandHandler = (command, context) => {
  const name = commandCollection(command, context);
  const key = command.key;
  if (typeof key !== 'string') throw commandError('TypeMismatch', "BSON field 'distinct.key' is the wrong type, expected type 'string'");
  if (key === '') throw commandError('BadValue', 'FieldPath cannot be constructed with empty string');
  const collation = readCollation(command.collation);
  const collection = context.catalog.getCollection(context.db, name);

  const seen = new Set<string>();
  const values: unknown[] = [];
  for (const stored of matchStored(collection, optionalDocument(command, 'query', 'distinct'), collation)) {
    for (const value of indexValuesAtPath(stored.document, key)) {
      if (value === undefined) continue;
      const encoded = encodeKey(collationFolds(collation) ? foldValue(value, collation) : value);
      if (seen.has(encoded)) continue;
      seen.add(encoded);
      values.push(value);
    }
  }
  return { values } as Document;
};

export const countCommands: Record<string, CommandHandler> = { count, distinct };
