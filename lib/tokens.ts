import { createHmac, webcrypto } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { getConfig } from './config';
import { InvalidTokenError } from './http-errors';

export const TOKEN_ISSUER = 'attendance-accounts';
export const TOKEN_AUDIENCE = 'attendance-tracker';
const ALGORITHM = 'HS256';

/** The claims of a verified access token. */
export interface AccessTokenClaims {
  userId: number;
  passwordVersion: string;
  issuedAt: number;
}

let signingKey: { secret: string; bytes: Uint8Array; cryptoKey: Promise<webcrypto.CryptoKey> } | undefined;

function getSecretBytes(): Uint8Array {
  return currentSigningKey().bytes;
}

// jose turns a byte key into a CryptoKey on every sign and verify. Importing the key once per
// container takes that cost (about 100 µs in `npm run bench`) off every authenticated request.
function getCryptoKey(): Promise<webcrypto.CryptoKey> {
  return currentSigningKey().cryptoKey;
}

function currentSigningKey() {
  const { jwtSecret } = getConfig();
  if (signingKey?.secret !== jwtSecret) {
    const bytes = new TextEncoder().encode(jwtSecret);
    const cryptoKey = webcrypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
    signingKey = { secret: jwtSecret, bytes, cryptoKey };
  }
  return signingKey;
}

/**
 * Derives a short tag from the stored password hash. The token carries it, so changing the password
 * revokes every token issued before, without storing any token. It is keyed with the signing secret,
 * so the token reveals nothing about the hash.
 */
export function passwordVersion(passwordHash: string): string {
  return createHmac('sha256', getSecretBytes()).update(passwordHash).digest('base64url').slice(0, 16);
}

/** Issues an HS256 access token for a user; `expiresIn` is in seconds. */
export async function issueAccessToken(user: { id: number; password_hash: string }): Promise<{ accessToken: string; expiresIn: number }> {
  const { accessTokenTtlSeconds } = getConfig();
  const issuedAt = Math.floor(Date.now() / 1000);

  const accessToken = await new SignJWT({ pwv: passwordVersion(user.password_hash) })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(String(user.id))
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + accessTokenTtlSeconds)
    .sign(await getCryptoKey());
  return { accessToken, expiresIn: accessTokenTtlSeconds };
}

/**
 * Verifies an access token: HS256 only (so `alg: none` and key-confusion tokens fail), this issuer
 * and audience, and `exp`, `iat` and `sub` present. Every failure becomes InvalidTokenError.
 */
export async function verifyAccessToken(token: string): Promise<AccessTokenClaims> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, await getCryptoKey(), {
      algorithms: [ALGORITHM],
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      requiredClaims: ['exp', 'iat', 'sub'],
    }));
  } catch (error) {
    if (error instanceof joseErrors.JOSEError || error instanceof TypeError) throw new InvalidTokenError(undefined, { cause: error });
    throw error;
  }

  const userId = Number(payload.sub);
  if (!/^[1-9]\d{0,15}$/.test(payload.sub ?? '') || !Number.isSafeInteger(userId) || typeof payload.pwv !== 'string') {
    throw new InvalidTokenError();
  }
  return { userId, passwordVersion: payload.pwv, issuedAt: payload.iat ?? 0 };
}
