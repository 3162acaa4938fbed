// Django's `argon2` hasher: the text `argon2` followed by an Argon2 PHC string, computed with
// hash-wasm (WebAssembly, so it installs without a compiler).

import { compareBytesInConstantTime, parsePositiveInteger, type Verdict } from './hasher-utils';

/**
 * `argon2$argon2<type>$v=<version>$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>`, with salt and hash
 * in unpadded standard base64, parameters in the order argon2-cffi writes them. The version field
 * is optional in the pattern so that version 1.0 hashes are recognized and reported as unsupported.
 */
const DJANGO_ARGON2 =
  /^argon2\$argon2(id|i|d)\$(?:v=([0-9]+)\$)?m=([0-9]+),t=([0-9]+),p=([0-9]+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** Argon2 version 1.3 (0x13), the only version hash-wasm computes. */
const ARGON2_VERSION = 19;

/**
 * Maximum memory in KiB. Django 3.2 and later default to 102,400 KiB (100 MiB, argon2id, t = 2,
 * p = 8), earlier releases to 512 KiB. hash-wasm allocates the whole block in WebAssembly memory,
 * so a hostile m of 4 TiB would crash the process. 256 MiB fits a Lambda function of 1 GB.
 */
export const ARGON2_MAX_MEMORY_KIB = 256 * 1024;

/**
 * Maximum memory × passes, in KiB. Django's default (100 MiB × 2) took about 0.5 s in hash-wasm
 * with node 20 on the 2-core development machine, so the cap of 1 GiB-passes costs about 2.7 s.
 */
export const ARGON2_MAX_WORK_KIB = 1024 * 1024;

/** Maximum lanes. hash-wasm fills the lanes one after another, and Django's default is 8. */
export const ARGON2_MAX_PARALLELISM = 64;

const ARGON2_MIN_SALT_BYTES = 8;
const ARGON2_MIN_HASH_BYTES = 4;
const ARGON2_MAX_FIELD_BYTES = 1024;

/** Decodes unpadded standard base64, or returns null when the text is not its canonical form. */
function decodeUnpaddedBase64(text: string): Buffer | null {
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64').replace(/=+$/, '') === text ? bytes : null;
}

type Argon2Type = 'i' | 'id' | 'd';

/**
 * Loads hash-wasm's argon2 build on first use. The import sits inside a function, so a bundle
 * that never verifies a password (signup only hashes new ones) leaves the WebAssembly build out,
 * and the login function compiles it only when an argon2 hash turns up.
 */
async function loadArgon2Function(type: Argon2Type) {
  const { default: argon2 } = await import('hash-wasm/dist/argon2.umd.min.js');
  return { i: argon2.argon2i, id: argon2.argon2id, d: argon2.argon2d }[type];
}

/**
 * Verifies Django's `argon2` format for argon2i, argon2id and argon2d, version 1.3.
 *
 * NOTE: hash-wasm runs the memory-hard loop synchronously in WebAssembly, so the event loop is
 * blocked for the whole computation (about 0.5 s at Django's defaults). A Lambda container handles
 * one request at a time, so only a long-running server would notice.
 */
export async function verifyArgon2(password: string, encoded: string): Promise<Verdict> {
  const match = DJANGO_ARGON2.exec(encoded);
  if (match === null) {
    return 'unsupported';
  }

  const [, type, versionText, memoryText, passesText, lanesText, saltText, hashText] = match;
  // Version 1.0 hashes carry no `v=` field; argon2-cffi verifies them but hash-wasm cannot.
  if (versionText === undefined || parsePositiveInteger(versionText) !== ARGON2_VERSION) {
    return 'unsupported';
  }

  const memoryKib = parsePositiveInteger(memoryText ?? '');
  const passes = parsePositiveInteger(passesText ?? '');
  const lanes = parsePositiveInteger(lanesText ?? '');
  if (memoryKib === null || passes === null || lanes === null) {
    return 'unsupported';
  }
  if (
    memoryKib > ARGON2_MAX_MEMORY_KIB ||
    memoryKib * passes > ARGON2_MAX_WORK_KIB ||
    lanes > ARGON2_MAX_PARALLELISM ||
    memoryKib < 8 * lanes
  ) {
    return 'unsupported';
  }

  const salt = decodeUnpaddedBase64(saltText ?? '');
  const storedHash = decodeUnpaddedBase64(hashText ?? '');
  if (salt === null || salt.length < ARGON2_MIN_SALT_BYTES || salt.length > ARGON2_MAX_FIELD_BYTES) {
    return 'unsupported';
  }
  if (
    storedHash === null ||
    storedHash.length < ARGON2_MIN_HASH_BYTES ||
    storedHash.length > ARGON2_MAX_FIELD_BYTES
  ) {
    return 'unsupported';
  }

  // NOTE: hash-wasm rejects an empty password, so a Django argon2 hash of the empty string (which
  // Django verifies) cannot be checked here. Our validators never accept an empty password.
  if (password === '') {
    return 'unsupported';
  }

  const computeHash = await loadArgon2Function(type as Argon2Type);
  const recomputed = await computeHash({
    password: Buffer.from(password, 'utf8'),
    salt,
    iterations: passes,
    parallelism: lanes,
    memorySize: memoryKib,
    hashLength: storedHash.length,
    outputType: 'binary',
  });
  return compareBytesInConstantTime(storedHash, recomputed);
}
