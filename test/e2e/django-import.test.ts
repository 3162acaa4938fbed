import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USERS_COLLECTION, USERNAME_INDEX } from '../../lib/users';
import { CASE_VARIANT_GROUPS, HASH_FORMATS, writeDumpdataFile, type DumpdataFixture, type FixtureUser } from '../helpers/django-fixtures';
import { startOffline, type OfflineServer } from '../helpers/offline';
import { STRONG_PASSWORD, TEST_JWT_SECRET, useTestDatabase } from '../helpers/service';
import { runTool } from '../helpers/tools';

const database = useTestDatabase('e2e_django');
let directory: string;
let fixture: DumpdataFixture;
let server: OfflineServer;
let firstImport: { code: number | null; summary: Record<string, any> };

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'django-e2e-'));
  fixture = await writeDumpdataFile(join(directory, 'dumpdata.json'), { users: 1_000 });

  // The import and the bundling of serverless-offline overlap; no request reaches the service before both finish.
  const [result, offline] = await Promise.all([
    runTool('import-django.ts', ['--json', fixture.path], { MONGODB_DB: database.name }),
    startOffline({ MONGODB_DB: database.name, JWT_SECRET: TEST_JWT_SECRET, BCRYPT_ROUNDS: '4', LOG_LEVEL: 'WARN' }),
  ]);
  server = offline;
  firstImport = { code: result.code, summary: JSON.parse(result.stdout) };
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await rm(directory, { recursive: true, force: true });
});

async function post(path: string, body: unknown) {
  const response = await fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  // Parsed JSON body: tests read arbitrary fields from it.
  return { status: response.status, body: (await response.json()) as any };
}

async function storedHash(id: number): Promise<string | undefined> {
  const user = await (await database.db()).collection(USERS_COLLECTION).findOne({ id });
  return user?.password_hash;
}

/** A plain imported user: active, with every field, a generated username and the given hash format. */
function sampleUser(predicate: (user: FixtureUser) => boolean): FixtureUser {
  const found = fixture.users.find((user) => user.is_active && !user.legacyFields && !user.expectedSkip && /^user\d+$/.test(user.username) && predicate(user));
  if (!found) throw new Error('The fixture has no user that fits the sample.');
  return found;
}

const caseVariants = CASE_VARIANT_GROUPS.flat();

describe('migration from a Django dumpdata file', () => {
  it('imports every valid auth.user record', () => {
    const expectedUsers = fixture.users.filter((user) => !user.expectedSkip).length;

    expect(fixture.users.length).toBeGreaterThanOrEqual(1_000);
    expect(firstImport.code).toBe(1);
    expect(firstImport.summary).toMatchObject({ records: fixture.elements, imported: expectedUsers, unchanged: 0, updated: 0, skipped: 3 });
    expect(firstImport.summary.skippedByReason).toMatchObject({
      not_auth_user: { count: fixture.otherModels },
      invalid_username: { count: 1 },
      email_taken: { count: 1 },
    });
    expect(firstImport.summary.failedIndexes).toEqual([USERNAME_INDEX]);
  });

  it.each(HASH_FORMATS.filter((format) => format !== 'unusable'))('logs in with hash format %s', async (format) => {
    const user = sampleUser((candidate) => candidate.format === format);
    const imported = await storedHash(user.pk);

    const response = await post('/login', { username: user.username, password: user.password });

    expect(response.status).toBe(200);
    expect(response.body.user.id).toBe(user.pk);
    if (format === 'bcrypt_sha256') {
      // Already the current format at BCRYPT_ROUNDS=4, so the hash stays.
      expect(await storedHash(user.pk)).toBe(imported);
    } else {
      expect(await storedHash(user.pk)).toMatch(/^bcrypt_sha256\$\$2b\$04\$/);
    }
  });

  it('keeps the upgraded hash working', async () => {
    const user = sampleUser((candidate) => candidate.format === 'pbkdf2_sha1');

    const again = await post('/login', { username: user.username, password: user.password });
    const wrong = await post('/login', { username: user.username, password: `${user.password}x` });

    expect(again.status).toBe(200);
    expect(wrong.status).toBe(401);
  });

  it('logs in each user of a case-variant pair', async () => {
    const [lower, upper] = ['user_b', 'USER_B'].map((username) => fixture.users.find((user) => user.username === username)!);

    const lowerLogin = await post('/login', { username: 'user_b', password: lower!.password });
    const upperLogin = await post('/login', { username: 'USER_B', password: upper!.password });
    const neither = await post('/login', { username: 'User_B', password: upper!.password });

    expect(lowerLogin.status).toBe(200);
    expect(lowerLogin.body.user.id).toBe(lower!.pk);
    expect(upperLogin.status).toBe(200);
    expect(upperLogin.body.user.id).toBe(upper!.pk);
    expect(neither.status).toBe(401);
  });

  it('logs in a user with a blank email', async () => {
    const user = sampleUser((candidate) => candidate.email === '' && candidate.password !== null);

    const response = await post('/login', { username: user.username, password: user.password });

    expect(response.status).toBe(200);
    expect(response.body.user.email).toBe('');
  });

  it('logs in by an email with an upper-case domain', async () => {
    const user = sampleUser((candidate) => candidate.email.endsWith('@Example.COM') && candidate.password !== null);

    const response = await post('/login', { email: user.email.toLowerCase(), password: user.password });

    expect(response.status).toBe(200);
    expect(response.body.user.id).toBe(user.pk);
  });

  it('logs in a user whose record lacked newer fields', async () => {
    const user = fixture.users.find((candidate) => candidate.legacyFields && candidate.password !== null && !caseVariants.includes(candidate.username))!;

    const response = await post('/login', { username: user.username, password: user.password });

    expect(response.status).toBe(200);
    expect(response.body.user).toMatchObject({ is_active: true, is_superuser: false, first_name: '' });
  });

  it('rejects an unusable password', async () => {
    const user = sampleUser((candidate) => candidate.format === 'unusable');

    const response = await post('/login', { username: user.username, password: user.username });

    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('invalid_credentials');
  });

  it('rejects an inactive user with the right password', async () => {
    const user = fixture.users.find((candidate) => !candidate.is_active && candidate.password !== null)!;

    const response = await post('/login', { username: user.username, password: user.password });

    expect(response.status).toBe(401);
  });

  it('gives a signup an id above the imported ones', async () => {
    const highestPk = Math.max(...fixture.users.map((user) => user.pk));

    const response = await post('/signup', { username: 'after_migration', email: 'after@example.com', password: STRONG_PASSWORD });

    expect(response.status).toBe(201);
    expect(response.body.id).toBeGreaterThan(highestPk);
  });

  it('finds everything unchanged on a second import', async () => {
    const upgradedUser = sampleUser((candidate) => candidate.format === 'md5');
    const upgradedHash = await storedHash(upgradedUser.pk);

    const result = await runTool('import-django.ts', ['--json', fixture.path], { MONGODB_DB: database.name });
    const summary = JSON.parse(result.stdout);

    expect(summary).toMatchObject({ imported: 0, updated: 0, unchanged: firstImport.summary.imported, skipped: firstImport.summary.skipped });
    expect(summary.authUserInserted).toBe(0);
    expect(await storedHash(upgradedUser.pk)).toBe(upgradedHash);
    expect(upgradedHash).toMatch(/^bcrypt_sha256\$/);
  });
});
