import type { Document } from 'bson';
import type { CommandContext, CommandHandler, ServerState } from './commands/context';
import type { CursorManager } from './cursors';
import { commandError, toCommandError } from './errors';
import type { Logger } from './logger';
import { validateDatabaseName } from './namespace';
import type { Catalog } from './storage/catalog';

export interface DispatcherOptions {
  handlers: ReadonlyMap<string, CommandHandler>;
  catalog: Catalog;
  cursors: CursorManager;
  logger: Logger;
  server: ServerState;
  /** Called after every command, successful or not, before the reply is sent: makes its writes durable. */
  commit: () => void;
}

/**
 * Runs commands and turns their results and errors into mongod-shaped replies. A command runs
 * synchronously from start to commit, so no other command's changes can come in between.
 */
export class CommandDispatcher {
  private readonly options: DispatcherOptions;

  constructor(options: DispatcherOptions) {
    this.options = options;
  }

  run(command: Document, db: string, connectionId: number): Document {
    const name = Object.keys(command)[0];
    let reply: Document;
    try {
      if (name === undefined) throw commandError('FailedToParse', 'Failed to parse: {}. The command document is empty.');
      validateDatabaseName(db);
      const handler = this.options.handlers.get(name);
      if (!handler) throw commandError('CommandNotFound', `no such command: '${name}'`);
      // Transactions need a replica set, so a standalone mongod rejects them with this error.
      if (command.startTransaction === true || command.autocommit === false) {
        throw commandError('IllegalOperation', 'Transaction numbers are only allowed on a replica set member or mongos');
      }
      const context: CommandContext = {
        catalog: this.options.catalog,
        cursors: this.options.cursors,
        logger: this.options.logger,
        server: this.options.server,
        db,
        connectionId,
      };
      reply = { ...handler(command, context), ok: 1 };
    } catch (error) {
      const failure = toCommandError(error);
      this.options.logger.debug('command failed', { command: name, db, code: failure.code, error: failure.message });
      reply = { ok: 0, ...failure.toReplyFields() };
    }

    try {
      this.options.commit();
    } catch (error) {
      // The change is applied in memory but not on disk, so the client must not see it acknowledged.
      this.options.logger.error('journal write failed', { command: name, db, error: (error as Error).message });
      reply = { ok: 0, errmsg: `journal write failed: ${(error as Error).message}`, code: 1, codeName: 'InternalError' };
    }
    return reply;
  }
}
