import type { Filter } from 'mongodb';
import {
  decodeCursor,
  encodeCursor,
  fingerprintQuery,
  INVALID_CURSOR_MESSAGE,
  InvalidCursorError,
  type CursorPosition,
  type SortValue,
} from './cursor';
import { ValidationError } from './http-errors';
import { toPublicUser, type PublicUser, type UserDocument } from './user-document';
import type { OrderingField } from './user-ordering';
import { findUserPage } from './users';

/** A validated listUsers query. */
export interface UserListQuery {
  q?: string;
  is_active?: boolean;
  is_staff?: boolean;
  is_superuser?: boolean;
  date_joined_after?: Date;
  date_joined_before?: Date;
  ordering: OrderingField | `-${OrderingField}`;
  limit: number;
  cursor?: string;
}

export interface UserListPage {
  items: PublicUser[];
  next_cursor: string | null;
}

/**
 * Lists users one page at a time with a keyset cursor. Each page starts strictly after the last
 * (sort value, id) pair of the previous one, so users who join between pages, or who share a sort
 * value, are never repeated or skipped.
 */
export async function listUsers(query: UserListQuery): Promise<UserListPage> {
  const descending = query.ordering.startsWith('-');
  const field = (descending ? query.ordering.slice(1) : query.ordering) as OrderingField;
  const direction = descending ? -1 : 1;

  const { cursor, limit, ...parameters } = query;
  const fingerprint = fingerprintQuery(parameters);
  const filters = [buildFilter(query)];
  if (cursor) {
    const position = readCursor(cursor, query.ordering, fingerprint, field);
    filters.push(afterPosition(field, descending, position.value, position.id));
  }

  // The keys match an index of USER_INDEXES, so mongod can read a page in index order.
  const sort: Record<string, 1 | -1> = field === 'id' ? { id: direction } : { [field]: direction, id: direction };
  // Reading one extra document shows whether another page exists without a second query.
  const documents = await findUserPage({ $and: filters }, sort, limit + 1);
  const page = documents.slice(0, limit);
  const last = page.at(-1);

  const nextCursor =
    documents.length > limit && last
      ? encodeCursor({ ordering: query.ordering, query: fingerprint, value: sortValue(last, field), id: last.id })
      : null;
  return { items: page.map(toPublicUser), next_cursor: nextCursor };
}

function readCursor(cursor: string, ordering: string, fingerprint: string, field: OrderingField) {
  let position: CursorPosition;
  try {
    position = decodeCursor(cursor, { ordering, query: fingerprint });
  } catch (error) {
    if (error instanceof InvalidCursorError) throw new ValidationError({ cursor: [error.message] }, { cause: error });
    throw error;
  }

  // A cursor is not signed, so an edited one could carry a value of another type than the field's.
  if (!isSortValueOf(field, position.value)) {
    throw new ValidationError({ cursor: [INVALID_CURSOR_MESSAGE] });
  }
  return position;
}

/** Tells whether a cursor value has a type that sortValue can return for the field. */
function isSortValueOf(field: OrderingField, value: SortValue): boolean {
  if (field === 'id') return typeof value === 'number';
  if (value === null || typeof value === 'string') return true;
  // Dates migrated from Django may be stored as text, so date fields also accept a string.
  return field !== 'username' && value instanceof Date;
}

function buildFilter(query: UserListQuery): Filter<UserDocument> {
  const filter: Filter<UserDocument> = {};

  if (query.q) {
    // The search text is matched literally: every pattern character is escaped.
    const pattern = { $regex: escapeRegExp(query.q), $options: 'i' };
    filter.$or = [{ username: pattern }, { email: pattern }, { first_name: pattern }, { last_name: pattern }];
  }
  for (const flag of ['is_active', 'is_staff', 'is_superuser'] as const) {
    const value = query[flag];
    if (value === undefined) continue;
    // Documents migrated from Django may lack a flag; a missing flag means Django's default.
    const isDefault = flag === 'is_active' ? value : !value;
    (filter as Record<string, unknown>)[flag] = isDefault ? { $in: [value, null] } : value;
  }
  if (query.date_joined_after || query.date_joined_before) {
    filter.date_joined = {
      ...(query.date_joined_after && { $gte: query.date_joined_after }),
      ...(query.date_joined_before && { $lte: query.date_joined_before }),
    };
  }
  return filter;
}

// MongoDB sorts null (and missing) before every other value, so in ascending order the users who
// never logged in come first, and in descending order they come last.
function afterPosition(field: OrderingField, descending: boolean, value: SortValue, id: number): Filter<UserDocument> {
  const beyond = descending ? '$lt' : '$gt';
  if (field === 'id') return { id: { [beyond]: id } };

  if (value === null) {
    const sameValue = { [field]: null, id: { [beyond]: id } };
    return descending ? sameValue : { $or: [sameValue, { [field]: { $ne: null } }] };
  }
  const clauses: Filter<UserDocument>[] = [{ [field]: { [beyond]: value } }, { [field]: value, id: { [beyond]: id } }];
  if (descending) clauses.push({ [field]: null });
  return { $or: clauses };
}

function sortValue(document: UserDocument, field: OrderingField): SortValue {
  const value: unknown = document[field];
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || value instanceof Date) return value;
  return null;
}

// mongod rejects a pattern that contains a NUL byte, so NUL is written as the escape \x00.
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replaceAll('\0', '\\x00');
}
