import type { Db } from 'mongodb';
import { COUNTERS_COLLECTION, raiseUserIdCounter, USER_ID_COUNTER } from '../users';
import { attemptRepair } from './repairs';
import type { FindingTally } from './report';

/**
 * Reports counter_behind when the id counter is below the largest id stored, since the next signup
 * would then be given an id that is taken. The counter is read after the scan, so a signup during
 * the scan (which raises the counter before it inserts) cannot cause a false report. The repair
 * raises the counter with `$max`, which never lowers it and can run any number of times.
 */
export async function checkCounter(database: Db, maxId: number, options: { repair: boolean }, tally: FindingTally): Promise<void> {
  const counter = await database.collection<{ _id: string; seq?: unknown }>(COUNTERS_COLLECTION).findOne({ _id: USER_ID_COUNTER });
  const seq = typeof counter?.seq === 'number' ? counter.seq : 0;
  if (seq >= maxId) return;

  tally.record('counter_behind', maxId, COUNTERS_COLLECTION, `${USER_ID_COUNTER} is ${seq}, below the largest id ${maxId}`);
  if (!options.repair) return;

  const raised = await attemptRepair('counter_behind', { collection: COUNTERS_COLLECTION, id: USER_ID_COUNTER }, async () => {
    await raiseUserIdCounter(maxId);
    return true;
  });
  if (raised) tally.recordRepair('counter_behind');
}
