import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { setCommandStartedListener } from '../../lib/mongo-client';
import { lambdaContext } from '../helpers/http-events';
import { logInAs, makeStaff, signUp, useTestDatabase } from '../helpers/service';
import { CommandFilterRecorder, filterViolations } from './command-filters';
import { defaultFieldSamples, hostileRequest, toHttpEvent, type RequestContext } from './hostile-requests';
import { loadRouteHandler, readHttpRoutes, type HttpRoute } from './http-routes';

/*
 * Throws generated hostile requests at every HTTP route declared in serverless.yml, through the real
 * handlers and the real database. Every response must be a 2xx, a 304 to a conditional request, or a
 * 4xx with the shared error body, and no MongoDB filter may give username, email or id anything but
 * a plain value. The filters are read from the driver's command monitoring, so nothing is mocked.
 */

const database = useTestDatabase('hostile');
const recorder = new CommandFilterRecorder();
// Must run before the first handler call, which creates the container's MongoClient.
setCommandStartedListener(recorder.listener);
afterAll(() => setCommandStartedListener(undefined));

const RUNS_PER_ROUTE = 1000;

const LIST_USERS_QUERY = ['q', 'is_active', 'is_staff', 'is_superuser', 'date_joined_after', 'date_joined_before', 'ordering', 'limit', 'cursor'];

/** The fields each account route reads. Other routes get the generic fields below. */
const ROUTE_FIELDS: Record<string, { body?: string[]; query?: string[] }> = {
  'POST /signup': { body: ['username', 'email', 'password', 'first_name', 'last_name'] },
  'POST /login': { body: ['username', 'email', 'password'] },
  'GET /users': { query: LIST_USERS_QUERY },
  'GET /users/{id}': {},
};
const GENERIC_FIELDS = { body: ['username', 'email', 'password', 'id'], query: ['id', 'q', 'limit', 'cursor', 'username'] };

const errorBodySchema = z.strictObject({
  error: z.strictObject({
    code: z.string().regex(/^[a-z_]+$/),
    message: z.string().min(1),
    details: z.record(z.string(), z.array(z.string())).optional(),
  }),
});

const routes = readHttpRoutes();
let context: RequestContext;

beforeAll(async () => {
  const member = await signUp({ username: 'member' });
  const staff = await signUp({ username: 'staffer' });
  await makeStaff(await database.db(), staff.id);
  const assetsDirectory = join(__dirname, '..', '..', 'pages', 'assets');

  context = {
    tokens: [await logInAs('staffer'), await logInAs('member')],
    userIds: [member.id, staff.id],
    pathSamples: {
      id: [String(member.id), String(staff.id), '999999'],
      file: existsSync(assetsDirectory) ? readdirSync(assetsDirectory) : [],
    },
    fieldSamples: defaultFieldSamples(['member', 'staffer']),
  };
});

/** Checks one response against the rules every route shares; the message carries the request. */
function expectAcceptableResponse(result: APIGatewayProxyStructuredResultV2, event: APIGatewayProxyEventV2): void {
  const status = result.statusCode ?? 200;
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]));
  const contentType = headers['content-type'] ?? '';
  const summary = `${status} ${String(result.body ?? '').slice(0, 300)}\nfor ${JSON.stringify(event).slice(0, 1500)}`;

  if (status === 304) {
    const conditional = Object.keys(event.headers ?? {}).some((name) => name.toLowerCase() === 'if-none-match');
    expect(conditional, `304 without If-None-Match: ${summary}`).toBe(true);
    return;
  }
  expect((status >= 200 && status < 300) || (status >= 400 && status < 500), `status: ${summary}`).toBe(true);

  if (contentType.startsWith('application/json')) {
    expect(headers['cache-control'], `Cache-Control: ${summary}`).toBe('no-store');
  }
  if (status >= 400) {
    expect(contentType, `content type: ${summary}`).toMatch(/^application\/json/);
    const body: unknown = JSON.parse(String(result.body));
    expect(errorBodySchema.safeParse(body).success, `error body: ${summary}`).toBe(true);
  }
}

describe.each(routes.map((route) => [route.routeKey, route] as [string, HttpRoute]))('%s', (_, route) => {
  it(`answers ${RUNS_PER_ROUTE} hostile requests without a 5xx`, async () => {
    const handler = await loadRouteHandler(route);
    const requests = hostileRequest(route, context, ROUTE_FIELDS[route.routeKey] ?? GENERIC_FIELDS);

    await fc.assert(
      fc.asyncProperty(requests, async (request) => {
        recorder.takeViolations();
        const event = toHttpEvent(route, request);

        const result = await handler(event, lambdaContext(route.functionName));

        expectAcceptableResponse(result, event);
        expect(recorder.takeViolations(), `filters for ${JSON.stringify(event).slice(0, 1500)}`).toEqual([]);
      }),
      { numRuns: RUNS_PER_ROUTE },
    );
  }, 300_000);
});

describe('command filter inspection', () => {
  it('covers the four account routes', () => {
    const routeKeys = routes.map((route) => route.routeKey);

    expect(routeKeys).toEqual(expect.arrayContaining(Object.keys(ROUTE_FIELDS)));
  });

  it('inspected filters on username, email and id', () => {
    expect(recorder.fieldCounts.get('username')).toBeGreaterThan(0);
    expect(recorder.fieldCounts.get('email')).toBeGreaterThan(0);
    expect(recorder.fieldCounts.get('id')).toBeGreaterThan(0);
  });

  it.each([
    [{ username: { $ne: null } }],
    [{ username: null }],
    [{ email: { $gt: '' } }],
    [{ email: ['a@example.com'] }],
    [{ id: '1' }],
    [{ id: { $gt: { $where: '1' } } }],
    [{ $or: [{ username: 'a' }, { username: { $regex: /a/ } }] }],
    [{ is_active: { $where: 'true' } }],
    [{ $expr: { $eq: ['$id', 1] } }],
  ])('rejects %j', (filter) => {
    expect(filterViolations(filter)).not.toEqual([]);
  });

  it.each([
    [{ username: 'member' }],
    [{ id: 7 }],
    [{ $and: [{ $or: [{ username: { $regex: 'a\\.b', $options: 'i' } }] }, { id: { $gt: 3 } }] }],
    [{ $or: [{ username: null, id: { $lt: 9 } }, { username: { $ne: null } }] }],
    [{ _id: { $in: ['account:x', 'client:y'] } }],
  ])('accepts %j', (filter) => {
    expect(filterViolations(filter)).toEqual([]);
  });
});
