import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { ConfigurationError, parseConfig } from '../lib/config';
import { resolveDatabase } from './database';
import { readOrCreateDevelopmentSecret } from './dev-secret';

/**
 * `npm start`: the embedded database (data under .data/db, unless MONGODB_URI names another server),
 * then serverless-offline on 127.0.0.1. Ctrl-C stops both.
 */
const DATA_DIRECTORY = '.data';
// The port `npm run db` uses too, so command-line tools reach a running `npm start` at a known address.
const EMBEDDED_DATABASE_PORT = 27017;

async function main(): Promise<void> {
  if (existsSync('.env')) loadDotenv({ path: '.env', quiet: true });

  const database = await resolveDatabase({ dbPath: join(DATA_DIRECTORY, 'db'), port: EMBEDDED_DATABASE_PORT });
  process.env.MONGODB_URI = database.uri;

  if (!process.env.JWT_SECRET) {
    process.env.JWT_SECRET = readOrCreateDevelopmentSecret(join(DATA_DIRECTORY, 'dev-jwt-secret'));
    console.warn(`JWT_SECRET is not set: using the development secret in ${DATA_DIRECTORY}/dev-jwt-secret. Never use it in a deployed stage.`);
  }
  try {
    parseConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    console.error(error.message);
    await database.stop();
    process.exit(2);
  }

  const serverless = spawn(
    process.execPath,
    [require.resolve('serverless/bin/serverless.js'), 'offline', 'start', '--stage', process.env.STAGE ?? 'dev'],
    {
      stdio: 'inherit',
      // Locally a burst of bcrypt hashes can outlast the 10 s Lambda timeout, and serverless-offline
      // 13 responds to such a request with 200 and its own error body, so offline runs wait instead.
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', OFFLINE_NO_TIMEOUT: process.env.OFFLINE_NO_TIMEOUT ?? 'true' },
    },
  );

  let stopping = false;
  const stop = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    if (serverless.exitCode === null) serverless.kill('SIGTERM');
    await database.stop();
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  serverless.on('exit', (code) => void stop(code ?? 0));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
