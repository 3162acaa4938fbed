import { describe, expect, it } from 'vitest';
import { handler as loginHandler } from '../../functions/login';
import { parseConfig } from '../../lib/config';
import { clientAddressOf, LOGIN_FAILURES_COLLECTION, LOGIN_FAILURES_TTL_INDEX, type LoginFailureRecord } from '../../lib/login-throttle';
import { invoke } from '../helpers/http-events';
import { STRONG_PASSWORD, signUp, useTestDatabase } from '../helpers/service';

const database = useTestDatabase('throttle');

const WRONG_PASSWORD = 'not the right password at all';
const LOCKOUT_SECONDS = 900;

// Each test uses addresses of its own, so the per-address limit of one test never locks another.
function login(body: Record<string, string>, sourceIp: string, headers?: Record<string, string>) {
  return invoke(loginHandler, { method: 'POST', path: '/login', body, sourceIp, ...(headers && { headers }) });
}

async function failuresCollection() {
  return (await database.db()).collection<LoginFailureRecord>(LOGIN_FAILURES_COLLECTION);
}

/** Returns the throttle records with a failure at or after `since` (epoch milliseconds). */
async function recordsSince(since: number, scope: 'account' | 'client' | '' = '') {
  const records = await (await failuresCollection()).find({ _id: { $regex: `^${scope}` } }).toArray();
  return records.filter((record) => record.failures.some((failure) => failure.getTime() >= since));
}

function expectRateLimited(response: Awaited<ReturnType<typeof login>>) {
  expect(response.statusCode).toBe(429);
  expect(response.body).toEqual({
    error: { code: 'rate_limited', message: expect.stringMatching(/^Too many failed login attempts\. Try again in \d+ seconds\.$/) },
  });
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(LOCKOUT_SECONDS);
  expect(response.body.error.message).toContain(`in ${retryAfter} seconds`);
  expect(response.headers['cache-control']).toBe('no-store');
}

