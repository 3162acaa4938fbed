import {
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';

/** mongod's code for a unique index violation. */
export const DUPLICATE_KEY_CODE = 11000;

/**
 * Tells whether an error means the database cannot be reached right now, as opposed to a request
 * the database rejected. Such requests get 503 and may be retried.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoOperationTimeoutError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoTopologyClosedError ||
    // The driver does not export these two pool errors from its root.
    error.name === 'MongoWaitQueueTimeoutError' ||
    error.name === 'MongoPoolClosedError'
  );
}

/** Returns the fields of the unique index that a duplicate-key error names, or undefined for other errors. */
export function duplicateKeyFields(error: unknown): string[] | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, keyPattern, errmsg } = error as { code?: unknown; keyPattern?: unknown; errmsg?: unknown };
  if (code !== DUPLICATE_KEY_CODE) return undefined;
  if (keyPattern && typeof keyPattern === 'object') return Object.keys(keyPattern);

  // Servers before 4.4 and some proxies omit keyPattern, but the message still names the index.
  const message = typeof errmsg === 'string' ? errmsg : error.message;
  const indexName = /index: (\S+)/.exec(message)?.[1] ?? '';
  return [indexName.split('_')[0] ?? ''];
}
