/** mongod's code for a unique index violation. */
export const DUPLICATE_KEY_CODE = 11000;

/**
 * Driver errors that mean the database cannot be reached. Subclasses count too, such as
 * MongoNetworkTimeoutError and the pool-cleared errors under MongoNetworkError.
 */
const UNAVAILABLE_ERROR_CLASSES = new Set([
  'MongoNetworkError',
  'MongoServerSelectionError',
  'MongoOperationTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  // The driver does not export these two pool errors from its root.
  'MongoWaitQueueTimeoutError',
  'MongoPoolClosedError',
]);

/**
 * Tells whether an error means the database cannot be reached right now, as opposed to a request
 * the database rejected. Such requests get 503 and may be retried.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return errorClassNames(error).some((name) => UNAVAILABLE_ERROR_CLASSES.has(name));
}

/**
 * Returns the `name` of each class in an error's prototype chain, from its own class up to Error.
 * The driver's error classes each define `name` as a getter that returns a string literal, so the
 * names survive minification. Matching names instead of using `instanceof` keeps the driver out of
 * the bundles that share only the HTTP error handling, such as the pages and the OpenAPI document.
 */
function errorClassNames(error: Error): string[] {
  const names: string[] = [];
  for (let prototype = Object.getPrototypeOf(error); prototype !== null; prototype = Object.getPrototypeOf(prototype)) {
    const descriptor = Object.getOwnPropertyDescriptor(prototype, 'name');
    const name: unknown = descriptor?.get ? descriptor.get.call(error) : descriptor?.value;
    if (typeof name === 'string') names.push(name);
  }
  return names;
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
