import { BSON, UUID, type Document } from 'bson';
import { commandError } from '../errors';
import type { ChangeListener } from './changes';
import { CollectionIndex, duplicateKeyError, type IndexSpec } from './collection-index';
import { encodeKey, isPlainObject, type Collation } from './keys';

/**
 * A stored document. `document` is never changed after it is stored: updates store a new object, so
 * cursors and query results may keep references to it. `bson` is its serialized form, used for
 * `nModified` byte comparison, size checks, fresh copies and the journal.
 */
export interface StoredDocument {
  readonly id: string;
  readonly document: Document;
  readonly bson: Buffer;
}

export const ID_INDEX_NAME = '_id_';
/** Largest document mongod stores (maxBsonObjectSize). */
export const MAX_DOCUMENT_SIZE = 16 * 1024 * 1024;

/**
 * Documents of one collection in insertion order, keyed by encoded `_id`, plus its secondary
 * indexes. Every method that changes data checks first and changes after, so a failed write leaves
 * the collection as it was, and none of them awaits, so no other request runs between check and write.
 */
export class Collection {
  readonly db: string;
  readonly name: string;
  readonly uuid: UUID;
  readonly options: Document;
  private readonly records = new Map<string, StoredDocument>();
  private readonly secondaryIndexes = new Map<string, CollectionIndex>();
  private readonly notify: ChangeListener;

  constructor(db: string, name: string, options: Document, notify: ChangeListener) {
    this.db = db;
    this.name = name;
    this.options = options;
    this.uuid = new UUID();
    this.notify = notify;
  }

  get namespace(): string {
    return `${this.db}.${this.name}`;
  }

  get size(): number {
    return this.records.size;
  }

  /** Returns every document in natural (insertion) order. */
  all(): IterableIterator<StoredDocument> {
    return this.records.values();
  }

  get(id: string): StoredDocument | undefined {
    return this.records.get(id);
  }

  indexes(): CollectionIndex[] {
    return [...this.secondaryIndexes.values()];
  }

  getIndex(name: string): CollectionIndex | undefined {
    return this.secondaryIndexes.get(name);
  }

  /** Stores a new document, which must already have its `_id` first. Raises E11000 on a duplicate key. */
  insert(document: Document): StoredDocument {
    const stored = this.prepare(document);
    if (this.records.has(stored.id)) {
      throw duplicateKeyError(this.namespace, ID_INDEX_NAME, { _id: 1 }, ['_id'], [document._id]);
    }
    for (const index of this.secondaryIndexes.values()) index.checkUnique(document, stored.id, this.namespace);

    this.records.set(stored.id, stored);
    for (const index of this.secondaryIndexes.values()) index.add(document, stored.id);
    this.notify({ op: 'put', db: this.db, collection: this.name, bson: stored.bson });
    return stored;
  }

  /** Replaces a stored document by a new version with the same `_id`. Raises E11000 on a duplicate key. */
  replace(previous: StoredDocument, document: Document): StoredDocument {
    const stored = this.prepare(document);
    if (stored.id !== previous.id) throw new Error('replace() must keep the _id');
    for (const index of this.secondaryIndexes.values()) index.checkUnique(document, stored.id, this.namespace);

    for (const index of this.secondaryIndexes.values()) index.remove(previous.document, previous.id);
    this.records.set(stored.id, stored);
    for (const index of this.secondaryIndexes.values()) index.add(document, stored.id);
    this.notify({ op: 'put', db: this.db, collection: this.name, bson: stored.bson });
    return stored;
  }

  remove(stored: StoredDocument): void {
    if (!this.records.delete(stored.id)) return;
    for (const index of this.secondaryIndexes.values()) index.remove(stored.document, stored.id);
    this.notify({ op: 'delete', db: this.db, collection: this.name, id: stored.document._id });
  }

  /** Serializes and validates a document before any state changes. */
  private prepare(document: Document): StoredDocument {
    validateId(document._id);
    const bson = serializeDocument(document);
    if (bson.length > MAX_DOCUMENT_SIZE) {
      throw commandError('BSONObjectTooLarge', `object to insert too large. size in bytes: ${bson.length}, max size: ${MAX_DOCUMENT_SIZE}`);
    }
    return { id: encodeKey(document._id), document, bson };
  }

