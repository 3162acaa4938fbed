import { randomBytes } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { inject } from 'vitest';

/** Returns a database name `<prefix>_<random hex>` for one test file. */
export function uniqueDatabaseName(prefix: string): string {
  const safePrefix = prefix.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40);
  return `${safePrefix}_${randomBytes(4).toString('hex')}`;
}

export interface TestDatabase {
  client: MongoClient;
  db: Db;
  /** Drops the database and closes the client. */
  cleanup(): Promise<void>;
}

/** Connects to the run's shared server and opens a fresh database for one test file. */
export async function openTestDatabase(prefix: string): Promise<TestDatabase> {
  const client = new MongoClient(inject('mongoUri'), { serverSelectionTimeoutMS: 5000 });
  await client.connect();
  const db = client.db(uniqueDatabaseName(prefix));
  return {
    client,
    db,
    cleanup: async () => {
      try {
        await db.dropDatabase();
      } finally {
        await client.close();
      }
    },
  };
}
