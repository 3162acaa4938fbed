import { BSON, type Document } from 'bson';

/**
 * MongoDB wire protocol framing: the 16-byte header, OP_MSG (every command since mongod 3.6), and the
 * legacy OP_QUERY / OP_REPLY pair that drivers still use for the first handshake before they know the
 * server's wire version.
 */

export const OpCode = {
  REPLY: 1,
  QUERY: 2004,
  COMPRESSED: 2012,
  MSG: 2013,
} as const;

export const HEADER_SIZE = 16;
/** Largest message mongod accepts (maxMessageSizeBytes in its hello reply). */
export const MAX_MESSAGE_SIZE = 48_000_000;

const MSG_FLAG_CHECKSUM_PRESENT = 1 << 0;
const MSG_FLAG_MORE_TO_COME = 1 << 1;
const MSG_KNOWN_FLAGS = MSG_FLAG_CHECKSUM_PRESENT | MSG_FLAG_MORE_TO_COME | (1 << 16);

/** Raised for bytes that do not form a valid message. The connection that sent them gets closed. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export interface MessageHeader {
  messageLength: number;
  requestId: number;
  responseTo: number;
  opCode: number;
}

/** A command request decoded from OP_MSG or OP_QUERY. */
export interface CommandRequest {
  header: MessageHeader;
  kind: 'msg' | 'query';
  /** Command document with OP_MSG document sequences merged in under their identifiers. */
  command: Document;
  /** Database the command runs against (`$db` for OP_MSG, the namespace prefix for OP_QUERY). */
  db: string;
  /** OP_MSG moreToCome: the client expects no reply (unacknowledged writes). */
  moreToCome: boolean;
}

export function readHeader(buffer: Buffer): MessageHeader {
  return {
    messageLength: buffer.readInt32LE(0),
    requestId: buffer.readInt32LE(4),
    responseTo: buffer.readInt32LE(8),
    opCode: buffer.readInt32LE(12),
  };
}

function readBsonDocument(message: Buffer, offset: number, end: number): { document: Document; next: number } {
  if (offset + 5 > end) throw new ProtocolError('BSON document runs past the end of the message');
  const size = message.readInt32LE(offset);
  if (size < 5 || offset + size > end) throw new ProtocolError(`invalid BSON document size ${size}`);
  try {
    const document = BSON.deserialize(message.subarray(offset, offset + size));
    return { document, next: offset + size };
  } catch (error) {
    throw new ProtocolError(`invalid BSON document: ${(error as Error).message}`);
  }
}

function readCString(message: Buffer, offset: number, end: number): { value: string; next: number } {
  const zero = message.indexOf(0, offset);
  if (zero < 0 || zero >= end) throw new ProtocolError('unterminated C string');
  return { value: message.toString('utf8', offset, zero), next: zero + 1 };
}

function parseOpMsg(header: MessageHeader, message: Buffer): CommandRequest {
  const flags = message.readUInt32LE(HEADER_SIZE);
  if ((flags & 0xffff & ~MSG_KNOWN_FLAGS) !== 0) {
    // Unknown required flag bits (the low 16) must make the server reject the message.
    throw new ProtocolError(`unsupported OP_MSG flag bits ${flags}`);
  }
  // NOTE: a CRC-32C checksum, when present, is skipped without being verified. mongodb@7 never sends
  // one, and on a loopback socket TCP already detects corruption.
  const end = flags & MSG_FLAG_CHECKSUM_PRESENT ? message.length - 4 : message.length;
  let offset = HEADER_SIZE + 4;
  let body: Document | undefined;
  const sequences: Array<[string, Document[]]> = [];

  while (offset < end) {
    const kind = message.readUInt8(offset);
    offset += 1;
    if (kind === 0) {
      if (body) throw new ProtocolError('OP_MSG has more than one body section');
      const read = readBsonDocument(message, offset, end);
      body = read.document;
      offset = read.next;
    } else if (kind === 1) {
      if (offset + 4 > end) throw new ProtocolError('truncated document sequence');
      const sectionSize = message.readInt32LE(offset);
      const sectionEnd = offset + sectionSize;
      if (sectionSize < 5 || sectionEnd > end) throw new ProtocolError(`invalid document sequence size ${sectionSize}`);
      const identifier = readCString(message, offset + 4, sectionEnd);
      const documents: Document[] = [];
      let position = identifier.next;
      while (position < sectionEnd) {
        const read = readBsonDocument(message, position, sectionEnd);
        documents.push(read.document);
        position = read.next;
      }
      sequences.push([identifier.value, documents]);
      offset = sectionEnd;
    } else {
      throw new ProtocolError(`unknown OP_MSG section kind ${kind}`);
    }
  }
  if (!body) throw new ProtocolError('OP_MSG has no body section');
  for (const [identifier, documents] of sequences) body[identifier] = documents;

  const db = body.$db;
  if (typeof db !== 'string' || db.length === 0) throw new ProtocolError('OP_MSG body has no $db field');
  return { header, kind: 'msg', command: body, db, moreToCome: (flags & MSG_FLAG_MORE_TO_COME) !== 0 };
}

