// Django's four default password validators (the AUTH_PASSWORD_VALIDATORS of its project template),
// with Django's English messages. Lengths count code points, as Python's len() does.
import { isCommonPassword } from './common-passwords';

export interface UserAttributes {
  username?: string;
  email?: string;
  first_name?: string;
  last_name?: string;
}

/**
 * Maximum password length in code points (count them with passwordLength). No Django validator
 * enforces it, so validatePassword does not either: callers reject longer passwords before hashing.
 */
export const MAX_PASSWORD_LENGTH = 4096;

/** MinimumLengthValidator's default `min_length`. */
export const MIN_PASSWORD_LENGTH = 8;

/** UserAttributeSimilarityValidator's default `max_similarity`. */
export const MAX_SIMILARITY = 0.7;

/** The attributes UserAttributeSimilarityValidator compares, in Django's order, with their verbose names. */
const SIMILARITY_ATTRIBUTES = [
  ['username', 'username'],
  ['first_name', 'first name'],
  ['last_name', 'last name'],
  ['email', 'email address'],
] as const;

/**
 * Python's `\W+` for str patterns. Python's `\w` is a letter, a character with a numeric value, or
 * `_`; for every character of Python 3.11's Unicode 14.0 that equals `[\p{L}\p{N}_]`.
 */
const NON_WORD_RUN = /[^\p{L}\p{N}_]+/u;

/** The characters Python's str.strip() removes by default (str.isspace() in Python 3.11). */
const PYTHON_WHITESPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PYTHON_STRIP = new RegExp(`^[${PYTHON_WHITESPACE}]+|[${PYTHON_WHITESPACE}]+$`, 'g');

/**
 * Python's str.isdigit(): decimal digits (`\p{Nd}`) plus the characters whose Numeric_Type is Digit,
 * such as superscripts and circled digits. The second list was generated from Python 3.11's
 * unicodedata (Unicode 14.0); characters added in later Unicode versions are missing from it.
 */
const PYTHON_DIGITS =
  /^(?:\p{Nd}|[\u00B2\u00B3\u00B9\u1369-\u1371\u19DA\u2070\u2074-\u2079\u2080-\u2089\u2460-\u2468\u2474-\u247C\u2488-\u2490\u24EA\u24F5-\u24FD\u24FF\u2776-\u277E\u2780-\u2788\u278A-\u2792\u{10A40}-\u{10A43}\u{10E60}-\u{10E68}\u{11052}-\u{1105A}\u{1F100}-\u{1F10A}])+$/u;

/** Returns the number of code points in a password: the unit of MIN_ and MAX_PASSWORD_LENGTH. */
export function passwordLength(password: string): number {
  let length = 0;
  for (const _codePoint of password) {
    length += 1;
  }
  return length;
}

/**
 * Python's SequenceMatcher.quick_ratio(): 2·M / (len(a) + len(b)), where M counts the characters
 * the two sequences share as multisets. Two empty sequences score 1.
 */
export function quickRatio(a: readonly string[], b: readonly string[]): number {
  const total = a.length + b.length;
  if (total === 0) {
    return 1;
  }

  const available = new Map<string, number>();
  for (const character of b) {
    available.set(character, (available.get(character) ?? 0) + 1);
  }

  let matches = 0;
  for (const character of a) {
    const count = available.get(character) ?? 0;
    if (count > 0) {
      matches += 1;
      available.set(character, count - 1);
    }
  }
  return (2 * matches) / total;
}

/**
 * Django's `exceeds_maximum_length_ratio`: a value part is skipped when the password is at least 10
 * times longer and the part is shorter than max_similarity / 2 of the password's length, because a
 * short part cannot make a long password guessable.
 */
function exceedsMaximumLengthRatio(passwordCodePoints: number, partCodePoints: number): boolean {
  return (
    passwordCodePoints >= 10 * partCodePoints &&
    partCodePoints < (MAX_SIMILARITY / 2) * passwordCodePoints
  );
}

/**
 * UserAttributeSimilarityValidator: compares the lowercased password with each lowercased attribute,
 * whole and split on runs of non-word characters. Returns Django's message for the first attribute
 * with a quick ratio of at least MAX_SIMILARITY, or null.
 */
export function checkUserAttributeSimilarity(
  password: string,
  attributes: UserAttributes,
): string | null {
  const passwordCharacters = [...password.toLowerCase()];

  for (const [field, verboseName] of SIMILARITY_ATTRIBUTES) {
    const value = attributes[field];
    if (typeof value !== 'string' || value === '') {
      continue;
    }

    const lowerValue = value.toLowerCase();
    const parts = [...lowerValue.split(NON_WORD_RUN), lowerValue];
    for (const part of parts) {
      const partCharacters = [...part];
      if (exceedsMaximumLengthRatio(passwordCharacters.length, partCharacters.length)) {
        continue;
      }
      if (quickRatio(passwordCharacters, partCharacters) >= MAX_SIMILARITY) {
        return `The password is too similar to the ${verboseName}.`;
      }
    }
  }
  return null;
}

/** MinimumLengthValidator with Django's default of 8 code points. */
export function checkMinimumLength(password: string): string | null {
  if (passwordLength(password) >= MIN_PASSWORD_LENGTH) {
    return null;
  }
  return `This password is too short. It must contain at least ${MIN_PASSWORD_LENGTH} characters.`;
}

/** CommonPasswordValidator: looks up `password.lower().strip()` in the common-password list. */
export async function checkCommonPassword(password: string): Promise<string | null> {
  const normalized = password.toLowerCase().replace(PYTHON_STRIP, '');
  return (await isCommonPassword(normalized)) ? 'This password is too common.' : null;
}

/** NumericPasswordValidator: rejects a password whose every character is a digit (str.isdigit()). */
export function checkNumericPassword(password: string): string | null {
  return PYTHON_DIGITS.test(password) ? 'This password is entirely numeric.' : null;
}

/**
 * Runs Django's four default validators in their default order and returns every failure message,
 * or an empty array when the password is acceptable. Async because the common-password list loads
 * on first use. Does not check MAX_PASSWORD_LENGTH.
 */
export async function validatePassword(
  password: string,
  attributes: UserAttributes,
): Promise<string[]> {
  const messages = [
    checkUserAttributeSimilarity(password, attributes),
    checkMinimumLength(password),
    await checkCommonPassword(password),
    checkNumericPassword(password),
  ];
  return messages.filter((message): message is string => message !== null);
}
