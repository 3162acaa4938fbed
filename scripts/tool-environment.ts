import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { config as loadDotenv } from 'dotenv';
import { getConfig } from '../lib/config';
import { isDatabaseUnavailable } from '../lib/database-errors';
import { logger } from '../lib/logger';
import { closeMongoClient } from '../lib/mongo-client';
import { redactCredentials, resolveDatabase } from './database';

/** Exit code of an operator tool that could not run at all: bad arguments, configuration or database. */
export const EXIT_CANNOT_RUN = 2;

export interface ToolDatabase {
  /** Closes the service's MongoClient, then stops the embedded server if this process started it. */
  close(): Promise<void>;
}

/**
 * Prepares an operator tool to call the service's modules: reads `.env` as `npm start` does, resolves
 * the database (MONGODB_URI, else the embedded server on the data of `npm start` in .data/db), and
 * checks the configuration. Unless LOG_LEVEL is set, the service's JSON logs are limited to WARN and
 * above, which go to stderr, so that a tool's own output stays readable.
 *
 * The embedded server locks its data directory, so while `npm start` runs a tool must reach its
 * server through MONGODB_URI. The lock error is extended to name that URI.
 */
export async function openToolDatabase(): Promise<ToolDatabase> {
  if (existsSync('.env')) loadDotenv({ path: '.env', quiet: true });
  if (!process.env.LOG_LEVEL) logger.setLogLevel('WARN');
  // The tools issue no access tokens, but the service's configuration requires a secret.
  if (!process.env.JWT_SECRET) process.env.JWT_SECRET = randomBytes(48).toString('base64');

  const database = await resolveDatabase({ dbPath: join('.data', 'db') }).catch((error: unknown) => {
    const owner = error instanceof Error ? / is in use by process (\d+)/.exec(error.message)?.[1] : undefined;
    if (owner !== undefined) {
      // The server's own message suggests --dbpath, which the tools do not take.
      throw new Error(
        `The database folder .data/db is in use by process ${owner} (\`npm start\` or \`npm run db\`). ` +
          'Run this tool with MONGODB_URI set to that server: mongodb://127.0.0.1:27017 for `npm start`, ' +
          'or the URI that `npm run db` printed.',
        { cause: error },
      );
    }
    throw error;
  });
  process.env.MONGODB_URI = database.uri;
  try {
    getConfig();
  } catch (error) {
    await database.stop();
    throw error;
  }

  return {
    close: async () => {
      await closeMongoClient();
      await database.stop();
    },
  };
}

/** Builds the one-line message of an error that stopped a tool: what failed and what to do next. */
export function describeToolError(error: unknown): string {
  if (isDatabaseUnavailable(error)) {
    const uri = redactCredentials(process.env.MONGODB_URI ?? '');
    return `could not reach the database at ${uri}: ${(error as Error).message}. Check MONGODB_URI and that the server is running.`;
  }
  return error instanceof Error ? error.message : String(error);
}
