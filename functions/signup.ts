import { createAccount } from '../lib/accounts';
import { httpHandler } from '../lib/http-handler';
import { parseJsonBody } from '../lib/http-request';
import { jsonResponse } from '../lib/http-response';
import { toPublicUser } from '../lib/user-document';
import { parseInput, signupBodySchema } from '../lib/validation';

/** POST /signup: creates an account and returns it with its location. */
export const handler = httpHandler(async (event) => {
  const body = parseInput(signupBodySchema, parseJsonBody(event));

  const user = await createAccount(body);

  return jsonResponse(201, toPublicUser(user), { Location: `/users/${user.id}` });
});
