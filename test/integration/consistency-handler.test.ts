import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Db } from 'mongodb';
import { handler } from '../../functions/consistencyCheck';
import { logger } from '../../lib/logger';
import { lambdaContext } from '../helpers/http-events';
import { useTestDatabase } from '../helpers/service';
import { createIndexes, insertMirroredUsers, makeUser, readCounter, setCounter } from './consistency-fixtures';

const database = useTestDatabase('consistency_handler');

// What EventBridge sends when a schedule has no input.
const PLAIN_SCHEDULED_EVENT = {
  version: '0',
  id: 'c7e5e2a4-0000-4000-8000-000000000000',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2024-01-01T00:00:00Z',
  region: 'eu-west-1',
  resources: ['arn:aws:events:eu-west-1:123456789012:rule/consistency'],
  detail: {},
};

let db: Db;

beforeAll(async () => {
  db = await database.db();
  await createIndexes(db);
  await insertMirroredUsers(db, [makeUser(1, 'ann'), makeUser(2, 'ben'), makeUser(3, 'cy')]);
});

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Records what the function logs. The logger's own level cannot be raised here: on every invocation
 * after the first, the Powertools middleware resets it to LOG_LEVEL, which the tests set to silent.
 */
function recordLogs(): Array<{ level: string; message: string; attributes: Record<string, unknown> }> {
  const calls: Array<{ level: string; message: string; attributes: Record<string, unknown> }> = [];
  for (const level of ['info', 'warn', 'error'] as const) {
    vi.spyOn(logger, level).mockImplementation(((message: string, attributes: Record<string, unknown> = {}) => {
      calls.push({ level, message, attributes });
    }) as never);
  }
  return calls;
}

describe('consistencyCheck function', () => {
  it('only reports on a plain scheduled event', async () => {
    await setCounter(db, 1);

    const logs = recordLogs();

    const result = await handler(PLAIN_SCHEDULED_EVENT as never, lambdaContext('consistencyCheck'));

    expect(result.ok).toBe(false);
    expect(result.findings.counter_behind).toEqual({ count: 1, sample_ids: [3] });
    expect(result.repaired.counter_behind).toBe(0);
    expect(await readCounter(db)).toBe(1);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ level: 'warn', message: 'Consistency check finished: 1 findings remain' });
    expect(logs[0]?.attributes).toEqual(result);
  });

  it('repairs with repair: true', async () => {
    const logs = recordLogs();

    const result = await handler({ repair: true }, lambdaContext('consistencyCheck'));

    expect(result.ok).toBe(true);
    expect(result.repaired.counter_behind).toBe(1);
    expect(await readCounter(db)).toBe(3);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ level: 'info', message: 'Consistency check finished: nothing remains to fix' });
    expect(logs[0]?.attributes).toEqual(result);
  });
});
