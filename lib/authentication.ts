import { timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ForbiddenError, InvalidTokenError } from './http-errors';
import { getHeader } from './http-request';
import { passwordVersion, verifyAccessToken } from './tokens';
import type { UserDocument } from './user-document';
import { findUserById } from './users';

// Far above any token this service issues, and small enough that a hostile header costs nothing.
const MAX_AUTHORIZATION_LENGTH = 4096;

/**
 * Returns the user a Bearer access token belongs to. One indexed read per request checks that the
 * user still exists, is active, and has not changed the password since the token was issued, so
 * those events revoke the token at once.
 */
export async function authenticate(event: APIGatewayProxyEventV2): Promise<UserDocument> {
  const authorization = getHeader(event, 'authorization');
  const match = /^Bearer[ ]+([A-Za-z0-9_.-]+)[ ]*$/i.exec(authorization ?? '');
  if (!match?.[1] || (authorization ?? '').length > MAX_AUTHORIZATION_LENGTH) {
    throw new InvalidTokenError('Send an access token in the Authorization header as "Bearer <token>". Log in to get one.');
  }

  const claims = await verifyAccessToken(match[1]);
  const user = await findUserById(claims.userId);
  if (!user || user.is_active === false || !sameText(passwordVersion(user.password_hash ?? ''), claims.passwordVersion)) {
    throw new InvalidTokenError('The access token is no longer valid. Log in again.');
  }
  return user;
}

/** Tells whether a user may see every account. */
export function isStaff(user: UserDocument): boolean {
  return user.is_staff === true || user.is_superuser === true;
}

/** Throws ForbiddenError unless the user is staff or superuser. */
export function requireStaff(user: UserDocument): void {
  if (!isStaff(user)) throw new ForbiddenError('Only staff members may list users.');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
