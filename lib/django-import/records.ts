import type { MigratedUser } from '../users';
import { parseStoredDate } from '../user-document';
import { usernameSchema } from '../validation';

/** The reason a record was not imported. The summary groups skipped records by this code. */
export type SkipReason =
  | 'not_auth_user'
  | 'invalid_pk'
  | 'duplicate_pk'
  | 'invalid_username'
  | 'invalid_field'
  | 'id_taken'
  | 'username_taken'
  | 'email_taken'
  | 'rejected';

/** One line per reason, for the summary. */
export const SKIP_REASON_DESCRIPTIONS: Record<SkipReason, string> = {
  not_auth_user: 'not an auth.user record',
  invalid_pk: 'pk missing or not a positive integer',
  duplicate_pk: 'pk already seen earlier in the file',
  invalid_username: 'invalid username',
  invalid_field: 'field of the wrong type or an invalid date',
  id_taken: 'id belongs to another tracker user',
  username_taken: 'username already taken, ignoring letter case',
  email_taken: 'duplicate email, ignoring letter case',
  rejected: 'rejected by the database',
};

/** A record that was not imported, with the facts an operator needs to find and fix it. */
export interface SkippedRecord {
  reason: SkipReason;
  /** Position of the record in the file's array, from 0. */
  position: number;
  pk?: number;
  username?: string;
  detail: string;
}

/**
 * A valid `auth.user` record, mapped to the tracker's fields. `date_joined` is undefined when the
 * record lacks it: a new user then gets the current time, and an existing user keeps its date.
 */
export interface DjangoUserRecord {
  position: number;
  user: Omit<MigratedUser, 'date_joined'> & { date_joined: Date | undefined };
}

export type ParsedRecord = { record: DjangoUserRecord } | { skipped: SkippedRecord };

const AUTH_USER_MODEL = 'auth.user';

// Django's field lengths (django.contrib.auth.models.AbstractUser, Django 3.1 and later).
const MAX_EMAIL_LENGTH = 254;
const MAX_NAME_LENGTH = 150;

/**
 * Maps one element of `dumpdata auth.user` output to a tracker user: `pk` becomes `id`, the hash is
 * kept verbatim, ISO dates become Dates (naive ones are UTC), and missing fields get Django's
 * defaults. Other models, and records that could not be stored as Django stores them, are skipped.
 */
export function parseDumpRecord(element: unknown, position: number): ParsedRecord {
  const skip = (reason: SkipReason, detail: string, pk?: number, username?: string): ParsedRecord => ({
    skipped: { reason, position, ...(pk !== undefined && { pk }), ...(username !== undefined && { username }), detail },
  });

  if (!isObject(element)) return skip('not_auth_user', 'the element is not an object');
  if (element.model !== AUTH_USER_MODEL) {
    return skip('not_auth_user', `model is ${JSON.stringify(element.model ?? null)}, not "${AUTH_USER_MODEL}"`);
  }

  const { pk } = element;
  if (pk === undefined) {
    return skip('invalid_pk', 'pk is missing; dump the users without --natural-primary so that each record keeps its id');
  }
  if (typeof pk !== 'number' || !Number.isSafeInteger(pk) || pk < 1) {
    return skip('invalid_pk', `pk ${JSON.stringify(pk)} is not a positive integer`);
  }

  const fields = element.fields ?? {};
  if (!isObject(fields)) return skip('invalid_field', 'fields is not an object', pk);

  const { username } = fields;
  if (typeof username !== 'string') return skip('invalid_username', 'username is missing or not a string', pk);
  const usernameCheck = usernameSchema.safeParse(username);
  if (!usernameCheck.success) {
    return skip('invalid_username', usernameCheck.error.issues.map((issue) => issue.message).join(' '), pk, username);
  }

  const problems: string[] = [];
  const text = (name: string, maxLength: number | undefined): string => {
    const value = fields[name] ?? '';
    if (typeof value !== 'string') {
      problems.push(`${name} is ${typeOf(value)}, not a string`);
      return '';
    }
    if (maxLength !== undefined && [...value].length > maxLength) problems.push(`${name} is longer than ${maxLength} characters`);
    return value;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const value = fields[name] ?? fallback;
    if (typeof value !== 'boolean') {
      problems.push(`${name} is ${typeOf(value)}, not true or false`);
      return fallback;
    }
    return value;
  };
  const date = (name: string): Date | null | undefined => {
    const value = fields[name];
    if (value === undefined || value === null) return value;
    const parsed = parseStoredDate(value);
    if (parsed === null) problems.push(`${name} ${JSON.stringify(value)} is not an ISO 8601 date`);
    return parsed;
  };

  const user = {
    id: pk,
    username,
    email: text('email', MAX_EMAIL_LENGTH),
    first_name: text('first_name', MAX_NAME_LENGTH),
    last_name: text('last_name', MAX_NAME_LENGTH),
    password_hash: text('password', undefined),
    is_active: flag('is_active', true),
    is_staff: flag('is_staff', false),
    is_superuser: flag('is_superuser', false),
    date_joined: date('date_joined'),
    last_login: date('last_login') ?? null,
  };
  if (fields.date_joined === null) problems.push('date_joined is null');
  if (problems.length > 0) return skip('invalid_field', problems.join('; '), pk, username);

  return { record: { position, user: { ...user, date_joined: user.date_joined ?? undefined } } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
