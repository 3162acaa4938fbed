import { adminCommands } from './admin';
import { aggregateCommands } from './aggregate';
import { collectionCommands } from './collections';
import type { CommandHandler } from './context';
import { countCommands } from './count-distinct';
import { findCommands } from './find';
import { findAndModifyCommands } from './find-and-modify';
import { indexCommands } from './indexes';
import { insertCommands } from './insert';
import { updateCommands } from './update';

/** Every command the server implements, by the exact name a client sends as the first field. */
export const commandHandlers: ReadonlyMap<string, CommandHandler> = new Map(
  Object.entries({
    ...adminCommands,
    ...collectionCommands,
    ...insertCommands,
    ...findCommands,
    ...updateCommands,
    ...findAndModifyCommands,
    ...countCommands,
    ...aggregateCommands,
    ...indexCommands,
  }),
);
