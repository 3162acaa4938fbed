import { authenticate, isStaff } from '../lib/authentication';
import { ForbiddenError, NotFoundError } from '../lib/http-errors';
import { httpHandler } from '../lib/http-handler';
import { jsonResponse } from '../lib/http-response';
import { toPublicUser } from '../lib/user-document';
import { findUserById } from '../lib/users';
import { parseInput, userIdPathSchema } from '../lib/validation';

/** GET /users/{id}: a user's own account, or any account for staff. */
export const handler = httpHandler(async (event) => {
  const caller = await authenticate(event);
  const { id } = parseInput(userIdPathSchema, event.pathParameters ?? {});

  // Other users get 403 whether or not the id exists, so the response does not reveal which ids do.
  if (id !== caller.id && !isStaff(caller)) throw new ForbiddenError('You may only view your own account.');
  const user = id === caller.id ? caller : await findUserById(id);
  if (!user) throw new NotFoundError(`No user has the id ${id}.`);

  return jsonResponse(200, toPublicUser(user));
});
