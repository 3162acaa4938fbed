import type { Document } from 'bson';
import type { IndexSpec } from './collection-index';

/**
 * One change to the stored data. The catalog reports every change through a ChangeListener, and the
 * journal writes them to disk so that replaying them rebuilds the same state.
 */
export type Change =
  | { op: 'createCollection'; db: string; collection: string; options: Document }
  | { op: 'dropCollection'; db: string; collection: string }
  | { op: 'dropDatabase'; db: string }
  | { op: 'createIndex'; db: string; collection: string; spec: IndexSpec }
  | { op: 'dropIndex'; db: string; collection: string; name: string }
  /** Insert or replace the document with this `_id`; `bson` is the serialized document. */
  | { op: 'put'; db: string; collection: string; bson: Buffer }
  | { op: 'delete'; db: string; collection: string; id: unknown };

export type ChangeListener = (change: Change) => void;
