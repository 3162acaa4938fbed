import type { Readable } from 'node:stream';
import { streamArray } from 'stream-json/streamers/stream-array.js';
import { insertMissingAuthUsers } from '../auth-user';
import { getConfig } from '../config';
import {
  completeUserImport,
  dropUsernameIndex,
  findUsersByIds,
  findUsersMatchingNames,
  prepareUserImport,
  type MigratedUser,
  raiseUserIdCounter,
  type UserWrite,
  writeUsers,
} from '../users';
import { planRecord } from './plan';
import { type DjangoUserRecord, parseDumpRecord, type SkippedRecord, type SkipReason } from './records';

export { SKIP_REASON_DESCRIPTIONS, type SkippedRecord, type SkipReason } from './records';

/** Records read per database round trip: large enough to keep 100,000 users fast, small enough to stay light. */
export const DEFAULT_BATCH_SIZE = 500;

/** Skipped records kept per reason for the summary; the counts stay exact past it. */
export const DEFAULT_MAX_EXAMPLES = 100;

export interface ImportOptions {
  /** Records per batch; each batch is one read and one bulk write. */
  batchSize?: number;
  /** Stops the import after the batch being written; the summary then has `interrupted: true`. */
  signal?: AbortSignal;
  /** Called after each batch with the counts so far. */
  onProgress?: (counts: ImportCounts) => void;
  maxExamplesPerReason?: number;
  /**
   * Drops the case-insensitive username index before loading, so that Django usernames differing
   * only in letter case are all kept even when the service has already built the index.
   */
  allowCaseVariants?: boolean;
}

export interface ImportCounts {
  /** Elements of the array read so far. */
  records: number;
  imported: number;
  unchanged: number;
  updated: number;
  skipped: number;
}

/** Skipped records of one reason: the exact count, and the first records up to maxExamplesPerReason. */
export interface SkippedGroup {
  count: number;
  examples: SkippedRecord[];
}

export interface ImportSummary extends ImportCounts {
  skippedByReason: Partial<Record<SkipReason, SkippedGroup>>;
  /** True when the signal stopped the import before the end of the file. */
  interrupted: boolean;
  /** Highest id among the records read; the id counter is at least this high. */
  highestId: number;
  /** Indexes of Attendancetracker.users that could not be built after the import (none when interrupted). */
  failedIndexes: string[];
  /** True when allowCaseVariants dropped the username index. */
  droppedUsernameIndex: boolean;
  /** Copies inserted into Django's `auth_user` because AUTH_USER_MIRROR is on; null when it is off. */
  authUserInserted: number | null;
}

/** The state of one import run besides its summary. */
interface ImportState {
  summary: ImportSummary;
  addSkipped: (skipped: SkippedRecord) => void;
  /** Ids whose tracker document is this file's user, once imported, updated or found unchanged. */
  matchedIds: Set<number>;
}

/**
 * Imports the JSON array that `python manage.py dumpdata auth.user` writes into
 * Attendancetracker.users, streaming it so that memory stays flat however many users it holds.
 *
 * Each record keeps its id (`pk`) and verbatim hash. The import is idempotent: a rerun of the same
 * file finds every user unchanged and writes nothing. It can be interrupted at any point, because
 * the id counter is raised before each batch is written and every write is independent of the
 * others. A rerun then ends in the same state as one uninterrupted run. The case-insensitive username index is built
 * only after the last record, so that legacy usernames differing only in letter case both load.
 *
 * With AUTH_USER_MIRROR on, every user of the file that the tracker now holds also gets its
 * `auth_user` copy when `auth_user` lacks that id; existing `auth_user` documents stay as they are.
 *
 * Throws when the input is not a JSON array or the database fails; batches written before then stay.
 */
