import type { Logger } from './logger';
import type { Catalog } from './storage/catalog';
import { indexValuesAtPath } from './storage/paths';

/** mongod's TTL monitor wakes every 60 seconds (ttlMonitorSleepSecs). */
export const DEFAULT_TTL_MONITOR_INTERVAL_MS = 60_000;

/**
 * Deletes documents whose TTL index field contains a date older than `expireAfterSeconds`, like mongod's
 * background TTL monitor. An array field expires with its earliest date; documents whose field is not
 * a date never expire.
 */
export function removeExpiredDocuments(catalog: Catalog, now: number): number {
  let removed = 0;
  for (const db of catalog.databaseNames()) {
    for (const collection of catalog.collections(db)) {
      for (const index of collection.indexes()) {
        const seconds = index.spec.expireAfterSeconds;
        if (seconds === undefined) continue;
        const field = index.fields[0]!;
        const expired = [...collection.all()].filter((stored) => {
          const dates = indexValuesAtPath(stored.document, field).filter((value): value is Date => value instanceof Date);
          if (dates.length === 0) return false;
          const earliest = Math.min(...dates.map((date) => date.getTime()));
          return earliest + seconds * 1000 <= now;
        });
        for (const stored of expired) collection.remove(stored);
        removed += expired.length;
      }
    }
  }
  return removed;
}

/** Starts the periodic TTL pass. `commit` makes the deletions durable. Returns a function that stops it. */
export function startTtlMonitor(catalog: Catalog, intervalMs: number, commit: () => void, logger: Logger): () => void {
  const timer = setInterval(() => {
    try {
      const removed = removeExpiredDocuments(catalog, Date.now());
      commit();
      if (removed > 0) logger.debug('TTL monitor removed expired documents', { removed });
    } catch (error) {
      logger.error('TTL monitor pass failed', { error: (error as Error).message });
    }
  }, intervalMs);
  // The monitor alone must not keep the process alive.
  timer.unref();
  return () => clearInterval(timer);
}
