import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOffline, type OfflineServer } from '../helpers/offline';
import { makeStaff, STRONG_PASSWORD, TEST_JWT_SECRET, useTestDatabase } from '../helpers/service';

const database = useTestDatabase('e2e');
let server: OfflineServer;

beforeAll(async () => {
  server = await startOffline({
    MONGODB_DB: database.name,
    JWT_SECRET: TEST_JWT_SECRET,
    BCRYPT_ROUNDS: '4',
    LOG_LEVEL: 'WARN',
  });
});

afterAll(async () => {
  await server?.stop();
});

async function request(method: string, path: string, options: { body?: unknown; token?: string; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined && { 'content-type': 'application/json' }),
      ...(options.token && { authorization: `Bearer ${options.token}` }),
      ...options.headers,
    },
    ...(options.body !== undefined && { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

describe('account service over HTTP through serverless-offline', () => {
  it('signs up, logs in, lists and fetches users', async () => {
    const signup = await request('POST', '/signup', {
      body: { username: 'ada', email: 'ada@example.com', password: STRONG_PASSWORD, first_name: 'Ada' },
    });
    expect(signup.status).toBe(201);
    expect(signup.headers.get('location')).toBe(`/users/${signup.body.id}`);

    const login = await request('POST', '/login', { body: { username: 'ADA', password: STRONG_PASSWORD } });
    expect(login.status).toBe(200);
    expect(login.body.token_type).toBe('Bearer');
    const token = login.body.access_token as string;

    const own = await request('GET', `/users/${signup.body.id}`, { token });
    expect(own.status).toBe(200);
    expect(own.body.username).toBe('ada');
    expect(own.body.last_login).toBe(login.body.user.last_login);

    const listAsMember = await request('GET', '/users', { token });
    expect(listAsMember.status).toBe(403);
    expect(listAsMember.body.error.code).toBe('forbidden');

    await makeStaff(await database.db(), signup.body.id);
    await request('POST', '/signup', { body: { username: 'grace', email: 'grace@example.com', password: STRONG_PASSWORD } });
    const firstPage = await request('GET', '/users?limit=1&ordering=username', { token });
    expect(firstPage.status).toBe(200);
    expect(firstPage.body.items.map((user: { username: string }) => user.username)).toEqual(['ada']);
    const secondPage = await request('GET', `/users?limit=1&ordering=username&cursor=${encodeURIComponent(firstPage.body.next_cursor)}`, { token });
    expect(secondPage.body.items.map((user: { username: string }) => user.username)).toEqual(['grace']);
    expect(secondPage.body.next_cursor).toBeNull();
  });

  it('answers errors with the shared error body', async () => {
    const badJson = await request('POST', '/signup', { body: '{"username":' });
    const wrongType = await request('POST', '/login', { body: 'username=a', headers: { 'content-type': 'text/plain' } });
    const noToken = await request('GET', '/users/1');
    const badId = await request('GET', '/users/abc', { token: 'not.a.token' });

    expect(badJson.status).toBe(400);
    expect(badJson.body.error.code).toBe('invalid_json');
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.error.code).toBe('unsupported_media_type');
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toBe('Bearer');
    expect(badId.status).toBe(401);
  });
});
