import { ObjectId, type Document } from 'bson';
import { Aggregator, update as applyModifier } from 'mingo';
import { commandError } from '../errors';
import { formatBsonValue } from '../storage/format-value';
import { encodeKey, isPlainObject } from '../storage/keys';
import { getPath, setPath } from '../storage/paths';
import { mingoOptions } from './matcher';

const updateOperators = new Set([
  '$set', '$unset', '$inc', '$mul', '$rename', '$min', '$max', '$currentDate', '$setOnInsert',
  '$push', '$addToSet', '$pop', '$pull', '$pullAll', '$bit',
]);
const pipelineUpdateStages = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);

export interface UpdateOptions {
  arrayFilters?: Document[];
  /** The query filter, which the positional `$` operator needs. */
  filter?: Document;
  /** True while building an upsert's new document, when `$setOnInsert` applies. */
  inserting: boolean;
}

/** Returns whether an update is a replacement document (no operators) rather than operators or a pipeline. */
export function isReplacement(update: unknown): update is Document {
  return isPlainObject(update) && !Object.keys(update).some((key) => key.startsWith('$'));
}

/**
 * Applies an update (operators, replacement or pipeline) to `document`, a private copy that may be
 * changed, and returns the new version. Raises mongod's errors for updates it rejects, including
 * changes to `_id`.
 */
export function applyUpdate(document: Document, update: unknown, options: UpdateOptions): Document {
  let result: Document;
  if (Array.isArray(update)) result = applyPipeline(document, update);
  else if (isReplacement(update)) result = applyReplacement(document, update);
  else if (isPlainObject(update)) result = applyOperators(document, update, options);
  else throw commandError('FailedToParse', 'Update argument must be either an object or an array');

  if (document._id !== undefined && encodeKey(result._id) !== encodeKey(document._id)) {
    throw commandError(
      'ImmutableField',
      `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${formatBsonValue(result._id)}`,
    );
  }
  return withIdFirst(result);
}

function applyReplacement(document: Document, replacement: Document): Document {
  const result: Document = {};
  if (document._id !== undefined) result._id = document._id;
  for (const [key, value] of Object.entries(replacement)) {
    if (key === '_id' && document._id !== undefined) {
      if (encodeKey(value) !== encodeKey(document._id)) result._id = value;
      continue;
    }
    result[key] = value;
  }
  return result;
}

function applyPipeline(document: Document, pipeline: unknown[]): Document {
  for (const stage of pipeline) {
    const name = isPlainObject(stage) ? Object.keys(stage)[0] : undefined;
    if (!name || !pipelineUpdateStages.has(name)) {
      throw commandError('InvalidOptions', `${name ?? 'stage'} is not allowed to be used within an update`);
    }
  }
  const [result] = new Aggregator(pipeline as Document[], mingoOptions).run([document]) as Document[];
  if (!result) throw commandError('BadValue', 'update pipeline produced no document');
  return result;
}

function applyOperators(document: Document, update: Document, options: UpdateOptions): Document {
  const modifier: Document = {};
  for (const [operator, argument] of Object.entries(update)) {
    if (!updateOperators.has(operator)) {
      throw commandError('FailedToParse', `Unknown modifier: ${operator}. Expected a valid update modifier or pipeline-style update specified as an array`);
    }
    if (!isPlainObject(argument)) {
      throw commandError('FailedToParse', `Modifiers operate on fields but we found type ${Array.isArray(argument) ? 'array' : typeof argument} instead. For example: {$mod: {<field>: ...}} not {${operator}: ${formatBsonValue(argument)}}`);
    }
    if (operator === '$setOnInsert') continue;
    modifier[operator] = argument;
  }
  const setOnInsert = options.inserting ? (update.$setOnInsert as Document | undefined) : undefined;
  if (setOnInsert) {
    // mongod applies $setOnInsert like $set when an upsert inserts. Merging it into $set keeps the
    // conflict check over both.
    modifier.$set = { ...(modifier.$set as Document | undefined), ...setOnInsert };
  }
  checkConflicts(modifier);
  checkOperandTypes(document, modifier);
  if (Object.keys(modifier).length === 0) return document;

  try {
    applyModifier(document, modifier, options.arrayFilters, options.filter, { queryOptions: mingoOptions });
  } catch (error) {
    throw translateUpdateError(error);
  }
  reassignEmbeddedValues(document, modifier.$set as Document | undefined);
  return document;
}

/**
 * mingo skips a `$set` whose value deep-equals the current one even when its field order differs,
 * while mongod stores the new order (and counts the document as modified). Assigning embedded
 * documents and arrays again keeps the requested order. Positional paths are left to mingo.
 */
function reassignEmbeddedValues(document: Document, set: Document | undefined): void {
  if (!set) return;
  for (const [path, value] of Object.entries(set)) {
    if (path.includes('$') || !(isPlainObject(value) || Array.isArray(value))) continue;
    setPath(document, path, structuredCloneBson(value));
  }
}

/** Copies nested documents and arrays; BSON values such as ObjectId are immutable and shared. */
function structuredCloneBson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(structuredCloneBson);
  if (isPlainObject(value)) {
    const copy: Document = {};
    for (const [key, item] of Object.entries(value)) copy[key] = structuredCloneBson(item);
    return copy;
  }
  return value;
}

