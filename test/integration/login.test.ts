import { createHash, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { handler } from '../../functions/login';
import { USERS_COLLECTION } from '../../lib/users';
import { invoke } from '../helpers/http-events';
import { STRONG_PASSWORD, signUp, useTestDatabase } from '../helpers/service';

const database = useTestDatabase('login');

function login(body: unknown) {
  return invoke(handler, { method: 'POST', path: '/login', body });
}

async function users() {
  return (await database.db()).collection(USERS_COLLECTION);
}

const INVALID_CREDENTIALS = {
  error: { code: 'invalid_credentials', message: 'The username, email or password is incorrect.' },
};

describe('POST /login', () => {
  it('returns a Bearer token and the user, and sets last_login', async () => {
    const created = await signUp({ username: 'dora' });
    const before = Date.now();

    const response = await login({ username: 'dora', password: STRONG_PASSWORD });

    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body.token_type).toBe('Bearer');
    expect(response.body.expires_in).toBe(3600);
    expect(response.body.user.id).toBe(created.id);
    expect(response.body.user).not.toHaveProperty('password_hash');
    expect(Date.parse(response.body.user.last_login)).toBeGreaterThanOrEqual(before - 1000);

    const claims = decodeJwt(response.body.access_token);
    expect(decodeProtectedHeader(response.body.access_token).alg).toBe('HS256');
    expect(claims.sub).toBe(String(created.id));
    expect(claims.iss).toBe('attendance-accounts');
    expect(claims.aud).toBe('attendance-tracker');
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600);

    const stored = await (await users()).findOne({ id: created.id });
    expect(stored?.last_login).toBeInstanceOf(Date);
    expect(stored?.last_login?.toISOString()).toBe(response.body.user.last_login);
  });

  it('matches the username in any letter case', async () => {
    await signUp({ username: 'Edgar' });

    const response = await login({ username: 'eDGAR', password: STRONG_PASSWORD });

    expect(response.statusCode).toBe(200);
    expect(response.body.user.username).toBe('Edgar');
  });

  it('accepts an email address instead of a username', async () => {
    await signUp({ username: 'fiona', email: 'Fiona@Example.com' });

    const response = await login({ email: 'Fiona@EXAMPLE.COM', password: STRONG_PASSWORD });

    expect(response.statusCode).toBe(200);
    expect(response.body.user.username).toBe('fiona');
  });

  it('rejects every bad login alike', async () => {
    await signUp({ username: 'gary' });
    await signUp({ username: 'hank' });
    await (await users()).updateOne({ username: 'hank' }, { $set: { is_active: false } });

    const wrongPassword = await login({ username: 'gary', password: 'not the password' });
    const unknownUser = await login({ username: 'nobody-here', password: STRONG_PASSWORD });
    const inactiveUser = await login({ username: 'hank', password: STRONG_PASSWORD });

    for (const response of [wrongPassword, unknownUser, inactiveUser]) {
      expect(response.statusCode).toBe(401);
      expect(response.body).toEqual(INVALID_CREDENTIALS);
    }
  });

  it('leaves last_login alone after a failed login', async () => {
    const created = await signUp({ username: 'irene' });

    await login({ username: 'irene', password: 'wrong password' });

    const stored = await (await users()).findOne({ id: created.id });
    expect(stored?.last_login).toBeNull();
  });

  it.each([
    [{ username: { $ne: null }, password: STRONG_PASSWORD }, 'username'],
    [{ username: { $gt: '' }, password: STRONG_PASSWORD }, 'username'],
    [{ username: 'gary', password: { $ne: null } }, 'password'],
    [{ email: { $regex: '.*' }, password: STRONG_PASSWORD }, 'email'],
    [{ username: ['gary'], password: STRONG_PASSWORD }, 'username'],
  ])('rejects operator objects in the body: %j', async (body, field) => {
    const response = await login(body);

    expect(response.statusCode).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
    expect(Object.keys(response.body.error.details)).toContain(field);
  });

  it('requires a username or an email address', async () => {
    const response = await login({ password: STRONG_PASSWORD });

    expect(response.statusCode).toBe(400);
    expect(response.body.error.details).toEqual({ username: ['Give a username or an email address.'] });
  });

  it('upgrades a Django PBKDF2 hash after a correct password', async () => {
    const created = await signUp({ username: 'julia' });
    const salt = 'legacysalt12';
    const digest = pbkdf2Sync('old django password', salt, 1000, 32, 'sha256').toString('base64');
    await (await users()).updateOne({ id: created.id }, { $set: { password_hash: `pbkdf2_sha256$1000$${salt}$${digest}` } });

    const wrong = await login({ username: 'julia', password: 'not it' });
    const unchanged = await (await users()).findOne({ id: created.id });
    const right = await login({ username: 'julia', password: 'old django password' });
    const upgraded = await (await users()).findOne({ id: created.id });

    expect(wrong.statusCode).toBe(401);
    expect(unchanged?.password_hash).toMatch(/^pbkdf2_sha256\$1000\$/);
    expect(right.statusCode).toBe(200);
    expect(upgraded?.password_hash).toMatch(/^bcrypt_sha256\$\$2b\$04\$/);
    const again = await login({ username: 'julia', password: 'old django password' });
    expect(again.statusCode).toBe(200);
  });

  it('refuses an unsupported hash format with the usual 401', async () => {
    const created = await signUp({ username: 'karl' });
    const legacy = `crypt$$ab${createHash('md5').update('x').digest('hex').slice(0, 11)}`;
    await (await users()).updateOne({ id: created.id }, { $set: { password_hash: legacy } });

    const response = await login({ username: 'karl', password: STRONG_PASSWORD });

    expect(response.statusCode).toBe(401);
    expect(response.body).toEqual(INVALID_CREDENTIALS);
  });
});
