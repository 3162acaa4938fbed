import type { Document } from 'bson';
import { isPlainObject } from './keys';

/**
 * Returns the values an index stores for a dotted path. Arrays met on the way fan out into their elements, as in a
 * mongod multikey index, and a missing field yields `undefined`.
 */
export function indexValuesAtPath(document: unknown, path: string): unknown[] {
  return collect(document, path.split('.'), 0);
}

function collect(value: unknown, parts: string[], position: number): unknown[] {
  if (position === parts.length) {
    if (Array.isArray(value)) return value.length === 0 ? [undefined] : value;
    return [value];
  }
  const part = parts[position]!;
  if (Array.isArray(value)) {
    // A numeric part may address an element; otherwise the path continues into every element.
    if (/^\d+$/.test(part) && Number(part) < value.length) {
      return collect(value[Number(part)], parts, position + 1);
    }
    const results: unknown[] = [];
    for (const element of value) {
      if (isPlainObject(element)) results.push(...collect(element, parts, position));
    }
    return results.length === 0 ? [undefined] : results;
  }
  if (isPlainObject(value) && part in value) return collect(value[part], parts, position + 1);
  return [undefined];
}

/** Value at a dotted path without array fan-out, or undefined when any step is missing. */
export function getPath(document: Document, path: string): unknown {
  let value: unknown = document;
  for (const part of path.split('.')) {
    if (Array.isArray(value) && /^\d+$/.test(part)) value = value[Number(part)];
    else if (isPlainObject(value)) value = value[part];
    else return undefined;
  }
  return value;
}

/** Sets a dotted path, creating intermediate documents. */
export function setPath(document: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let target: Document = document;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(target[part]) && !Array.isArray(target[part])) target[part] = {};
    target = target[part] as Document;
  }
  target[parts[parts.length - 1]!] = value;
}
