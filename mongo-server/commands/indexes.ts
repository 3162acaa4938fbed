import type { Document } from 'bson';
import { commandError } from '../errors';
import { compileFilter } from '../query/matcher';
import { ID_INDEX_NAME, type Collection } from '../storage/collection';
import type { IndexSpec } from '../storage/collection-index';
import { formatBsonDocument } from '../storage/format-value';
import { encodeKey, isPlainObject, type Collation } from '../storage/keys';
import { commandCollection, readCollation, requireArray, type CommandHandler } from './context';

/** Index options this server stores and reports. Others (background, hidden, weights…) are rejected or dropped. */
const keptOptions = ['unique', 'sparse', 'partialFilterExpression', 'expireAfterSeconds', 'collation'] as const;
/** Options that only tuned index builds in old mongod versions and change nothing here. */
const ignoredOptions = new Set(['background', 'v', 'key', 'name', 'ns']);

/**
 * Expands a collation with the fields mongod fills in for a locale, as listIndexes reports them. Only locale and
 * strength change this server's behaviour; the rest are stored so that the listed spec reads as mongod's.
 */
function expandCollation(collation: Collation): Document {
  return {
    locale: collation.locale,
    caseLevel: collation.caseLevel ?? false,
    caseFirst: collation.caseFirst ?? 'off',
    strength: collation.strength ?? 3,
    numericOrdering: collation.numericOrdering ?? false,
    alternate: collation.alternate ?? 'non-ignorable',
    maxVariable: collation.maxVariable ?? 'punct',
    normalization: collation.normalization ?? false,
    backwards: collation.backwards ?? false,
    version: '57.1',
  };
}

function parseIndexSpec(raw: unknown): IndexSpec {
  if (!isPlainObject(raw)) throw commandError('TypeMismatch', 'each index specification must be an object');
  const key = raw.key;
  if (!isPlainObject(key) || Object.keys(key).length === 0) {
    throw commandError('CannotCreateIndex', `Index keys cannot be empty.`);
  }
  for (const [field, direction] of Object.entries(key)) {
    if (direction !== 1 && direction !== -1) {
      throw commandError('CannotCreateIndex', `Values in the index key pattern can only be 1 or -1 on this server, found ${field}: ${JSON.stringify(direction)}`);
    }
  }
  if (typeof raw.name !== 'string' || raw.name.length === 0) {
    throw commandError('Location40414', "BSON field 'createIndexes.indexes.name' is missing but a required field");
  }

  for (const option of Object.keys(raw)) {
    if (!ignoredOptions.has(option) && !(keptOptions as readonly string[]).includes(option)) {
      throw commandError('InvalidOptions', `The field '${option}' is not valid for an index specification on this server. Specification: ${formatBsonDocument(raw)}`);
    }
  }

  const spec: IndexSpec = { v: 2, key, name: raw.name };
  if (raw.unique === true) spec.unique = true;
  if (raw.sparse === true) spec.sparse = true;
  if (raw.partialFilterExpression !== undefined) {
    if (!isPlainObject(raw.partialFilterExpression)) throw commandError('TypeMismatch', 'partialFilterExpression must be an object');
    compileFilter(raw.partialFilterExpression);
    spec.partialFilterExpression = raw.partialFilterExpression;
  }

  if (raw.expireAfterSeconds !== undefined) {
    if (typeof raw.expireAfterSeconds !== 'number' || raw.expireAfterSeconds < 0) {
      throw commandError('InvalidOptions', `TTL index 'expireAfterSeconds' option must be a non-negative number`);
    }
    if (Object.keys(key).length !== 1) throw commandError('CannotCreateIndex', 'TTL indexes are single-field indexes, compound indexes do not support TTL.');
    spec.expireAfterSeconds = Math.trunc(raw.expireAfterSeconds);
  }

  const collation = readCollation(raw.collation);
  if (collation && collation.locale !== 'simple') spec.collation = expandCollation(collation) as Collation;
  return spec;
}

/** Options that make two indexes on the same key pattern different indexes in mongod. */
function identityOf(spec: IndexSpec): string {
  return encodeKey([spec.key, spec.collation ?? null, spec.partialFilterExpression ?? null]);
}

function optionsOf(spec: IndexSpec): string {
  return encodeKey([spec.unique ?? false, spec.sparse ?? false, spec.expireAfterSeconds ?? null]);
}

