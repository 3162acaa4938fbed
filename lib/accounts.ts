import { getConfig } from './config';
import { findAuthUserClaims } from './auth-user';
import { EmailTakenError, InvalidCredentialsError, UsernameTakenError, ValidationError } from './http-errors';
import { logger } from './logger';
import { getDecoyHash, hashPassword, isCurrentHash, validatePassword, verifyPassword } from './passwords';
import type { UserDocument } from './user-document';
import { copyDjangoUser, findLoginAccount } from './legacy-login';
import { mirrorLogin, mirrorNewUser, withMirrorTransaction } from './mirror';
import { insertUser, recordLogin } from './users';
import type { LoginBody, SignupBody } from './validation';

/** A new account: the signup fields, plus the flags that only operator tools may set. */
export interface NewAccount extends SignupBody {
  is_staff?: boolean;
  is_superuser?: boolean;
}

/**
 * Creates an account: checks the password with Django's validators, hashes it in the current format,
 * inserts the user and mirrors it to Django's `auth_user`. Throws ValidationError for a weak
 * password, UsernameTakenError or EmailTakenError when a Django user or the database's unique
 * indexes already have the name.
 */
export async function createAccount(account: NewAccount): Promise<UserDocument> {
  const problems = await validatePassword(account.password, account);
  if (problems.length > 0) throw new ValidationError({ password: problems });

  const claimed = await findAuthUserClaims(account);
  if (claimed.username) throw new UsernameTakenError();
  if (claimed.email) throw new EmailTakenError();

  const passwordHash = await hashPassword(account.password, getConfig().bcryptRounds);
  const newUser = {
    username: account.username,
    email: account.email,
    first_name: account.first_name,
    last_name: account.last_name,
    password_hash: passwordHash,
    is_active: true,
    is_staff: account.is_staff ?? false,
    is_superuser: account.is_superuser ?? false,
    date_joined: new Date(),
    last_login: null,
  };
  const user = await withMirrorTransaction(async (session) => {
    const inserted = await insertUser(newUser, { session });
    await mirrorNewUser(inserted, session);
    return inserted;
  });

  logger.info('Account created', { user_id: user.id });
  return user;
}

/**
 * Checks a login and records it. Unknown users, wrong passwords and inactive users all raise the same
 * InvalidCredentialsError after one full password verification, so neither the response nor its timing
 * reveals which it was. A correct password stored in an older format is re-hashed in the current one.
 */
export async function logIn(credentials: LoginBody): Promise<UserDocument> {
  const { bcryptRounds } = getConfig();
  // Started before the lookup so that the first unknown-user login of a container waits less.
  const decoyHash = getDecoyHash(bcryptRounds);

  const identifier = credentials.username !== undefined ? { username: credentials.username } : { email: credentials.email ?? '' };
  // A user found only in Django's auth_user is verified there and copied over once the password matches.
  const account = await findLoginAccount(identifier);
  if (!account) {
    await verifyPassword(credentials.password, await decoyHash, bcryptRounds);
    throw new InvalidCredentialsError();
  }

  const result = await verifyPassword(credentials.password, account.user.password_hash, bcryptRounds);
  // A legacy hash (md5, or PBKDF2 with few iterations) verifies far faster than bcrypt, and the
  // difference would tell which accounts still have one. A decoy verification evens the time out.
  if (!isCurrentHash(account.user.password_hash ?? '', bcryptRounds)) {
    await verifyPassword(credentials.password, await decoyHash, bcryptRounds);
  }
  if (!result.supported) {
    logger.warn('The stored password hash uses an unsupported algorithm; the user cannot log in until the password is reset', {
      user_id: account.user.id,
      algorithm: result.algorithm ?? 'unknown',
    });
  }
  if (!result.valid || account.user.is_active === false) throw new InvalidCredentialsError();

  const user = account.fromDjango ? await copyDjangoUser(account.user) : account.user;
  const upgradedHash = result.needsUpgrade ? await hashPassword(credentials.password, bcryptRounds) : undefined;
  if (upgradedHash) logger.info('Password hash upgraded', { user_id: user.id, from: result.algorithm });
  const at = new Date();
  return withMirrorTransaction(async (session) => {
    const loggedIn = await recordLogin(user, { at, passwordHash: upgradedHash, session });
    await mirrorLogin(loggedIn, upgradedHash, session);
    return loggedIn;
  });
}
