import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/signup';
import { MAX_BODY_BYTES } from '../../lib/http-request';
import { USERS_COLLECTION } from '../../lib/users';
import { invoke } from '../helpers/http-events';
import { STRONG_PASSWORD, useTestDatabase } from '../helpers/service';

const database = useTestDatabase('signup');

function signup(body: unknown, headers?: Record<string, string>) {
  return invoke(handler, { method: 'POST', path: '/signup', body, ...(headers && { headers }) });
}

describe('POST /signup', () => {
  it('creates the user with the historical document shape', async () => {
    const response = await signup({
      username: 'alice',
      email: 'Alice.Smith@EXAMPLE.Com',
      password: STRONG_PASSWORD,
      first_name: ' Alice ',
      last_name: 'Smith',
    });

    expect(response.statusCode).toBe(201);
    expect(response.headers.location).toBe(`/users/${response.body.id}`);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toEqual({
      id: expect.any(Number),
      username: 'alice',
      email: 'Alice.Smith@example.com',
      first_name: 'Alice',
      last_name: 'Smith',
      is_active: true,
      is_staff: false,
      is_superuser: false,
      date_joined: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      last_login: null,
    });

    const stored = await (await database.db()).collection(USERS_COLLECTION).findOne({ id: response.body.id });
    expect(Object.keys(stored ?? {}).sort()).toEqual(
      ['_id', 'id', 'username', 'email', 'first_name', 'last_name', 'password_hash', 'is_active', 'is_staff', 'is_superuser', 'date_joined', 'last_login'].sort(),
    );
    expect(stored?.password_hash).toMatch(/^bcrypt_sha256\$\$2b\$04\$/);
    expect(stored?.date_joined).toBeInstanceOf(Date);
    expect(stored?.last_login).toBeNull();
  });

  it('hands out sequential ids', async () => {
    const first = await signup({ username: 'seq1', email: 'seq1@example.com', password: STRONG_PASSWORD });
    const second = await signup({ username: 'seq2', email: 'seq2@example.com', password: STRONG_PASSWORD });

    expect(second.body.id).toBe(first.body.id + 1);
  });

  it('normalizes the username with NFKC', async () => {
    const response = await signup({ username: 'ｆｕｌｌwidth', email: 'full@example.com', password: STRONG_PASSWORD });

    expect(response.statusCode).toBe(201);
    expect(response.body.username).toBe('fullwidth');
  });

  it('ignores fields it does not know and never stores them', async () => {
    const response = await signup({
      username: 'mallory',
      email: 'mallory@example.com',
      password: STRONG_PASSWORD,
      is_staff: true,
      is_superuser: true,
      password_hash: 'md5$$0123',
      $where: 'sleep(1000)',
    });

    expect(response.statusCode).toBe(201);
    expect(response.body.is_staff).toBe(false);
    const stored = await (await database.db()).collection(USERS_COLLECTION).findOne({ username: 'mallory' });
    expect(stored?.is_staff).toBe(false);
    expect(stored?.is_superuser).toBe(false);
    expect(stored).not.toHaveProperty('$where');
    expect(stored?.password_hash).toMatch(/^bcrypt_sha256\$/);
  });

  it('rejects a username taken in another letter case', async () => {
    await signup({ username: 'Bob', email: 'bob@example.com', password: STRONG_PASSWORD });

    const response = await signup({ username: 'bOB', email: 'other-bob@example.com', password: STRONG_PASSWORD });

    expect(response.statusCode).toBe(409);
    expect(response.body.error.code).toBe('username_taken');
    expect(response.body.error.details).toEqual({ username: ['A user with that username already exists.'] });
  });

  it('rejects an email taken in another letter case', async () => {
    await signup({ username: 'carol', email: 'carol@example.com', password: STRONG_PASSWORD });

    const response = await signup({ username: 'carol2', email: 'CAROL@Example.com', password: STRONG_PASSWORD });

    expect(response.statusCode).toBe(409);
    expect(response.body.error.code).toBe('email_taken');
  });

  it('rejects names a Django-only user has', async () => {
    await (await database.db()).collection('auth_user').insertOne({
      id: 9001,
      username: 'django_only',
      email: 'Django.Only@example.com',
      password: 'pbkdf2_sha256$1000$salt$hash',
      is_active: true,
      is_staff: false,
      is_superuser: false,
      first_name: '',
      last_name: '',
      last_login: null,
      date_joined: new Date('2020-01-01T00:00:00Z'),
    });

    const sameUsername = await signup({ username: 'DJANGO_ONLY', email: 'new-one@example.com', password: STRONG_PASSWORD });
    const sameEmail = await signup({ username: 'new-two', email: 'django.only@EXAMPLE.com', password: STRONG_PASSWORD });

    expect(sameUsername.statusCode).toBe(409);
    expect(sameUsername.body.error.code).toBe('username_taken');
    expect(sameEmail.statusCode).toBe(409);
    expect(sameEmail.body.error.code).toBe('email_taken');
  });

  it('lets exactly one of 30 concurrent signups of one username win', async () => {
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        signup({ username: 'racer', email: `racer${index}@example.com`, password: STRONG_PASSWORD }),
      ),
    );

    const statuses = responses.map((response) => response.statusCode).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(29);
    const count = await (await database.db()).collection(USERS_COLLECTION).countDocuments({ username: 'racer' });
    expect(count).toBe(1);
  });

  it.each([
    ['a short password', 'Xy7!', 'This password is too short. It must contain at least 8 characters.'],
    ['an entirely numeric password', '4839201746', 'This password is entirely numeric.'],
    ['a common password', 'password123', 'This password is too common.'],
    ['a password like the username', 'validator-user', 'The password is too similar to the username.'],
  ])('rejects %s with the validator message', async (_case, password, message) => {
    const response = await signup({ username: 'validator-user', email: 'validator@example.com', password });

    expect(response.statusCode).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
    expect(response.body.error.details.password).toContain(message);
  });

  it('reports every invalid field at once', async () => {
    const response = await signup({ username: 'bad name!', email: 'not-an-email', password: 12345678, first_name: 'x'.repeat(151) });

    expect(response.statusCode).toBe(400);
    expect(response.body.error.details).toEqual({
      username: ['Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.'],
      email: ['Enter a valid email address.'],
      password: ['Expected a string, got number.'],
      first_name: ['Ensure this field has no more than 150 characters.'],
    });
  });

  it.each([
    ['password', 'abc\udc00defghijkl xyz', 'Enter text without unpaired surrogate characters.'],
    ['password', 'long enough\u0000password', 'Null characters are not allowed.'],
    ['first_name', 'a\u0000b', 'Null characters are not allowed.'],
    ['last_name', 'a\udfffb', 'Enter text without unpaired surrogate characters.'],
  ])('rejects unencodable text in %s', async (field, value, message) => {
    const body: Record<string, string> = { username: 'textcheck', email: 'textcheck@example.com', password: STRONG_PASSWORD };
    body[field] = value;

    const response = await signup(body);

    expect(response.statusCode).toBe(400);
    expect(response.body.error.details).toEqual({ [field]: [message] });
  });

  it('rejects a password over 4096 characters', async () => {
    const response = await signup({ username: 'longpass', email: 'longpass@example.com', password: 'a1'.repeat(2049) });

    expect(response.statusCode).toBe(400);
    expect(response.body.error.details.password).toEqual(['Ensure this field has no more than 4096 characters.']);
  });

  it('rejects a body that is not JSON', async () => {
    const response = await invoke(handler, { method: 'POST', path: '/signup', rawBody: '{"username": "x",', headers: { 'content-type': 'application/json' } });

    expect(response.statusCode).toBe(400);
    expect(response.body.error).toEqual({ code: 'invalid_json', message: 'The request body is not valid JSON.' });
  });

  it('rejects another media type with 415', async () => {
    const response = await signup({ username: 'formuser' }, { 'content-type': 'application/x-www-form-urlencoded' });

    expect(response.statusCode).toBe(415);
    expect(response.body.error.code).toBe('unsupported_media_type');
  });

  it('rejects a body over 16 KiB with 413', async () => {
    const response = await signup({ username: 'big', email: 'big@example.com', password: STRONG_PASSWORD, first_name: 'x'.repeat(MAX_BODY_BYTES) });

    expect(response.statusCode).toBe(413);
    expect(response.body.error.code).toBe('payload_too_large');
  });

  it('accepts a base64-encoded body', async () => {
    const body = JSON.stringify({ username: 'encoded', email: 'encoded@example.com', password: STRONG_PASSWORD });
    const response = await invoke(handler, {
      method: 'POST',
      path: '/signup',
      rawBody: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });

    expect(response.statusCode).toBe(201);
    expect(response.body.username).toBe('encoded');
  });

  it('rejects a body marked base64 that is not', async () => {
    const response = await invoke(handler, {
      method: 'POST',
      path: '/signup',
      rawBody: '{"username": "x"}',
      isBase64Encoded: true,
      headers: { 'content-type': 'application/json' },
    });

    expect(response.statusCode).toBe(400);
    expect(response.body.error.code).toBe('invalid_json');
  });
});
