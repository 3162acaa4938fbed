import type { Document } from 'mongodb';
import { isUsableId, type Side } from './documents';

/** One step of the merge: the documents of both collections under one id, or a document left out of it. */
export type MergeEntry =
  | { type: 'pair'; id: number; user?: Document; authUser?: Document }
  | { type: 'unmatched'; side: Side; document: Document; reason: 'unusable_id' | 'duplicate_id' };

/** One sorted input with the next document read ahead, so the merge can compare heads. */
class Lookahead {
  private readonly iterator: AsyncIterator<Document>;
  head: Document | undefined;

  constructor(
    readonly side: Side,
    source: AsyncIterable<Document>,
  ) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  async advance(): Promise<Document | undefined> {
    const current = this.head;
    const next = await this.iterator.next();
    this.head = next.done ? undefined : next.value;
    return current;
  }
}

/**
 * Merges two streams of users, each sorted by `id` ascending, into one stream of entries in `id`
 * order. It keeps one document per stream in memory, so memory stays flat however many users
 * there are. Documents whose `id` is not a positive integer, and any further document under an id
 * already seen, come out as `unmatched` entries instead of pairs. Pass no `authUsers` to walk
 * only the users.
 */
export async function* mergeById(users: AsyncIterable<Document>, authUsers?: AsyncIterable<Document>): AsyncGenerator<MergeEntry> {
  const streams = [new Lookahead('users', users), ...(authUsers ? [new Lookahead('auth_user', authUsers)] : [])];
  for (const stream of streams) await stream.advance();

  for (;;) {
    // MongoDB sorts null, missing and non-numeric ids before or after every number, and non-integer
    // numbers between integers, so skipping them keeps the integer ids of each stream ascending.
    for (const stream of streams) {
      while (stream.head !== undefined && !isUsableId(stream.head.id)) {
        yield { type: 'unmatched', side: stream.side, document: (await stream.advance())!, reason: 'unusable_id' };
      }
    }

    const heads = streams.flatMap((stream) => (stream.head === undefined ? [] : [stream.head.id as number]));
    if (heads.length === 0) return;
    const id = Math.min(...heads);

    const [user, authUser] = await Promise.all(streams.map((stream) => (stream.head?.id === id ? stream.advance() : undefined)));
    yield { type: 'pair', id, user, authUser };

    for (const stream of streams) {
      while (stream.head?.id === id) {
        yield { type: 'unmatched', side: stream.side, document: (await stream.advance())!, reason: 'duplicate_id' };
      }
    }
  }
}