/** Raises mongod's ConflictingUpdateOperators when two operators touch the same path or one inside another. */
function checkConflicts(modifier: Document): void {
  const seen: string[] = [];
  for (const [operator, argument] of Object.entries(modifier)) {
    const paths = Object.keys(argument as Document);
    if (operator === '$rename') paths.push(...Object.values(argument as Document).map(String));
    for (const path of paths) {
      const clash = seen.find((other) => other === path || other.startsWith(`${path}.`) || path.startsWith(`${other}.`));
      if (clash !== undefined) {
        throw commandError('ConflictingUpdateOperators', `Updating the path '${path}' would create a conflict at '${clash}'`);
      }
      seen.push(path);
    }
  }
}

/** Raises the type errors mongod raises where mingo would silently leave the field alone. */
function checkOperandTypes(document: Document, modifier: Document): void {
  for (const operator of ['$inc', '$mul'] as const) {
    const argument = modifier[operator] as Document | undefined;
    if (!argument) continue;
    for (const [path, amount] of Object.entries(argument)) {
      if (typeof amount !== 'number') {
        const verb = operator === '$inc' ? 'increment' : 'multiply';
        throw commandError('TypeMismatch', `Cannot ${verb} with non-numeric argument: {${path}: ${formatBsonValue(amount)}}`);
      }
      const current = getPath(document, path);
      if (current !== undefined && typeof current !== 'number') {
        throw commandError(
          'TypeMismatch',
          `Cannot apply ${operator} to a value of non-numeric type. {_id: ${formatBsonValue(document._id)}} has the field '${path.split('.').pop()}' of non-numeric type ${typeName(current)}`,
        );
      }
    }
  }
  for (const operator of ['$push', '$addToSet', '$pull', '$pullAll', '$pop'] as const) {
    const argument = modifier[operator] as Document | undefined;
    if (!argument) continue;
    for (const path of Object.keys(argument)) {
      const current = getPath(document, path);
      if (current !== undefined && !Array.isArray(current)) {
        throw commandError(
          'BadValue',
          `The field '${path}' must be an array but is of type ${typeName(current)} in document {_id: ${formatBsonValue(document._id)}}`,
        );
      }
    }
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  if (value instanceof ObjectId) return 'objectId';
  if (isPlainObject(value)) return 'object';
  return typeof value;
}

function translateUpdateError(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (/immutable field '_id'/.test(message)) return commandError('ImmutableField', message);
  if (/conflict/.test(message)) return commandError('ConflictingUpdateOperators', message.replace(/^updating/, 'Updating'));
  if (/Unknown update operator/.test(message)) return commandError('FailedToParse', message);
  return commandError('BadValue', message);
}

/**
 * Starts an upsert's new document from the filter's equality conditions, as mongod does: `{ a: 1 }`,
 * `{ 'b.c': { $eq: 2 } }` and the same inside `$and` give `{ a: 1, b: { c: 2 } }`.
 */
export function upsertSeed(filter: Document | undefined): Document {
  const seed: Document = {};
  addEqualities(seed, filter);
  return seed;
}

function addEqualities(seed: Document, filter: unknown): void {
  if (!isPlainObject(filter)) return;
  for (const [key, condition] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(condition)) {
      for (const clause of condition) addEqualities(seed, clause);
      continue;
    }
    if (key.startsWith('$')) continue;
    if (isPlainObject(condition)) {
      const operators = Object.keys(condition).filter((name) => name.startsWith('$'));
      if (operators.length === 0) setPath(seed, key, condition);
      else if (operators.length === 1 && operators[0] === '$eq') setPath(seed, key, condition.$eq);
      continue;
    }
    if (condition instanceof RegExp) continue;
    setPath(seed, key, condition);
  }
}

/** Builds the document an upsert inserts: the filter's equalities, then the update, then an `_id`. */
export function buildUpsertDocument(filter: Document | undefined, update: unknown, arrayFilters?: Document[]): Document {
  const seed = upsertSeed(filter);
  let document: Document;
  if (isReplacement(update)) {
    document = { ...update };
    if (document._id === undefined && seed._id !== undefined) document._id = seed._id;
  } else if (Array.isArray(update)) {
    document = applyPipeline(seed, update);
  } else {
    const seedId = seed._id;
    document = applyOperators(seed, update as Document, { inserting: true, arrayFilters });
    if (seedId !== undefined && encodeKey(document._id) !== encodeKey(seedId)) {
      throw commandError('ImmutableField', `Performing an update on the path '_id' would modify the immutable field '_id'`);
    }
  }
  if (document._id === undefined) document._id = new ObjectId();
  return withIdFirst(document);
}

/** Returns the document with `_id` as its first field, where mongod always stores it. */
export function withIdFirst(document: Document): Document {
  const keys = Object.keys(document);
  if (keys[0] === '_id' || !('_id' in document)) return document;
  const reordered: Document = { _id: document._id };
  for (const key of keys) if (key !== '_id') reordered[key] = document[key];
  return reordered;
}
