import { authenticate, requireStaff } from '../lib/authentication';
import { httpHandler } from '../lib/http-handler';
import { jsonResponse } from '../lib/http-response';
import { listUsers } from '../lib/user-listing';
import { listUsersQuerySchema, parseInput } from '../lib/validation';

/** GET /users: one page of users for staff, filtered, ordered and paged by an opaque cursor. */
export const handler = httpHandler(async (event) => {
  const caller = await authenticate(event);
  requireStaff(caller);

  const query = parseInput(listUsersQuerySchema, event.queryStringParameters ?? {});
  const page = await listUsers(query);

  return jsonResponse(200, page);
});
