import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { handler as loginHandler } from '../../functions/login';
import { USERS_COLLECTION } from '../../lib/users';
import { startMongoServer } from '../../mongo-server';
import { runCreateSuperuser } from '../../scripts/createsuperuser-command';
import { invoke } from '../helpers/http-events';
import { useTestDatabase } from '../helpers/service';
import { runTool } from '../helpers/tools';

const database = useTestDatabase('createsuperuser');
const toolEnvironment = { MONGODB_DB: database.name, BCRYPT_ROUNDS: '4', DJANGO_SUPERUSER_PASSWORD: undefined };
const PASSWORD = 'tiny horse rides 9x';

async function findUser(username: string) {
  return (await database.db()).collection(USERS_COLLECTION).findOne({ username });
}

function login(username: string, password: string) {
  return invoke(loginHandler, { method: 'POST', path: '/login', body: { username, password } });
}

describe('npm run createsuperuser -- --no-input', () => {
  it('creates a superuser', async () => {
    const result = await runTool('createsuperuser.ts', ['--no-input', '--username', 'boss', '--email', 'boss@Example.COM'], {
      ...toolEnvironment,
      DJANGO_SUPERUSER_PASSWORD: PASSWORD,
    });

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('Superuser created successfully.\n');
    expect(await findUser('boss')).toMatchObject({ email: 'boss@example.com', is_staff: true, is_superuser: true, is_active: true });
    expect((await login('boss', PASSWORD)).statusCode).toBe(200);
  });

  it('rejects a taken username', async () => {
    const result = await runTool('createsuperuser.ts', ['--no-input', '--username', 'BOSS'], { ...toolEnvironment, DJANGO_SUPERUSER_PASSWORD: PASSWORD });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Error: That username is already taken.\n');
  });

  it('applies the password validators', async () => {
    const result = await runTool('createsuperuser.ts', ['--no-input', '--username', 'weak'], { ...toolEnvironment, DJANGO_SUPERUSER_PASSWORD: '12345678' });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Error: This password is too common.\nError: This password is entirely numeric.\n');
    expect(await findUser('weak')).toBeNull();
  });

  it('names MONGODB_URI while npm start runs', async () => {
    // Without MONGODB_URI a tool opens the embedded database in .data/db, which a running server locks.
    const folder = await mkdtemp(join(tmpdir(), 'attendance-locked-'));
    const server = await startMongoServer({ port: 0, dbPath: join(folder, '.data', 'db') });
    try {
      const result = await runTool('createsuperuser.ts', ['--no-input', '--username', 'locked'], { ...toolEnvironment, MONGODB_URI: undefined, DJANGO_SUPERUSER_PASSWORD: PASSWORD }, { cwd: folder });

      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`The database folder .data/db is in use by process ${process.pid}`);
      expect(result.stderr).toContain('mongodb://127.0.0.1:27017 for `npm start`');
      expect(result.stderr).not.toContain('--dbpath');
    } finally {
      await server.stop();
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('needs a terminal to ask questions', async () => {
    const result = await runTool('createsuperuser.ts', [], toolEnvironment);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('standard input is not a terminal');
  });
});

describe('runCreateSuperuser with prompts', () => {
  function promptStreams(answers: string) {
    const input = new PassThrough();
    const output = new PassThrough();
    const errors = new PassThrough();
    let printed = '';
    let errorText = '';
    output.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    errors.on('data', (chunk: Buffer) => (errorText += chunk.toString()));
    input.end(answers);
    return { streams: { input, output, errors }, printed: () => printed, errorText: () => errorText };
  }

  it('asks again after each rejected answer', async () => {
    await (await database.db()).collection(USERS_COLLECTION).insertOne({ id: 9_999, username: 'taken', email: '', password_hash: '!' });
    const answers = [
      'bad name',
      'TAKEN',
      '',
      'not-an-email',
      'Chief@Example.COM',
      'one-secret-9Z',
      'two-secret-8Y',
      '12345678',
      '12345678',
      '   ',
      '   ',
      PASSWORD,
      PASSWORD,
    ];
    const session = promptStreams(`${answers.join('\n')}\n`);

    const code = await runCreateSuperuser({ interactive: true, defaultUsername: 'chief', streams: session.streams });

    expect(code).toBe(0);
    expect(session.errorText()).toBe(
      [
        'Error: Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.',
        'Error: That username is already taken.',
        'Error: Enter a valid email address.',
        "Error: Your passwords didn't match.",
        'This password is too common.',
        'This password is entirely numeric.',
        "Error: Blank passwords aren't allowed.",
        '',
      ].join('\n'),
    );
    expect(session.printed()).toBe(
      "Username (leave blank to use 'chief'): ".repeat(3) + 'Email address: '.repeat(2) + 'Password: Password (again): '.repeat(4) + 'Superuser created successfully.\n',
    );
    expect(await findUser('chief')).toMatchObject({ email: 'Chief@example.com', is_staff: true, is_superuser: true });
  });

  it('accepts a blank email', async () => {
    const session = promptStreams(`nomail\n\n${PASSWORD}\n${PASSWORD}\n`);

    const code = await runCreateSuperuser({ interactive: true, streams: session.streams });

    expect(code).toBe(0);
    expect(await findUser('nomail')).toMatchObject({ email: '' });
  });

  it('needs a password without prompts', async () => {
    const session = promptStreams('');

    const code = await runCreateSuperuser({ interactive: false, username: 'nopass', streams: session.streams });

    expect(code).toBe(2);
    expect(session.errorText()).toBe('Error: Set DJANGO_SUPERUSER_PASSWORD to the password when using --no-input.\n');
    expect(await findUser('nopass')).toBeNull();
  });

  it('cancels when the input ends', async () => {
    const session = promptStreams('quitter\n');

    const code = await runCreateSuperuser({ interactive: true, streams: session.streams });

    expect(code).toBe(1);
    expect(session.errorText()).toBe('\nOperation cancelled.\n');
    expect(await findUser('quitter')).toBeNull();
  });
});

describe('npm run createsuperuser on a terminal', () => {
  // util-linux `script` runs the tool on a pseudo-terminal, as a person would at a shell.
  it.skipIf(!existsSync('/usr/bin/script'))('hides the password', async () => {
    const projectRoot = join(__dirname, '..', '..');
    const command = `${process.execPath} ${join(projectRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs')} scripts/createsuperuser.ts`;
    const child = spawn('/usr/bin/script', ['-qfec', command, '/dev/null'], {
      cwd: projectRoot,
      env: { ...process.env, ...toolEnvironment, LOG_LEVEL: 'WARN' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const answerAfter = async (prompt: string, answer: string) => {
      const deadline = Date.now() + 20_000;
      while (!screen.endsWith(prompt) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      child.stdin.write(`${answer}\r`);
    };

    await answerAfter('): ', 'ptyboss');
    await answerAfter('Email address: ', 'pty@example.com');
    await answerAfter('Password: ', 'pty secret horse 7');
    await answerAfter('Password (again): ', 'pty secret horse 7');
    const code = await exited;

    expect(code).toBe(0);
    expect(screen).toContain('ptyboss');
    expect(screen).toContain('Superuser created successfully.');
    expect(screen).not.toContain('pty secret horse 7');
    expect(await findUser('ptyboss')).toMatchObject({ is_superuser: true });
  });
});
