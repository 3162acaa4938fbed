import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import { FINDING_KINDS } from '../../lib/consistency';
import { useTestDatabase } from '../helpers/service';
import { authUsersOf, createIndexes, insertMirroredUsers, makeUser, readCounter, setCounter } from './consistency-fixtures';

const database = useTestDatabase('consistency_cli');

const ROOT = join(__dirname, '..', '..');

interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `npm run consistency-check` as a child process, as an operator would, without npm's own output. */
function runCli(args: string[], environment: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts', 'consistency-check.ts'), ...args],
      {
        cwd: ROOT,
        env: { ...process.env, MONGODB_DB: database.name, LOG_LEVEL: 'WARN', ...environment },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ exitCode: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Parses stdout, which must be exactly one JSON object on one line. */
function parseJsonOutput(stdout: string) {
  const lines = stdout.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!);
}

let db: Db;

beforeAll(async () => {
  db = await database.db();
  await createIndexes(db);
  await insertMirroredUsers(db, [makeUser(1, 'ann'), makeUser(2, 'ben'), makeUser(3, 'cy')]);
});

describe('npm run consistency-check', () => {
  it('exits 0 with a clean report', async () => {
    const run = await runCli(['--json']);

    expect(run.exitCode).toBe(0);
    const report = parseJsonOutput(run.stdout);
    expect(Object.keys(report)).toEqual(['ok', 'findings', 'repaired', 'duration_ms']);
    expect(report.ok).toBe(true);
    expect(Object.keys(report.findings)).toEqual([...FINDING_KINDS]);
    expect(report.findings.field_mismatch).toEqual({ count: 0, sample_ids: [] });
    expect(report.duration_ms).toEqual(expect.any(Number));
  });

  it('exits 1 when findings remain', async () => {
    await authUsersOf(db).deleteOne({ id: 2 });
    await setCounter(db, 1);

    const run = await runCli(['--json']);

    expect(run.exitCode).toBe(1);
    const report = parseJsonOutput(run.stdout);
    expect(report.ok).toBe(false);
    expect(report.findings.missing_in_auth_user).toEqual({ count: 1, sample_ids: [2] });
    expect(report.findings.counter_behind).toEqual({ count: 1, sample_ids: [3] });
    expect(report.repaired.missing_in_auth_user).toBe(0);
  });

  it('exits 0 after repairing everything', async () => {
    const run = await runCli(['--repair', '--json']);

    expect(run.exitCode).toBe(0);
    const report = parseJsonOutput(run.stdout);
    expect(report.ok).toBe(true);
    expect(report.repaired.missing_in_auth_user).toBe(1);
    expect(report.repaired.counter_behind).toBe(1);
    expect(await authUsersOf(db).countDocuments({ id: 2 })).toBe(1);
    expect(await readCounter(db)).toBe(3);
  });

  it('prints a table without --json', async () => {
    await setCounter(db, 2);

    const run = await runCli([]);

    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/^kind\s+found\s+repaired\s+remaining\s+sample ids$/m);
    expect(run.stdout).toMatch(/^counter_behind\s+1\s+-\s+1\s+3$/m);
    expect(run.stdout).toContain('1 findings remain. Run with --repair');
  });

  it('exits 2 when the database is unreachable', async () => {
    // Nothing listens on port 9 (discard) on a usual machine, so the connection is refused at once.
    const run = await runCli(['--json'], { MONGODB_URI: 'mongodb://127.0.0.1:9' });

    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('could not reach the database at mongodb://127.0.0.1:9');
  });

  it('exits 2 on an unknown option', async () => {
    const run = await runCli(['--fix']);

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("Unknown option '--fix'");
  });
});
