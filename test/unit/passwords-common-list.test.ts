import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

import { decodePasswordList, loadCommonPasswords } from '../../lib/passwords/common-passwords';
import {
  COMMON_PASSWORD_COUNT,
  COMMON_PASSWORDS_BROTLI_BASE64,
} from '../../lib/passwords/common-passwords-data';
import { loadSourcePasswords } from '../../lib/passwords/generate-common-passwords';

const PASSWORDS_MODULE = fileURLToPath(new URL('../../lib/passwords/index.ts', import.meta.url));

/** Bundles an entry the way the functions are bundled (esbuild, node, CommonJS, minified). */
async function bundle(entry: string): Promise<string> {
  const result = await build({
    stdin: { contents: entry, resolveDir: process.cwd(), loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

describe('common-password list', () => {
  it('holds at least 20,000 entries', async () => {
    const passwords = await decodePasswordList(COMMON_PASSWORDS_BROTLI_BASE64);

    expect(passwords.length).toBe(COMMON_PASSWORD_COUNT);
    expect(passwords.length).toBeGreaterThanOrEqual(20_000);
    expect(new Set(passwords).size).toBe(passwords.length);
  });

  it('matches the installed source package', async () => {
    const shipped = await decodePasswordList(COMMON_PASSWORDS_BROTLI_BASE64);

    // On failure, regenerate: npx tsx lib/passwords/generate-common-passwords.ts
    expect(shipped).toEqual(loadSourcePasswords());
  });

  it('holds only lowercased, stripped entries', async () => {
    const passwords = await decodePasswordList(COMMON_PASSWORDS_BROTLI_BASE64);

    expect(passwords.filter((entry) => entry !== entry.toLowerCase())).toEqual([]);
    expect(passwords.filter((entry) => entry !== entry.trim() || entry === '')).toEqual([]);
  });

  it('loads once per process', async () => {
    const first = loadCommonPasswords();
    const second = loadCommonPasswords();

    expect(second).toBe(first);
    expect((await first).size).toBe(COMMON_PASSWORD_COUNT);
  });
});

describe('password module bundles', () => {
  const listMarker = COMMON_PASSWORDS_BROTLI_BASE64.slice(0, 64);

  it('keeps the list out of a login bundle', async () => {
    const code = await bundle(
      `import { getDecoyHash, verifyPassword, hashPassword } from ${JSON.stringify(PASSWORDS_MODULE)};
       export const used = [getDecoyHash, verifyPassword, hashPassword];`,
    );

    expect(code).not.toContain(listMarker);
    // bcryptjs, hash-wasm's argon2 build and this module; the whole hash-wasm would add ~190 KB.
    expect(code.length).toBeLessThan(100_000);
  });

  it('puts the list and its licence into a signup bundle', async () => {
    const code = await bundle(
      `import { validatePassword, hashPassword } from ${JSON.stringify(PASSWORDS_MODULE)};
       export const used = [validatePassword, hashPassword];`,
    );

    expect(code).toContain(listMarker);
    expect(code).toContain('Permission is hereby granted');
    expect(code.length).toBeLessThan(300_000);
  });
});
