import { BSON, Long, type Document } from 'bson';
import { commandError } from './errors';

/** Reply size budget for one batch, below maxMessageSizeBytes as mongod keeps it (16 MiB of documents). */
const MAX_BATCH_BYTES = 16 * 1024 * 1024;
/** First batch size mongod uses when the client gives no batchSize. */
export const DEFAULT_FIRST_BATCH_SIZE = 101;
/** mongod closes cursors idle for 10 minutes (cursorTimeoutMillis). */
const CURSOR_IDLE_TIMEOUT_MS = 10 * 60 * 1000;

interface OpenCursor {
  id: number;
  namespace: string;
  documents: Document[];
  position: number;
  lastUsed: number;
}

export interface CursorReply {
  cursor: { firstBatch?: Document[]; nextBatch?: Document[]; id: Long; ns: string };
}

/**
 * Server-side cursors. Results are computed in full when the cursor opens, so a cursor returns the data as
 * it was then. getMore hands out the rest in batches.
 */
export class CursorManager {
  private readonly cursors = new Map<number, OpenCursor>();
  // Ids stay below 2^53 so that bson's default deserialization turns the driver's Long into an exact number.
  private nextId = 1 + Math.floor(Math.random() * 1_000_000) * 1_000_000;

  /** Returns the first batch and registers a cursor for the rest, if anything remains. */
  open(namespace: string, documents: Document[], batchSize: number | undefined, singleBatch = false): CursorReply {
    this.closeIdle();
    const batch = takeBatch(documents, 0, batchSize ?? DEFAULT_FIRST_BATCH_SIZE);
    let id = 0;
    if (!singleBatch && batch.length < documents.length) {
      id = this.nextId++;
      this.cursors.set(id, { id, namespace, documents, position: batch.length, lastUsed: Date.now() });
    }
    return { cursor: { firstBatch: batch, id: Long.fromNumber(id), ns: namespace } };
  }

  getMore(id: number, collectionNamespace: string, batchSize: number | undefined): CursorReply {
    const cursor = this.cursors.get(id);
    if (!cursor) throw commandError('CursorNotFound', `cursor id ${id} not found`);
    if (cursor.namespace !== collectionNamespace) {
      throw commandError('BadValue', `Requested getMore on namespace '${collectionNamespace}', but cursor belongs to a different namespace ${cursor.namespace}`);
    }
    const batch = takeBatch(cursor.documents, cursor.position, batchSize);
    cursor.position += batch.length;
    cursor.lastUsed = Date.now();
    let replyId = cursor.id;
    if (cursor.position >= cursor.documents.length) {
      this.cursors.delete(id);
      replyId = 0;
    }
    return { cursor: { nextBatch: batch, id: Long.fromNumber(replyId), ns: cursor.namespace } };
  }

  /** Closes the cursor and returns whether it was open. */
  kill(id: number): boolean {
    return this.cursors.delete(id);
  }

  closeAll(): void {
    this.cursors.clear();
  }

  private closeIdle(): void {
    const cutoff = Date.now() - CURSOR_IDLE_TIMEOUT_MS;
    for (const [id, cursor] of this.cursors) if (cursor.lastUsed < cutoff) this.cursors.delete(id);
  }
}

/** Takes up to `batchSize` documents (0 or undefined: no count limit) within the byte budget, at least one. */
function takeBatch(documents: Document[], start: number, batchSize: number | undefined): Document[] {
  const countLimit = batchSize && batchSize > 0 ? batchSize : Number.POSITIVE_INFINITY;
  const batch: Document[] = [];
  let bytes = 0;
  for (let position = start; position < documents.length && batch.length < countLimit; position++) {
    const document = documents[position]!;
    bytes += BSON.calculateObjectSize(document);
    if (batch.length > 0 && bytes > MAX_BATCH_BYTES) break;
    batch.push(document);
  }
  return batch;
}
