import {
  MongoError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoParseError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';
import { describe, expect, it } from 'vitest';
import { duplicateKeyFields, isDatabaseUnavailable } from '../../lib/database-errors';

// The driver does not export its pool errors from its root, so the test loads their own module.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const poolErrors = require('mongodb/lib/cmap/errors') as Record<string, new (...args: any[]) => Error>;

const pool = { address: '127.0.0.1:27017', serverError: new MongoNetworkError('connection reset') };

describe('isDatabaseUnavailable', () => {
  it.each([
    ['MongoNetworkError', new MongoNetworkError('connection reset')],
    ['MongoNetworkTimeoutError', new MongoNetworkTimeoutError('timed out')],
    ['MongoServerSelectionError', new MongoServerSelectionError('no server', {} as never)],
    ['MongoOperationTimeoutError', new MongoOperationTimeoutError('timed out')],
    ['MongoNotConnectedError', new MongoNotConnectedError('not connected')],
    ['MongoTopologyClosedError', new MongoTopologyClosedError()],
    ['PoolClearedError', new poolErrors.PoolClearedError!(pool)],
    ['PoolClearedOnNetworkError', new poolErrors.PoolClearedOnNetworkError!(pool)],
    ['WaitQueueTimeoutError', new poolErrors.WaitQueueTimeoutError!('wait queue timed out', pool.address)],
    ['PoolClosedError', new poolErrors.PoolClosedError!(pool)],
  ])('%s means unavailable', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['MongoServerError', new MongoServerError({ message: 'E11000 duplicate key error', code: 11000 })],
    ['MongoParseError', new MongoParseError('invalid connection string')],
    ['MongoError', new MongoError('failed')],
    ['TypeError', new TypeError('x is not a function')],
    ['an error renamed by hand', Object.assign(new Error('failed'), { name: 'SomethingElse' })],
  ])('%s does not', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it('non-errors do not', () => {
    expect(isDatabaseUnavailable({ name: 'MongoNetworkError' })).toBe(false);
    expect(isDatabaseUnavailable('MongoNetworkError')).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});

describe('duplicateKeyFields', () => {
  it('reads keyPattern', () => {
    const error = new MongoServerError({ message: 'E11000', code: 11000, keyPattern: { username: 1 } });

    expect(duplicateKeyFields(error)).toEqual(['username']);
  });

  it('reads the index name without keyPattern', () => {
    const error = new MongoServerError({
      message: 'E11000 duplicate key error collection: db.users index: email_1 dup key: { email: "a@b.c" }',
      code: 11000,
    });

    expect(duplicateKeyFields(error)).toEqual(['email']);
  });

  it('ignores other errors', () => {
    expect(duplicateKeyFields(new MongoServerError({ message: 'failed', code: 2 }))).toBeUndefined();
    expect(duplicateKeyFields(new Error('E11000'))).toBeUndefined();
  });
});
