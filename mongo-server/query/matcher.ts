import type { Document } from 'bson';
import { Query } from 'mingo';
import { Query as BaseQuery } from 'mingo/query';
import { commandError } from '../errors';
import { collationFolds, encodeKey, foldString, foldValue, isPlainObject, type Collation } from '../storage/keys';
import { collatedComparisonContext } from './collated-comparison';

/** mingo settings every request uses. Scripts stay off: `$where`, `$function` and `$accumulator` run code. */
export const mingoOptions = { scriptEnabled: false, useStrictMode: true, idKey: '_id' } as const;

export type DocumentMatcher = (document: Document) => boolean;

/** Operators whose operand is not a value to compare, so collation folding must leave it alone. */
const operandsKeptAsIs = new Set(['$regex', '$options', '$type', '$expr', '$jsonSchema', '$exists', '$size', '$mod', '$bitsAllSet']);

/**
 * Compiles a query filter into a predicate. mingo applies a collation only when sorting, so under a
 * case- or accent-insensitive collation the filter and each tested document are folded first:
 * `{ username: 'Alice' }` then matches `'alice'` as it does in mongod. Range operators on strings
 * then compare with the collation's `Intl.Collator`, the order mingo's sort uses.
 */
export function compileFilter(filter: unknown, collation?: Collation): DocumentMatcher {
  if (filter === undefined || filter === null) return () => true;
  if (!isPlainObject(filter)) throw commandError('TypeMismatch', "BSON field 'filter' is the wrong type, expected type 'object'");
  rejectScripts(filter);
  if (Object.keys(filter).length === 0) return () => true;

  const equality = compileTopLevelEquality(filter, collation);
  if (equality) return equality;

  if (collationFolds(collation)) {
    const query = buildQuery(foldFilter(filter, collation) as Document, collation);
    return (document) => query.test(foldValue(document, collation) as Document);
  }
  const query = buildQuery(filter);
  return (document) => query.test(document);
}

/**
 * Fast path for the most common filter, equality on top-level fields (`{ email: 'a@b.c', id: 7 }`).
 * Building a mingo Query costs far more than testing a few documents found through an index, so
 * these filters are matched here with mongod's equality rules: numbers compare by value, and an array
 * field matches when one of its elements is equal. Returns undefined for any other filter.
 */
function compileTopLevelEquality(filter: Document, collation: Collation | undefined): DocumentMatcher | undefined {
  const folds = collationFolds(collation);
  const conditions: Array<[string, string]> = [];
  for (const [field, value] of Object.entries(filter)) {
    if (field.startsWith('$') || field.includes('.')) return undefined;
    const isScalar = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
      || value instanceof Date || (value as { _bsontype?: string } | null)?._bsontype === 'ObjectId';
    if (!isScalar || Number.isNaN(value)) return undefined;
    conditions.push([field, encodeKey(folds ? foldValue(value, collation) : value)]);
  }
  const keyOf = (value: unknown): string => encodeKey(folds ? foldValue(value, collation!) : value);
  return (document) =>
    conditions.every(([field, expected]) => {
      const actual = document[field];
      if (Array.isArray(actual)) return actual.some((element) => !Array.isArray(element) && keyOf(element) === expected);
      return actual !== undefined && keyOf(actual) === expected;
    });
}

function buildQuery(filter: Document, collation?: Collation): Query | BaseQuery {
  try {
    if (collation) return new BaseQuery(filter, { ...mingoOptions, context: collatedComparisonContext(collation) });
    return new Query(filter, mingoOptions);
  } catch (error) {
    throw translateMingoError(error);
  }
}

/** Converts mingo's wording for invalid filters into mongod's code and message. */
export function translateMingoError(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  const unknownOperator = /unknown (?:query )?operator:? '?(\$\w+)'?/i.exec(message);
  if (unknownOperator) return commandError('BadValue', `unknown operator: ${unknownOperator[1]}`);
  return commandError('BadValue', message);
}

/**
 * Raises for `$where`. mongod runs it through its JavaScript engine; this server has none, and
 * evaluating client-supplied code in the server process would be unsafe.
 */
function rejectScripts(filter: unknown): void {
  if (Array.isArray(filter)) {
    for (const item of filter) rejectScripts(item);
    return;
  }
  if (!isPlainObject(filter)) return;
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$where') {
      throw commandError('NotImplemented', '$where is not supported by this server: server-side JavaScript is disabled');
    }
    if (key === '$and' || key === '$or' || key === '$nor') rejectScripts(value);
  }
}

function foldFilter(value: unknown, collation: Collation): unknown {
  if (typeof value === 'string') return foldString(value, collation);
  if (Array.isArray(value)) return value.map((item) => foldFilter(item, collation));
  if (!isPlainObject(value)) return value;
  const folded: Document = {};
  for (const [key, item] of Object.entries(value)) {
    folded[key] = operandsKeptAsIs.has(key) ? item : foldFilter(item, collation);
  }
  return folded;
}
