import type { Document } from 'mongodb';
import { isKnownHashFormat } from '../passwords';
import { parseStoredDate } from '../user-document';
import { MAX_EMAIL_LENGTH, MAX_NAME_LENGTH, usernameSchema } from '../validation';

/** The two collections the check compares; they differ only in the name of the hash field. */
export type Side = 'users' | 'auth_user';

export const HASH_FIELD = { users: 'password_hash', auth_user: 'password' } as const satisfies Record<Side, string>;

/**
 * The result of checking one stored user against the schema. `fixes` contains the values that repair
 * the mechanical problems (a date stored as text, a missing field that has a Django default);
 * `problems` lists the rest, which only a person can fix. Both name fields, never values.
 */
export interface DocumentReview {
  fixes: Document;
  fixedFields: string[];
  problems: string[];
}

/** Django's defaults for fields that older documents may lack; every reader already assumes them. */
const DEFAULTS: Record<string, unknown> = {
  email: '',
  first_name: '',
  last_name: '',
  is_active: true,
  is_staff: false,
  is_superuser: false,
  last_login: null,
};

/** Tells whether a stored id can take part in the merge: a positive integer that a double represents exactly. */
export function isUsableId(id: unknown): id is number {
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 1;
}

/** Checks one stored user against the schema of its collection. */
export function reviewDocument(document: Document, side: Side): DocumentReview {
  const review: DocumentReview = { fixes: {}, fixedFields: [], problems: [] };
  const fix = (field: string, value: unknown, reason: string) => {
    review.fixes[field] = value;
    review.fixedFields.push(`${field} ${reason}`);
  };

  if (!isUsableId(document.id)) review.problems.push('id is not a positive integer');
  if (!isNormalizedUsername(document.username)) review.problems.push('username is missing, invalid or not NFKC-normalized');

  for (const field of Object.keys(DEFAULTS)) {
    if (!(field in document)) fix(field, DEFAULTS[field], 'is missing');
  }
  if ('email' in document && !isNormalizedEmail(document.email)) review.problems.push('email is not a trimmed address with a lowercase domain');
  for (const field of ['first_name', 'last_name']) {
    if (field in document && !isName(document[field])) review.problems.push(`${field} is not a string of at most ${MAX_NAME_LENGTH} characters`);
  }
  for (const field of ['is_active', 'is_staff', 'is_superuser']) {
    if (field in document && typeof document[field] !== 'boolean') review.problems.push(`${field} is not a boolean`);
  }

  const hash = document[HASH_FIELD[side]];
  if (typeof hash !== 'string' || !isKnownHashFormat(hash)) review.problems.push(`${HASH_FIELD[side]} is missing or in no known format`);

  reviewDate(document, 'date_joined', { nullable: false }, review, fix);
  if ('last_login' in document) reviewDate(document, 'last_login', { nullable: true }, review, fix);
  return review;
}

function reviewDate(
  document: Document,
  field: string,
  options: { nullable: boolean },
  review: DocumentReview,
  fix: (field: string, value: unknown, reason: string) => void,
): void {
  const value = document[field];
  if (value instanceof Date && !Number.isNaN(value.getTime())) return;
  if (value === null && options.nullable) return;

  const parsed = typeof value === 'string' ? parseStoredDate(value) : null;
  if (parsed) fix(field, parsed, 'is a string');
  else review.problems.push(`${field} is not a date${options.nullable ? ' or null' : ''}`);
}

/** Tells whether a username is as signup stores it: valid under Django's rule and NFKC-normalized. */
function isNormalizedUsername(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const parsed = usernameSchema.safeParse(value);
  return parsed.success && parsed.data === value;
}

/**
 * Tells whether an email is as Django's `normalize_email` leaves it: trimmed, with a lowercase domain. Blank is
 * allowed, as in Django. The address syntax itself is not checked, because Django accepted forms
 * (such as `user@localhost`) that the signup schema rejects.
 */
function isNormalizedEmail(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (value === '') return true;
  if ([...value].length > MAX_EMAIL_LENGTH || value !== value.trim()) return false;

  const at = value.lastIndexOf('@');
  if (at <= 0) return false;
  const domain = value.slice(at + 1);
  return domain !== '' && domain === domain.toLowerCase();
}

function isName(value: unknown): boolean {
  return typeof value === 'string' && [...value].length <= MAX_NAME_LENGTH;
}

/** Returns the review's findings as one note, naming fields only. */
export function describeReview(review: DocumentReview): string {
  return [...review.fixedFields, ...review.problems].join('; ');
}

/** Tells whether the stored document breaks the schema at all, fixable or not. */
export function isInvalid(review: DocumentReview): boolean {
  return review.fixedFields.length > 0 || review.problems.length > 0;
}
