import { afterEach, describe, expect, it, vi } from 'vitest';
import { MongoClient } from 'mongodb';
import { redactCredentials, resolveDatabase } from '../../scripts/database';

// Embedded server only when MONGODB_URI is unset: the second test starts its own instance.
const savedUri = process.env.MONGODB_URI;

afterEach(() => {
  process.env.MONGODB_URI = savedUri;
  vi.restoreAllMocks();
});

function captureStderr(): string[] {
  const lines: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return lines;
}

describe('resolveDatabase', () => {
  it('uses MONGODB_URI when set', async () => {
    process.env.MONGODB_URI = 'mongodb://user:secret@127.0.0.1:1/app';
    const lines = captureStderr();
    const database = await resolveDatabase();
    expect(database.embedded).toBe(false);
    expect(database.uri).toBe('mongodb://user:secret@127.0.0.1:1/app');
    await database.stop();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('MONGODB_URI');
    expect(lines[0]).not.toContain('secret');
  });

  it('starts the embedded server otherwise', async () => {
    delete process.env.MONGODB_URI;
    const lines = captureStderr();
    const database = await resolveDatabase();
    try {
      expect(database.embedded).toBe(true);
      expect(database.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+$/);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('set MONGODB_URI');
      const client = new MongoClient(database.uri, { serverSelectionTimeoutMS: 5000 });
      try {
        expect(await client.db('admin').command({ ping: 1 })).toEqual({ ok: 1 });
      } finally {
        await client.close();
      }
    } finally {
      await database.stop();
    }
  });

  it('redacts passwords', () => {
    expect(redactCredentials('mongodb+srv://ann:p%40ss@cluster.example.net/db')).toBe('mongodb+srv://ann:***@cluster.example.net/db');
    expect(redactCredentials('mongodb://127.0.0.1:27017')).toBe('mongodb://127.0.0.1:27017');
  });
});
