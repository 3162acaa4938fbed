// Django's legacy single-digest hashers: salted `md5` and `sha1`, and the unsalted forms
// `unsalted_md5` and `unsalted_sha1`. None of them is safe for new hashes. They are verified only so
// that users migrated from old Django sites can log in once and get their hash upgraded.
import { createHash } from 'node:crypto';

import { compareInConstantTime, type Verdict } from './hasher-utils';

type DigestAlgorithm = 'md5' | 'sha1';

const HEX_DIGEST: Record<DigestAlgorithm, RegExp> = {
  md5: /^[0-9a-f]{32}$/,
  sha1: /^[0-9a-f]{40}$/,
};

function hexDigest(algorithm: DigestAlgorithm, text: string): string {
  return createHash(algorithm).update(text, 'utf8').digest('hex');
}

/**
 * Verifies `md5$<salt>$<hex>` or `sha1$<salt>$<hex>`, where the hex digest is taken over the UTF-8
 * bytes of salt + password. Django rejects an empty salt or one containing `$` when it encodes, so
 * such values are reported as unsupported.
 */
export async function verifySaltedDigest(
  algorithm: DigestAlgorithm,
  password: string,
  encoded: string,
): Promise<Verdict> {
  const fields = encoded.split('$');
  if (fields.length !== 3) {
    return 'unsupported';
  }

  const [, salt = '', storedDigest = ''] = fields;
  if (salt === '' || !HEX_DIGEST[algorithm].test(storedDigest)) {
    return 'unsupported';
  }

  return compareInConstantTime(storedDigest, hexDigest(algorithm, salt + password));
}

/**
 * Verifies Django's `unsalted_md5`: 32 lowercase hex characters, optionally written as `md5$$` +
 * those 32 characters.
 */
export async function verifyUnsaltedMd5(password: string, encoded: string): Promise<Verdict> {
  const storedDigest = encoded.startsWith('md5$$') ? encoded.slice('md5$$'.length) : encoded;
  if (!HEX_DIGEST.md5.test(storedDigest)) {
    return 'unsupported';
  }
  return compareInConstantTime(storedDigest, hexDigest('md5', password));
}

/** Verifies Django's `unsalted_sha1`: `sha1$$` + 40 lowercase hex characters. */
export async function verifyUnsaltedSha1(password: string, encoded: string): Promise<Verdict> {
  const storedDigest = encoded.slice('sha1$$'.length);
  if (!encoded.startsWith('sha1$$') || !HEX_DIGEST.sha1.test(storedDigest)) {
    return 'unsupported';
  }
  return compareInConstantTime(storedDigest, hexDigest('sha1', password));
}
