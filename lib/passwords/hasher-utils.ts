import { timingSafeEqual } from 'node:crypto';

/**
 * Outcome of checking a password against one stored hash. `unsupported` means the stored value
 * could not be checked because it is malformed or its parameters exceed this module's caps.
 */
export type Verdict = 'match' | 'mismatch' | 'unsupported';

/** Compares two strings as UTF-8 bytes in constant time. Strings of different byte length never match. */
export function compareInConstantTime(expected: string, actual: string): Verdict {
  const expectedBytes = Buffer.from(expected, 'utf8');
  const actualBytes = Buffer.from(actual, 'utf8');

  if (expectedBytes.length !== actualBytes.length) {
    return 'mismatch';
  }
  return timingSafeEqual(expectedBytes, actualBytes) ? 'match' : 'mismatch';
}

/** Compares two byte strings in constant time. Buffers of different length never match. */
export function compareBytesInConstantTime(expected: Uint8Array, actual: Uint8Array): Verdict {
  if (expected.length !== actual.length) {
    return 'mismatch';
  }
  return timingSafeEqual(expected, actual) ? 'match' : 'mismatch';
}

const CANONICAL_POSITIVE_INTEGER = /^[1-9][0-9]{0,14}$/;

/**
 * Parses a positive decimal integer written the way Django's `%d` formatting writes it: no sign,
 * no leading zeros, no spaces. Returns null for anything else. Django re-encodes the hash with
 * `%d` and compares whole strings, so a non-canonical number could never verify there either.
 */
export function parsePositiveInteger(text: string): number | null {
  if (!CANONICAL_POSITIVE_INTEGER.test(text)) {
    return null;
  }
  return Number(text);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Tests whether a string can be encoded as UTF-8 without loss. A lone surrogate would be replaced by
 * U+FFFD, so two different passwords would hash the same; Python (and so Django) rejects such
 * strings when it encodes them.
 */
export function isWellFormedUnicode(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}
