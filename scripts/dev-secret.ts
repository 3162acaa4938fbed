import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Returns a development JWT secret kept in a file, creating it on first use. Every function of an
 * offline run must sign and verify with the same secret, and keeping it across restarts keeps issued
 * tokens valid while developing.
 */
export function readOrCreateDevelopmentSecret(path: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();

  mkdirSync(dirname(path), { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}
