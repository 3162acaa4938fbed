import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as getUserHandler } from '../../functions/getUser';
import { handler as listUsersHandler } from '../../functions/listUsers';
import { handler as loginHandler } from '../../functions/login';
import { handler as signupHandler } from '../../functions/signup';
import { USERS_COLLECTION } from '../../lib/users';
import { httpEvent, lambdaContext, type EventOptions } from '../helpers/http-events';
import { makeStaff, STRONG_PASSWORD, TEST_JWT_SECRET, useTestDatabase } from '../helpers/service';
import { captureLogs, type LogCapture } from './log-capture';
import type { RouteHandler } from './http-routes';

// The logger reads LOG_LEVEL when its module loads, which happens with the imports below.
vi.hoisted(() => {
  process.env.LOG_LEVEL = 'DEBUG';
});

const database = useTestDatabase('logs');

const WRONG_PASSWORD = 'wrong-password-that-must-not-be-logged';
const WEAK_PASSWORD = 'qwertyuiop';
const FORGED_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.forged-signature-must-not-be-logged';

interface Sent {
  requestId: string;
  route: string;
  method: string;
  functionName: string;
  statusCode: number;
  body: Record<string, any>;
}

const sent: Sent[] = [];
let logs: LogCapture;
let records: Array<Record<string, unknown>> = [];
let storedHashes: string[] = [];

async function send(functionName: string, handler: RouteHandler, options: EventOptions): Promise<Sent> {
  const event = httpEvent(options);
  const result = (await handler(event, lambdaContext(functionName))) as APIGatewayProxyStructuredResultV2;
  const request = {
    requestId: event.requestContext.requestId,
    route: event.routeKey,
    method: options.method,
    functionName,
    statusCode: result.statusCode ?? 200,
    body: JSON.parse(String(result.body)) as Record<string, any>,
  };
  sent.push(request);
  return request;
}

/** Runs signup, failed and successful logins, a listing, a lookup, a validation error and a 401. */
beforeAll(async () => {
  logs = captureLogs();
  try {
    const signupBody = (username: string, password = STRONG_PASSWORD) => ({ username, email: `${username}@example.com`, password });
    const member = await send('signup', signupHandler, { method: 'POST', path: '/signup', body: signupBody('logged-member') });
    const staff = await send('signup', signupHandler, { method: 'POST', path: '/signup', body: signupBody('logged-staff') });
    await makeStaff(await database.db(), staff.body.id);

    await send('login', loginHandler, { method: 'POST', path: '/login', body: { username: 'logged-member', password: WRONG_PASSWORD } });
    const memberLogin = await send('login', loginHandler, { method: 'POST', path: '/login', body: { username: 'logged-member', password: STRONG_PASSWORD } });
    const staffLogin = await send('login', loginHandler, { method: 'POST', path: '/login', body: { username: 'logged-staff', password: STRONG_PASSWORD } });

    await send('listUsers', listUsersHandler, { method: 'GET', path: '/users', query: { q: 'logged' }, token: staffLogin.body.access_token });
    const getOwn = { method: 'GET', path: `/users/${member.body.id}`, routeKey: 'GET /users/{id}', pathParameters: { id: String(member.body.id) } } as const;
    await send('getUser', getUserHandler, { ...getOwn, token: memberLogin.body.access_token });
    await send('signup', signupHandler, { method: 'POST', path: '/signup', body: signupBody('weak-one', WEAK_PASSWORD) });
    await send('getUser', getUserHandler, { ...getOwn, token: FORGED_TOKEN });

    records = logs.records();
  } finally {
    logs.stop();
  }

  const users = await (await database.db()).collection(USERS_COLLECTION).find({}).toArray();
  storedHashes = users.map((user) => String(user.password_hash));
});

afterAll(() => logs?.stop());

describe('log lines of a full scenario', () => {
  it('ran every step of the scenario', () => {
    expect(sent.map((request) => `${request.route} ${request.statusCode}`)).toEqual([
      'POST /signup 201',
      'POST /signup 201',
      'POST /login 401',
      'POST /login 200',
      'POST /login 200',
      'GET /users 200',
      'GET /users/{id} 200',
      'POST /signup 400',
      'GET /users/{id} 401',
    ]);
  });

  it('are JSON with the common fields', () => {
    const requestIds = new Set(sent.map((request) => request.requestId));

    expect(records.length).toBeGreaterThanOrEqual(sent.length);
    for (const record of records) {
      const line = JSON.stringify(record);
      expect(record.level, line).toMatch(/^(DEBUG|INFO|WARN|ERROR|CRITICAL)$/);
      expect(record.message, line).toEqual(expect.any(String));
      expect(Number.isNaN(Date.parse(String(record.timestamp))), line).toBe(false);
      expect(record.service, line).toBe('attendance-accounts');
      expect(record.function_name, line).toEqual(expect.any(String));
      expect(record.function_request_id, line).toEqual(expect.any(String));
      expect(requestIds.has(String(record.request_id)), line).toBe(true);
    }
  });

  it('log one access line per request', () => {
    for (const request of sent) {
      const access = records.filter((record) => record.message === 'Request handled' && record.request_id === request.requestId);

      expect(access.length, request.route).toBe(1);
      expect(access[0]).toMatchObject({
        level: 'INFO',
        function_name: request.functionName,
        method: request.method,
        route: request.route,
        status: request.statusCode,
      });
      expect(access[0]?.duration_ms, request.route).toEqual(expect.any(Number));
    }
  });

  it('contain no password, hash, token or secret', () => {
    const tokens = sent.map((request) => request.body.access_token).filter((token): token is string => typeof token === 'string');
    const secrets = [
      STRONG_PASSWORD,
      WRONG_PASSWORD,
      WEAK_PASSWORD,
      TEST_JWT_SECRET,
      FORGED_TOKEN,
      ...storedHashes,
      // The bcrypt part alone, in case a hash is logged without its Django prefix.
      ...storedHashes.map((hash) => hash.split('$').slice(-1)[0] ?? hash),
      ...tokens,
      ...tokens.map((token) => token.split('.')[2] ?? token),
      ...tokens.map((token) => `Bearer ${token}`),
    ];
    const lines = records.map((record) => JSON.stringify(record));

    expect(tokens.length).toBe(2);
    expect(storedHashes.length).toBe(2);
    for (const secret of secrets) {
      const leaking = lines.filter((line) => line.includes(secret));
      expect(leaking, `a log line contains ${secret.slice(0, 12)}…`).toEqual([]);
    }
  });

  it('contain no stack trace', () => {
    for (const record of records) {
      const line = JSON.stringify(record);
      expect(line).not.toMatch(/\\n\s+at /);
      expect(record).not.toHaveProperty('stack');
      expect(record).not.toHaveProperty('error.stack');
    }
  });
});
