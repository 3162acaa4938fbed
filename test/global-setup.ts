import type { TestProject } from 'vitest/node';
import { resolveDatabase } from '../scripts/database';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection string of the database server shared by the whole test run. */
    mongoUri: string;
  }
}

/**
 * Resolves one database server for the whole vitest run: MONGODB_URI when set, otherwise the embedded
 * server started here and stopped when the run ends. Test workers read the URI through inject('mongoUri').
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const database = await resolveDatabase();
  project.provide('mongoUri', database.uri);
  return () => database.stop();
}
