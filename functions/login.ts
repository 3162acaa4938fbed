import { logIn } from '../lib/accounts';
import { httpHandler } from '../lib/http-handler';
import { InvalidCredentialsError } from '../lib/http-errors';
import { parseJsonBody } from '../lib/http-request';
import { jsonResponse } from '../lib/http-response';
import { checkLoginAllowed, clearLoginFailures, recordLoginFailure } from '../lib/login-throttle';
import { issueAccessToken } from '../lib/tokens';
import { toPublicUser } from '../lib/user-document';
import { loginBodySchema, parseInput } from '../lib/validation';

/**
 * POST /login: checks a username or email with a password and returns a Bearer access token.
 * Repeated failures for one account name or from one client address lock further logins for a while.
 */
export const handler = httpHandler(async (event) => {
  const credentials = parseInput(loginBodySchema, parseJsonBody(event));
  const attempt = await checkLoginAllowed(credentials, event.requestContext?.http?.sourceIp);

  const user = await logIn(credentials).catch(async (error: unknown) => {
    if (error instanceof InvalidCredentialsError) await recordLoginFailure(attempt);
    throw error;
  });
  await clearLoginFailures(attempt);

  const { accessToken, expiresIn } = await issueAccessToken(user);
  return jsonResponse(200, {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: expiresIn,
    user: toPublicUser(user),
  });
});
