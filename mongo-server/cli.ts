import { parseArgs } from 'node:util';
import { createStderrLogger } from './logger';
import { startMongoServer } from './server';

const usage = `Usage: npm run db -- [--port N] [--dbpath DIR]

Starts the embedded MongoDB-compatible server on 127.0.0.1.
  --port N       TCP port to listen on (default 27017; 0 picks a free port)
  --dbpath DIR   directory that keeps the data across restarts (default: in memory only)
  --help         print this help`;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${usage}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        dbpath: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    fail(`Invalid arguments: ${(error as Error).message}`);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }

  const port = values.port === undefined ? 27017 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`Invalid --port '${values.port}': expected an integer from 0 to 65535.`);

  const logger = createStderrLogger('info');
  const server = await startMongoServer({ port, dbPath: values.dbpath, logger });
  // Stdout carries only the connection string, so scripts can read it.
  process.stdout.write(`${server.uri}\n`);
  logger.info(values.dbpath ? `storing data in ${values.dbpath}` : 'storing data in memory only (use --dbpath DIR to keep it)');

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info(`received ${signal}, stopping`);
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('stop failed', { error: (error as Error).message });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    process.stderr.write(`Cannot listen: the port is already in use. Stop the other server or pass --port N.\n`);
  } else {
    process.stderr.write(`Failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
