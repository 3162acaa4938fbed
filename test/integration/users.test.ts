import { beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, base64url, decodeJwt } from 'jose';
import { handler as getUserHandler } from '../../functions/getUser';
import { handler as listUsersHandler } from '../../functions/listUsers';
import { getMongoClientStats, MONGO_CLIENT_OPTIONS } from '../../lib/mongo-client';
import { USERS_COLLECTION } from '../../lib/users';
import { invoke } from '../helpers/http-events';
import { logInAs, makeStaff, signUp, TEST_JWT_SECRET, useTestDatabase } from '../helpers/service';

const database = useTestDatabase('users');

function getUser(id: string, token?: string, headers?: Record<string, string>) {
  return invoke(getUserHandler, {
    method: 'GET',
    path: `/users/${id}`,
    routeKey: 'GET /users/{id}',
    pathParameters: { id },
    ...(token && { token }),
    ...(headers && { headers }),
  });
}

function listUsers(query: Record<string, string>, token?: string) {
  return invoke(listUsersHandler, { method: 'GET', path: '/users', query, ...(token && { token }) });
}

async function signToken(claims: Record<string, unknown>, options: { secret?: string; expiresIn?: number; issuer?: string; audience?: string } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 600))
    .setIssuer(options.issuer ?? 'attendance-accounts')
    .setAudience(options.audience ?? 'attendance-tracker')
    .sign(new TextEncoder().encode(options.secret ?? TEST_JWT_SECRET));
}

let member: { id: number };
let memberToken: string;
let staffToken: string;
let other: { id: number };

beforeAll(async () => {
  member = await signUp({ username: 'member', first_name: 'Mia', last_name: 'Member' });
  other = await signUp({ username: 'other', first_name: 'Otto' });
  const staff = await signUp({ username: 'staffer' });
  await makeStaff(await database.db(), staff.id);
  memberToken = await logInAs('member');
  staffToken = await logInAs('staffer');
});

