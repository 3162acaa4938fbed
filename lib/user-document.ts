import type { ObjectId } from 'mongodb';

/**
 * A document of `Attendancetracker.users`: exactly the fields the tracker has always stored, so that
 * the Django site and older tools keep reading it.
 */
export interface UserDocument {
  _id: ObjectId;
  id: number;
  username: string;
  email: string;
  first_name: string;
  last_name: string;
  password_hash: string;
  is_active: boolean;
  is_staff: boolean;
  is_superuser: boolean;
  date_joined: Date;
  last_login: Date | null;
}

/** The user as the API returns it: no `_id`, no password hash, dates as ISO 8601 UTC strings. */
export interface PublicUser {
  id: number;
  username: string;
  email: string;
  first_name: string;
  last_name: string;
  is_active: boolean;
  is_staff: boolean;
  is_superuser: boolean;
  date_joined: string | null;
  last_login: string | null;
}

/**
 * Builds the API representation. Documents migrated from Django may hold dates as strings or lack
 * newer fields, so every field falls back to Django's default instead of failing.
 */
export function toPublicUser(document: Partial<UserDocument> & { id: number }): PublicUser {
  return {
    id: document.id,
    username: document.username ?? '',
    email: document.email ?? '',
    first_name: document.first_name ?? '',
    last_name: document.last_name ?? '',
    is_active: document.is_active ?? true,
    is_staff: document.is_staff ?? false,
    is_superuser: document.is_superuser ?? false,
    date_joined: toIsoString(document.date_joined),
    last_login: toIsoString(document.last_login),
  };
}

/** Converts a stored date (BSON Date or Django's ISO text, naive meaning UTC) to ISO 8601 UTC. */
export function toIsoString(value: unknown): string | null {
  return parseStoredDate(value)?.toISOString() ?? null;
}

/** Parses a stored date: a BSON Date, or Django's ISO 8601 text where no offset means UTC. */
export function parseStoredDate(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value !== 'string' || value.trim() === '') return null;

  const text = value.trim().replace(' ', 'T');
  const hasOffset = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text);
  const parsed = new Date(hasOffset ? text : `${text}Z`);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}
