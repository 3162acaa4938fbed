import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { BSON, type Document } from 'bson';
import type { Logger } from '../logger';
import type { Catalog } from '../storage/catalog';
import type { Change } from '../storage/changes';
import { replayChange, snapshotChanges } from './replay';

/** Journal file inside the data directory. */
export const JOURNAL_FILE = 'journal.bin';
/** Bytes before each record's payload: payload length, then CRC-32 of the payload, both uint32 LE. */
const RECORD_HEADER_SIZE = 8;
/**
 * Document bytes per record. js-bson serializes at most about 17 MB into one document, so larger
 * commands and snapshots are written as several records.
 */
const RECORD_DOCUMENT_BYTES = 8 * 1024 * 1024;

/**
 * Append-only journal of changes in `<dbPath>/journal.bin`. Each record contains the changes of one command
 * and is framed by its length and a CRC-32, so a record torn by a crash is detected and skipped.
 * `commit()` writes and fsyncs the pending record before the reply is sent, so an acknowledged write
 * survives SIGKILL. On open the journal is replayed into the catalog and then compacted: the state is
 * written to a new file that replaces the old one, which drops superseded versions of documents.
 */
export class Journal {
  private readonly path: string;
  private fd: number;
  private pending: Change[] = [];

  private constructor(path: string, fd: number) {
    this.path = path;
    this.fd = fd;
  }

  /** Replays `<dbPath>/journal.bin` into the empty catalog, compacts it, and starts recording changes. */
  static open(dbPath: string, catalog: Catalog, logger: Logger): Journal {
    mkdirSync(dbPath, { recursive: true });
    const path = join(dbPath, JOURNAL_FILE);
    if (existsSync(path)) {
      const replayed = replayFile(path, catalog, logger);
      logger.info('journal replayed', { path, records: replayed });
    }
    compact(dbPath, path, catalog);
    const journal = new Journal(path, openSync(path, 'a'));
    catalog.setChangeListener((change) => journal.pending.push(change));
    return journal;
  }

  /** Appends the changes recorded since the last commit as one record and waits for fsync. */
  commit(): void {
    if (this.pending.length === 0) return;
    const changes = this.pending;
    this.pending = [];
    writeRecords(this.fd, changes);
    fsyncSync(this.fd);
  }

  close(): void {
    this.commit();
    closeSync(this.fd);
    this.fd = -1;
  }

  get file(): string {
    return this.path;
  }
}

/** Writes changes in records of bounded size. A crash between two of them keeps only the first. */
function writeRecords(fd: number, changes: Iterable<Change>): void {
  let batch: Change[] = [];
  let bytes = 0;
  for (const change of changes) {
    batch.push(change);
    bytes += change.op === 'put' ? change.bson.length : 256;
    if (bytes >= RECORD_DOCUMENT_BYTES) {
      writeRecord(fd, batch);
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length > 0) writeRecord(fd, batch);
}

function writeRecord(fd: number, changes: Change[]): void {
  const payload = BSON.serialize({ changes: changes.map(encodeChange) });
  const header = Buffer.alloc(RECORD_HEADER_SIZE);
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt32LE(crc32(payload), 4);
  const record = Buffer.concat([header, payload]);
  let written = 0;
  while (written < record.length) written += writeSync(fd, record, written, record.length - written);
}

/** Converts a change to a BSON document. Document bytes are kept as they are, so replay restores them exactly. */
function encodeChange(change: Change): Document {
  return { ...change };
}

/** Returns the number of records applied. Stops at the first torn or corrupt record, with a warning. */
function replayFile(path: string, catalog: Catalog, logger: Logger): number {
  const data = readFileSync(path);
  let offset = 0;
  let records = 0;
  while (offset < data.length) {
    const remaining = data.length - offset;
    const length = remaining >= RECORD_HEADER_SIZE ? data.readUInt32LE(offset) : -1;
    if (length < 0 || RECORD_HEADER_SIZE + length > remaining) {
      logger.warn('skipping a torn record at the end of the journal, left by an interrupted write', {
        path, offset, bytes: remaining,
      });
      break;
    }
    const payload = data.subarray(offset + RECORD_HEADER_SIZE, offset + RECORD_HEADER_SIZE + length);
    if (crc32(payload) !== data.readUInt32LE(offset + 4)) {
      logger.warn('skipping the rest of the journal from a record whose checksum does not match', {
        path, offset, bytes: remaining,
      });
      break;
    }
    const { changes } = BSON.deserialize(payload, { promoteBuffers: true }) as { changes: Document[] };
    for (const change of changes) replayChange(catalog, change as Change, logger);
    records += 1;
    offset += RECORD_HEADER_SIZE + length;
  }
  return records;
}

/** Writes the catalog's state to a new journal file and atomically replaces the old one with it. */
function compact(dbPath: string, path: string, catalog: Catalog): void {
  const temporary = `${path}.compacting`;
  const fd = openSync(temporary, 'w');
  try {
    writeRecords(fd, snapshotChanges(catalog));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  // The rename is durable only once the directory entry is on disk.
  const directory = openSync(dbPath, 'r');
  try {
    fsyncSync(directory);
  } finally {
    closeSync(directory);
  }
}
