import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

const PROJECT_ROOT = join(__dirname, '..', '..');
const SERVERLESS_BIN = join(PROJECT_ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js');
// Bundling four functions and starting takes about 10 s on two cores; allow for a loaded machine.
const START_TIMEOUT_MS = 120_000;

export interface OfflineServer {
  baseUrl: string;
  output: () => string;
  stop: () => Promise<void>;
}

/** Returns a TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts `serverless offline` as its own node process on free ports, with a build folder of its own,
 * and resolves once it accepts requests. Stopping signals that process directly (not a wrapper such
 * as npx, which would leave it running).
 */
export async function startOffline(environment: Record<string, string> = {}): Promise<OfflineServer> {
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  const workFolder = `.esbuild-test-${randomBytes(4).toString('hex')}`;
  let output = '';

  const child: ChildProcess = spawn(process.execPath, [SERVERLESS_BIN, 'offline', 'start', '--stage', 'test'], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      SLS_TELEMETRY_DISABLED: '1',
      PORT: String(httpPort),
      OFFLINE_LAMBDA_PORT: String(lambdaPort),
      ESBUILD_WORK_FOLDER: workFolder,
      // A loaded CI machine can push a handler past the 10 s function timeout.
      OFFLINE_NO_TIMEOUT: 'true',
      ...environment,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(join(PROJECT_ROOT, workFolder), { recursive: true, force: true });
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!/Server ready/.test(output)) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`serverless offline exited with ${child.exitCode}:\n${output}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`serverless offline did not start within ${START_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  return { baseUrl: `http://127.0.0.1:${httpPort}`, output: () => output, stop };
}
