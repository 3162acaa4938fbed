import { startMongoServer } from '../mongo-server/index';

export interface ResolvedDatabase {
  /** Connection string to hand to MongoClient. */
  uri: string;
  /** True when this process started the embedded server. */
  embedded: boolean;
  /** Stops the embedded server; does nothing for an external MONGODB_URI. */
  stop(): Promise<void>;
}

export interface ResolveDatabaseOptions {
  /** Directory for the embedded server's data; in memory when omitted. */
  dbPath?: string;
  /** Port for the embedded server; 0 (default) picks a free one. */
  port?: number;
}

/**
 * Resolves the database for tests, `npm start` and every CLI tool. When MONGODB_URI is set, that
 * server is used and nothing starts. Otherwise the embedded server starts on 127.0.0.1.
 * Logs one line to stderr that names the choice and how to make the other one.
 */
export async function resolveDatabase(options: ResolveDatabaseOptions = {}): Promise<ResolvedDatabase> {
  const external = process.env.MONGODB_URI;
  if (external !== undefined && external !== '') {
    process.stderr.write(`database: using MONGODB_URI (${redactCredentials(external)}); unset it to start the embedded server instead\n`);
    return { uri: external, embedded: false, stop: async () => {} };
  }

  const server = await startMongoServer({ port: options.port ?? 0, dbPath: options.dbPath });
  const storage = options.dbPath ? `data in ${options.dbPath}` : 'in memory';
  process.stderr.write(`database: started the embedded server at ${server.uri} (${storage}); set MONGODB_URI to use another MongoDB server instead\n`);
  return { uri: server.uri, embedded: true, stop: () => server.stop() };
}

/** Hides the password of a connection string so the log line never shows a secret. */
export function redactCredentials(uri: string): string {
  return uri.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
