import { getConfig } from '../config';
import { getDatabase } from '../mongo-client';
import { checkCounter } from './counter';
import { checkDuplicates } from './duplicates';
import { checkIndexes } from './indexes';
import { FindingTally, type ConsistencyReport, type SampleNote } from './report';
import { scanUsers } from './scan';

export { FINDING_KINDS, logReport, MAX_SAMPLE_IDS, remainingCount, type ConsistencyReport, type FindingKind, type SampleNote } from './report';

export type CheckPhase = 'indexes' | 'duplicates' | 'users' | 'counter';

export interface CheckOptions {
  /** Repair what the rules allow; without it the check only reads. */
  repair?: boolean;
  /** Called as the check moves on: at each phase, and every few thousand users while scanning. */
  onProgress?: (phase: CheckPhase, scanned?: number) => void;
}

export interface CheckResult {
  report: ConsistencyReport;
  /** The reason for each sampled finding, naming fields only. */
  notes: SampleNote[];
}

/**
 * Checks `Attendancetracker.users` and, while AUTH_USER_MIRROR is true, Django's `auth_user` for
 * drift, and repairs it when asked. It uses the container's shared client and leaves it open.
 * Indexes are repaired first, so that users copied later are checked by the unique indexes, and the
 * duplicate search runs only for a unique index that is still missing.
 */
export async function runConsistencyCheck(options: CheckOptions = {}): Promise<CheckResult> {
  const startedAt = performance.now();
  const { authUserMirror: mirror, bcryptRounds } = getConfig();
  const repair = options.repair ?? false;
  const database = await getDatabase();
  const tally = new FindingTally();

  options.onProgress?.('indexes');
  const missingIndexes = await checkIndexes(database, { mirror, repair }, tally);

  options.onProgress?.('duplicates');
  await checkDuplicates(database, missingIndexes, tally);

  options.onProgress?.('users', 0);
  const maxId = await scanUsers(database, { mirror, repair, bcryptRounds, onProgress: (scanned) => options.onProgress?.('users', scanned) }, tally);

  options.onProgress?.('counter');
  await checkCounter(database, maxId, { repair }, tally);

  return { report: tally.toReport(Math.round(performance.now() - startedAt)), notes: tally.sampleNotes() };
}
