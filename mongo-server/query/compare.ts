import { Binary, Decimal128, Long, MaxKey, MinKey, ObjectId, Timestamp, type Document } from 'bson';
import type { Collation } from '../storage/keys';
import { indexValuesAtPath } from '../storage/paths';

/**
 * Rank of each BSON type in mongod's comparison order: MinKey, then null (and missing), numbers,
 * strings, documents, arrays, binary data, ObjectId, booleans, dates, timestamps, regular
 * expressions, MaxKey.
 */
function typeRank(value: unknown): number {
  if (value instanceof MinKey) return 0;
  if (value === undefined || value === null) return 1;
  if (typeof value === 'number' || typeof value === 'bigint' || value instanceof Long || value instanceof Decimal128) return 2;
  if (typeof value === 'string') return 3;
  if (Array.isArray(value)) return 5;
  if (value instanceof Binary) return 6;
  if (value instanceof ObjectId) return 7;
  if (typeof value === 'boolean') return 8;
  if (value instanceof Date) return 9;
  if (value instanceof Timestamp) return 10;
  if (value instanceof RegExp) return 11;
  if (value instanceof MaxKey) return 12;
  return 4;
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return Number((value as Long | Decimal128).toString());
}

const collators = new Map<string, Intl.Collator>();

/** Maps an ICU strength to `Intl.Collator` sensitivity: 1 ignores case and accents, 2 ignores case. */
function sensitivityFor(strength: number): 'base' | 'accent' | 'variant' {
  if (strength === 1) return 'base';
  if (strength === 2) return 'accent';
  return 'variant';
}

/** Returns the `Intl.Collator` for a folding collation, or undefined for binary string comparison. */
export function collatorFor(collation: Collation | undefined): Intl.Collator | undefined {
  if (!collation || collation.locale === 'simple') return undefined;
  const strength = collation.strength ?? 3;
  const key = `${collation.locale}/${strength}/${String(collation.numericOrdering)}/${String(collation.caseFirst)}`;
  let collator = collators.get(key);
  if (!collator) {
    collator = new Intl.Collator(collation.locale, {
      sensitivity: sensitivityFor(strength),
      numeric: collation.numericOrdering === true,
      caseFirst: collation.caseFirst === 'upper' || collation.caseFirst === 'lower' ? collation.caseFirst : 'false',
    });
    collators.set(key, collator);
  }
  return collator;
}

/** Compares two BSON values in mongod's order. Strings are compared with `collator` when given. */
export function compareValues(left: unknown, right: unknown, collator?: Intl.Collator): number {
  const rankDifference = typeRank(left) - typeRank(right);
  if (rankDifference !== 0) return Math.sign(rankDifference);

  switch (typeRank(left)) {
    case 2: {
      const difference = toNumber(left) - toNumber(right);
      return Number.isNaN(difference) ? 0 : Math.sign(difference);
    }
    case 3:
      if (collator) return Math.sign(collator.compare(left as string, right as string));
      return left === right ? 0 : (left as string) < (right as string) ? -1 : 1;
    case 4:
      return compareDocuments(left as Document, right as Document, collator);
    case 5: {
      const leftArray = left as unknown[];
      const rightArray = right as unknown[];
      for (let position = 0; position < Math.min(leftArray.length, rightArray.length); position++) {
        const order = compareValues(leftArray[position], rightArray[position], collator);
        if (order !== 0) return order;
      }
      return Math.sign(leftArray.length - rightArray.length);
    }
    case 6:
      return Buffer.compare(Buffer.from((left as Binary).buffer), Buffer.from((right as Binary).buffer));
    case 7: {
      const leftHex = (left as ObjectId).toHexString();
      const rightHex = (right as ObjectId).toHexString();
      return leftHex === rightHex ? 0 : leftHex < rightHex ? -1 : 1;
    }
    case 8:
      return Number(left) - Number(right);
    case 9:
      return Math.sign((left as Date).getTime() - (right as Date).getTime());
    case 10:
      return (left as Timestamp).compare(right as Timestamp);
    case 11:
      return Math.sign(String(left).localeCompare(String(right)));
    default:
      return 0;
  }
}

function compareDocuments(left: Document, right: Document, collator?: Intl.Collator): number {
  const leftEntries = Object.entries(left);
  const rightEntries = Object.entries(right);
  for (let position = 0; position < Math.min(leftEntries.length, rightEntries.length); position++) {
    const [leftKey, leftValue] = leftEntries[position]!;
    const [rightKey, rightValue] = rightEntries[position]!;
    const typeOrder = Math.sign(typeRank(leftValue) - typeRank(rightValue));
    if (typeOrder !== 0) return typeOrder;
    if (leftKey !== rightKey) return leftKey < rightKey ? -1 : 1;
    const order = compareValues(leftValue, rightValue, collator);
    if (order !== 0) return order;
  }
  return Math.sign(leftEntries.length - rightEntries.length);
}

/**
 * Returns the value a document sorts by on one field: for an array field, its smallest element in an
 * ascending sort and its largest in a descending one, as in mongod.
 * NOTE: an empty array sorts like null here, but mongod sorts it before null.
 */
function sortValue(document: Document, field: string, direction: 1 | -1, collator?: Intl.Collator): unknown {
  const values = indexValuesAtPath(document, field);
  if (values.length === 1) return values[0];
  let chosen = values[0];
  for (const value of values.slice(1)) {
    const order = compareValues(value, chosen, collator);
    if ((direction === 1 && order < 0) || (direction === -1 && order > 0)) chosen = value;
  }
  return chosen;
}

/**
 * Sorts documents by a sort specification (`{ field: 1 | -1, ... }`) in mongod's order. The sort is
 * stable, so documents that compare equal keep their natural order. Returns a new array.
 */
export function sortBySpecification(documents: Document[], specification: Record<string, 1 | -1>, collation: Collation | undefined): Document[] {
  const collator = collatorFor(collation);
  const fields = Object.entries(specification);
  const keyed = documents.map((document) => ({
    document,
    keys: fields.map(([field, direction]) => sortValue(document, field, direction, collator)),
  }));
  keyed.sort((left, right) => {
    for (let position = 0; position < fields.length; position++) {
      const order = compareValues(left.keys[position], right.keys[position], collator);
      if (order !== 0) return order * fields[position]![1];
    }
    return 0;
  });
  return keyed.map((entry) => entry.document);
}
