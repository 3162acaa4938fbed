import { parseArgs } from 'node:util';
import { FINDING_KINDS, remainingCount, runConsistencyCheck, type CheckPhase, type CheckResult, type ConsistencyReport } from '../lib/consistency';
import { logger } from '../lib/logger';
import { describeToolError, EXIT_CANNOT_RUN, openToolDatabase } from './tool-environment';

const USAGE = `Usage: npm run consistency-check -- [--repair] [--json]

Checks Attendancetracker.users, and Django's auth_user while AUTH_USER_MIRROR is true, for drift.
  --repair  repair what the rules allow; duplicates and users whose usernames differ are only reported
  --json    print one JSON object instead of the table
  --help    print this help

The database is MONGODB_URI (and MONGODB_DB, default attendance_db); without MONGODB_URI the
embedded server runs on the data of \`npm start\` in .data/db.

Exit status: 0 when nothing remains to fix, 1 when findings remain, 2 when the check could not run.`;

const EXIT_OK = 0;
const EXIT_FINDINGS = 1;

interface CliOptions {
  repair: boolean;
  json: boolean;
}

class UsageError extends Error {}

function parseOptions(argv: string[]): CliOptions | 'help' {
  try {
    const { values } = parseArgs({
      args: argv,
      options: { repair: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) return 'help';
    return { repair: values.repair ?? false, json: values.json ?? false };
  } catch (error) {
    throw new UsageError(`Invalid arguments: ${(error as Error).message}`, { cause: error });
  }
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT_OK;
  }

  const database = await openToolDatabase();
  // The logger writes INFO and DEBUG lines to stdout, which must contain only the JSON object.
  if (options.json) logger.setLogLevel('WARN');
  try {
    const result = await runConsistencyCheck({ repair: options.repair, onProgress: progressReporter() });
    process.stdout.write(options.json ? `${JSON.stringify(result.report)}\n` : formatTable(result, options.repair));
    return result.report.ok ? EXIT_OK : EXIT_FINDINGS;
  } finally {
    await database.close();
  }
}

/** Shows the phase and the users scanned on one stderr line, but only on a terminal. */
function progressReporter(): ((phase: CheckPhase, scanned?: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (phase, scanned) => {
    const detail = scanned === undefined ? '' : `: ${scanned.toLocaleString('en-US')} users`;
    process.stderr.write(`\r\x1b[2Kconsistency-check: ${phase}${detail}`);
    if (phase === 'counter') process.stderr.write('\r\x1b[2K');
  };
}

function formatTable({ report, notes }: CheckResult, repair: boolean): string {
  const header = ['kind', 'found', 'repaired', 'remaining', 'sample ids'];
  const rows = FINDING_KINDS.map((kind) => [
    kind,
    String(report.findings[kind].count),
    repair ? String(report.repaired[kind]) : '-',
    String(remainingCount(report, kind)),
    report.findings[kind].sample_ids.join(', '),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 || column === cells.length - 1 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd();

  const lines = [line(header), ...rows.map(line)];
  if (notes.length > 0) {
    lines.push('', 'Sampled findings:');
    for (const note of notes) lines.push(`  ${note.kind} ${note.id} (${note.collection}): ${note.note}`);
  }
  lines.push('', summary(report, repair));
  return `${lines.join('\n')}\n`;
}

function summary(report: ConsistencyReport, repair: boolean): string {
  const remaining = FINDING_KINDS.reduce((sum, kind) => sum + remainingCount(report, kind), 0);
  const took = `Took ${report.duration_ms} ms.`;
  if (report.ok) return `Nothing remains to fix. ${took}`;
  const hint = repair ? 'The remaining findings need a person; see the notes above and the logs.' : 'Run with --repair to repair what the rules allow.';
  return `${remaining} findings remain. ${hint} ${took}`;
}

function describeFailure(error: unknown): string {
  if (error instanceof UsageError) return `${error.message}\n\n${USAGE}`;
  return `The consistency check could not run: ${describeToolError(error)}`;
}

main().then(
  (exitCode) => process.exit(exitCode),
  (error: unknown) => {
    process.stderr.write(`${describeFailure(error)}\n`);
    process.exit(EXIT_CANNOT_RUN);
  },
);
