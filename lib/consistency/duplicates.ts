import type { Db, Document } from 'mongodb';
import { CASE_INSENSITIVE, USERS_COLLECTION } from '../users';
import type { MissingIndexes } from './indexes';
import type { FindingTally } from './report';

const FIELDS = [
  { field: 'username', kind: 'duplicate_username' },
  { field: 'email', kind: 'duplicate_email' },
] as const;

/**
 * Reports users of `Attendancetracker.users` whose usernames or emails collide when letter case is
 * ignored. Every user of a colliding group is one finding. Report only, because which account a
 * person keeps is for a person to decide. Blank emails never collide, as in Django.
 *
 * A field whose unique case-insensitive index exists is skipped: the database rejects every
 * collision on it, so there is nothing to find. `auth_user` is not checked. It follows Django's
 * rules, where usernames are case-sensitive and emails are not unique, and a Django user who
 * collides with a tracker user shows up as missing_in_users whose copy the unique index rejects.
 *
 * NOTE: without the index the server groups the whole collection. mongod keeps one group per
 * distinct name and spills to disk past 100 MB (allowDiskUse). The embedded server keeps every
 * document in memory while it groups and answers nothing else meanwhile: about 10 s at 100,000
 * users on the 2-core development machine, longer than the client's 3 s timeouts, so there the run
 * fails with a server selection error. The check itself receives only the colliding groups.
 */
export async function checkDuplicates(database: Db, indexes: MissingIndexes, tally: FindingTally): Promise<void> {
  for (const { field, kind } of FIELDS) {
    if (indexes.hasUniqueUserIndex(field)) continue;

    const groups = database.collection(USERS_COLLECTION).aggregate<{ ids: unknown[] }>(groupPipeline(field), { collation: CASE_INSENSITIVE, allowDiskUse: true });
    for await (const group of groups) {
      for (const id of group.ids) tally.record(kind, toSampleId(id), USERS_COLLECTION, `${field} collides with another user's when letter case is ignored`);
    }
  }
}

/**
 * `$toLower` folds case on the embedded server, which does not apply a collation to `$group` keys.
 * On mongod `$toLower` folds ASCII only, and the collation (ICU strength 2, as the unique indexes
 * use) makes the remaining case variants equal.
 */
function groupPipeline(field: 'username' | 'email'): Document[] {
  return [
    // `$gt: ''` matches non-empty strings only.
    { $match: { [field]: field === 'email' ? { $gt: '' } : { $type: 'string' } } },
    { $group: { _id: { $toLower: `$${field}` }, ids: { $push: { $ifNull: ['$id', '$_id'] } }, count: { $sum: 1 } } },
    { $match: { count: { $gt: 1 } } },
  ];
}

function toSampleId(id: unknown): number | string {
  return typeof id === 'number' ? id : String(id);
}
