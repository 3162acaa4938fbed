// Identifies the Django hasher behind a stored password value and verifies a password against it,
// following django.contrib.auth.hashers: UTF-8 passwords, salts used as text, constant-time
// comparison, `!`-prefixed values unusable.
import { verifyArgon2 } from './argon2-hasher';
import { getBcryptSha256Cost, verifyBcrypt, verifyBcryptSha256 } from './bcrypt-hashers';
import { verifySaltedDigest, verifyUnsaltedMd5, verifyUnsaltedSha1 } from './digest-hashers';
import { isWellFormedUnicode, type Verdict } from './hasher-utils';
import { verifyPbkdf2, verifyScrypt } from './kdf-hashers';

export interface VerifyResult {
  /** The password matches the stored hash. */
  valid: boolean;
  /**
   * Hasher name, such as `pbkdf2_sha256`, or `unusable` for a `!`-prefixed value. Null for an empty
   * value, or for one whose text before the first `$` does not look like a hasher name.
   */
  algorithm: string | null;
  /**
   * False when this module cannot check the stored value: an unknown or removed hasher (such as
   * `crypt`), an empty or unrecognized value, a malformed value, or parameters beyond this module's
   * caps. Callers log a warning naming `algorithm`, never the stored value.
   */
  supported: boolean;
  /** The password matches and the stored value is not `bcrypt_sha256` at the requested cost. */
  needsUpgrade: boolean;
}

/** Django's prefix for unusable passwords; `set_unusable_password` appends 40 random characters. */
const UNUSABLE_PASSWORD_PREFIX = '!';

/**
 * Maximum length of a stored value this module parses. Django's `password` field has
 * `max_length=128`, and the margin leaves room for longer argon2 salts or hashes from custom settings.
 */
export const MAX_ENCODED_LENGTH = 1024;

/** Shape of a hasher name worth putting in a log line, so that no hash text is ever logged. */
const HASHER_NAME = /^[a-z][a-z0-9_]{0,31}$/;

type HasherVerify = (password: string, encoded: string) => Promise<Verdict>;

/** The hashers Django ships, by the name that starts each stored value. */
const DJANGO_HASHERS = [
  'pbkdf2_sha256',
  'pbkdf2_sha1',
  'bcrypt_sha256',
  'bcrypt',
  'argon2',
  'scrypt',
  'md5',
  'sha1',
  'unsalted_md5',
  'unsalted_sha1',
] as const;

type DjangoHasher = (typeof DJANGO_HASHERS)[number];

// A plain object literal, unlike a Map built by a call, has no side effects that esbuild must keep,
// so bundles that never verify a password (signup, the consistency check) leave out the verifiers
// and hash-wasm. `satisfies` makes the compiler check that every hasher has exactly one verifier.
const VERIFIERS = {
  pbkdf2_sha256: (password, encoded) => verifyPbkdf2('pbkdf2_sha256', password, encoded),
  pbkdf2_sha1: (password, encoded) => verifyPbkdf2('pbkdf2_sha1', password, encoded),
  bcrypt_sha256: verifyBcryptSha256,
  bcrypt: verifyBcrypt,
  argon2: verifyArgon2,
  scrypt: verifyScrypt,
  md5: (password, encoded) => verifySaltedDigest('md5', password, encoded),
  sha1: (password, encoded) => verifySaltedDigest('sha1', password, encoded),
  unsalted_md5: verifyUnsaltedMd5,
  unsalted_sha1: verifyUnsaltedSha1,
} satisfies Record<DjangoHasher, HasherVerify>;

/** Returns the verifier of a hasher name, or undefined for a name Django does not ship. */
function findVerifier(algorithm: string): HasherVerify | undefined {
  return Object.hasOwn(VERIFIERS, algorithm) ? VERIFIERS[algorithm as DjangoHasher] : undefined;
}

/**
 * Returns the hasher name of a stored value as Django's `identify_hasher` does: the unsalted digests
 * by their length, everything else by the text before the first `$`. Returns null when that text
 * does not look like a hasher name.
 */
export function identifyAlgorithm(encoded: string): string | null {
  if (
    (encoded.length === 32 && !encoded.includes('$')) ||
    (encoded.length === 37 && encoded.startsWith('md5$$'))
  ) {
    return 'unsalted_md5';
  }
  if (encoded.length === 46 && encoded.startsWith('sha1$$')) {
    return 'unsalted_sha1';
  }

  const separator = encoded.indexOf('$');
  if (separator <= 0) {
    return null;
  }
  const name = encoded.slice(0, separator);
  return HASHER_NAME.test(name) ? name : null;
}

/** A hasher Django 5.0 removed, whose values older data may still contain. */
const REMOVED_ALGORITHM = 'crypt';

/**
 * Tells whether a stored value is in a format Django recognizes: an unusable password (`!` prefix),
 * or a value whose hasher name (from identifyAlgorithm) is one Django ships. Like Django's
 * `identify_hasher`, it reads only the name, so a malformed value under a known name still passes.
 */
export function isKnownHashFormat(encoded: string): boolean {
  if (encoded.startsWith(UNUSABLE_PASSWORD_PREFIX)) {
    return true;
  }
  const algorithm = identifyAlgorithm(encoded);
  return algorithm !== null && ((DJANGO_HASHERS as readonly string[]).includes(algorithm) || algorithm === REMOVED_ALGORITHM);
}

/** Tells whether a stored value is what hashPassword writes today: `bcrypt_sha256` at cost `rounds`. */
export function isCurrentHash(encoded: string, rounds: number): boolean {
  return getBcryptSha256Cost(encoded) === rounds;
}

function result(
  algorithm: string | null,
  supported: boolean,
  valid = false,
  needsUpgrade = false,
): VerifyResult {
  return { valid, algorithm, supported, needsUpgrade };
}

/**
 * Verifies a password against a stored Django-format value. It does not throw for any stored value,
 * because a malformed or hostile one yields `valid: false, supported: false`. `rounds` is the bcrypt
 * cost of current hashes, and a matching hash in any other format or at any other cost needs upgrade.
 */
export async function verifyPassword(
  password: string,
  encoded: string | null | undefined,
  rounds: number,
): Promise<VerifyResult> {
  if (typeof encoded !== 'string' || encoded === '') {
    return result(null, false);
  }
  if (encoded.startsWith(UNUSABLE_PASSWORD_PREFIX)) {
    return result('unusable', true);
  }

  const algorithm = identifyAlgorithm(encoded);
  const verify = algorithm === null ? undefined : findVerifier(algorithm);
  if (verify === undefined || encoded.length > MAX_ENCODED_LENGTH) {
    return result(algorithm, false);
  }
  if (typeof password !== 'string' || !isWellFormedUnicode(password)) {
    return result(algorithm, true);
  }

  let verdict: Verdict;
  try {
    verdict = await verify(password, encoded);
  } catch {
    // A library rejected parameters that passed our checks, such as scrypt with N ≥ 2^(16·r).
    // The stored value cannot be verified, so the caller logs it as unsupported.
    verdict = 'unsupported';
  }

  if (verdict === 'unsupported') {
    return result(algorithm, false);
  }
  const valid = verdict === 'match';
  return result(algorithm, true, valid, valid && !isCurrentHash(encoded, rounds));
}