  /**
   * Builds a secondary index over the existing documents. Raises E11000 and leaves the collection
   * unchanged if a unique index finds two documents with one key.
   */
  createIndex(spec: IndexSpec): void {
    const index = new CollectionIndex(spec);
    for (const stored of this.records.values()) {
      index.checkUnique(stored.document, stored.id, this.namespace);
      index.add(stored.document, stored.id);
    }
    this.secondaryIndexes.set(spec.name, index);
    this.notify({ op: 'createIndex', db: this.db, collection: this.name, spec });
  }

  dropIndex(name: string): void {
    if (this.secondaryIndexes.delete(name)) {
      this.notify({ op: 'dropIndex', db: this.db, collection: this.name, name });
    }
  }

  /**
   * Documents that may match `filter`: every document, or fewer when the filter pins `_id` or all
   * fields of a full index by equality. Callers still test each candidate against the filter.
   */
  candidates(filter: Document | undefined, collation: Collation | undefined): Iterable<StoredDocument> {
    if (!filter) return this.records.values();
    const idValues = equalityValues(filter._id);
    if (idValues) return this.pick(idValues.map((value) => encodeKey(value)));

    const queryStrength = collation && collation.locale !== 'simple' ? (collation.strength ?? 3) : 3;
    for (const index of this.secondaryIndexes.values()) {
      // An index whose collation folds at least as much as the query's finds every match.
      if (!index.coversAllDocuments || index.strength > queryStrength) continue;
      const perField = index.fields.map((field) => equalityValues(filter[field]));
      if (perField.some((values) => values === undefined)) continue;
      // `$in` on a single-field index looks up each value; a compound index needs one value a field.
      if (index.fields.length > 1 && perField.some((values) => values!.length !== 1)) continue;
      const keys = index.fields.length === 1
        ? perField[0]!.map((value) => index.encodeValues([value]))
        : [index.encodeValues(perField.map((values) => values![0]))];
      return this.pick(keys.flatMap((key) => [...(index.lookup(key) ?? [])]));
    }
    return this.records.values();
  }

  private pick(ids: Iterable<string>): StoredDocument[] {
    const found: StoredDocument[] = [];
    const seen = new Set<string>();
    for (const id of ids) {
      const stored = this.records.get(id);
      if (stored && !seen.has(id)) {
        seen.add(id);
        found.push(stored);
      }
    }
    return found;
  }

  /** Puts a document back while replaying the journal, without checks or change notifications. */
  restore(stored: StoredDocument): void {
    const previous = this.records.get(stored.id);
    if (previous) for (const index of this.secondaryIndexes.values()) index.remove(previous.document, previous.id);
    this.records.set(stored.id, stored);
    for (const index of this.secondaryIndexes.values()) index.add(stored.document, stored.id);
  }
}

/**
 * Values a filter field equals under plain equality that an index can look up: a scalar, `{ $eq: v }`
 * or `{ $in: [...] }`. Returns undefined for anything else (operators, regular expressions, arrays,
 * which also match documents holding the array as a whole).
 */
function equalityValues(condition: unknown): unknown[] | undefined {
  if (condition === undefined || Array.isArray(condition) || condition instanceof RegExp) return undefined;
  if (!isPlainObject(condition)) return [condition];
  const keys = Object.keys(condition);
  if (keys.length === 0 || !keys.every((key) => key.startsWith('$'))) {
    // An embedded document with no operators is matched by exact equality.
    return keys.some((key) => key.startsWith('$')) ? undefined : [condition];
  }
  if (keys.length !== 1) return undefined;
  if (keys[0] === '$eq') return equalityValues(condition.$eq);
  if (keys[0] === '$in' && Array.isArray(condition.$in)) {
    const values = condition.$in;
    if (values.some((value) => Array.isArray(value) || value instanceof RegExp || isPlainObject(value))) return undefined;
    return values;
  }
  return undefined;
}

function validateId(id: unknown): void {
  if (Array.isArray(id)) throw commandError('BadValue', `can't use an array for _id`);
  if (id instanceof RegExp) throw commandError('BadValue', `can't use a regex for _id`);
  if (id === undefined) throw new Error('documents must get an _id before they are stored');
}

/** Serializes a document to a Buffer that shares the serialized bytes instead of copying them. */
export function serializeDocument(document: Document): Buffer {
  const bytes = BSON.serialize(document);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
