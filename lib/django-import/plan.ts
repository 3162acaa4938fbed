import { parseStoredDate, type UserDocument } from '../user-document';
import type { MigratedUser, UserWrite } from '../users';
import type { DjangoUserRecord, SkippedRecord } from './records';

/** The import's decision for one valid record, given the tracker's document with the same id. */
export type RecordPlan =
  | { outcome: 'imported' | 'updated'; write: UserWrite }
  | { outcome: 'unchanged' }
  | { outcome: 'skipped'; skipped: SkippedRecord };

/** Fields that Django owns: the tracker has no endpoint that changes them. */
const PROFILE_FIELDS = ['email', 'first_name', 'last_name', 'is_active', 'is_staff', 'is_superuser', 'date_joined'] as const;

/** Fields that a login changes, in either system. */
const LOGIN_FIELDS = ['password_hash', 'last_login'] as const;

/**
 * Plans one record. A new id is inserted. An existing id must hold the same username, otherwise the
 * tracker gave that id to someone else and the record is skipped. For the same user, Django's
 * profile fields win. The password hash and `last_login` come from Django too, unless the tracker
 * has recorded a later login than Django: that login may have upgraded the hash, and re-importing
 * an older dump must not undo it. Only fields that differ are written, so a rerun of the same file
 * writes nothing.
 */
export function planRecord(record: DjangoUserRecord, existing: UserDocument | undefined, now: Date): RecordPlan {
  const { user } = record;
  if (!existing) {
    return { outcome: 'imported', write: { insert: { ...user, date_joined: user.date_joined ?? now } } };
  }

  if (existing.username !== user.username) {
    return {
      outcome: 'skipped',
      skipped: {
        reason: 'id_taken',
        position: record.position,
        pk: user.id,
        username: user.username,
        detail: `id ${user.id} belongs to tracker user "${existing.username}"`,
      },
    };
  }

  const changes: Partial<MigratedUser> = {};
  const fields = hasLaterLoginInTracker(user.last_login, existing.last_login) ? PROFILE_FIELDS : [...PROFILE_FIELDS, ...LOGIN_FIELDS];
  for (const field of fields) {
    const value = user[field];
    // A record without date_joined leaves the stored date alone.
    if (value === undefined) continue;
    if (!isSameValue(existing[field], value)) Object.assign(changes, { [field]: value });
  }

  if (Object.keys(changes).length === 0) return { outcome: 'unchanged' };
  return { outcome: 'updated', write: { update: { id: user.id, set: changes } } };
}

/** Tells whether the tracker recorded a login after the last one Django recorded (or any, when Django has none). */
function hasLaterLoginInTracker(djangoLastLogin: Date | null, trackerLastLogin: unknown): boolean {
  const tracker = parseStoredDate(trackerLastLogin);
  if (tracker === null) return false;
  return djangoLastLogin === null || tracker.getTime() > djangoLastLogin.getTime();
}

/** Compares a stored value with an imported one. A date stored as text differs, so that it is rewritten as a Date. */
function isSameValue(stored: unknown, imported: unknown): boolean {
  if (stored instanceof Date && imported instanceof Date) return stored.getTime() === imported.getTime();
  return stored === imported;
}
