import { ObjectId, type Document } from 'bson';
import { commandError } from '../errors';
import { isPlainObject } from '../storage/keys';
import { withIdFirst } from '../query/update';
import { commandCollection, requireArray, type CommandHandler } from './context';
import { runBatch } from './write-errors';

/** insert: stores each document, adding an ObjectId `_id` where missing, as mongod does. */
const insert: CommandHandler = (command, context) => {
  const name = commandCollection(command, context);
  const documents = requireArray(command, 'documents', 'insert');
  const ordered = command.ordered !== false;
  const collection = context.catalog.ensureCollection(context.db, name);

  let inserted = 0;
  const writeErrors = runBatch(documents, ordered, (document) => {
    if (!isPlainObject(document)) throw commandError('TypeMismatch', 'documents to insert must be objects');
    const withId = document._id === undefined ? { _id: new ObjectId(), ...document } : withIdFirst(document);
    collection.insert(withId);
    inserted += 1;
  });

  const reply: Document = { n: inserted };
  if (writeErrors.length > 0) reply.writeErrors = writeErrors;
  return reply;
};

export const insertCommands: Record<string, CommandHandler> = { insert };