describe('per-account login limit', () => {
  it('locks after five failures, even for the right password', async () => {
    await signUp({ username: 'locked-out' });
    const failures = [];
    for (let index = 0; index < 5; index += 1) {
      failures.push(await login({ username: 'locked-out', password: WRONG_PASSWORD }, `198.51.100.${index + 1}`));
    }

    const rightPassword = await login({ username: 'locked-out', password: STRONG_PASSWORD }, '198.51.100.99');

    expect(failures.map((response) => response.statusCode)).toEqual([401, 401, 401, 401, 401]);
    expectRateLimited(rightPassword);
  });

  it('answers an unknown account like an existing one', async () => {
    await signUp({ username: 'real-person' });
    for (let index = 0; index < 5; index += 1) {
      await login({ username: 'real-person', password: WRONG_PASSWORD }, '198.51.101.1');
      await login({ username: 'made-up-person', password: WRONG_PASSWORD }, '198.51.101.2');
    }

    const existing = await login({ username: 'real-person', password: STRONG_PASSWORD }, '198.51.101.3');
    const unknown = await login({ username: 'made-up-person', password: STRONG_PASSWORD }, '198.51.101.4');

    expectRateLimited(existing);
    expectRateLimited(unknown);
    const withoutSeconds = (response: typeof existing) => JSON.stringify(response.body).replace(/\d+ seconds/, 'N seconds');
    expect(withoutSeconds(unknown)).toBe(withoutSeconds(existing));
    expect(Object.keys(unknown.headers).sort()).toEqual(Object.keys(existing.headers).sort());
  });

  it('counts every letter case of a name together', async () => {
    await signUp({ username: 'Casey' });
    for (const variant of ['Casey', 'CASEY', 'casey', 'cAsEy', 'CaSeY']) {
      expect((await login({ username: variant, password: WRONG_PASSWORD }, '198.51.102.1')).statusCode).toBe(401);
    }

    expectRateLimited(await login({ username: 'casey', password: STRONG_PASSWORD }, '198.51.102.2'));
  });

  it('clears the failures after a successful login', async () => {
    await signUp({ username: 'forgetful' });
    const wrong = () => login({ username: 'forgetful', password: WRONG_PASSWORD }, '198.51.103.1');
    for (let index = 0; index < 4; index += 1) await wrong();

    const success = await login({ username: 'forgetful', password: STRONG_PASSWORD }, '198.51.103.1');
    const laterFailures = [await wrong(), await wrong(), await wrong(), await wrong()];
    const again = await login({ username: 'forgetful', password: STRONG_PASSWORD }, '198.51.103.1');

    expect(success.statusCode).toBe(200);
    expect(laterFailures.map((response) => response.statusCode)).toEqual([401, 401, 401, 401]);
    expect(again.statusCode).toBe(200);
  });

  it('ends the lock once the lockout has passed', async () => {
    await signUp({ username: 'patient' });
    const start = Date.now();
    for (let index = 0; index < 5; index += 1) await login({ username: 'patient', password: WRONG_PASSWORD }, '198.51.104.1');
    expectRateLimited(await login({ username: 'patient', password: STRONG_PASSWORD }, '198.51.104.1'));

    // Moves the stored failures back in time, as waiting would, rather than sleeping in the test.
    const collection = await failuresCollection();
    const records = await recordsSince(start);
    const shiftBy = async (seconds: number) => {
      for (const { _id } of records) {
        const record = await collection.findOne({ _id });
        if (!record) continue;
        const shifted = record.failures.map((failure) => new Date(failure.getTime() - seconds * 1000));
        await collection.updateOne({ _id: record._id }, { $set: { failures: shifted } });
      }
    };
    await shiftBy(LOCKOUT_SECONDS - 60);
    const nearlyOver = await login({ username: 'patient', password: STRONG_PASSWORD }, '198.51.104.1');
    await shiftBy(61);
    const over = await login({ username: 'patient', password: STRONG_PASSWORD }, '198.51.104.1');

    expectRateLimited(nearlyOver);
    expect(Number(nearlyOver.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(Number(nearlyOver.headers['retry-after'])).toBeGreaterThan(30);
    expect(over.statusCode).toBe(200);
  });

  it('needs the failures within one window', async () => {
    await signUp({ username: 'occasional' });
    const start = Date.now();
    for (let index = 0; index < 4; index += 1) await login({ username: 'occasional', password: WRONG_PASSWORD }, '198.51.105.1');
    const collection = await failuresCollection();
    const oldFailures = Array.from({ length: 4 }, (_, index) => new Date(Date.now() - (16 * 60 + index) * 1000));
    const [accountRecord] = await recordsSince(start, 'account');
    await collection.updateOne({ _id: accountRecord?._id }, { $set: { failures: oldFailures } });

    const fifth = await login({ username: 'occasional', password: WRONG_PASSWORD }, '198.51.105.1');
    const next = await login({ username: 'occasional', password: STRONG_PASSWORD }, '198.51.105.1');

    expect(fifth.statusCode).toBe(401);
    expect(next.statusCode).toBe(200);
  });
});

describe('per-address login limit', () => {
  it('locks an address after fifty failures', async () => {
    await signUp({ username: 'neighbour' });
    const address = '203.0.113.50';
    for (let index = 0; index < 50; index += 1) {
      const response = await login({ username: `guess-${index}`, password: WRONG_PASSWORD }, address);
      expect(response.statusCode).toBe(401);
    }

    const fromLockedAddress = await login({ username: 'neighbour', password: STRONG_PASSWORD }, address);
    const fromOtherAddress = await login({ username: 'neighbour', password: STRONG_PASSWORD }, '203.0.113.51');

    expectRateLimited(fromLockedAddress);
    expect(fromOtherAddress.statusCode).toBe(200);
  });

  it('ignores X-Forwarded-For', async () => {
    await signUp({ username: 'spoofer' });
    const address = '203.0.113.60';
    for (let index = 0; index < 50; index += 1) {
      await login({ username: `spoof-${index}`, password: WRONG_PASSWORD }, address, { 'X-Forwarded-For': `10.0.${index}.1` });
    }

    const response = await login({ username: 'spoofer', password: STRONG_PASSWORD }, address, { 'x-forwarded-for': '10.9.9.9' });

    expectRateLimited(response);
  });

  it('records concurrent failures without losing any', async () => {
    const address = '203.0.113.70';
    const start = Date.now();
    await Promise.all(
      Array.from({ length: 20 }, (_, index) => login({ username: `crowd-${index}`, password: WRONG_PASSWORD }, address)),
    );

    const [clientRecord, ...others] = await recordsSince(start, 'client');
    expect(others).toEqual([]);
    expect(clientRecord?.failures.length).toBe(20);
  });
});

describe('stored failures', () => {
  it('expire through a TTL index', async () => {
    const before = Date.now();
    await login({ username: 'ttl-probe', password: WRONG_PASSWORD }, '203.0.113.80');

    const indexes = await (await failuresCollection()).indexes();
    const newest = await recordsSince(before);

    const ttl = indexes.find((index) => index.name === LOGIN_FAILURES_TTL_INDEX);
    expect(ttl?.key).toEqual({ expires_at: 1 });
    expect(ttl?.expireAfterSeconds).toBe(0);
    expect(newest.length).toBe(2);
    for (const record of newest) {
      const lastFailure = Math.max(...record.failures.map((failure) => failure.getTime()));
      expect(record.expires_at.getTime()).toBe(lastFailure + LOCKOUT_SECONDS * 1000);
    }
  });

  it('name neither the account nor the address in clear text', async () => {
    await login({ username: 'secret-name', password: WRONG_PASSWORD }, '203.0.113.90');

    const stored = JSON.stringify(await (await failuresCollection()).find({}).toArray());

    expect(stored).not.toContain('secret-name');
    expect(stored).not.toContain('203.0.113.90');
  });
});

describe('clientAddressOf', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:DB8:0001:0002:ffff::', '2001:db8:1:2::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ])('keys %s as %s', (address, key) => {
    expect(clientAddressOf(address)).toBe(key);
  });

  it.each([undefined, '', 'unknown', '192.0.2.300', '10.0.0.1, 10.0.0.2'])('ignores %j', (address) => {
    expect(clientAddressOf(address)).toBeUndefined();
  });
});

describe('login throttle settings', () => {
  const base = { MONGODB_URI: 'mongodb://127.0.0.1:1', JWT_SECRET: 'x'.repeat(32) };

  it('default to 5 and 50 failures in 900 s, locking 900 s', () => {
    expect(parseConfig(base).loginThrottle).toEqual({
      maxFailuresPerAccount: 5,
      maxFailuresPerClient: 50,
      failureWindowSeconds: 900,
      lockoutSeconds: 900,
    });
  });

  it.each([
    ['LOGIN_MAX_FAILURES', '0'],
    ['LOGIN_MAX_FAILURES', '101'],
    ['LOGIN_MAX_FAILURES_PER_IP', '1001'],
    ['LOGIN_FAILURE_WINDOW_SECONDS', '59'],
    ['LOGIN_LOCKOUT_SECONDS', 'ten'],
  ])('reject %s=%s', (name, value) => {
    expect(() => parseConfig({ ...base, [name]: value })).toThrow(new RegExp(`Invalid configuration: ${name} `));
  });
});