describe('GET /users/{id}', () => {
  it('returns the caller own account', async () => {
    const response = await getUser(String(member.id), memberToken);

    expect(response.statusCode).toBe(200);
    expect(response.body.username).toBe('member');
    expect(response.body).not.toHaveProperty('password_hash');
    expect(response.body).not.toHaveProperty('_id');
  });

  it('forbids another user account to a non-staff caller', async () => {
    const response = await getUser(String(other.id), memberToken);

    expect(response.statusCode).toBe(403);
    expect(response.body.error.code).toBe('forbidden');
  });

  it('gives staff any account', async () => {
    const response = await getUser(String(other.id), staffToken);

    expect(response.statusCode).toBe(200);
    expect(response.body.username).toBe('other');
  });

  it('answers 404 to staff for an id nobody has', async () => {
    const response = await getUser('999999', staffToken);

    expect(response.statusCode).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });

  it.each(['abc', '0', '-1', '1.5', '1e3', '99999999999999999999', ' 1'])('rejects the id %j with 400', async (id) => {
    const response = await getUser(id, staffToken);

    expect(response.statusCode).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
    expect(response.body.error.details.id).toEqual(['Expected a positive integer id.']);
  });

  it('asks for a token when there is none', async () => {
    const response = await getUser(String(member.id));

    expect(response.statusCode).toBe(401);
    expect(response.body.error.code).toBe('invalid_token');
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it('reads the Authorization header in any letter case', async () => {
    const response = await getUser(String(member.id), undefined, { AUTHORIZATION: `bearer ${memberToken}` });

    expect(response.statusCode).toBe(200);
  });

  describe('rejects bad tokens with 401', () => {
    it('signed with another secret', async () => {
      const forged = await signToken({ sub: String(member.id), pwv: 'x' }, { secret: 'another-secret-that-is-also-long-enough-000' });
      expect((await getUser(String(member.id), forged)).statusCode).toBe(401);
    });

    it('with a tampered payload', async () => {
      const [header, , signature] = memberToken.split('.');
      const claims = { ...decodeJwt(memberToken), sub: String(other.id), is_staff: true };
      const tampered = `${header}.${base64url.encode(JSON.stringify(claims))}.${signature}`;
      expect((await getUser(String(other.id), tampered)).statusCode).toBe(401);
    });

    it('that expired', async () => {
      const expired = await signToken({ sub: String(member.id), pwv: decodeJwt(memberToken).pwv }, { expiresIn: -10 });
      const response = await getUser(String(member.id), expired);
      expect(response.statusCode).toBe(401);
      expect(response.body.error.code).toBe('invalid_token');
    });

    it('with alg none', async () => {
      const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
      const payload = base64url.encode(JSON.stringify({ ...decodeJwt(memberToken) }));
      expect((await getUser(String(member.id), `${header}.${payload}.`)).statusCode).toBe(401);
    });

    it('for another audience', async () => {
      const wrongAudience = await signToken({ sub: String(member.id), pwv: decodeJwt(memberToken).pwv }, { audience: 'someone-else' });
      expect((await getUser(String(member.id), wrongAudience)).statusCode).toBe(401);
    });

    it('issued before a password change', async () => {
      const victim = await signUp({ username: 'rotator' });
      const token = await logInAs('rotator');
      await (await database.db()).collection(USERS_COLLECTION).updateOne({ id: victim.id }, { $set: { password_hash: 'bcrypt_sha256$$2b$04$changedchangedchangedchuVgq1Y0Zb4m2Ow6RH6H1w5YxXvJ3ilW' } });
      expect((await getUser(String(victim.id), token)).statusCode).toBe(401);
    });

    it('of a deactivated user', async () => {
      const leaver = await signUp({ username: 'leaver' });
      const token = await logInAs('leaver');
      await (await database.db()).collection(USERS_COLLECTION).updateOne({ id: leaver.id }, { $set: { is_active: false } });
      expect((await getUser(String(leaver.id), token)).statusCode).toBe(401);
    });
  });

  it('reuses one MongoClient across 100 invocations', async () => {
    const before = getMongoClientStats();

    for (let index = 0; index < 100; index += 1) {
      expect((await getUser(String(member.id), memberToken)).statusCode).toBe(200);
    }

    const after = getMongoClientStats();
    expect(before.clientsCreated).toBe(1);
    expect(after.clientsCreated).toBe(1);
    expect(after.connectionsCreated).toBeLessThanOrEqual(MONGO_CLIENT_OPTIONS.maxPoolSize);
  });
});

describe('GET /users', () => {
  it('forbids non-staff callers', async () => {
    const response = await listUsers({}, memberToken);

    expect(response.statusCode).toBe(403);
  });

  it('lists users in id order by default', async () => {
    const response = await listUsers({}, staffToken);

    expect(response.statusCode).toBe(200);
    const ids = response.body.items.map((user: { id: number }) => user.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids).toContain(member.id);
    expect(response.body.items[0]).not.toHaveProperty('password_hash');
  });

  it('searches q as a literal, case-insensitive substring', async () => {
    await signUp({ username: 'dot.ted', first_name: 'Ted' });
    await signUp({ username: 'dotxted' });

    const literal = await listUsers({ q: 'DOT.T' }, staffToken);
    const byName = await listUsers({ q: 'mia' }, staffToken);
    const pattern = await listUsers({ q: '.*' }, staffToken);

    expect(literal.body.items.map((user: { username: string }) => user.username)).toEqual(['dot.ted']);
    expect(byName.body.items.map((user: { username: string }) => user.username)).toEqual(['member']);
    expect(pattern.body.items).toEqual([]);
  });

  it('searches q containing a NUL byte', async () => {
    // mongod rejects a NUL byte inside a pattern; the search must escape it rather than fail with 500.
    const response = await listUsers({ q: 'mem\u0000ber' }, staffToken);

    expect(response.statusCode).toBe(200);
    expect(response.body.items).toEqual([]);
  });

  it('filters by flags', async () => {
    const response = await listUsers({ is_staff: 'true' }, staffToken);

    expect(response.body.items.map((user: { username: string }) => user.username)).toEqual(['staffer']);
  });

  it('filters by join date', async () => {
    const future = await listUsers({ date_joined_after: '2999-01-01' }, staffToken);
    const past = await listUsers({ date_joined_before: '2000-01-01' }, staffToken);
    const today = await listUsers({ date_joined_after: new Date().toISOString().slice(0, 10) }, staffToken);

    expect(future.body.items).toEqual([]);
    expect(past.body.items).toEqual([]);
    expect(today.body.items.length).toBeGreaterThan(0);
  });

  it('orders by username descending', async () => {
    const response = await listUsers({ ordering: '-username', limit: '100' }, staffToken);

    const names = response.body.items.map((user: { username: string }) => user.username.toLowerCase());
    expect(names).toEqual([...names].sort().reverse());
  });

  it.each([
    [{ limit: '0' }, 'limit'],
    [{ limit: '101' }, 'limit'],
    [{ ordering: 'password_hash' }, 'ordering'],
    [{ is_active: 'yes' }, 'is_active'],
    [{ date_joined_after: 'yesterday' }, 'date_joined_after'],
    [{ cursor: 'not-a-cursor' }, 'cursor'],
  ])('rejects %j with 400', async (query, field) => {
    const response = await listUsers(query, staffToken);

    expect(response.statusCode).toBe(400);
    expect(Object.keys(response.body.error.details)).toEqual([field]);
  });

  it('pages without repeating or skipping users who join between pages', async () => {
    const db = await database.db();
    // Many users share one last_login value, so the page boundaries fall inside a run of equal values.
    const sameInstant = new Date('2024-05-01T12:00:00Z');
    for (let index = 0; index < 12; index += 1) {
      const user = await signUp({ username: `pager${index}` });
      await db.collection(USERS_COLLECTION).updateOne({ id: user.id }, { $set: { last_login: sameInstant } });
    }

    for (const ordering of ['id', '-id', 'username', '-username', 'last_login', '-last_login', 'date_joined', '-date_joined']) {
      const existing = await db.collection(USERS_COLLECTION).find({}, { projection: { id: 1 } }).toArray();
      const seen: number[] = [];
      let cursor: string | undefined;
      let joined = 0;
      do {
        const response = await listUsers({ ordering, limit: '4', ...(cursor && { cursor }) }, staffToken);
        expect(response.statusCode).toBe(200);
        seen.push(...response.body.items.map((user: { id: number }) => user.id));
        cursor = response.body.next_cursor ?? undefined;
        if (cursor && joined < 2) {
          joined += 1;
          await signUp({ username: `joiner-${ordering}-${joined}` });
        }
      } while (cursor);

      expect(new Set(seen).size).toBe(seen.length);
      const skipped = existing.map((user) => user.id as number).filter((id) => !seen.includes(id));
      expect(skipped).toEqual([]);
      expect(joined).toBe(2);
    }
  });

  it('rejects a cursor used with another ordering', async () => {
    const first = await listUsers({ ordering: 'id', limit: '1' }, staffToken);

    const response = await listUsers({ ordering: 'username', cursor: first.body.next_cursor }, staffToken);

    expect(response.statusCode).toBe(400);
    expect(response.body.error.details.cursor[0]).toMatch(/different ordering or filter/);
  });

  it.each([
    ['username', { $date: 0 }],
    ['username', 42],
    ['id', 'a string'],
    ['date_joined', 42],
    ['-last_login', 7],
  ])('rejects an edited %s cursor value %j', async (ordering, value) => {
    // Cursors are base64url EJSON and not signed, so a client can swap the value for another type.
    const first = await listUsers({ ordering, limit: '1' }, staffToken);
    const payload = JSON.parse(Buffer.from(first.body.next_cursor, 'base64url').toString('utf8'));
    const edited = Buffer.from(JSON.stringify({ ...payload, v: value })).toString('base64url');

    const response = await listUsers({ ordering, limit: '1', cursor: edited }, staffToken);

    expect(response.statusCode).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
    expect(response.body.error.details.cursor).toEqual(['The cursor is not valid. Request the first page again without a cursor.']);
  });
});
