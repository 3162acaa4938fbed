import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import { MongoClient, type Db } from 'mongodb';
import { handler as loginHandler } from '../../functions/login';
import { handler as signupHandler } from '../../functions/signup';
import { closeMongoClient } from '../../lib/mongo-client';
import { USERS_COLLECTION } from '../../lib/users';
import { invoke } from './http-events';

/**
 * Points the service at a database of its own for this test file and drops it afterwards.
 * Call at the top level of a test file, before any handler runs.
 */
export function useTestDatabase(prefix = 'accounts'): { name: string; db: () => Promise<Db> } {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  process.env.MONGODB_DB = name;
  process.env.JWT_SECRET ??= TEST_JWT_SECRET;
  let client: MongoClient | undefined;

  afterAll(async () => {
    await client?.db(name).dropDatabase();
    await client?.close();
    await closeMongoClient();
  });

  return {
    name,
    db: async () => {
      client ??= await new MongoClient(process.env.MONGODB_URI ?? '').connect();
      return client.db(name);
    },
  };
}

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export const STRONG_PASSWORD = 'correct horse battery staple 42';

/** Signs a user up through the signup handler and returns the created user. */
export async function signUp(fields: { username: string; email?: string; password?: string; first_name?: string; last_name?: string }) {
  const response = await invoke(signupHandler, {
    method: 'POST',
    path: '/signup',
    body: { email: `${fields.username.toLowerCase()}@example.com`, password: STRONG_PASSWORD, ...fields },
  });
  if (response.statusCode !== 201) throw new Error(`signup of ${fields.username} returned ${response.statusCode}: ${JSON.stringify(response.body)}`);
  return response.body as { id: number; username: string; email: string };
}

/** Logs in through the login handler and returns the access token. */
export async function logInAs(username: string, password = STRONG_PASSWORD): Promise<string> {
  const response = await invoke(loginHandler, { method: 'POST', path: '/login', body: { username, password } });
  if (response.statusCode !== 200) throw new Error(`login of ${username} returned ${response.statusCode}: ${JSON.stringify(response.body)}`);
  return response.body.access_token as string;
}

/** Grants staff status directly in the database, as an administrator would. */
export async function makeStaff(db: Db, id: number): Promise<void> {
  await db.collection(USERS_COLLECTION).updateOne({ id }, { $set: { is_staff: true } });
}