export async function importDjangoUsers(source: Readable, options: ImportOptions = {}): Promise<ImportSummary> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const summary: ImportSummary = {
    records: 0,
    imported: 0,
    unchanged: 0,
    updated: 0,
    skipped: 0,
    skippedByReason: {},
    interrupted: false,
    highestId: 0,
    failedIndexes: [],
    droppedUsernameIndex: false,
    authUserInserted: getConfig().authUserMirror ? 0 : null,
  };
  const maxExamples = options.maxExamplesPerReason ?? DEFAULT_MAX_EXAMPLES;
  const addSkipped = (skipped: SkippedRecord) => {
    summary.skipped += 1;
    const group = (summary.skippedByReason[skipped.reason] ??= { count: 0, examples: [] });
    group.count += 1;
    if (group.examples.length < maxExamples) group.examples.push(skipped);
  };

  if (options.allowCaseVariants) summary.droppedUsernameIndex = await dropUsernameIndex();
  await prepareUserImport();

  const state: ImportState = { summary, addSkipped, matchedIds: new Set() };
  const seenIds = new Set<number>();
  let batch: DjangoUserRecord[] = [];
  const flush = async () => {
    await applyBatch(batch, state);
    batch = [];
    options.onProgress?.(countsOf(summary));
  };

  // Packed values only: the streamer reads no other tokens, and skipping the streamed string chunks
  // makes parsing about 2.5 times faster.
  const elements = source.pipe(streamArray.withParserAsStream({ streamValues: false }));
  source.once('error', (error) => elements.destroy(error));
  try {
    for await (const { key, value } of elements as AsyncIterable<{ key: number; value: unknown }>) {
      if (options.signal?.aborted) {
        summary.interrupted = true;
        break;
      }
      summary.records += 1;

      const parsed = parseDumpRecord(value, key);
      if ('skipped' in parsed) {
        addSkipped(parsed.skipped);
        continue;
      }
      const { id, username } = parsed.record.user;
      if (seenIds.has(id)) {
        addSkipped({ reason: 'duplicate_pk', position: key, pk: id, username, detail: `pk ${id} appears earlier in the file` });
        continue;
      }
      seenIds.add(id);
      summary.highestId = Math.max(summary.highestId, id);

      batch.push(parsed.record);
      if (batch.length >= batchSize) await flush();
    }
  } finally {
    source.unpipe(elements);
    source.destroy();
  }

  if (!summary.interrupted && !options.signal?.aborted) {
    await flush();
    summary.failedIndexes = (await completeUserImport()).failed;
  } else {
    summary.interrupted = true;
  }
  return summary;
}

function countsOf(summary: ImportSummary): ImportCounts {
  const { records, imported, unchanged, updated, skipped } = summary;
  return { records, imported, unchanged, updated, skipped };
}

/** Writes one batch: raises the id counter, reads the existing users, then writes only what differs. */
async function applyBatch(batch: DjangoUserRecord[], state: ImportState): Promise<void> {
  if (batch.length === 0) return;
  const { summary: counts, addSkipped, matchedIds } = state;

  // Raised before writing, so that even a crash mid-batch never leaves an imported id above the counter.
  await raiseUserIdCounter(Math.max(...batch.map((record) => record.user.id)));

  const existing = new Map((await findUsersByIds(batch.map((record) => record.user.id))).map((user) => [user.id, user]));
  const now = new Date();
  const writes: UserWrite[] = [];
  const written: { record: DjangoUserRecord; outcome: 'imported' | 'updated'; stored: MigratedUser }[] = [];
  // The tracker's documents of this batch's users once written, for the auth_user mirror.
  const stored: MigratedUser[] = [];
  for (const record of batch) {
    const current = existing.get(record.user.id);
    const plan = planRecord(record, current, now);
    if (plan.outcome === 'skipped') {
      addSkipped(plan.skipped);
      continue;
    }
    if (plan.outcome === 'unchanged') {
      counts.unchanged += 1;
      matchedIds.add(record.user.id);
      if (current) stored.push(current);
      continue;
    }
    writes.push(plan.write);
    const after = 'insert' in plan.write ? plan.write.insert : ({ ...current, ...plan.write.update.set } as MigratedUser);
    written.push({ record, outcome: plan.outcome, stored: after });
  }

  const failures = await writeUsers(writes);
  for (const [index, { record, outcome, stored: after }] of written.entries()) {
    const failure = failures.get(index);
    if (!failure) {
      counts[outcome] += 1;
      matchedIds.add(record.user.id);
      stored.push(after);
      continue;
    }
    addSkipped(await describeRejection(record, failure.field, failure.message, matchedIds));
  }

  if (state.summary.authUserInserted !== null) state.summary.authUserInserted += await insertMissingAuthUsers(stored);
}

/** Builds the skip entry of a record that a unique index rejected, naming the user it collides with. */
async function describeRejection(
  record: DjangoUserRecord,
  field: 'id' | 'username' | 'email' | undefined,
  message: string,
  matchedIds: ReadonlySet<number>,
): Promise<SkippedRecord> {
  const { id, username, email } = record.user;
  const base = { position: record.position, pk: id, username };
  if (field === 'id') {
    return { ...base, reason: 'id_taken', detail: `id ${id} was taken while the import ran; run the import again` };
  }
  if (field === undefined) return { ...base, reason: 'rejected', detail: message };

  const value = field === 'username' ? username : email;
  const others = await findUsersMatchingNames({ username, email });
  const other = others.find((user) => user.id !== id && user[field].toLowerCase() === value.toLowerCase()) ?? others.find((user) => user.id !== id);
  const owner = other ? `user ${other.id} ("${other.username}")` : 'another user';
  if (field === 'email') {
    return { ...base, reason: 'email_taken', detail: `email "${email}" equals the email of ${owner}, ignoring letter case` };
  }
  // Both users come from this file: a legacy pair that only the username index keeps apart.
  const legacyPair = other !== undefined && matchedIds.has(other.id) ? '; both are Django users: rerun with --allow-case-variants to keep both' : '';
  return {
    ...base,
    reason: 'username_taken',
    detail: `username "${username}" equals the username "${other?.username ?? '?'}" of ${owner}, ignoring letter case${legacyPair}`,
  };
}
