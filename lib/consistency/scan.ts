import type { Collection, Db, Document } from 'mongodb';
import { AUTH_USER_COLLECTION, fromAuthUser, toAuthUser, type AuthUserDocument } from '../auth-user';
import type { UserDocument } from '../user-document';
import { USERS_COLLECTION } from '../users';
import { describeReview, isInvalid, reviewDocument, type DocumentReview, type Side } from './documents';
import { planMismatchRepair } from './field-mismatch';
import { mergeById } from './merge';
import { attemptRepair, insertIfAbsent, setIfUnchanged } from './repairs';
import type { FindingTally } from './report';

/** Documents per batch: large enough for few round trips, small enough to keep memory flat. */
const BATCH_SIZE = 1000;
const PROGRESS_INTERVAL = 5000;

export interface ScanOptions {
  mirror: boolean;
  repair: boolean;
  bcryptRounds: number;
  onProgress?: (scanned: number) => void;
}

interface ScanContext extends ScanOptions {
  collections: Record<Side, Collection<Document>>;
  tally: FindingTally;
}

const COLLECTION_NAMES: Record<Side, string> = { users: USERS_COLLECTION, auth_user: AUTH_USER_COLLECTION };

/**
 * Walks `Attendancetracker.users`, and `auth_user` while mirroring, in `id` order, and reports
 * invalid_document, missing_in_users, missing_in_auth_user and field_mismatch, repairing each user
 * as it passes when asked. Returns the largest usable id seen in either collection.
 *
 * A user who signs up during the walk can be reported as missing_in_auth_user when the walk reads
 * between the two writes of the signup. Its repair writes the document the signup writes, and the
 * signup's own mirror write then fails on the unique id and is logged.
 */
export async function scanUsers(database: Db, options: ScanOptions, tally: FindingTally): Promise<number> {
  const collections = { users: database.collection(USERS_COLLECTION), auth_user: database.collection(AUTH_USER_COLLECTION) };
  const context: ScanContext = { ...options, collections, tally };
  const entries = mergeById(sortedById(collections.users), options.mirror ? sortedById(collections.auth_user) : undefined);

  let maxId = 0;
  let scanned = 0;
  for await (const entry of entries) {
    if (entry.type === 'pair') {
      maxId = entry.id;
      await checkUser(entry.id, entry.user, entry.authUser, context);
    } else {
      const note = entry.reason === 'duplicate_id' ? 'id is shared with another document of the collection' : describeReview(reviewDocument(entry.document, entry.side));
      tally.record('invalid_document', sampleIdOf(entry.document), COLLECTION_NAMES[entry.side], note);
    }

    scanned += 1;
    if (scanned % PROGRESS_INTERVAL === 0) options.onProgress?.(scanned);
  }
  options.onProgress?.(scanned);
  return maxId;
}

// On mongod the `id` indexes serve this sort; without one, allowDiskUse lets the sort spill to disk.
function sortedById(collection: Collection<Document>): AsyncIterable<Document> {
  return collection.find({}).sort({ id: 1 }).batchSize(BATCH_SIZE).allowDiskUse(true);
}

function sampleIdOf(document: Document): number | string {
  if (typeof document.id === 'number' && Number.isSafeInteger(document.id)) return document.id;
  return String(document._id);
}

/** Checks and repairs the documents of one id: first each on its own, then the two against each other. */
async function checkUser(id: number, storedUser: Document | undefined, storedAuthUser: Document | undefined, context: ScanContext): Promise<void> {
  const userReview = storedUser && reviewDocument(storedUser, 'users');
  const authUserReview = storedAuthUser && reviewDocument(storedAuthUser, 'auth_user');
  let user = storedUser && (await applyFixes('users', id, storedUser, userReview!, context));
  let authUser = storedAuthUser && (await applyFixes('auth_user', id, storedAuthUser, authUserReview!, context));

  if (user && authUser) {
    [user, authUser] = await reconcile(id, user, authUser, context);
  } else if (user && context.mirror) {
    await copyAcross('auth_user', id, toAuthUser(user as UserDocument), user, context);
  } else if (authUser) {
    await copyAcross('users', id, fromAuthUser(authUser as AuthUserDocument), authUser, context);
  }

  if (user) recordValidity('users', id, userReview!, user, context);
  if (authUser) recordValidity('auth_user', id, authUserReview!, authUser, context);
}

