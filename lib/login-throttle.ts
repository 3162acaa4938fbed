import { createHmac } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { AnyBulkWriteOperation, Collection } from 'mongodb';
import { getConfig, type LoginThrottleSettings } from './config';
import { isDatabaseUnavailable } from './database-errors';
import { RateLimitedError } from './http-errors';
import { describeError, logger } from './logger';
import { getDatabase } from './mongo-client';
import type { LoginBody } from './validation';

/*
 * Brute-force limits on POST /login, stored in MongoDB so that every container and every cold start
 * reads the same counts.
 *
 * Each account name and each client address has one document that holds the times of its latest
 * failed logins, at most as many as its limit. A key is locked while its latest `limit` failures lie
 * within the window: the lock lasts `lockoutSeconds` from the last of them, which is an exact sliding
 * window. A failure appends its time with `$push` and `$slice` in one atomic upsert, so containers
 * that fail at the same moment never overwrite each other's failures and the document stays bounded.
 * A counter with `$inc` would need fixed windows (letting 2N - 1 guesses through across a boundary)
 * and a second write to reset them. One document per failure would need a count over up to
 * LOGIN_MAX_FAILURES_PER_IP documents on every login.
 *
 * The lock is computed from the stored times, never from whether a document exists, so a document
 * that the TTL monitor has not removed yet (mongod runs it once a minute) changes nothing.
 *
 * Cost per login: one read by `_id` that returns at most two documents, before the password is
 * checked. After a failure, one bulk write of two upserts. After a success, one delete, and only when
 * the account had failures.
 */

export const LOGIN_FAILURES_COLLECTION = 'login_failures';
export const LOGIN_FAILURES_TTL_INDEX = 'expires_at_ttl';

/** The failed logins of one account name or one client address. */
export interface LoginFailureRecord {
  /** `account:<hmac>` or `client:<hmac>`; see throttleKey. */
  _id: string;
  /** Times of the latest failures, oldest first, at most as many as the key's limit. */
  failures: Date[];
  /** When none of the failures can lock the key any more; the TTL index removes the document then. */
  expires_at: Date;
}

/** The throttle state that checkLoginAllowed read, for the steps after the password check. */
export interface LoginAttempt {
  accountKey: string;
  /** Undefined when the event carries no usable client address. */
  clientKey?: string;
  accountFailures: Date[];
  clientFailures: Date[];
}

/**
 * Throws RateLimitedError when the account name or the client address is locked, before any password
 * is checked, so that a locked login costs no hashing and the right password does not unlock it.
 * The account key comes from the name the login gives, so an account that does not exist locks
 * in the same way and the response never reveals whether it exists.
 */
export async function checkLoginAllowed(credentials: LoginBody, sourceIp: string | undefined): Promise<LoginAttempt> {
  const settings = getConfig().loginThrottle;
  const accountKey = throttleKey('account', accountName(credentials));
  const clientAddress = clientAddressOf(sourceIp);
  const clientKey = clientAddress === undefined ? undefined : throttleKey('client', clientAddress);

  const collection = await getLoginFailuresCollection();
  const keys = clientKey === undefined ? [accountKey] : [accountKey, clientKey];
  const records = await collection.find({ _id: { $in: keys } }).toArray();
  const failuresOf = (key: string | undefined) => records.find((record) => record._id === key)?.failures ?? [];
  const attempt = { accountKey, clientKey, accountFailures: failuresOf(accountKey), clientFailures: failuresOf(clientKey) };

  const now = Date.now();
  const lockedUntil = Math.max(
    lockEnd(attempt.accountFailures, settings.maxFailuresPerAccount, settings),
    lockEnd(attempt.clientFailures, settings.maxFailuresPerClient, settings),
  );
  if (lockedUntil > now) throw new RateLimitedError(Math.ceil((lockedUntil - now) / 1000));
  return attempt;
}

/**
 * Records a failed login against the account name and the client address.
 *
 * NOTE: the check and this write are separate steps, so logins for one account that run at the same
 * moment all pass the check. With C of them in flight, up to LOGIN_MAX_FAILURES + C - 1 guesses
 * can be made before the lock applies.
 */
export async function recordLoginFailure(attempt: LoginAttempt): Promise<void> {
  const settings = getConfig().loginThrottle;
  const at = new Date();
  // A failure matters while a later one could still fall within its window. A lock lasts
  // lockoutSeconds after the last failure. The document lives for the longer of the two.
  const expiresAt = new Date(at.getTime() + Math.max(settings.failureWindowSeconds, settings.lockoutSeconds) * 1000);

  const operations = [failureUpsert(attempt.accountKey, at, settings.maxFailuresPerAccount, expiresAt)];
  if (attempt.clientKey) operations.push(failureUpsert(attempt.clientKey, at, settings.maxFailuresPerClient, expiresAt));
  await (await getLoginFailuresCollection()).bulkWrite(operations, { ordered: false });

  logLockStart('account', attempt.accountKey, [...attempt.accountFailures, at], settings.maxFailuresPerAccount, settings);
  if (attempt.clientKey) logLockStart('client', attempt.clientKey, [...attempt.clientFailures, at], settings.maxFailuresPerClient, settings);
}

