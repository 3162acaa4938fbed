import type { Document } from 'mongodb';
import { isCurrentHash } from '../passwords';
import { parseStoredDate } from '../user-document';

/** Fields copied from `Attendancetracker.users`, the source of truth, to `auth_user` when they differ. */
const FIELDS_FROM_USERS = ['email', 'first_name', 'last_name', 'is_active', 'is_staff', 'is_superuser'] as const;

/**
 * The differences between the two documents of one user, and the `$set` for each side that makes
 * them agree.
 * `differences` names fields only. When the usernames differ, the two documents most likely belong
 * to two people who were given one id, so nothing is planned: merging them would hand one person's
 * account to the other.
 */
export interface MismatchPlan {
  differences: string[];
  usernameDiffers: boolean;
  userChanges: Document;
  authUserChanges: Document;
}

/**
 * Compares the two documents of one user and plans the repair:
 * - `last_login`: the later one wins on both sides.
 * - email, names and flags: `Attendancetracker.users` wins.
 * - the hash: see pickHashSource.
 */
export function planMismatchRepair(user: Document, authUser: Document, bcryptRounds: number): MismatchPlan {
  const plan: MismatchPlan = { differences: [], usernameDiffers: user.username !== authUser.username, userChanges: {}, authUserChanges: {} };
  if (plan.usernameDiffers) plan.differences.push('username');

  for (const field of FIELDS_FROM_USERS) {
    if (user[field] === authUser[field]) continue;
    plan.differences.push(field);
    plan.authUserChanges[field] = user[field];
  }

  if (user.password_hash !== authUser.password) {
    plan.differences.push('password');
    if (pickHashSource(user, authUser, bcryptRounds) === 'users') plan.authUserChanges.password = user.password_hash;
    else plan.userChanges.password_hash = authUser.password;
  }

  const userLogin = loginTime(user);
  const authUserLogin = loginTime(authUser);
  if (userLogin !== authUserLogin) {
    plan.differences.push('last_login');
    const later = new Date(Math.max(userLogin, authUserLogin));
    if (userLogin < authUserLogin) plan.userChanges.last_login = later;
    else plan.authUserChanges.last_login = later;
  }

  if (plan.usernameDiffers) {
    plan.userChanges = {};
    plan.authUserChanges = {};
  }
  return plan;
}

/**
 * Picks the side whose hash was upgraded more recently. Both this service and Django re-hash a
 * password only at a successful login, and every login sets `last_login` on the side it wrote, so:
 * 1. the side with the later `last_login` wins;
 * 2. on a tie (both null, or a login whose mirror write carried no hash), the side whose hash is in
 *    the current format and cost wins, since an upgrade only ever moves a hash there;
 * 3. otherwise `Attendancetracker.users` wins, as the source of truth.
 * NOTE: a password changed in Django without a login (an admin form, a reset) leaves `last_login`
 * as it was, so rule 1 or 3 can restore the old hash from `Attendancetracker.users`.
 */
export function pickHashSource(user: Document, authUser: Document, bcryptRounds: number): 'users' | 'auth_user' {
  const userLogin = loginTime(user);
  const authUserLogin = loginTime(authUser);
  if (userLogin !== authUserLogin) return userLogin > authUserLogin ? 'users' : 'auth_user';

  const userCurrent = typeof user.password_hash === 'string' && isCurrentHash(user.password_hash, bcryptRounds);
  const authUserCurrent = typeof authUser.password === 'string' && isCurrentHash(authUser.password, bcryptRounds);
  return authUserCurrent && !userCurrent ? 'auth_user' : 'users';
}

// A user who never logged in sorts before every login.
function loginTime(document: Document): number {
  return parseStoredDate(document.last_login)?.getTime() ?? Number.NEGATIVE_INFINITY;
}