/**
 * Applies the mechanical fixes of a review when repairing, and returns the document as it now is.
 * Without repairing it returns the document as the fixes would leave it, so that a missing default
 * is reported once, as invalid_document, and not again as a field_mismatch.
 */
async function applyFixes(side: Side, id: number, document: Document, review: DocumentReview, context: ScanContext): Promise<Document> {
  if (review.fixedFields.length === 0) return document;
  if (!context.repair) return { ...document, ...review.fixes };
  const written = await attemptRepair('invalid_document', { collection: COLLECTION_NAMES[side], id }, () => setIfUnchanged(context.collections[side], document, review.fixes));
  return written ? { ...document, ...review.fixes } : document;
}

/** Reports an invalid document, and counts it repaired when the run left it valid. */
function recordValidity(side: Side, id: number, initial: DocumentReview, current: Document, context: ScanContext): void {
  if (!isInvalid(initial)) return;
  context.tally.record('invalid_document', id, COLLECTION_NAMES[side], describeReview(initial));
  if (context.repair && !isInvalid(reviewDocument(current, side))) context.tally.recordRepair('invalid_document');
}

/**
 * Reports a user found on one side only and, when repairing, copies it to the other side. A copy is
 * written only when it is a valid document there, so that an invalid user is not spread further.
 */
async function copyAcross(target: Side, id: number, copy: Document, source: Document, context: ScanContext): Promise<void> {
  const kind = target === 'users' ? 'missing_in_users' : 'missing_in_auth_user';
  const sourceSide: Side = target === 'users' ? 'auth_user' : 'users';
  context.tally.record(kind, id, COLLECTION_NAMES[target], `only in ${COLLECTION_NAMES[sourceSide]}`);
  if (!context.repair || isInvalid(reviewDocument(source, sourceSide)) || isInvalid(reviewDocument(copy, target))) return;

  const copied = await attemptRepair(kind, { collection: COLLECTION_NAMES[target], id }, () => insertIfAbsent(context.collections[target], id, copy));
  if (copied) context.tally.recordRepair(kind);
}

/**
 * Reports a user whose two documents disagree and, when repairing, applies the plan of
 * planMismatchRepair. Returns both documents as they now are.
 */
async function reconcile(id: number, user: Document, authUser: Document, context: ScanContext): Promise<[Document, Document]> {
  const plan = planMismatchRepair(user, authUser, context.bcryptRounds);
  if (plan.differences.length === 0) return [user, authUser];

  const note = plan.usernameDiffers ? 'usernames differ, so the documents may belong to two people; not repaired' : `differs in ${plan.differences.join(', ')}`;
  context.tally.record('field_mismatch', id, `${USERS_COLLECTION} and ${AUTH_USER_COLLECTION}`, note);
  if (!context.repair || plan.usernameDiffers) return [user, authUser];

  // Both sides must end up valid, so an invalid value is never copied across.
  const nextUser = { ...user, ...plan.userChanges };
  const nextAuthUser = { ...authUser, ...plan.authUserChanges };
  if (reviewDocument(nextUser, 'users').problems.length > 0 || reviewDocument(nextAuthUser, 'auth_user').problems.length > 0) return [user, authUser];

  const target = { collection: `${USERS_COLLECTION} and ${AUTH_USER_COLLECTION}`, id };
  const authUserWritten = Object.keys(plan.authUserChanges).length === 0 || (await attemptRepair('field_mismatch', target, () => setIfUnchanged(context.collections.auth_user, authUser, plan.authUserChanges)));
  const userWritten = Object.keys(plan.userChanges).length === 0 || (await attemptRepair('field_mismatch', target, () => setIfUnchanged(context.collections.users, user, plan.userChanges)));
  if (authUserWritten && userWritten) context.tally.recordRepair('field_mismatch');
  return [userWritten ? nextUser : user, authUserWritten ? nextAuthUser : authUser];
}
