import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as loginHandler } from '../../functions/login';
import { AUTH_USER_COLLECTION } from '../../lib/auth-user';
import { logger } from '../../lib/logger';
import { getDecoyHash, verifyPassword } from '../../lib/passwords';
import { USERS_COLLECTION } from '../../lib/users';
import { authUserDocument } from '../helpers/django-fixtures';
import { invoke } from '../helpers/http-events';
import { signUp, useTestDatabase } from '../helpers/service';

// The real verifyPassword, observed so that a test can see which hash an unknown-user login checks.
vi.mock('../../lib/passwords', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../lib/passwords')>();
  return { ...original, verifyPassword: vi.fn(original.verifyPassword) };
});

const database = useTestDatabase('django_lazy');

const HIGHEST_DJANGO_ID = 9_000;

function login(body: Record<string, string>) {
  return invoke(loginHandler, { method: 'POST', path: '/login', body });
}

async function collection(name: string) {
  return (await database.db()).collection(name);
}

// The id counter is raised once per container, so Django's users exist before the first request.
beforeAll(async () => {
  await (await collection(AUTH_USER_COLLECTION)).insertMany([
    await authUserDocument(501, 'ann', 'ann-old-password'),
    await authUserDocument(502, 'ben', 'ben-old-password', { email: 'Ben@Example.COM', last_login: '2020-01-01T00:00:00' }),
    await authUserDocument(503, 'cat', 'cat-old-password', { is_active: false }),
    await authUserDocument(601, 'user_b', 'lower-b-password', { email: '' }),
    await authUserDocument(602, 'USER_B', 'upper-b-password', { email: '' }),
    await authUserDocument(701, 'oldtimer', 'oldtimer-password', { email: 'taken@example.com' }),
    await authUserDocument(801, 'renamed_here', 'renamed-password'),
    await authUserDocument(901, 'dora', 'dora-old-password'),
    await authUserDocument(HIGHEST_DJANGO_ID, 'last', 'last-password'),
  ]);
});

beforeEach(() => {
  vi.mocked(verifyPassword).mockClear();
});

describe('login of a user found only in auth_user', () => {
  it('copies the user with its id and fields', async () => {
    const response = await login({ username: 'ann', password: 'ann-old-password' });

    const stored = await (await collection(USERS_COLLECTION)).findOne({ id: 501 }, { projection: { _id: 0 } });
    expect(response.statusCode).toBe(200);
    expect(response.body.user.id).toBe(501);
    expect(stored).toEqual({
      id: 501,
      username: 'ann',
      email: 'ann@example.com',
      first_name: 'Grace',
      last_name: 'Hopper',
      password_hash: expect.stringMatching(/^bcrypt_sha256\$\$2b\$04\$/),
      is_active: true,
      is_staff: false,
      is_superuser: false,
      date_joined: new Date('2018-04-05T06:07:08.901Z'),
      last_login: expect.any(Date),
    });
  });

  it('logs in again through the copy', async () => {
    const response = await login({ username: 'ANN', password: 'ann-old-password' });

    expect(response.statusCode).toBe(200);
    expect(await (await collection(USERS_COLLECTION)).countDocuments({ id: 501 })).toBe(1);
  });

  it('accepts the email in another letter case', async () => {
    const response = await login({ email: 'ben@example.com', password: 'ben-old-password' });

    expect(response.statusCode).toBe(200);
    expect(response.body.user).toMatchObject({ id: 502, email: 'Ben@Example.COM' });
  });

  it('copies nothing after a wrong password', async () => {
    const response = await login({ username: 'dora', password: 'not-her-password' });

    expect(response.statusCode).toBe(401);
    expect(await (await collection(USERS_COLLECTION)).findOne({ id: 901 })).toBeNull();
  });

  it('rejects an inactive user without copying', async () => {
    const response = await login({ username: 'cat', password: 'cat-old-password' });

    expect(response.statusCode).toBe(401);
    expect(await (await collection(USERS_COLLECTION)).findOne({ id: 503 })).toBeNull();
  });

  it('verifies the decoy hash for an unknown user', async () => {
    const response = await login({ username: 'nobody', password: 'whatever-password' });

    expect(response.statusCode).toBe(401);
    expect(vi.mocked(verifyPassword)).toHaveBeenCalledTimes(1);
    expect(vi.mocked(verifyPassword)).toHaveBeenCalledWith('whatever-password', await getDecoyHash(4), 4);
  });

  it('finds the exact half of a case-variant pair', async () => {
    const ambiguous = await login({ username: 'User_B', password: 'upper-b-password' });
    const lower = await login({ username: 'user_b', password: 'lower-b-password' });

    expect(ambiguous.statusCode).toBe(401);
    expect(lower.statusCode).toBe(200);
    expect(lower.body.user.id).toBe(601);
  });

  it('rejects the other half while the username index exists', async () => {
    const warn = vi.spyOn(logger, 'warn');

    const upper = await login({ username: 'USER_B', password: 'upper-b-password' });

    expect(upper.statusCode).toBe(401);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('differ only in letter case'), expect.objectContaining({ user_id: 602 }));
    warn.mockRestore();
  });

  it('rejects a user whose email a tracker user has', async () => {
    await (await collection(USERS_COLLECTION)).insertOne({ id: 10_001, username: 'newcomer', email: 'taken@example.com', password_hash: '!' });
    const warn = vi.spyOn(logger, 'warn');

    const response = await login({ username: 'oldtimer', password: 'oldtimer-password' });

    expect(response.statusCode).toBe(401);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('resolve the conflict by hand'), expect.objectContaining({ user_id: 701 }));
    expect(await (await collection(USERS_COLLECTION)).findOne({ id: 701 })).toBeNull();
    warn.mockRestore();
  });

  it('ignores a Django user whose id the tracker holds', async () => {
    await (await collection(USERS_COLLECTION)).insertOne({ id: 801, username: 'new_name', email: '', password_hash: '!' });

    const response = await login({ username: 'renamed_here', password: 'renamed-password' });

    expect(response.statusCode).toBe(401);
    expect(await (await collection(USERS_COLLECTION)).findOne({ id: 801 })).toMatchObject({ username: 'new_name' });
  });

  it('copies once under concurrent logins', async () => {
    const responses = await Promise.all(Array.from({ length: 5 }, () => login({ username: 'dora', password: 'dora-old-password' })));

    expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(await (await collection(USERS_COLLECTION)).countDocuments({ id: 901 })).toBe(1);
  });
});

describe('the id counter with Django users present', () => {
  it('gives a signup an id above every Django id', async () => {
    const created = await signUp({ username: 'fresh_signup' });

    expect(created.id).toBeGreaterThan(HIGHEST_DJANGO_ID);
  });
});
