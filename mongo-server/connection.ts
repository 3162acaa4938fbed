import type { Socket } from 'node:net';
import type { CommandDispatcher } from './dispatch';
import type { Logger } from './logger';
import { encodeReply, HEADER_SIZE, MAX_MESSAGE_SIZE, parseMessage, ProtocolError } from './wire';

let nextResponseId = 1;

/**
 * Reads length-prefixed messages from one client socket, runs each command and writes the reply.
 * Anything malformed closes this socket only; other clients keep being served.
 */
export function serveConnection(socket: Socket, connectionId: number, dispatcher: CommandDispatcher, logger: Logger): void {
  let pending: Buffer[] = [];
  let pendingBytes = 0;

  const reject = (reason: string): void => {
    logger.warn('closing connection after a malformed message', { connectionId, reason });
    socket.destroy();
  };

  socket.on('data', (chunk: Buffer) => {
    pending.push(chunk);
    pendingBytes += chunk.length;
    while (pendingBytes >= 4 && !socket.destroyed) {
      if (pending[0]!.length < 4) pending = [Buffer.concat(pending, pendingBytes)];
      const length = pending[0]!.readInt32LE(0);
      if (length < HEADER_SIZE || length > MAX_MESSAGE_SIZE) {
        reject(`message length ${length} is outside ${HEADER_SIZE}..${MAX_MESSAGE_SIZE}`);
        return;
      }
      // Chunks are joined only once the whole message is there, so a large message is copied once.
      if (pendingBytes < length) return;

      const buffered = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      const message = buffered.subarray(0, length);
      const rest = buffered.subarray(length);
      pending = rest.length > 0 ? [rest] : [];
      pendingBytes = rest.length;
      if (!handleMessage(message)) return;
    }
  });

  /** Returns false when the connection was closed. */
  const handleMessage = (message: Buffer): boolean => {
    let request;
    try {
      request = parseMessage(message);
    } catch (error) {
      reject(error instanceof ProtocolError ? error.message : String(error));
      return false;
    }
    const reply = dispatcher.run(request.command, request.db, connectionId);
    if (request.moreToCome) return true;
    let encoded: Buffer;
    try {
      encoded = encodeReply(request, nextResponseId++, reply);
    } catch (error) {
      // A reply that cannot be serialized (for example one over the BSON size limit) must not stop
      // the server: the client gets an error reply instead.
      logger.error('could not encode a reply', { connectionId, error: (error as Error).message });
      encoded = encodeReply(request, nextResponseId++, {
        ok: 0,
        errmsg: `reply could not be encoded: ${(error as Error).message}`,
        code: 1,
        codeName: 'InternalError',
      });
    }
    socket.write(encoded);
    return true;
  };

  socket.on('error', (error) => {
    logger.debug('connection error', { connectionId, error: error.message });
  });
}
