// Loads the common-password list on first use. The compressed list (about 150 KB) is imported
// dynamically, so esbuild puts it only into bundles that call isCommonPassword (signup and
// createsuperuser, not login), and it is decompressed once per container.
import { promisify } from 'node:util';
import { brotliDecompress } from 'node:zlib';

const brotliDecompressAsync = promisify(brotliDecompress);

/** Decodes a list written by encodePasswordList in generate-common-passwords.ts. */
export async function decodePasswordList(brotliBase64: string): Promise<string[]> {
  const text = await brotliDecompressAsync(Buffer.from(brotliBase64, 'base64'));
  return text.toString('utf8').split('\n');
}

let commonPasswords: Promise<ReadonlySet<string>> | undefined;

/** Returns the set of common passwords, loading and decompressing it on the first call. */
export function loadCommonPasswords(): Promise<ReadonlySet<string>> {
  if (commonPasswords === undefined) {
    const loading = import('./common-passwords-data')
      .then((data) => decodePasswordList(data.COMMON_PASSWORDS_BROTLI_BASE64))
      .then((passwords): ReadonlySet<string> => new Set(passwords));
    commonPasswords = loading;
    // A failed load is not cached, so the next call tries again.
    loading.catch(() => {
      if (commonPasswords === loading) {
        commonPasswords = undefined;
      }
    });
  }
  return commonPasswords;
}

/** Tests a password that the caller has already lowercased and stripped, as Django does. */
export async function isCommonPassword(normalizedPassword: string): Promise<boolean> {
  return (await loadCommonPasswords()).has(normalizedPassword);
}
