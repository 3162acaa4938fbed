import { logger } from '../logger';

/** The kinds of drift the consistency check reports, under the names its output and logs use. */
export const FINDING_KINDS = [
  'missing_index',
  'invalid_document',
  'duplicate_username',
  'duplicate_email',
  'counter_behind',
  'missing_in_users',
  'missing_in_auth_user',
  'field_mismatch',
] as const;

export type FindingKind = (typeof FINDING_KINDS)[number];

/**
 * What a finding points at. That is a user id, or the `_id` in hex for a document without a usable
 * `id`, or for missing_index the collection and index name.
 */
export type SampleId = number | string;

/** Sample ids kept per kind, so that a report stays small however much drift there is. */
export const MAX_SAMPLE_IDS = 20;

export interface FindingSummary {
  count: number;
  sample_ids: SampleId[];
}

/** The outcome of one run, as the scheduled function returns it and the CLI prints it with --json. */
export interface ConsistencyReport {
  /** True when nothing remains to fix: nothing was found, or everything found was repaired. */
  ok: boolean;
  findings: Record<FindingKind, FindingSummary>;
  repaired: Record<FindingKind, number>;
  duration_ms: number;
}

/** The reason a sampled finding was reported, in field names only, so that it can be shown and logged safely. */
export interface SampleNote {
  kind: FindingKind;
  id: SampleId;
  collection: string;
  note: string;
}

interface KindTally {
  count: number;
  samples: Set<SampleId>;
}

/**
 * Counts findings and repairs during a run. It keeps the first MAX_SAMPLE_IDS distinct ids of each
 * kind and their notes, so its memory does not grow with the number of users.
 */
export class FindingTally {
  private readonly findings = new Map<FindingKind, KindTally>(FINDING_KINDS.map((kind) => [kind, { count: 0, samples: new Set() }]));
  private readonly repairs = new Map<FindingKind, number>(FINDING_KINDS.map((kind) => [kind, 0]));
  private readonly notes: SampleNote[] = [];

  record(kind: FindingKind, id: SampleId, collection: string, note: string): void {
    const tally = this.findings.get(kind)!;
    tally.count += 1;
    if (tally.samples.size < MAX_SAMPLE_IDS && !tally.samples.has(id)) {
      tally.samples.add(id);
      this.notes.push({ kind, id, collection, note });
    }
  }

  recordRepair(kind: FindingKind, count = 1): void {
    this.repairs.set(kind, this.repairs.get(kind)! + count);
  }

  /** Returns the notes of the sampled findings, in the order they were found. */
  sampleNotes(): SampleNote[] {
    return [...this.notes];
  }

  toReport(durationMs: number): ConsistencyReport {
    const findings = {} as Record<FindingKind, FindingSummary>;
    const repaired = {} as Record<FindingKind, number>;
    let remaining = 0;

    for (const kind of FINDING_KINDS) {
      const tally = this.findings.get(kind)!;
      findings[kind] = { count: tally.count, sample_ids: [...tally.samples].sort(compareSampleIds) };
      repaired[kind] = this.repairs.get(kind)!;
      remaining += tally.count - repaired[kind];
    }
    return { ok: remaining === 0, findings, repaired, duration_ms: durationMs };
  }
}

/** Returns how many findings of a kind the run left unrepaired. */
export function remainingCount(report: ConsistencyReport, kind: FindingKind): number {
  return report.findings[kind].count - report.repaired[kind];
}

/** Logs the report as one line: INFO when nothing remains to fix, WARN otherwise. */
export function logReport(report: ConsistencyReport): void {
  const remaining = FINDING_KINDS.reduce((sum, kind) => sum + remainingCount(report, kind), 0);
  if (report.ok) {
    logger.info('Consistency check finished: nothing remains to fix', { ...report });
  } else {
    logger.warn(`Consistency check finished: ${remaining} findings remain`, { ...report });
  }
}

// Numbers ascending, then strings, so sample ids read in user id order.
function compareSampleIds(left: SampleId, right: SampleId): number {
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  if (typeof left === 'number') return -1;
  if (typeof right === 'number') return 1;
  if (left === right) return 0;
  return left < right ? -1 : 1;
}
