import type { Document } from 'bson';
import { commandError } from '../errors';
import { compileFilter, type DocumentMatcher } from '../query/matcher';
import { formatBsonDocument } from './format-value';
import { encodeKey, foldValue, collationFolds, type Collation } from './keys';
import { indexValuesAtPath } from './paths';

/** An index as createIndexes receives it and listIndexes returns it. */
export interface IndexSpec {
  v?: number;
  key: Document;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Document;
  expireAfterSeconds?: number;
  collation?: Collation;
  [option: string]: unknown;
}

/** One index key of a document: its encoded form and the field values it came from. */
interface IndexKey {
  encoded: string;
  values: unknown[];
}

/**
 * A secondary index: the encoded key of each indexed document mapped to the ids of the documents
 * holding it. It serves equality lookups and enforces uniqueness. The `_id` index is the
 * collection's document map itself and has no instance of this class.
 */
export class CollectionIndex {
  readonly spec: IndexSpec;
  readonly fields: string[];
  private readonly partialMatcher: DocumentMatcher | undefined;
  private readonly entries = new Map<string, Set<string>>();

  constructor(spec: IndexSpec) {
    this.spec = spec;
    this.fields = Object.keys(spec.key);
    this.partialMatcher = spec.partialFilterExpression ? compileFilter(spec.partialFilterExpression) : undefined;
  }

  get name(): string {
    return this.spec.name;
  }

  get unique(): boolean {
    return this.spec.unique === true;
  }

  /** Whether lookups through this index may return every match: sparse and partial indexes skip documents. */
  get coversAllDocuments(): boolean {
    return !this.spec.sparse && !this.partialMatcher;
  }

  /** ICU strength the keys were folded with, 3 (case-sensitive) without a folding collation. */
  get strength(): number {
    return collationFolds(this.spec.collation) ? (this.spec.collation.strength ?? 3) : 3;
  }

  /** Keys of a document, none when a sparse or partial index leaves it out. */
  private keysOf(document: Document): IndexKey[] {
    if (this.partialMatcher && !this.partialMatcher(document)) return [];
    const valuesPerField = this.fields.map((field) => indexValuesAtPath(document, field));
    if (this.spec.sparse && valuesPerField.every((values) => values.length === 1 && values[0] === undefined)) return [];

    // A multikey document gets one key per combination of array elements.
    let combinations: unknown[][] = [[]];
    for (const values of valuesPerField) {
      const next: unknown[][] = [];
      for (const prefix of combinations) for (const value of values) next.push([...prefix, value]);
      combinations = next;
    }
    const keys = new Map<string, IndexKey>();
    for (const values of combinations) {
      const encoded = this.encodeValues(values);
      if (!keys.has(encoded)) keys.set(encoded, { encoded, values });
    }
    return [...keys.values()];
  }

  /** Encodes one value per indexed field, folding strings under the index collation. */
  encodeValues(values: unknown[]): string {
    const collation = this.spec.collation;
    const parts = values.map((value) => encodeKey(collationFolds(collation) ? foldValue(value, collation) : value));
    return parts.length === 1 ? parts[0]! : JSON.stringify(parts);
  }

  /** Ids of the documents stored under an encoded key. */
  lookup(encoded: string): ReadonlySet<string> | undefined {
    return this.entries.get(encoded);
  }

  /**
   * Raises the duplicate key error mongod raises if storing `document` under `idKey` would give
   * another document's key to this unique index. Does nothing for non-unique indexes.
   */
  checkUnique(document: Document, idKey: string, namespace: string): void {
    if (!this.unique) return;
    for (const key of this.keysOf(document)) {
      const holders = this.entries.get(key.encoded);
      if (!holders) continue;
      for (const holder of holders) {
        if (holder !== idKey) throw this.duplicateKeyError(key, namespace);
      }
    }
  }

  add(document: Document, idKey: string): void {
    for (const key of this.keysOf(document)) {
      let holders = this.entries.get(key.encoded);
      if (!holders) {
        holders = new Set();
        this.entries.set(key.encoded, holders);
      }
      holders.add(idKey);
    }
  }

  remove(document: Document, idKey: string): void {
    for (const key of this.keysOf(document)) {
      const holders = this.entries.get(key.encoded);
      if (!holders) continue;
      holders.delete(idKey);
      if (holders.size === 0) this.entries.delete(key.encoded);
    }
  }

  private duplicateKeyError(key: IndexKey, namespace: string): Error {
    return duplicateKeyError(namespace, this.name, this.spec.key, this.fields, key.values);
  }
}

/**
 * Builds mongod's E11000 error with its keyPattern and keyValue fields. A missing field shows as null,
 * as in mongod.
 */
export function duplicateKeyError(
  namespace: string,
  indexName: string,
  keyPattern: Document,
  fields: string[],
  values: unknown[],
): Error {
  const keyValue: Document = {};
  fields.forEach((field, position) => {
    const value = values[position];
    keyValue[field] = value === undefined ? null : value;
  });
  const message = `E11000 duplicate key error collection: ${namespace} index: ${indexName} dup key: ${formatBsonDocument(keyValue)}`;
  return commandError('DuplicateKey', message, { keyPattern, keyValue });
}
