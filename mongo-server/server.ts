import { createServer, type AddressInfo, type Socket } from 'node:net';
import { commandHandlers } from './commands/registry';
import { CursorManager } from './cursors';
import { CommandDispatcher } from './dispatch';
import { serveConnection } from './connection';
import { createStderrLogger, type Logger } from './logger';
import { Journal } from './persistence/journal';
import { Catalog } from './storage/catalog';
import { DEFAULT_TTL_MONITOR_INTERVAL_MS, startTtlMonitor } from './ttl-monitor';

/** The only address the server listens on: it has no authentication, so it must not be reachable from other hosts. */
export const HOST = '127.0.0.1';

export interface MongoServerOptions {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free port. */
  port?: number;
  /** Directory for the journal. Without it, data lives in memory and is gone after stop(). */
  dbPath?: string;
  /** How often expired TTL documents are deleted, in milliseconds. Default 60000, as in mongod. */
  ttlMonitorIntervalMs?: number;
  /** Logger for server events. Default: warnings and errors to stderr. */
  logger?: Logger;
}

export interface MongoServerHandle {
  /** Connection string for the driver, `mongodb://127.0.0.1:<port>`. */
  uri: string;
  port: number;
  /** Closes every client connection and the listener, then flushes and closes the journal. */
  stop(): Promise<void>;
}

/** Starts the embedded MongoDB-compatible server and resolves once it accepts connections. */
export async function startMongoServer(options: MongoServerOptions = {}): Promise<MongoServerHandle> {
  const logger = options.logger ?? createStderrLogger('warn');
  const catalog = new Catalog();
  const journal = options.dbPath ? Journal.open(options.dbPath, catalog, logger) : undefined;
  const commit = (): void => journal?.commit();
  const cursors = new CursorManager();
  const server = { startedAt: new Date(), port: 0 };
  const dispatcher = new CommandDispatcher({ handlers: commandHandlers, catalog, cursors, logger, server, commit });

  const sockets = new Set<Socket>();
  let nextConnectionId = 1;
  const listener = createServer((socket) => {
    const connectionId = nextConnectionId++;
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(socket, connectionId, dispatcher, logger);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(options.port ?? 0, HOST, () => {
        listener.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    // Release the data directory so that a retry on another port can open it.
    journal?.close();
    throw error;
  }
  listener.on('error', (error) => logger.error('listener error', { error: error.message }));
  const port = (listener.address() as AddressInfo).port;
  server.port = port;
  const stopTtlMonitor = startTtlMonitor(catalog, options.ttlMonitorIntervalMs ?? DEFAULT_TTL_MONITOR_INTERVAL_MS, commit, logger);
  logger.info('listening', { host: HOST, port, dbPath: options.dbPath ?? null });

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= new Promise<void>((resolve) => {
      stopTtlMonitor();
      for (const socket of sockets) socket.destroy();
      listener.close(() => {
        cursors.closeAll();
        journal?.close();
        logger.info('stopped', { port });
        resolve();
      });
    });
    return stopped;
  };

  return { uri: `mongodb://${HOST}:${port}`, port, stop };
}
