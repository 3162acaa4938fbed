/** Public API of the embedded MongoDB-compatible server. */
export { startMongoServer, HOST, type MongoServerOptions, type MongoServerHandle } from './server';
export { createStderrLogger, silentLogger, type Logger, type LogLevel } from './logger';
export { MongoCommandError } from './errors';
