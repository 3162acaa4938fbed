import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';

// Embedded server only: runs the CLI as a child process.
const cliPath = join(__dirname, '..', 'cli.ts');

interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

function runCli(args: string[], whileRunning?: (uri: string) => Promise<void>): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let started = false;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    const line = stdout.split('\n').find((candidate) => candidate.startsWith('mongodb://'));
    if (line && !started && whileRunning) {
      started = true;
      whileRunning(line.trim()).finally(() => child.kill('SIGTERM'));
    }
  });
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ stdout, stderr, code, signal }));
  });
}

describe('npm run db', () => {
  it('rejects an unknown flag with exit code 2', async () => {
    const run = await runCli(['--bogus']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Unknown option '--bogus'");
    expect(run.stderr).toContain('Usage:');
  });

  it('rejects an invalid port', async () => {
    const run = await runCli(['--port', 'abc']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Invalid --port 'abc'");
  });

  it('prints the URI and stops on SIGTERM', async () => {
    let pinged: unknown;
    const run = await runCli(['--port', '0'], async (uri) => {
      const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000 });
      try {
        pinged = await client.db('admin').command({ ping: 1 });
      } finally {
        await client.close();
      }
    });
    expect(pinged).toEqual({ ok: 1 });
    expect(run.stdout).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\n$/);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('received SIGTERM');
  });
});
