import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { BSON, type Document } from 'bson';
import type { Logger } from '../logger';
import type { Catalog } from '../storage/catalog';
import type { Change } from '../storage/changes';
import { acquireDirectoryLock } from './lock';
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
 * A running server compacts again once the journal is this many times its size after the last
 * compaction, and at least MIN_COMPACTION_BYTES, so disk use stays proportional to the live data.
 */
const COMPACTION_GROWTH_FACTOR = 4;
const MIN_COMPACTION_BYTES = 64 * 1024 * 1024;

/**
 * Append-only journal of changes in `<dbPath>/journal.bin`. Each record contains the changes of one command
 * and is framed by its length and a CRC-32, so a record torn by a crash is detected and skipped.
 * `commit()` writes and fsyncs the pending record before the reply is sent, so an acknowledged write
 * survives SIGKILL. On open the journal is replayed into the catalog and then compacted: the state is
 * written to a new file that replaces the old one, which drops superseded versions of documents.
 */
export class Journal {
  private readonly dbPath: string;
  private readonly path: string;
  private readonly catalog: Catalog;
  private readonly releaseLock: () => void;
  private fd: number;
  private fileBytes: number;
  private compactedBytes: number;
  private pending: Change[] = [];

  private constructor(dbPath: string, catalog: Catalog, releaseLock: () => void) {
    this.dbPath = dbPath;
    this.path = join(dbPath, JOURNAL_FILE);
    this.catalog = catalog;
    this.releaseLock = releaseLock;
    this.fd = -1;
    this.fileBytes = 0;
    this.compactedBytes = 0;
  }

  /**
   * Locks `dbPath`, replays its journal into the empty catalog, compacts it, and starts recording
   * changes. Throws if another live process holds the lock.
   */
  static open(dbPath: string, catalog: Catalog, logger: Logger): Journal {
    mkdirSync(dbPath, { recursive: true });
    const journal = new Journal(dbPath, catalog, acquireDirectoryLock(dbPath, logger));
    try {
      if (existsSync(journal.path)) {
        const replayed = replayFile(journal.path, catalog, logger);
        logger.info('journal replayed', { path: journal.path, records: replayed });
      }
      journal.compactAndReopen();
    } catch (error) {
      journal.releaseLock();
      throw error;
    }
    catalog.setChangeListener((change) => journal.pending.push(change));
    return journal;
  }

  /** Appends the changes recorded since the last commit and waits for fsync. */
  commit(): void {
    if (this.pending.length === 0) return;
    const changes = this.pending;
    this.pending = [];
    this.fileBytes += writeRecords(this.fd, changes);
    fsyncSync(this.fd);
    if (this.fileBytes > Math.max(MIN_COMPACTION_BYTES, COMPACTION_GROWTH_FACTOR * this.compactedBytes)) {
      this.compactAndReopen();
    }
  }

  close(): void {
    this.commit();
    closeSync(this.fd);
    this.fd = -1;
    this.releaseLock();
  }

  private compactAndReopen(): void {
    if (this.fd >= 0) closeSync(this.fd);
    compact(this.dbPath, this.path, this.catalog);
    this.fd = openSync(this.path, 'a');
    this.fileBytes = fstatSync(this.fd).size;
    this.compactedBytes = this.fileBytes;
  }
}

/**
 * Writes changes in records of bounded size and returns the bytes written. A crash between two of
 * them keeps only the first.
 */
function writeRecords(fd: number, changes: Iterable<Change>): number {
  let batch: Change[] = [];
  let bytes = 0;
  let written = 0;
  for (const change of changes) {
    batch.push(change);
    bytes += change.op === 'put' ? change.bson.length : 256;
    if (bytes >= RECORD_DOCUMENT_BYTES) {
      written += writeRecord(fd, batch);
      batch = [];
      bytes = 0;
    }
  }
  if (batch.length > 0) written += writeRecord(fd, batch);
  return written;
}

/** Writes one record and returns its size in bytes. */
function writeRecord(fd: number, changes: Change[]): number {
  const payload = BSON.serialize({ changes: changes.map(encodeChange) });
  const header = Buffer.alloc(RECORD_HEADER_SIZE);
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt32LE(crc32(payload), 4);
  const record = Buffer.concat([header, payload]);
  let offset = 0;
  while (offset < record.length) offset += writeSync(fd, record, offset, record.length - offset);
  return record.length;
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
