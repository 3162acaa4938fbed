import { ObjectId, type Document } from 'bson';
import { commandError } from '../errors';
import { compileFilter } from '../query/matcher';
import type { CommandContext, CommandHandler } from './context';

/** mongod 7.0 reports wire version 21; drivers use it to pick the commands they send. */
export const MAX_WIRE_VERSION = 21;
export const SERVER_VERSION = '7.0.0';
/** How long an idle logical session lives, in minutes. Reporting it lets the driver use implicit sessions. */
const LOGICAL_SESSION_TIMEOUT_MINUTES = 30;
const processId = new ObjectId();

/**
 * hello and its legacy name isMaster. The reply describes a writable standalone: no setName (no
 * replica set, so the driver never starts transactions or retryable writes), no compression, and no
 * topologyVersion, so the driver polls instead of holding an awaitable hello open.
 */
function handshake(legacyName: boolean): CommandHandler {
  return (command, context) => {
    const reply: Document = {};
    if (command.helloOk === true) reply.helloOk = true;
    reply[legacyName ? 'ismaster' : 'isWritablePrimary'] = true;
    Object.assign(reply, {
      maxBsonObjectSize: 16 * 1024 * 1024,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: LOGICAL_SESSION_TIMEOUT_MINUTES,
      connectionId: context.connectionId,
      minWireVersion: 0,
      maxWireVersion: MAX_WIRE_VERSION,
      readOnly: false,
    });
    return reply;
  };
}

const buildInfo: CommandHandler = () => ({
  version: SERVER_VERSION,
  gitVersion: 'embedded',
  versionArray: [7, 0, 0, 0],
  modules: [],
  allocator: 'system',
  javascriptEngine: 'none',
  sysInfo: 'deprecated',
  bits: 64,
  debug: false,
  maxBsonObjectSize: 16 * 1024 * 1024,
  storageEngines: ['embedded'],
});

/** Parameters getParameter reports. Others are rejected rather than invented. */
const serverParameters: Record<string, unknown> = {
  featureCompatibilityVersion: { version: '7.0' },
  authenticationMechanisms: [],
  maxBSONDepth: 200,
  cursorTimeoutMillis: 600_000,
  internalQueryMaxBlockingSortMemoryUsageBytes: 100 * 1024 * 1024,
};

const getParameter: CommandHandler = (command) => {
  const requested = command.getParameter;
  const all = requested === '*' || (typeof requested === 'object' && requested !== null && (requested as Document).allParameters === true);
  const reply: Document = {};
  for (const [name, value] of Object.entries(serverParameters)) {
    if (all || command[name] !== undefined) reply[name] = value;
  }
  if (Object.keys(reply).length === 0) throw commandError('InvalidOptions', 'no option found to get');
  return reply;
};

const listDatabases: CommandHandler = (command, context) => {
  const matches = compileFilter(command.filter);
  const databases: Document[] = [];
  let totalSize = 0;
  for (const name of context.catalog.databaseNames()) {
    let sizeOnDisk = 0;
    for (const collection of context.catalog.collections(name)) {
      for (const stored of collection.all()) sizeOnDisk += stored.bson.length;
    }
    const entry = command.nameOnly === true ? { name } : { name, sizeOnDisk, empty: sizeOnDisk === 0 };
    if (!matches(entry)) continue;
    totalSize += sizeOnDisk;
    databases.push(entry);
  }
  if (command.nameOnly === true) return { databases };
  return { databases, totalSize, totalSizeMb: Math.floor(totalSize / (1024 * 1024)) };
};

const dropDatabase: CommandHandler = (_command, context) => {
  context.catalog.dropDatabase(context.db);
  return { dropped: context.db };
};

const serverStatus: CommandHandler = (_command, context: CommandContext) => ({
  host: `127.0.0.1:${context.server.port}`,
  version: SERVER_VERSION,
  process: 'mongo-server',
  pid: process.pid,
  uptime: Math.floor((Date.now() - context.server.startedAt.getTime()) / 1000),
  localTime: new Date(),
  processId,
});

const noReply: CommandHandler = () => ({});

export const adminCommands: Record<string, CommandHandler> = {
  hello: handshake(false),
  isMaster: handshake(true),
  ismaster: handshake(true),
  ping: noReply,
  buildInfo,
  buildinfo: buildInfo,
  getParameter,
  listDatabases,
  dropDatabase,
  serverStatus,
  // Sessions live only in the driver: the server keeps no session state, so these have nothing to do.
  endSessions: noReply,
  killSessions: noReply,
  refreshSessions: noReply,
  killAllSessions: noReply,
  connectionStatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] } }),
  whatsmyuri: () => ({ you: '127.0.0.1' }),
  getCmdLineOpts: () => ({ argv: ['mongo-server'], parsed: {} }),
  hostInfo: () => ({ system: { currentTime: new Date(), hostname: '127.0.0.1' }, os: { type: process.platform }, extra: {} }),
};
