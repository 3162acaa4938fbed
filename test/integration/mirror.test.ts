import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config';
import { chooseMirrorMode, getMirrorMode } from '../../lib/mirror';
import { useTestDatabase } from '../helpers/service';

useTestDatabase('mirror');

// The replies a driver receives from mongod 7.0 in each topology, reduced to the fields that matter.
const SESSIONS = { logicalSessionTimeoutMinutes: 30 };
const STANDALONE = { isWritablePrimary: true, maxWireVersion: 21, ...SESSIONS };
const REPLICA_SET_PRIMARY = { ...STANDALONE, setName: 'rs0' };
const MONGOS = { ...STANDALONE, msg: 'isdbgrid' };

describe('chooseMirrorMode', () => {
  it('uses a transaction on a replica set', () => {
    expect(chooseMirrorMode(true, REPLICA_SET_PRIMARY)).toBe('transaction');
  });

  it('uses a transaction on a sharded cluster', () => {
    expect(chooseMirrorMode(true, MONGOS)).toBe('transaction');
  });

  it('writes one after the other on a standalone', () => {
    expect(chooseMirrorMode(true, STANDALONE)).toBe('sequential');
  });

  it('writes one after the other before transactions existed', () => {
    // MongoDB 3.6 (wire 6) had no transactions; 4.0 (wire 7) had them on replica sets only.
    expect(chooseMirrorMode(true, { ...REPLICA_SET_PRIMARY, maxWireVersion: 6 })).toBe('sequential');
    expect(chooseMirrorMode(true, { ...MONGOS, maxWireVersion: 7 })).toBe('sequential');
  });

  it('writes one after the other without sessions', () => {
    expect(chooseMirrorMode(true, { ...REPLICA_SET_PRIMARY, logicalSessionTimeoutMinutes: null })).toBe('sequential');
  });

  it('writes nothing when the mirror is off', () => {
    expect(chooseMirrorMode(false, REPLICA_SET_PRIMARY)).toBe('off');
  });
});

describe('getMirrorMode', () => {
  it('detects the embedded standalone server', async () => {
    await expect(getMirrorMode()).resolves.toBe('sequential');
  });
});

describe('AUTH_USER_MIRROR', () => {
  const environment = { MONGODB_URI: 'mongodb://127.0.0.1:27017', JWT_SECRET: 'x'.repeat(40) };

  it('defaults to true', () => {
    expect(parseConfig(environment).authUserMirror).toBe(true);
  });

  it('accepts "false"', () => {
    expect(parseConfig({ ...environment, AUTH_USER_MIRROR: 'false' }).authUserMirror).toBe(false);
  });

  it('rejects other spellings with the variable name', () => {
    expect(() => parseConfig({ ...environment, AUTH_USER_MIRROR: 'no' })).toThrow('AUTH_USER_MIRROR must be "true" or "false", got "no"');
  });
});
