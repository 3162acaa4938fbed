import { Binary, Decimal128, Long, ObjectId, Timestamp, type Document } from 'bson';
import type { CollationSpec } from 'mingo/types';

/**
 * Canonical string keys for BSON values, used to look documents up by `_id` and to compare index
 * keys. Two values get the same key exactly when mongod treats them as equal in an index: numbers
 * compare by value whatever their BSON type (int32 1 equals double 1.0), while a string and a number
 * never do.
 */
export function encodeKey(value: unknown): string {
  if (value === undefined || value === null) return 'n';
  switch (typeof value) {
    case 'number':
      return `i${Object.is(value, -0) ? 0 : value}`;
    case 'string':
      return `s${value}`;
    case 'boolean':
      return value ? 'b1' : 'b0';
    case 'bigint':
      return `i${value}`;
    default:
      break;
  }
  if (value instanceof ObjectId) return `o${value.toHexString()}`;
  if (value instanceof Date) return `d${value.getTime()}`;
  if (value instanceof Long) return `i${value.toString()}`;
  if (value instanceof Decimal128) return `i${value.toString()}`;
  if (value instanceof Timestamp) return `t${value.toString()}`;
  if (value instanceof Binary) return `x${value.sub_type}:${Buffer.from(value.buffer).toString('base64')}`;
  if (value instanceof RegExp) return `r${value.source}/${value.flags}`;
  if (Array.isArray(value)) return `A[${value.map(encodeKey).join(',')}]`;
  const bsontype = (value as { _bsontype?: string })._bsontype;
  if (bsontype) return `${bsontype}:${JSON.stringify(value)}`;
  const entries = Object.entries(value as Document).map(([k, v]) => `${JSON.stringify(k)}:${encodeKey(v)}`);
  return `O{${entries.join(',')}}`;
}

/** Collation settings the server honours: ICU strength 1 (base letters) or 2 (ignore case). */
export interface Collation {
  locale: string;
  strength?: number;
  [option: string]: unknown;
}

/**
 * Returns the comparison form of a string under a collation, or the string itself when the collation
 * distinguishes case. Strength 2 ignores case; strength 1 also ignores diacritics (é equals e).
 * Greek final sigma (ς) folds to σ, because ICU distinguishes them only at strength 3, as it does case.
 * NOTE: this approximates ICU. Locale-specific tailorings (for example Turkish dotless i),
 * contractions such as German ß = ss, and ICU's other tertiary equivalences (such as fullwidth and
 * ASCII letters) are not applied, while range comparisons use Intl.Collator, which applies them.
 */
export function foldString(value: string, collation: Collation | undefined): string {
  if (!collation || collation.locale === 'simple') return value;
  const strength = collation.strength ?? 3;
  if (strength >= 3) return value;
  const lower = value.toLowerCase().replaceAll('ς', 'σ');
  if (strength === 2) return lower;
  return lower.normalize('NFD').replace(/\p{M}/gu, '');
}

/** Returns whether a collation changes string comparison at all (strength 1 or 2 on a real locale). */
export function collationFolds(collation: Collation | undefined): collation is Collation {
  return !!collation && collation.locale !== 'simple' && (collation.strength ?? 3) < 3;
}

/** Deep copy of a value with every string folded under `collation`; other values are kept. */
export function foldValue(value: unknown, collation: Collation): unknown {
  if (typeof value === 'string') return foldString(value, collation);
  if (Array.isArray(value)) return value.map((item) => foldValue(item, collation));
  if (isPlainObject(value)) {
    const folded: Document = {};
    for (const [key, item] of Object.entries(value)) folded[key] = foldValue(item, collation);
    return folded;
  }
  return value;
}

/** True for documents (plain objects), false for arrays, null and BSON value classes. */
export function isPlainObject(value: unknown): value is Document {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  if (value instanceof Date || value instanceof RegExp) return false;
  if ((value as { _bsontype?: string })._bsontype) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Converts a collation to the options mingo's sorting accepts: locale, strength 1–3, case and numeric options. */
export function toMingoCollation(collation: Collation | undefined): CollationSpec | undefined {
  if (!collation || collation.locale === 'simple') return undefined;
  const strength = Math.min(3, Math.max(1, collation.strength ?? 3)) as 1 | 2 | 3;
  const spec: { -readonly [K in keyof CollationSpec]: CollationSpec[K] } = { locale: collation.locale, strength };
  if (typeof collation.caseLevel === 'boolean') spec.caseLevel = collation.caseLevel;
  if (collation.caseFirst === 'upper' || collation.caseFirst === 'lower' || collation.caseFirst === 'off') spec.caseFirst = collation.caseFirst;
  if (typeof collation.numericOrdering === 'boolean') spec.numericOrdering = collation.numericOrdering;
  return spec;
}
