import { createReadStream, type ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { formatImportSummary } from '../lib/django-import/summary';
import { DEFAULT_BATCH_SIZE, type ImportCounts, importDjangoUsers } from '../lib/django-import';
import { describeToolError, EXIT_CANNOT_RUN, openToolDatabase } from './tool-environment';

const USAGE = `Usage: npm run import-django -- [options] FILE

Imports the users of \`python manage.py dumpdata auth.user\` output into Attendancetracker.users.
FILE is the JSON file, or - to read standard input. Running it again with the same file changes
nothing, and a run that was stopped can be run again to finish.

Options:
  --json             print the summary as one JSON object instead of text
  --allow-case-variants
                     drop the case-insensitive username index first, so that Django usernames
                     differing only in letter case are all kept (see docs/MIGRATION.md)
  --batch-size N     records per database round trip (default ${DEFAULT_BATCH_SIZE})
  -h, --help         print this help

The database is MONGODB_URI (and MONGODB_DB, default attendance_db); without MONGODB_URI the
embedded server runs on the data of \`npm start\` in .data/db.

Exit codes: 0 imported, nothing skipped; 1 finished, but some records were skipped (see the
summary); 2 could not run (arguments, file, invalid JSON, database); 130 or 143 stopped by
SIGINT or SIGTERM, run it again to finish.
`;

const EXIT_SKIPPED = 1;
const PROGRESS_INTERVAL_MS = 250;

interface Arguments {
  file: string;
  json: boolean;
  batchSize: number;
  allowCaseVariants: boolean;
}

function parseArguments(argv: string[]): Arguments | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      'allow-case-variants': { type: 'boolean', default: false },
      'batch-size': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (positionals.length !== 1) throw new Error(`expected one FILE argument, got ${positionals.length}`);

  const batchSize = values['batch-size'] === undefined ? DEFAULT_BATCH_SIZE : Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new Error(`--batch-size must be an integer from 1 to 10000, got ${values['batch-size']}`);
  }
  return { file: positionals[0] ?? '', json: values.json, batchSize, allowCaseVariants: values['allow-case-variants'] };
}

/** Writes a progress line to stderr at most every PROGRESS_INTERVAL_MS, on a terminal only. */
function createProgressReporter(source: NodeJS.ReadableStream, totalBytes: number | undefined) {
  const enabled = process.stderr.isTTY === true;
  let lastWrite = 0;
  let shown = false;
  return {
    update(counts: ImportCounts) {
      const now = Date.now();
      if (!enabled || now - lastWrite < PROGRESS_INTERVAL_MS) return;
      lastWrite = now;
      shown = true;
      const bytesRead = (source as Partial<ReadStream>).bytesRead;
      const percent = totalBytes && bytesRead !== undefined ? ` ${Math.min(100, Math.floor((bytesRead / totalBytes) * 100))}%` : '';
      const line = `importing${percent}: ${counts.records.toLocaleString('en')} records read, ${counts.imported.toLocaleString('en')} imported, ${counts.unchanged.toLocaleString('en')} unchanged, ${counts.updated.toLocaleString('en')} updated, ${counts.skipped.toLocaleString('en')} skipped`;
      process.stderr.write(`\r\x1b[K${line}`);
    },
    clear() {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}

async function main(): Promise<number> {
  let options: Arguments | 'help';
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`import-django: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT_CANNOT_RUN;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }

  let totalBytes: number | undefined;
  if (options.file !== '-') {
    try {
      const file = await stat(options.file);
      if (!file.isFile()) throw new Error('not a regular file');
      totalBytes = file.size;
    } catch (error) {
      process.stderr.write(`import-django: cannot read ${options.file}: ${(error as Error).message}\n`);
      return EXIT_CANNOT_RUN;
    }
  }

  const database = await openToolDatabase();
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  const stop = (signal: NodeJS.Signals) => {
    // A second signal stops at once; the import is safe to rerun from any point.
    if (stoppedBy) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    stoppedBy = signal;
    process.stderr.write(`\nimport-django: stopping after the current batch (${signal}); run the import again to finish\n`);
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const source = options.file === '-' ? process.stdin : createReadStream(options.file);
  const progress = createProgressReporter(source, totalBytes);
  try {
    const summary = await importDjangoUsers(source, {
      batchSize: options.batchSize,
      allowCaseVariants: options.allowCaseVariants,
      signal: controller.signal,
      onProgress: (counts) => progress.update(counts),
    });
    progress.clear();
    process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : formatImportSummary(summary, options.file));

    if (summary.interrupted) return 128 + (stoppedBy === 'SIGTERM' ? 15 : 2);
    return summary.skipped > 0 ? EXIT_SKIPPED : 0;
  } catch (error) {
    progress.clear();
    process.stderr.write(`import-django: the import stopped: ${describeToolError(error)}\nRecords written before the error are kept; fix the cause and run the import again.\n`);
    return EXIT_CANNOT_RUN;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`import-django: ${describeToolError(error)}\n`);
    process.exit(EXIT_CANNOT_RUN);
  },
);
