// A namespace import of zod/mini lets esbuild drop unused zod code, which neither classic zod nor `import { z }` allows.
import * as z from 'zod/mini';
import type { PublicUser } from './user-document';
import type { UserListPage } from './user-listing';

/** The user as every route returns it. */
export const publicUserSchema = z
  .object({
    id: z.int().check(z.positive(), z.describe('Sequential id, from 1.')),
    username: z.string(),
    email: z.string(),
    first_name: z.string(),
    last_name: z.string(),
    is_active: z.boolean(),
    is_staff: z.boolean(),
    is_superuser: z.boolean(),
    date_joined: z
      .nullable(z.iso.datetime())
      .check(z.describe('ISO 8601 in UTC; null only for an account migrated without a join date.')),
    last_login: z.nullable(z.iso.datetime()).check(z.describe('ISO 8601 in UTC; null until the first login.')),
  })
  .check(z.describe('A user account. The password hash is never returned.'));

/** The body of a successful POST /login. */
export const loginResponseSchema = z.object({
  access_token: z.string().check(z.describe('A JWT to send as `Authorization: Bearer <token>`.')),
  token_type: z.literal('Bearer'),
  expires_in: z.int().check(z.positive(), z.describe('Seconds until the access token expires.')),
  user: publicUserSchema,
});

/** One page of GET /users. */
export const userListPageSchema = z.object({
  items: z.array(publicUserSchema),
  next_cursor: z
    .nullable(z.string())
    .check(z.describe('Pass as `cursor`, with the same other parameters, for the next page; null on the last page.')),
});

/**
 * Every error code a client can receive, with its HTTP status and meaning. The codes and statuses
 * must match the HttpError classes in lib/http-errors.ts; the OpenAPI test compares them.
 */
export const ERROR_CODES = {
  validation_failed: {
    status: 400,
    description: 'A field or parameter is missing or invalid; `details` maps each field to its messages.',
  },
  invalid_json: { status: 400, description: 'The request body is empty, not valid JSON, or invalid base64.' },
  invalid_credentials: {
    status: 401,
    description: 'The username, email address or password is wrong, or the account is inactive.',
  },
  invalid_token: {
    status: 401,
    description: 'The Bearer access token is missing, malformed, expired or revoked. Log in again.',
  },
  forbidden: { status: 403, description: 'The caller is authenticated but may not do this.' },
  not_found: { status: 404, description: 'The user, page or asset does not exist.' },
  username_taken: { status: 409, description: 'Another account has this username, ignoring letter case.' },
  email_taken: { status: 409, description: 'Another account has this email address, ignoring letter case.' },
  payload_too_large: { status: 413, description: 'The request body is larger than 16 KiB.' },
  unsupported_media_type: { status: 415, description: 'The request body is not sent as `application/json`.' },
  rate_limited: {
    status: 429,
    description: 'Too many failed logins for this account name or client address; retry after `Retry-After` seconds.',
  },
  internal_error: { status: 500, description: 'The server failed; the response carries no details.' },
  database_unavailable: {
    status: 503,
    description: 'The database cannot be reached; retry after `Retry-After` seconds.',
  },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const ALL_ERROR_CODES = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/** Builds the schema of the shared error body, with `code` limited to the given codes. */
export function errorBodySchema(codes: readonly [ErrorCode, ...ErrorCode[]] = ALL_ERROR_CODES) {
  return z.object({
    error: z.object({
      code: z.enum(codes).check(z.describe('Stable code that clients may branch on.')),
      message: z.string().check(z.describe('A sentence for people; may change between versions.')),
      details: z
        .optional(z.record(z.string(), z.array(z.string())))
        .check(z.describe('Messages by field name; fields that concern the whole request use `non_field_errors`.')),
    }),
  });
}

// Compile-time checks: the documented bodies have exactly the fields of the types the handlers return.
type SameType<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const userSchemaMatches: SameType<z.output<typeof publicUserSchema>, PublicUser> = true;
const listSchemaMatches: SameType<z.output<typeof userListPageSchema>, UserListPage> = true;
void [userSchemaMatches, listSchemaMatches];
