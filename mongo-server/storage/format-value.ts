import { Binary, Decimal128, Long, ObjectId, Timestamp } from 'bson';
import { isPlainObject } from './keys';

/**
 * Formats a value the way mongod prints BSON in error messages, for example in the duplicate-key
 * message `dup key: { username: "alice" }`: strings in double quotes, ObjectId('…'), new Date(ms).
 */
export function formatBsonValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof ObjectId) return `ObjectId('${value.toHexString()}')`;
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  if (value instanceof Long) return value.toString();
  if (value instanceof Decimal128) return `NumberDecimal("${value.toString()}")`;
  if (value instanceof Timestamp) return `Timestamp(${value.high}, ${value.low})`;
  if (value instanceof Binary) return `BinData(${value.sub_type}, ${Buffer.from(value.buffer).toString('hex').toUpperCase()})`;
  if (value instanceof RegExp) return `/${value.source}/${value.flags}`;
  if (Array.isArray(value)) return value.length === 0 ? '[]' : `[ ${value.map(formatBsonValue).join(', ')} ]`;
  if (isPlainObject(value)) return formatBsonDocument(value);
  return String(value);
}

export function formatBsonDocument(document: Record<string, unknown>): string {
  const entries = Object.entries(document).map(([key, item]) => `${key}: ${formatBsonValue(item)}`);
  return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
}
