import { logIn } from '../lib/accounts';
import { httpHandler } from '../lib/http-handler';
import { parseJsonBody } from '../lib/http-request';
import { jsonResponse } from '../lib/http-response';
import { issueAccessToken } from '../lib/tokens';
import { toPublicUser } from '../lib/user-document';
import { loginBodySchema, parseInput } from '../lib/validation';

/** POST /login: checks a username or email with a password and returns a Bearer access token. */
export const handler = httpHandler(async (event) => {
  const credentials = parseInput(loginBodySchema, parseJsonBody(event));

  const user = await logIn(credentials);

  const { accessToken, expiresIn } = await issueAccessToken(user);
  return jsonResponse(200, {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: expiresIn,
    user: toPublicUser(user),
  });
});
