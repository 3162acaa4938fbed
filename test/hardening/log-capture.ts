import { vi } from 'vitest';

export interface LogCapture {
  /** The lines written since the capture started or was last cleared. */
  lines(): string[];
  /** The lines parsed as JSON; throws naming the first line that is not a JSON object. */
  records(): Array<Record<string, unknown>>;
  clear(): void;
  stop(): void;
}

/**
 * Captures what the service logs. Powertools Logger writes one JSON line per entry through a Console
 * of its own (unless POWERTOOLS_DEV is set): TRACE, DEBUG and INFO go to process.stdout, and WARN,
 * ERROR and CRITICAL to process.stderr, as console.warn and console.error do. The capture replaces
 * both streams' write methods, which also keeps the lines out of the test report.
 */
export function captureLogs(): LogCapture {
  let text = '';
  const record = (chunk: string | Uint8Array) => {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  };
  const spies = [vi.spyOn(process.stdout, 'write').mockImplementation(record), vi.spyOn(process.stderr, 'write').mockImplementation(record)];

  const lines = () => text.split('\n').filter((line) => line.trim() !== '');
  return {
    lines,
    records: () =>
      lines().map((line) => {
        let record: unknown;
        try {
          record = JSON.parse(line);
        } catch (error) {
          throw new Error(`A log line is not JSON: ${line.slice(0, 300)}`, { cause: error });
        }
        if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new Error(`A log line is not a JSON object: ${line.slice(0, 300)}`);
        return record as Record<string, unknown>;
      }),
    clear: () => {
      text = '';
    },
    stop: () => spies.forEach((spy) => spy.mockRestore()),
  };
}
