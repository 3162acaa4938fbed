import type { Document } from 'bson';
import { toCommandError } from '../errors';

/** A `writeErrors` entry as mongod returns it: index, code, errmsg and any error fields such as keyValue. */
export function writeErrorEntry(index: number, error: unknown): Document {
  const { errmsg, code, codeName: _codeName, ...details } = toCommandError(error).toReplyFields();
  return { index, code, errmsg, ...details };
}

/** Runs `write` for each item, collecting writeErrors. An ordered batch stops at the first error. */
export function runBatch<T>(items: T[], ordered: boolean, write: (item: T, index: number) => void): Document[] {
  const writeErrors: Document[] = [];
  for (let index = 0; index < items.length; index++) {
    try {
      write(items[index]!, index);
    } catch (error) {
      writeErrors.push(writeErrorEntry(index, error));
      if (ordered) break;
    }
  }
  return writeErrors;
}
