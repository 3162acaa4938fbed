import type { Document } from 'bson';
import { commandError } from '../errors';
import { compileFilter } from '../query/matcher';
import { encodeKey } from '../storage/keys';
import { ID_INDEX_NAME } from '../storage/collection';
import { commandCollection, optionalDocument, type CommandHandler } from './context';

/** Command fields that are request plumbing, not collection options. */
const nonOptionFields = new Set(['create', '$db', 'lsid', 'txnNumber', '$readPreference', '$clusterTime', 'writeConcern', 'comment', 'maxTimeMS', 'apiVersion', 'apiStrict', 'apiDeprecationErrors']);

/**
 * Collection options mongod enforces that this server would silently ignore, so it rejects them
 * instead: schema validation, capped and time series collections, clustered indexes, a default
 * collation and views.
 */
const unsupportedOptions = ['capped', 'validator', 'validationLevel', 'validationAction', 'timeseries', 'clusteredIndex', 'collation', 'viewOn', 'pipeline', 'expireAfterSeconds', 'encryptedFields', 'changeStreamPreAndPostImages'];

/**
 * create: creates a collection with its options. As in mongod since 5.0, creating an existing
 * collection with identical options succeeds, and with other options fails with NamespaceExists.
 */
const create: CommandHandler = (command, context) => {
  const name = commandCollection(command, context);
  const options: Document = {};
  for (const [key, value] of Object.entries(command)) if (!nonOptionFields.has(key)) options[key] = value;
  const existing = context.catalog.getCollection(context.db, name);
  if (existing) {
    if (encodeKey(existing.options) === encodeKey(options)) return {};
    throw commandError('NamespaceExists', `namespace ${context.db}.${name} already exists, but with different options: ${JSON.stringify(existing.options)}`);
  }
  const unsupported = unsupportedOptions.filter((option) => options[option] !== undefined && options[option] !== false);
  if (unsupported.length > 0) {
    throw commandError('NotImplemented', `create option ${unsupported.join(', ')} is not supported by this server; use a real mongod for it`);
  }
  context.catalog.createCollection(context.db, name, options);
  return {};
};

/**
 * drop: removes a collection and its indexes. Dropping a missing collection succeeds, as in recent
 * mongod versions; older ones raised NamespaceNotFound, which the driver's drop() ignores anyway.
 */
const drop: CommandHandler = (command, context) => {
  const name = commandCollection(command, context);
  const collection = context.catalog.getCollection(context.db, name);
  if (!collection) return {};
  const nIndexesWas = collection.indexes().length + 1;
  context.catalog.dropCollection(context.db, name);
  return { nIndexesWas, ns: `${context.db}.${name}` };
};

/** listCollections: one entry per collection in the database, filtered by name, type or options. */
const listCollections: CommandHandler = (command, context) => {
  const matches = compileFilter(optionalDocument(command, 'filter', 'listCollections'));
  const nameOnly = command.nameOnly === true;
  const entries: Document[] = [];
  for (const collection of context.catalog.collections(context.db)) {
    const full: Document = {
      name: collection.name,
      type: 'collection',
      options: collection.options,
      info: { readOnly: false, uuid: collection.uuid },
      idIndex: { v: 2, key: { _id: 1 }, name: ID_INDEX_NAME },
    };
    if (!matches(full)) continue;
    entries.push(nameOnly ? { name: collection.name, type: 'collection' } : full);
  }
  const batchSize = (command.cursor as Document | undefined)?.batchSize as number | undefined;
  return context.cursors.open(`${context.db}.$cmd.listCollections`, entries, batchSize);
};

export const collectionCommands: Record<string, CommandHandler> = { create, drop, listCollections };