/** Returns the new spec, or undefined when an identical index already exists. Raises on a conflict. */
function checkAgainstExisting(collection: Collection, spec: IndexSpec): IndexSpec | undefined {
  if (spec.name === ID_INDEX_NAME || encodeKey(spec.key) === encodeKey({ _id: 1 })) {
    if (spec.name === ID_INDEX_NAME && encodeKey(spec.key) === encodeKey({ _id: 1 })) return undefined;
    throw commandError('BadValue', `The _id index must have key { _id: 1 } and name _id_`);
  }
  for (const index of collection.indexes()) {
    const existing = index.spec;
    const sameIdentity = identityOf(existing) === identityOf(spec);
    if (existing.name === spec.name) {
      if (!sameIdentity) {
        throw commandError(
          'IndexKeySpecsConflict',
          `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${formatBsonDocument(spec)}, existing index: ${formatBsonDocument(existing)}`,
        );
      }
      if (optionsOf(existing) !== optionsOf(spec)) {
        throw commandError('IndexOptionsConflict', `An equivalent index already exists with the same name but different options. Requested index: ${formatBsonDocument(spec)}, existing index: ${formatBsonDocument(existing)}`);
      }
      return undefined;
    }
    if (sameIdentity) {
      throw commandError('IndexOptionsConflict', `Index already exists with a different name: ${existing.name}`);
    }
  }
  return spec;
}

/**
 * createIndexes: builds every requested index, or none. If one fails (for example a unique index over
 * duplicate values), the ones this command already built are dropped again.
 */
const createIndexes: CommandHandler = (command, context) => {
  const name = commandCollection(command, context);
  const specs = requireArray(command, 'indexes', 'createIndexes').map(parseIndexSpec);
  if (specs.length === 0) throw commandError('BadValue', 'Must specify at least one index to create');

  const createdCollectionAutomatically = !context.catalog.getCollection(context.db, name);
  const collection = context.catalog.ensureCollection(context.db, name);
  const numIndexesBefore = collection.indexes().length + 1;
  const built: string[] = [];
  try {
    for (const requested of specs) {
      const spec = checkAgainstExisting(collection, requested);
      if (!spec) continue;
      collection.createIndex(spec);
      built.push(spec.name);
    }
  } catch (error) {
    for (const indexName of built) collection.dropIndex(indexName);
    throw error;
  }

  const reply: Document = { numIndexesBefore, numIndexesAfter: collection.indexes().length + 1 };
  if (built.length === 0) reply.note = 'all indexes already exist';
  reply.createdCollectionAutomatically = createdCollectionAutomatically;
  return reply;
};

function requireCollection(context: Parameters<CommandHandler>[1], name: string, message: string): Collection {
  const collection = context.catalog.getCollection(context.db, name);
  if (!collection) throw commandError('NamespaceNotFound', `${message} ${context.db}.${name}`);
  return collection;
}

/** listIndexes: the `_id` index and every secondary index, as stored. */
const listIndexes: CommandHandler = (command, context) => {
  const name = commandCollection(command, context);
  const collection = requireCollection(context, name, 'ns does not exist:');
  const specs: Document[] = [{ v: 2, key: { _id: 1 }, name: ID_INDEX_NAME }, ...collection.indexes().map((index) => index.spec)];
  const batchSize = (command.cursor as Document | undefined)?.batchSize as number | undefined;
  return context.cursors.open(`${context.db}.${name}`, specs, batchSize);
};

/** dropIndexes: drops indexes by name, by key pattern, a list of names, or all but `_id_` with '*'. */
const dropIndexes: CommandHandler = (command, context) => {
  const name = commandCollection(command, context);
  const collection = requireCollection(context, name, 'ns not found');
  const nIndexesWas = collection.indexes().length + 1;
  const target = command.index;

  let names: string[];
  if (target === '*') {
    names = collection.indexes().map((index) => index.name);
  } else if (typeof target === 'string') {
    names = [target];
  } else if (Array.isArray(target)) {
    names = target.map(String);
  } else if (isPlainObject(target)) {
    const matches = collection.indexes().filter((index) => encodeKey(index.spec.key) === encodeKey(target));
    if (encodeKey(target) === encodeKey({ _id: 1 })) throw commandError('InvalidOptions', 'cannot drop _id index');
    if (matches.length === 0) throw commandError('IndexNotFound', `can't find index with key: ${formatBsonDocument(target)}`);
    if (matches.length > 1) throw commandError('IndexNotFound', `${matches.length} indexes found for key: ${formatBsonDocument(target)}, identify by name instead.`);
    names = [matches[0]!.name];
  } else {
    throw commandError('TypeMismatch', "BSON field 'dropIndexes.index' must be a string, an array of strings or an object");
  }

  // Check all names first so that a missing one drops nothing.
  for (const indexName of names) {
    if (indexName === ID_INDEX_NAME) throw commandError('InvalidOptions', 'cannot drop _id index');
    if (!collection.getIndex(indexName)) throw commandError('IndexNotFound', `index not found with name [${indexName}]`);
  }
  for (const indexName of names) collection.dropIndex(indexName);
  return { nIndexesWas };
};

export const indexCommands: Record<string, CommandHandler> = { createIndexes, listIndexes, dropIndexes, deleteIndexes: dropIndexes };
