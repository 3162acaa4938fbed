import { inject } from 'vitest';

/*
 * Runs in every test worker before its test files. Service code connects through MONGODB_URI, so it
 * reaches the server that test/global-setup.ts chose for the run.
 *
 * Convention: every test file works in its own database, named with a random suffix (see
 * uniqueDatabaseName in test/helpers/database.ts), and drops it when done. Files then run in parallel
 * against the one shared server without seeing each other's data.
 */
process.env.MONGODB_URI = inject('mongoUri');

// Fast password hashing and quiet logs; a value set by the caller wins.
process.env.BCRYPT_ROUNDS ??= '4';
process.env.LOG_LEVEL ??= 'silent';
