import type { CommandStartedEvent } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as getUserHandler } from '../../functions/getUser';
import { handler as listUsersHandler } from '../../functions/listUsers';
import { setCommandStartedListener } from '../../lib/mongo-client';
import { hashPassword } from '../../lib/passwords';
import { USERS_COLLECTION } from '../../lib/users';
import { invoke } from '../helpers/http-events';
import { logInAs, makeStaff, signUp, useTestDatabase } from '../helpers/service';

const database = useTestDatabase('revocation');

const commands: CommandStartedEvent[] = [];
// Set before the first handler call, which creates the container's MongoClient.
setCommandStartedListener((event) => commands.push(event));
afterAll(() => setCommandStartedListener(undefined));

function getUser(id: number, token: string) {
  return invoke(getUserHandler, { method: 'GET', path: `/users/${id}`, routeKey: 'GET /users/{id}', pathParameters: { id: String(id) }, token });
}

function listUsers(token: string) {
  return invoke(listUsersHandler, { method: 'GET', path: '/users', token });
}

async function users() {
  return (await database.db()).collection(USERS_COLLECTION);
}

/** Signs up a staff member and returns the id with a token that works on both routes. */
async function staffWithToken(username: string) {
  const user = await signUp({ username });
  await makeStaff(await database.db(), user.id);
  const token = await logInAs(username);
  expect((await getUser(user.id, token)).statusCode).toBe(200);
  expect((await listUsers(token)).statusCode).toBe(200);
  return { id: user.id, token };
}

function expectRevoked(response: Awaited<ReturnType<typeof getUser>>) {
  expect(response.statusCode).toBe(401);
  expect(response.body).toEqual({ error: { code: 'invalid_token', message: 'The access token is no longer valid. Log in again.' } });
  expect(response.headers['www-authenticate']).toBe('Bearer');
}

beforeAll(async () => {
  // Warms the container so that the index creation of the first request is not counted below.
  await signUp({ username: 'warm-up' });
});

describe('token revocation', () => {
  it('rejects the token of a deleted user', async () => {
    const { id, token } = await staffWithToken('deleted-staff');

    await (await users()).deleteOne({ id });

    expectRevoked(await getUser(id, token));
    expectRevoked(await listUsers(token));
  });

  it('rejects the token of a deactivated user', async () => {
    const { id, token } = await staffWithToken('deactivated-staff');

    await (await users()).updateOne({ id }, { $set: { is_active: false } });

    expectRevoked(await getUser(id, token));
    expectRevoked(await listUsers(token));
  });

  it('rejects tokens issued before a password change', async () => {
    const { id, token } = await staffWithToken('rotating-staff');
    const newPassword = 'a brand new passphrase 77';

    await (await users()).updateOne({ id }, { $set: { password_hash: await hashPassword(newPassword, 4) } });
    const newToken = await logInAs('rotating-staff', newPassword);

    expectRevoked(await getUser(id, token));
    expectRevoked(await listUsers(token));
    expect((await getUser(id, newToken)).statusCode).toBe(200);
    expect((await listUsers(newToken)).statusCode).toBe(200);
  });

  it('costs one indexed read per request', async () => {
    const { id, token } = await staffWithToken('counted-staff');
    const indexes = await (await users()).indexes();
    commands.length = 0;

    const response = await getUser(id, token);

    expect(response.statusCode).toBe(200);
    expect(commands.map((event) => event.commandName)).toEqual(['find']);
    expect(commands[0]?.command.find).toBe(USERS_COLLECTION);
    expect(commands[0]?.command.filter).toEqual({ id });
    expect(indexes.find((index) => JSON.stringify(index.key) === '{"id":1}')?.unique).toBe(true);
  });
});
