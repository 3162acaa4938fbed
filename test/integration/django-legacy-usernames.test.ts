import { beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as loginHandler } from '../../functions/login';
import { handler as signupHandler } from '../../functions/signup';
import { AUTH_USER_COLLECTION } from '../../lib/auth-user';
import { logger } from '../../lib/logger';
import { USERS_COLLECTION } from '../../lib/users';
import { encodeDjangoPassword } from '../helpers/django-fixtures';
import { invoke } from '../helpers/http-events';
import { STRONG_PASSWORD, useTestDatabase } from '../helpers/service';

const database = useTestDatabase('django_legacy');

/** A user as the Django site wrote it, with Django's field names when `hashField` is `password`. */
async function legacyUser(id: number, username: string, password: string, hashField: 'password' | 'password_hash') {
  return {
    id,
    username,
    email: '',
    first_name: '',
    last_name: '',
    [hashField]: await encodeDjangoPassword('pbkdf2_sha1', password),
    is_active: true,
    is_staff: false,
    is_superuser: false,
    date_joined: new Date('2016-07-08T09:10:11Z'),
    last_login: null,
  };
}

function login(username: string, password: string) {
  return invoke(loginHandler, { method: 'POST', path: '/login', body: { username, password } });
}

function signup(username: string, email: string) {
  return invoke(signupHandler, { method: 'POST', path: '/signup', body: { username, email, password: STRONG_PASSWORD } });
}

const errorLog = vi.spyOn(logger, 'error');

// The pair is stored before the container's first request, when the indexes are ensured.
beforeAll(async () => {
  const db = await database.db();
  await db.collection(USERS_COLLECTION).insertMany([
    await legacyUser(11, 'user_b', 'lower-b-password', 'password_hash'),
    await legacyUser(12, 'USER_B', 'upper-b-password', 'password_hash'),
  ]);
  await db.collection(AUTH_USER_COLLECTION).insertMany([
    await legacyUser(21, 'Mixed', 'upper-mixed-password', 'password'),
    await legacyUser(22, 'mixed', 'lower-mixed-password', 'password'),
  ]);
});

describe('a database with legacy case-variant usernames', () => {
  it('still signs up new users', async () => {
    const response = await signup('carol', 'carol@example.com');

    expect(response.statusCode).toBe(201);
  });

  it('logs why the username index is missing', () => {
    const indexErrors = errorLog.mock.calls.filter(([message]) => String(message).includes('username_case_insensitive_unique'));

    expect(indexErrors).toHaveLength(1);
    expect(indexErrors[0]?.[0]).toContain('could not be built: existing users collide on it (usually usernames or emails that differ only in letter case)');
  });

  it('still enforces unique emails', async () => {
    const response = await signup('caroline', 'CAROL@example.com');

    expect(response.statusCode).toBe(409);
    expect(response.body.error.code).toBe('email_taken');
  });

  it('logs in a new user', async () => {
    const response = await login('Carol', STRONG_PASSWORD);

    expect(response.statusCode).toBe(200);
  });

  it('logs in each half by its exact name', async () => {
    const lower = await login('user_b', 'lower-b-password');
    const upper = await login('USER_B', 'upper-b-password');

    expect(lower.statusCode).toBe(200);
    expect(lower.body.user.id).toBe(11);
    expect(upper.statusCode).toBe(200);
    expect(upper.body.user.id).toBe(12);
  });

  it('rejects a name matching both halves', async () => {
    const response = await login('User_B', 'upper-b-password');

    expect(response.statusCode).toBe(401);
  });

  it('copies both halves of a Django-only pair', async () => {
    const upper = await login('Mixed', 'upper-mixed-password');
    const lower = await login('mixed', 'lower-mixed-password');

    expect(upper.statusCode).toBe(200);
    expect(upper.body.user.id).toBe(21);
    expect(lower.statusCode).toBe(200);
    expect(lower.body.user.id).toBe(22);
  });
});
