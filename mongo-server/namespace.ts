import { commandError } from './errors';

/**
 * Database and collection of a namespace. Collection names may contain dots
 * (`attendance_db.Attendancetracker.users`), so a namespace splits at its first dot only.
 */
export interface Namespace {
  db: string;
  collection: string;
}

export function parseNamespace(ns: string): Namespace {
  const dot = ns.indexOf('.');
  if (dot <= 0) throw commandError('InvalidNamespace', `Invalid namespace specified '${ns}'`);
  return { db: ns.slice(0, dot), collection: ns.slice(dot + 1) };
}

export function formatNamespace(db: string, collection: string): string {
  return `${db}.${collection}`;
}

/** Rejects database names mongod rejects: empty, or containing `/\. "$` or NUL. */
export function validateDatabaseName(db: unknown): string {
  if (typeof db !== 'string' || db.length === 0 || /[/\\. "$\0]/.test(db)) {
    throw commandError('InvalidNamespace', `Invalid database name: '${String(db)}'`);
  }
  return db;
}

/** Rejects collection names mongod rejects: empty, containing `$` or NUL, or starting with a dot. */
export function validateCollectionName(db: string, collection: unknown): string {
  if (typeof collection !== 'string' || collection.length === 0) {
    throw commandError('InvalidNamespace', `Invalid namespace specified '${db}.${String(collection)}'`);
  }
  if (collection.includes('$') || collection.includes('\0') || collection.startsWith('.')) {
    throw commandError('InvalidNamespace', `Invalid collection name: ${collection}`);
  }
  return collection;
}