function parseOpQuery(header: MessageHeader, message: Buffer): CommandRequest {
  let offset = HEADER_SIZE + 4; // skip flags
  const collection = readCString(message, offset, message.length);
  offset = collection.next + 8; // skip numberToSkip and numberToReturn
  const query = readBsonDocument(message, offset, message.length);
  const dot = collection.value.indexOf('.');
  const db = dot > 0 ? collection.value.slice(0, dot) : '';
  if (!collection.value.endsWith('.$cmd') || db === '') {
    // Drivers only send commands through OP_QUERY; legacy queries on collections went away in mongod 5.1.
    throw new ProtocolError(`OP_QUERY is only supported for commands, not on '${collection.value}'`);
  }
  // Old drivers wrap the command as { $query: {...}, $readPreference: ... }.
  const command = query.document.$query && typeof query.document.$query === 'object' ? query.document.$query : query.document;
  return { header, kind: 'query', command, db, moreToCome: false };
}

/** Decodes one complete message (header included). Throws ProtocolError for anything malformed. */
export function parseMessage(message: Buffer): CommandRequest {
  const header = readHeader(message);
  if (header.messageLength !== message.length) throw new ProtocolError('message length does not match its header');
  if (header.opCode === OpCode.MSG) {
    if (message.length < HEADER_SIZE + 5) throw new ProtocolError('OP_MSG too short');
    return parseOpMsg(header, message);
  }
  if (header.opCode === OpCode.QUERY) return parseOpQuery(header, message);
  throw new ProtocolError(`unsupported opCode ${header.opCode}`);
}

/** Encodes a reply in the format of the request: OP_MSG for OP_MSG, OP_REPLY for OP_QUERY. */
export function encodeReply(request: CommandRequest, requestId: number, reply: Document): Buffer {
  const body = BSON.serialize(reply);
  if (request.kind === 'msg') {
    const header = Buffer.alloc(HEADER_SIZE + 5);
    header.writeInt32LE(HEADER_SIZE + 5 + body.length, 0);
    header.writeInt32LE(requestId, 4);
    header.writeInt32LE(request.header.requestId, 8);
    header.writeInt32LE(OpCode.MSG, 12);
    header.writeUInt32LE(0, 16);
    header.writeUInt8(0, 20);
    return Buffer.concat([header, body]);
  }
  const header = Buffer.alloc(HEADER_SIZE + 20);
  header.writeInt32LE(HEADER_SIZE + 20 + body.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(request.header.requestId, 8);
  header.writeInt32LE(OpCode.REPLY, 12);
  header.writeInt32LE(0, 16); // responseFlags
  header.writeBigInt64LE(0n, 20); // cursorID
  header.writeInt32LE(0, 28); // startingFrom
  header.writeInt32LE(1, 32); // numberReturned
  return Buffer.concat([header, body]);
}
