import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as getUserHandler } from '../../functions/getUser';
import { handler as listUsersHandler } from '../../functions/listUsers';
import { handler as loginHandler } from '../../functions/login';
import { handler as signupHandler } from '../../functions/signup';
import { httpEvent, lambdaContext, type EventOptions } from '../helpers/http-events';
import { logInAs, makeStaff, STRONG_PASSWORD, signUp, useTestDatabase } from '../helpers/service';
import { loadRouteHandler, readHttpRoutes, type RouteHandler } from './http-routes';

const database = useTestDatabase('headers');

let member: { id: number };
let memberToken = '';
let staffToken = '';

beforeAll(async () => {
  member = await signUp({ username: 'member' });
  const staff = await signUp({ username: 'staffer' });
  await makeStaff(await database.db(), staff.id);
  memberToken = await logInAs('member');
  staffToken = await logInAs('staffer');
});

async function headersOf(handler: RouteHandler, options: EventOptions) {
  const result = (await handler(httpEvent(options), lambdaContext())) as APIGatewayProxyStructuredResultV2;
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]));
  return { statusCode: result.statusCode ?? 200, headers };
}

const getUser = (id: string, token?: string): EventOptions => ({
  method: 'GET',
  path: `/users/${id}`,
  routeKey: 'GET /users/{id}',
  pathParameters: { id },
  ...(token && { token }),
});

/** Requests to each account route whose responses carry account data, tokens or errors. */
const cases: Array<[string, RouteHandler, () => EventOptions, number]> = [
  ['signup created', signupHandler, () => ({ method: 'POST', path: '/signup', body: { username: 'newcomer', email: 'newcomer@example.com', password: STRONG_PASSWORD } }), 201],
  ['signup taken', signupHandler, () => ({ method: 'POST', path: '/signup', body: { username: 'member', email: 'other@example.com', password: STRONG_PASSWORD } }), 409],
  ['signup invalid', signupHandler, () => ({ method: 'POST', path: '/signup', body: { username: '' } }), 400],
  ['signup wrong media type', signupHandler, () => ({ method: 'POST', path: '/signup', rawBody: 'x', headers: { 'content-type': 'text/plain' } }), 415],
  ['login token', loginHandler, () => ({ method: 'POST', path: '/login', body: { username: 'member', password: STRONG_PASSWORD } }), 200],
  ['login refused', loginHandler, () => ({ method: 'POST', path: '/login', body: { username: 'nobody', password: STRONG_PASSWORD } }), 401],
  ['listUsers page', listUsersHandler, () => ({ method: 'GET', path: '/users', token: staffToken }), 200],
  ['listUsers forbidden', listUsersHandler, () => ({ method: 'GET', path: '/users', token: memberToken }), 403],
  ['listUsers no token', listUsersHandler, () => ({ method: 'GET', path: '/users' }), 401],
  ['getUser own', getUserHandler, () => getUser(String(member.id), memberToken), 200],
  ['getUser missing', getUserHandler, () => getUser('999999', staffToken), 404],
  ['getUser invalid id', getUserHandler, () => getUser('abc', staffToken), 400],
];

describe('Cache-Control: no-store', () => {
  it.each(cases)('is on %s', async (_, handler, options, expectedStatus) => {
    const response = await headersOf(handler, options());

    expect(response.statusCode).toBe(expectedStatus);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('is on every JSON response of the other routes', async () => {
    const accountRoutes = new Set(['POST /signup', 'POST /login', 'GET /users', 'GET /users/{id}']);
    const checked: string[] = [];

    for (const route of readHttpRoutes().filter((candidate) => !accountRoutes.has(candidate.routeKey))) {
      const handler = await loadRouteHandler(route);
      const pathParameters = Object.fromEntries(route.pathParameterNames.map((name) => [name, 'no-such-name']));
      const path = route.path.replace(/\{[^}]+\}/g, 'no-such-name');
      const response = await headersOf(handler, { method: route.method as EventOptions['method'], path, routeKey: route.routeKey, pathParameters });

      if (!response.headers['content-type']?.startsWith('application/json')) continue;
      checked.push(route.routeKey);
      expect(response.headers['cache-control'], route.routeKey).toBe('no-store');
    }

    // Pages return HTML with a cache policy of their own because they carry no account data, so
    // only JSON responses are checked here.
    expect(checked.length).toBeGreaterThan(0);
  });
});
