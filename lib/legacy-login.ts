import { fromAuthUser, findAuthUserForLogin } from './auth-user';
import { EmailTakenError, InvalidCredentialsError, UsernameTakenError } from './http-errors';
import { describeError, logger } from './logger';
import type { UserDocument } from './user-document';
import { findUserById, findUserForLogin, insertMigratedUser, type MigratedUser, UserIdTakenError } from './users';

/**
 * The account a login names: a tracker user, or a Django user that exists only in `auth_user` so far
 * and is copied into the tracker once its password has been verified (lazy migration).
 */
export type LoginAccount = { fromDjango: false; user: UserDocument } | { fromDjango: true; user: MigratedUser };

type Identifier = { username: string } | { email: string };

function matchesExactly(user: { username: string; email: string }, identifier: Identifier): boolean {
  return 'username' in identifier ? user.username === identifier.username : user.email === identifier.email;
}

/**
 * Finds the account for a login. The tracker is searched first, and Django's `auth_user` when the
 * tracker has no user of that name or only a case variant of it. A legacy pair such as `user_b` and
 * `USER_B` may be half migrated, and the exact name must still reach its own account.
 *
 * When the tracker already has the Django user's id, its document is used if it has the same
 * username (a concurrent login has just copied it). Otherwise the Django data is stale, because
 * the tracker's copy is newer, and it is ignored.
 */
export async function findLoginAccount(identifier: Identifier): Promise<LoginAccount | null> {
  const user = await findUserForLogin(identifier);
  if (user && matchesExactly(user, identifier)) return { fromDjango: false, user };

  const authUser = await findAuthUserForLogin(identifier);
  const isOtherAccount = authUser !== null && (user === null || (authUser.id !== user.id && matchesExactly(authUser, identifier)));
  if (authUser && isOtherAccount) {
    const copied = await findUserById(authUser.id);
    if (copied === null) return { fromDjango: true, user: fromAuthUser(authUser) };
    if (copied.username === authUser.username) return { fromDjango: false, user: copied };
  }
  return user ? { fromDjango: false, user } : null;
}

/**
 * Copies a Django user into the tracker under the same id, with its fields and hash unchanged, after
 * its password was verified. When a concurrent login or an import copied it first, that copy is
 * used. When another tracker user has the id, username or email, the login is rejected with the
 * usual InvalidCredentialsError and a warning, because the two accounts need an operator.
 */
export async function copyDjangoUser(user: MigratedUser): Promise<UserDocument> {
  try {
    const copied = await insertMigratedUser(user);
    logger.info('Django user copied to the tracker at login', { user_id: user.id });
    return copied;
  } catch (error) {
    if (error instanceof UserIdTakenError) {
      const existing = await findUserById(user.id);
      if (existing?.username === user.username) return existing;
    }
    const isConflict = error instanceof UserIdTakenError || error instanceof UsernameTakenError || error instanceof EmailTakenError;
    if (!isConflict) throw error;

    logger.warn('A Django user cannot log in: another tracker user has the same id, username or email; resolve the conflict by hand (docs/MIGRATION.md covers usernames that differ only in letter case)', {
      user_id: user.id,
      ...describeError(error),
    });
    throw new InvalidCredentialsError({ cause: error });
  }
}
