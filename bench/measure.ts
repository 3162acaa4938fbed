import { fork } from 'node:child_process';
import type { BenchRow } from './run';

/** Returns the median, min and max of a list of numbers. */
export function summarize(values: number[]): { median: number; min: number; max: number } {
  if (values.length === 0) throw new Error('Cannot summarize an empty list of measurements.');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** Returns the nearest-rank percentile (0 < p ≤ 100) of a list of samples. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) throw new Error('Cannot take a percentile of an empty list of samples.');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Builds a table row from one value per repeat. With a baseline row, the ratio is figure median ÷
 * baseline median, both measured in the same run.
 */
export function benchRow(metric: string, unit: string, values: number[], baseline?: BenchRow): BenchRow {
  const summary = summarize(values);
  const row: BenchRow = { metric, unit, ...summary, repeats: values.length };
  if (baseline) {
    row.baseline = { metric: baseline.metric, median: baseline.median };
    row.ratio = summary.median / baseline.median;
  }
  return row;
}

/** Returns the milliseconds elapsed since `start`, a `process.hrtime.bigint()` reading. */
export function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Runs `task` and returns its wall time in milliseconds. */
export async function timeMs(task: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await task();
  return elapsedMs(start);
}

/**
 * Runs a benchmark module in a fresh node process and returns the result it sends over IPC. The
 * service caches its configuration and MongoClient per process, as a Lambda container does, so each
 * section gets a process of its own and never reads another section's settings. The child's stdout,
 * where the service writes its JSON logs, is discarded, so logging costs what it costs on Lambda.
 */
export function runInChildProcess<T>(modulePath: string, args: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(modulePath, args, {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    let result: { value: T } | undefined;
    child.on('message', (message: { value: T }) => {
      result = message;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0 && result) resolve(result.value);
      else reject(new Error(`${modulePath} ${args.join(' ')} failed (${signal ?? `exit code ${code}`}) before it sent its result.`));
    });
  });
}

/**
 * The entry point of a child started by runInChildProcess: runs `measure`, sends its result to the
 * parent and exits, which also closes any MongoClient the service left open.
 */
export function childProcessMain<T>(measure: () => Promise<T>): void {
  measure()
    .then((value) => {
      process.send!({ value }, () => process.exit(0));
    })
    .catch((error: unknown) => {
      process.stderr.write(`bench child failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    });
}
