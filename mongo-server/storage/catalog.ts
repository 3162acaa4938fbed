import type { Document } from 'bson';
import type { Change, ChangeListener } from './changes';
import { Collection } from './collection';

/**
 * All databases and their collections. A database exists while it has at least one collection, as in
 * mongod. Every change is passed to the listener (the journal, when persistence is on).
 */
export class Catalog {
  private readonly databases = new Map<string, Map<string, Collection>>();
  private listener: ChangeListener = () => {};

  /** Sets where changes go. Replaying the journal happens before this is set, so replay is not journaled again. */
  setChangeListener(listener: ChangeListener): void {
    this.listener = listener;
  }

  private readonly notify = (change: Change): void => this.listener(change);

  databaseNames(): string[] {
    return [...this.databases.keys()];
  }

  collections(db: string): Collection[] {
    return [...(this.databases.get(db)?.values() ?? [])];
  }

  getCollection(db: string, name: string): Collection | undefined {
    return this.databases.get(db)?.get(name);
  }

  /** Returns the collection, creating it (and its database) when it does not exist, as writes do in mongod. */
  ensureCollection(db: string, name: string): Collection {
    return this.getCollection(db, name) ?? this.createCollection(db, name, {});
  }

  createCollection(db: string, name: string, options: Document): Collection {
    let collections = this.databases.get(db);
    if (!collections) {
      collections = new Map();
      this.databases.set(db, collections);
    }
    const collection = new Collection(db, name, options, this.notify);
    collections.set(name, collection);
    this.notify({ op: 'createCollection', db, collection: name, options });
    return collection;
  }

  dropCollection(db: string, name: string): boolean {
    const collections = this.databases.get(db);
    if (!collections?.delete(name)) return false;
    if (collections.size === 0) this.databases.delete(db);
    this.notify({ op: 'dropCollection', db, collection: name });
    return true;
  }

  dropDatabase(db: string): boolean {
    if (!this.databases.delete(db)) return false;
    this.notify({ op: 'dropDatabase', db });
    return true;
  }
}