/**
 * Deletes the failed logins of the account name after a successful login. The client address keeps
 * its failures, since otherwise an attacker could reset that limit by logging into an account of
 * their own between guesses.
 */
export async function clearLoginFailures(attempt: LoginAttempt): Promise<void> {
  if (attempt.accountFailures.length === 0) return;
  await (await getLoginFailuresCollection()).deleteOne({ _id: attempt.accountKey });
}

/**
 * Returns the end of the lock, in epoch milliseconds, that a list of failure times imposes, or 0 when
 * the latest `limit` failures do not fall within the window.
 */
export function lockEnd(failures: Date[], limit: number, settings: LoginThrottleSettings): number {
  if (failures.length < limit) return 0;
  const latest = failures.map((failure) => failure.getTime()).sort((a, b) => a - b).slice(-limit);
  const first = latest[0] ?? 0;
  const last = latest[latest.length - 1] ?? 0;
  if (last - first > settings.failureWindowSeconds * 1000) return 0;
  return last + settings.lockoutSeconds * 1000;
}

/**
 * Returns the account name a login gives, normalized and case-folded, so that every letter-case
 * variant of a name shares one limit, as it shares one account. NFKC then upper then lower case also
 * folds "ß" into "ss", which the login's case-insensitive collation treats as equal.
 */
export function accountName(credentials: LoginBody): string {
  const [field, value] = credentials.username !== undefined ? ['username', credentials.username] : ['email', credentials.email ?? ''];
  return `${field}:${value.normalize('NFKC').toUpperCase().toLowerCase()}`;
}

/**
 * Returns the part of a client address that one client controls: an IPv4 address as it is, or the /64
 * prefix of an IPv6 address. One subscriber usually gets a whole /64 and could otherwise change
 * address for every guess. Returns undefined for a missing or malformed address. API Gateway always
 * sets one, so only direct invocations lack it, and they get the account limit alone.
 */
export function clientAddressOf(sourceIp: string | undefined): string | undefined {
  if (!sourceIp) return undefined;
  if (isIPv4(sourceIp)) return sourceIp;
  if (!isIPv6(sourceIp)) return undefined;

  const groups = ipv6Groups(sourceIp);
  const isIpv4Mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (isIpv4Mapped) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(':')}::/64`;
}

/** Returns the eight 16-bit groups of a valid IPv6 address, expanding `::` and a trailing dotted IPv4 part. */
function ipv6Groups(address: string): number[] {
  let text = address.split('%')[0] ?? '';
  const dottedTail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dottedTail) {
    const [a, b, c, d] = dottedTail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dottedTail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }

  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = new Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].map((group) => Number.parseInt(group, 16));
}

/**
 * Returns the `_id` of a throttle document. The name is an HMAC keyed with JWT_SECRET, so the
 * collection never lists the names people tried (sometimes a password typed into the wrong field) or
 * their addresses. Changing JWT_SECRET therefore also discards every stored failure.
 */
function throttleKey(scope: 'account' | 'client', name: string): string {
  const digest = createHmac('sha256', getConfig().jwtSecret).update(`login-throttle\0${scope}\0${name}`).digest('base64url');
  return `${scope}:${digest}`;
}

function failureUpsert(key: string, at: Date, limit: number, expiresAt: Date): AnyBulkWriteOperation<LoginFailureRecord> {
  return {
    updateOne: {
      filter: { _id: key },
      update: { $push: { failures: { $each: [at], $slice: -limit } }, $max: { expires_at: expiresAt } },
      upsert: true,
    },
  };
}

function logLockStart(scope: 'account' | 'client', key: string, failures: Date[], limit: number, settings: LoginThrottleSettings): void {
  const before = failures.slice(0, -1);
  const at = failures[failures.length - 1]?.getTime() ?? 0;
  if (lockEnd(failures, limit, settings) > at && lockEnd(before, limit, settings) <= at) {
    logger.warn('Login locked after repeated failures', {
      scope,
      throttle_key: key,
      max_failures: limit,
      window_seconds: settings.failureWindowSeconds,
      lockout_seconds: settings.lockoutSeconds,
    });
  }
}

let ttlIndexEnsured: Promise<unknown> | undefined;

/** Returns the throttle collection, ensuring its TTL index once per container. */
async function getLoginFailuresCollection(): Promise<Collection<LoginFailureRecord>> {
  const database = await getDatabase();
  const collection = database.collection<LoginFailureRecord>(LOGIN_FAILURES_COLLECTION);
  ttlIndexEnsured ??= collection
    .createIndex({ expires_at: 1 }, { name: LOGIN_FAILURES_TTL_INDEX, expireAfterSeconds: 0 })
    .catch((error: unknown) => {
      if (isDatabaseUnavailable(error)) {
        ttlIndexEnsured = undefined;
        throw error;
      }
      // The limits still hold without the index because they read the stored times. Only the
      // removal of old documents stops, so logins go on and the error is logged once per container.
      logger.error(`The TTL index ${LOGIN_FAILURES_TTL_INDEX} on ${LOGIN_FAILURES_COLLECTION} could not be built, so old failure records will not expire. Drop the conflicting index to let the next container build it.`, describeError(error));
    });
  await ttlIndexEnsured;
  return collection;
}
