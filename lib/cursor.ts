import { createHash } from 'node:crypto';
import { EJSON } from 'bson';
// A namespace import of zod/mini lets esbuild drop unused zod code, which neither classic zod nor `import { z }` allows.
import * as z from 'zod/mini';

/** A sort value a keyset cursor can carry. */
export type SortValue = string | number | Date | null;

/**
 * The position after the last item of a page: the sort value and the `id` that breaks ties.
 * `query` fingerprints the filters and ordering, so a cursor cannot be replayed against another query.
 */
export interface CursorPosition {
  ordering: string;
  query: string;
  value: SortValue;
  id: number;
}

/** The message for a cursor that cannot be read or was edited. */
export const INVALID_CURSOR_MESSAGE = 'The cursor is not valid. Request the first page again without a cursor.';

/** Raised when a cursor is not one this service issued for the same query. */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
  readonly code = 'invalid_cursor';
}

const payloadSchema = z.object({
  o: z.string().check(z.maxLength(32)),
  q: z.string().check(z.maxLength(64)),
  v: z.union([z.string().check(z.maxLength(1024)), z.number(), z.date(), z.null()]),
  i: z.number().check(z.int()),
});

// Cursors are opaque to clients but not secret: tampering with one can only move the page start.
export function encodeCursor(position: CursorPosition): string {
  const payload = { o: position.ordering, q: position.query, v: position.value, i: position.id };
  return Buffer.from(EJSON.stringify(payload), 'utf8').toString('base64url');
}

/** Decodes a cursor and checks that it belongs to the given ordering and query fingerprint. */
export function decodeCursor(cursor: string, expected: { ordering: string; query: string }): CursorPosition {
  let payload: z.infer<typeof payloadSchema>;
  try {
    const text = Buffer.from(cursor, 'base64url').toString('utf8');
    const parsed = payloadSchema.safeParse(EJSON.parse(text));
    if (!parsed.success) throw parsed.error;
    payload = parsed.data;
  } catch (error) {
    throw new InvalidCursorError(INVALID_CURSOR_MESSAGE, { cause: error });
  }

  if (payload.o !== expected.ordering || payload.q !== expected.query) {
    throw new InvalidCursorError(
      'The cursor belongs to a different ordering or filter. Request the first page again without a cursor.',
    );
  }
  return { ordering: payload.o, query: payload.q, value: payload.v, id: payload.i };
}

/** Fingerprints the parameters a cursor must be used with; equal parameters give equal text. */
export function fingerprintQuery(parameters: Record<string, unknown>): string {
  const canonical = JSON.stringify(Object.entries(parameters).sort(([a], [b]) => a.localeCompare(b)));
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
}
