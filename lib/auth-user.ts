import type { Collection, ObjectId } from 'mongodb';
import { getDatabase } from './mongo-client';
import { parseStoredDate, type UserDocument } from './user-document';

/** Django's user table as djongo stored it in MongoDB. */
export const AUTH_USER_COLLECTION = 'auth_user';

/**
 * A document of `auth_user`: Django's field names, with the encoded hash under `password`. Documents
 * written before a Django model change may lack newer fields, and dates may be strings.
 */
export interface AuthUserDocument {
  _id?: ObjectId;
  id: number;
  password: string;
  last_login: Date | string | null;
  is_superuser: boolean;
  username: string;
  first_name: string;
  last_name: string;
  email: string;
  is_staff: boolean;
  is_active: boolean;
  date_joined: Date | string;
}

/** Returns the `auth_user` collection of the service's database. */
export async function getAuthUserCollection(): Promise<Collection<AuthUserDocument>> {
  return (await getDatabase()).collection<AuthUserDocument>(AUTH_USER_COLLECTION);
}

/** Maps a tracker user to Django's shape: the same id and fields, `password_hash` becoming `password`. */
export function toAuthUser(user: Omit<UserDocument, '_id'>): AuthUserDocument {
  return {
    id: user.id,
    password: user.password_hash,
    last_login: user.last_login,
    is_superuser: user.is_superuser,
    username: user.username,
    first_name: user.first_name,
    last_name: user.last_name,
    email: user.email,
    is_staff: user.is_staff,
    is_active: user.is_active,
    date_joined: user.date_joined,
  };
}

/**
 * Maps a Django user to the tracker's shape, filling fields an older Django lacked with Django's
 * defaults and parsing dates stored as text. A `date_joined` that cannot be parsed stays as stored,
 * for the consistency check to report.
 */
export function fromAuthUser(authUser: AuthUserDocument): Omit<UserDocument, '_id'> {
  return {
    id: authUser.id,
    username: authUser.username,
    email: authUser.email ?? '',
    first_name: authUser.first_name ?? '',
    last_name: authUser.last_name ?? '',
    password_hash: authUser.password ?? '',
    is_active: authUser.is_active ?? true,
    is_staff: authUser.is_staff ?? false,
    is_superuser: authUser.is_superuser ?? false,
    date_joined: parseStoredDate(authUser.date_joined) ?? (authUser.date_joined as Date),
    last_login: parseStoredDate(authUser.last_login),
  };
}
