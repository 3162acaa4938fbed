import type { Document } from 'bson';
import { find as mingoFind } from 'mingo';
import { commandError } from '../errors';
import type { Collection, StoredDocument } from '../storage/collection';
import { isPlainObject, toMingoCollation, type Collation } from '../storage/keys';
import { sortBySpecification } from './compare';
import { compileFilter, mingoOptions, translateMingoError } from './matcher';

export interface FindOptions {
  filter?: Document;
  sort?: Document;
  projection?: Document;
  skip?: number;
  /** Maximum number of documents; 0 or undefined means no limit, as in mongod. */
  limit?: number;
  collation?: Collation;
}

/** Stored documents matching the filter, in natural order. */
export function matchStored(collection: Collection | undefined, filter: Document | undefined, collation: Collation | undefined): StoredDocument[] {
  if (!collection) return [];
  const matches = compileFilter(filter, collation);
  const found: StoredDocument[] = [];
  for (const stored of collection.candidates(filter, collation)) {
    if (matches(stored.document)) found.push(stored);
  }
  return found;
}

/** Sorts documents as mongod does, honouring a collation for strings. Returns a new array. */
export function sortDocuments(documents: Document[], sort: Document | undefined, collation: Collation | undefined): Document[] {
  if (!sort || Object.keys(sort).length === 0) return documents;
  validateSort(sort);
  if ('$natural' in sort) return sort.$natural === -1 ? [...documents].reverse() : documents;
  const directions = Object.values(sort);
  if (directions.every((direction) => direction === 1 || direction === -1)) {
    return sortBySpecification(documents, sort as Record<string, 1 | -1>, collation);
  }
  // Other specifications (such as { $meta: 'textScore' }) are left to mingo.
  try {
    return mingoFind(documents, {}, undefined, { ...mingoOptions, collation: toMingoCollation(collation) }).sort(sort as Record<string, 1 | -1>).all() as Document[];
  } catch (error) {
    throw translateMingoError(error);
  }
}

function validateSort(sort: Document): void {
  for (const [field, direction] of Object.entries(sort)) {
    if (direction !== 1 && direction !== -1 && !isPlainObject(direction)) {
      throw commandError('BadValue', `$sort key ordering must be 1 (for ascending) or -1 (for descending)`, {});
    }
    if (field === '') throw commandError('BadValue', 'FieldPath cannot be constructed with empty string');
  }
}

/**
 * Applies a find projection. mingo lists included fields in projection order with `_id` last, so the
 * fields are put back into the document's own order, which is what mongod returns.
 */
export function projectDocuments(documents: Document[], projection: Document | undefined, filter: Document | undefined): Document[] {
  if (!projection || Object.keys(projection).length === 0) return documents;
  // The positional operator (`tags.$`) needs the filter that selected the array element.
  const positional = Object.keys(projection).some((key) => key.endsWith('.$'));
  let projected: Document[];
  try {
    projected = mingoFind(documents, positional ? (filter ?? {}) : {}, projection, mingoOptions).all() as Document[];
  } catch (error) {
    throw translateMingoError(error);
  }
  return projected.map((output, position) => reorderLike(output, documents[position]!));
}

function reorderLike(output: Document, source: Document): Document {
  const ordered: Document = {};
  for (const key of Object.keys(source)) if (key in output) ordered[key] = output[key];
  for (const key of Object.keys(output)) if (!(key in ordered)) ordered[key] = output[key];
  return ordered;
}

/** Runs a find: match, sort, skip, limit, project. */
export function findDocuments(collection: Collection | undefined, options: FindOptions): Document[] {
  const matched = matchStored(collection, options.filter, options.collation).map((stored) => stored.document);
  const sorted = sortDocuments(matched, options.sort, options.collation);
  const start = options.skip ?? 0;
  const end = options.limit ? start + options.limit : undefined;
  const page = start > 0 || end !== undefined ? sorted.slice(start, end) : sorted;
  return projectDocuments(page, options.projection, options.filter);
}
