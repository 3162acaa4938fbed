import { commandError } from './errors';

/*
 * Name rules for databases and collections. A full namespace is `<db>.<collection>`, and collection
 * names may contain dots (`attendance_db.Attendancetracker.users`). Commands carry the database
 * (`$db`) and the collection name separately, so the server never has to split a namespace.
 */

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
