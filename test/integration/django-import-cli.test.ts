import { spawn } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_USER_COLLECTION } from '../../lib/auth-user';
import { importDjangoUsers } from '../../lib/django-import';
import { COUNTERS_COLLECTION, USER_ID_COUNTER, USERS_COLLECTION } from '../../lib/users';
import { writeDumpdataFile, type DumpdataFixture } from '../helpers/django-fixtures';
import { useTestDatabase } from '../helpers/service';
import { runTool, startTool } from '../helpers/tools';

const database = useTestDatabase('django_import_cli');
// The killed and resumed import runs in a second database, to compare with a clean run in the first.
const resumedName = `${database.name}_resumed`;
let directory: string;
let client: MongoClient;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'django-import-cli-'));
  client = await new MongoClient(process.env.MONGODB_URI ?? '').connect();
});

afterAll(async () => {
  await client.db(resumedName).dropDatabase();
  await client.close();
  await rm(directory, { recursive: true, force: true });
});

/** Every user of both collections without `_id`, and the id counter. */
async function snapshot(db: Db) {
  const documents = await db.collection(USERS_COLLECTION).find({}, { projection: { _id: 0 } }).sort({ id: 1 }).toArray();
  const mirrored = await db.collection(AUTH_USER_COLLECTION).find({}, { projection: { _id: 0 } }).sort({ id: 1 }).toArray();
  const counter = await db.collection(COUNTERS_COLLECTION).findOne({ _id: USER_ID_COUNTER as never });
  return { documents, mirrored, counter: counter?.seq };
}

describe('npm run import-django', () => {
  it('exits 0 with a summary when every record imports', async () => {
    const file = join(directory, 'clean.json');
    const fields = { password: 'md5$salt$0123456789abcdef0123456789abcdef', username: 'solo', email: '', date_joined: '2020-01-01T00:00:00' };
    await writeFile(file, JSON.stringify([{ model: 'auth.user', pk: 41, fields }]));

    const result = await runTool('import-django.ts', [file], { MONGODB_DB: `${database.name}_clean` });
    await client.db(`${database.name}_clean`).dropDatabase();

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Import finished: ${file}, 1 record read\n  imported  1\n  unchanged 0\n  updated   0\n  skipped   0\n`);
    // Progress goes to a terminal only.
    expect(result.stderr).not.toContain('importing');
  });

  it('exits 2 when the file is missing', async () => {
    const result = await runTool('import-django.ts', [join(directory, 'missing.json')], { MONGODB_DB: database.name });

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`import-django: cannot read ${join(directory, 'missing.json')}`);
  });
});

describe('an import process killed midway', () => {
  let fixture: DumpdataFixture;

  beforeAll(async () => {
    // MD5 hashes only: this test is about stopping and resuming, not about hash formats.
    fixture = await writeDumpdataFile(join(directory, 'users.json'), { users: 2_000, formats: ['md5'] });
  });

  // Three imports of 2,000 users and two tool start-ups.
  it('ends as one clean run after a rerun', { timeout: 120_000 }, async () => {
    const clean = await importDjangoUsers(createReadStream(fixture.path));
    const resumedDb = client.db(resumedName);

    // The first half of the file arrives on standard input, which stays open, so the kill always
    // lands in the middle of the import.
    const killed = startTool('import-django.ts', ['--batch-size', '25', '-'], { MONGODB_DB: resumedName });
    const text = await readFile(fixture.path, 'utf8');
    killed.child.stdin?.write(text.slice(0, text.length / 2));
    const deadline = Date.now() + 60_000;
    while ((await resumedDb.collection(USERS_COLLECTION).countDocuments()) < 300 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    killed.child.kill('SIGKILL');
    const stopped = await killed.result;
    const partial = await resumedDb.collection(USERS_COLLECTION).countDocuments();
    const rerun = await runTool('import-django.ts', ['--json', fixture.path], { MONGODB_DB: resumedName });
    const summary = JSON.parse(rerun.stdout);

    expect(stopped.signal).toBe('SIGKILL');
    expect(partial).toBeGreaterThanOrEqual(300);
    expect(partial).toBeLessThan(clean.imported);
    // The fixture holds records that are always skipped, so a finished run exits 1.
    expect(rerun.code).toBe(1);
    expect(summary.imported + summary.unchanged).toBe(clean.imported);
    expect(summary.skippedByReason).toEqual(JSON.parse(JSON.stringify(clean.skippedByReason)));
    expect(await snapshot(resumedDb)).toEqual(await snapshot(await database.db()));
  });
});

describe('npm run import-django on a terminal', () => {
  // util-linux `script` gives the tool a pseudo-terminal, as an operator's shell would.
  it.skipIf(!existsSync('/usr/bin/script'))('shows progress', async () => {
    const file = join(directory, 'progress.json');
    const fields = { password: '!unusable', username: 'watched', email: '', date_joined: '2020-01-01T00:00:00' };
    await writeFile(file, JSON.stringify([{ model: 'auth.user', pk: 5, fields }]));
    const projectRoot = join(__dirname, '..', '..');
    const command = `${process.execPath} ${join(projectRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs')} scripts/import-django.ts ${file}`;

    const child = spawn('/usr/bin/script', ['-qfec', command, '/dev/null'], {
      cwd: projectRoot,
      env: { ...process.env, MONGODB_DB: `${database.name}_tty`, LOG_LEVEL: 'WARN' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    await client.db(`${database.name}_tty`).dropDatabase();

    expect(code).toBe(0);
    expect(screen).toContain('\r\x1b[Kimporting 100%: 1 records read, 1 imported, 0 unchanged, 0 updated, 0 skipped');
    expect(screen).toContain('Import finished');
  });
});
