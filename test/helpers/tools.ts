import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const PROJECT_ROOT = join(__dirname, '..', '..');
const TSX_CLI = join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');

export interface ToolResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ToolRun {
  child: ChildProcess;
  /** Output so far. */
  stdout: () => string;
  stderr: () => string;
  result: Promise<ToolResult>;
}

/**
 * Starts an operator tool (a file in scripts/) as its own node process through tsx, in the project
 * folder unless `options.cwd` names another. The given environment is added to this process's
 * environment, which contains the test server's MONGODB_URI.
 */
export function startTool(
  script: string,
  args: string[],
  environment: Record<string, string | undefined> = {},
  options: { cwd?: string } = {},
): ToolRun {
  const child = spawn(process.execPath, [TSX_CLI, join(PROJECT_ROOT, 'scripts', script), ...args], {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: { ...process.env, LOG_LEVEL: 'WARN', ...environment },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const result = new Promise<ToolResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, result };
}

/** Runs an operator tool to the end with empty standard input. */
export async function runTool(
  script: string,
  args: string[],
  environment: Record<string, string | undefined> = {},
  options: { cwd?: string } = {},
): Promise<ToolResult> {
  const run = startTool(script, args, environment, options);
  run.child.stdin?.end();
  return run.result;
}
