import { BSON } from 'bson';
import type { Logger } from '../logger';
import type { Catalog } from '../storage/catalog';
import type { Change } from '../storage/changes';
import { encodeKey } from '../storage/keys';

/** Applies one journaled change to the catalog. Runs before the journal listens, so nothing is re-recorded. */
export function replayChange(catalog: Catalog, change: Change, logger: Logger): void {
  switch (change.op) {
    case 'createCollection':
      if (!catalog.getCollection(change.db, change.collection)) catalog.createCollection(change.db, change.collection, change.options);
      return;
    case 'dropCollection':
      catalog.dropCollection(change.db, change.collection);
      return;
    case 'dropDatabase':
      catalog.dropDatabase(change.db);
      return;
    case 'createIndex':
      try {
        catalog.ensureCollection(change.db, change.collection).createIndex(change.spec);
      } catch (error) {
        logger.warn('journal replay could not rebuild an index', {
          namespace: `${change.db}.${change.collection}`, index: change.spec.name, error: (error as Error).message,
        });
      }
      return;
    case 'dropIndex':
      catalog.getCollection(change.db, change.collection)?.dropIndex(change.name);
      return;
    case 'put': {
      const bson = Buffer.from(change.bson);
      const document = BSON.deserialize(bson);
      catalog.ensureCollection(change.db, change.collection).restore({ id: encodeKey(document._id), document, bson });
      return;
    }
    case 'delete': {
      const collection = catalog.getCollection(change.db, change.collection);
      const stored = collection?.get(encodeKey(change.id));
      if (collection && stored) collection.remove(stored);
      return;
    }
    default:
      logger.warn('journal replay skipped an unknown change', { op: (change as { op: unknown }).op });
  }
}

/** Changes that rebuild the catalog's current state from nothing: collections, indexes, then documents. */
export function* snapshotChanges(catalog: Catalog): Generator<Change> {
  for (const db of catalog.databaseNames()) {
    for (const collection of catalog.collections(db)) {
      yield { op: 'createCollection', db, collection: collection.name, options: collection.options };
      for (const index of collection.indexes()) yield { op: 'createIndex', db, collection: collection.name, spec: index.spec };
      for (const stored of collection.all()) yield { op: 'put', db, collection: collection.name, bson: stored.bson };
    }
  }
}
