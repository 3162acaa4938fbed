import type { Document } from 'bson';
import { Query } from 'mingo';
import { Query as BaseQuery } from 'mingo/query';
import { commandError } from '../errors';
import { collationFolds, foldString, foldValue, isPlainObject, type Collation } from '../storage/keys';
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

  if (collationFolds(collation)) {
    const query = buildQuery(foldFilter(filter, collation) as Document, collation);
    return (document) => query.test(foldValue(document, collation) as Document);
  }
  const query = buildQuery(filter);
  return (document) => query.test(document);
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
