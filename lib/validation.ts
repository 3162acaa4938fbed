// A namespace import lets esbuild drop the parts of zod that go unused; `import { z }` bundles all of them.
import * as z from 'zod';
import { ValidationError } from './http-errors';
import { ORDERING_FIELDS } from './user-listing';

export const MAX_USERNAME_LENGTH = 150;
export const MAX_NAME_LENGTH = 150;
export const MAX_EMAIL_LENGTH = 254;
export const MAX_PASSWORD_LENGTH = 4096;
const MAX_SEARCH_LENGTH = 150;

// Django's username rule: Unicode letters, digits and @ . + - _ only, without a trailing newline.
const USERNAME_PATTERN = /^[\p{L}\p{N}_.@+-]+$/u;
const USERNAME_MESSAGE =
  'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.';

// With the u flag a surrogate pair reads as one code point, so only an unpaired surrogate matches.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Builds a string field schema that gives a missing value and a value of another JSON type distinct
 * messages. Like Django's form fields it rejects NUL characters. It also rejects lone UTF-16
 * surrogates, because they cannot be encoded as UTF-8 for hashing or storage.
 */
function text(options: { required?: boolean } = {}) {
  return z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? 'This field is required.'
          : `Expected a string, got ${issue.input === null ? 'null' : Array.isArray(issue.input) ? 'an array' : typeof issue.input}.`,
    })
    .refine((value) => !value.includes('\0'), { message: 'Null characters are not allowed.', abort: true })
    .refine((value) => !LONE_SURROGATE.test(value), { message: 'Enter text without unpaired surrogate characters.', abort: true })
    .refine((value) => !options.required || value.length > 0, 'This field may not be blank.');
}

function maxLength(limit: number) {
  return (value: string) => [...value].length <= limit;
}

function tooLong(limit: number) {
  return `Ensure this field has no more than ${limit} characters.`;
}

/** A username as Django stores it: NFKC-normalized, then checked against Django's pattern. */
export const usernameSchema = text({ required: true })
  .refine(maxLength(MAX_USERNAME_LENGTH * 4), tooLong(MAX_USERNAME_LENGTH))
  .transform((value) => value.normalize('NFKC'))
  .refine(maxLength(MAX_USERNAME_LENGTH), tooLong(MAX_USERNAME_LENGTH))
  .refine((value) => USERNAME_PATTERN.test(value), USERNAME_MESSAGE);

/** An email address as Django normalizes it: trimmed, with only the domain part lowercased. */
export const emailSchema = text({ required: true })
  .transform((value) => value.trim())
  .refine(maxLength(MAX_EMAIL_LENGTH), tooLong(MAX_EMAIL_LENGTH))
  .refine((value) => z.email().safeParse(value).success, 'Enter a valid email address.')
  .transform((value) => {
    const at = value.lastIndexOf('@');
    return value.slice(0, at) + value.slice(at).toLowerCase();
  });

const nameSchema = text()
  .transform((value) => value.trim())
  .refine(maxLength(MAX_NAME_LENGTH), tooLong(MAX_NAME_LENGTH));

// Passwords are never trimmed or normalized: Django hashes exactly the characters given.
const passwordSchema = text({ required: true }).refine(
  maxLength(MAX_PASSWORD_LENGTH),
  `Ensure this field has no more than ${MAX_PASSWORD_LENGTH} characters.`,
);

const bodyObject = <T extends z.ZodRawShape>(shape: T) =>
  z.object(shape, { error: 'Expected a JSON object.' });

// Descriptions for the OpenAPI document (lib/openapi.ts), next to the rules they describe.
const USERNAME_DESCRIPTION =
  'At most 150 characters of letters, digits and @ . + - _ after Unicode NFKC normalization; unique regardless of letter case.';
const EMAIL_DESCRIPTION = 'A valid email address of at most 254 characters; the domain part is stored lowercased.';
const NAME_DESCRIPTION = 'At most 150 characters; surrounding spaces are removed.';

/** POST /signup. Fields other than these are ignored and never stored. */
export const signupBodySchema = bodyObject({
  username: usernameSchema.meta({ description: USERNAME_DESCRIPTION }),
  email: emailSchema.meta({ description: EMAIL_DESCRIPTION }),
  password: passwordSchema.meta({
    description:
      'At least 8 and at most 4,096 characters, not entirely numeric, not a common password, and not too ' +
      "similar to the username, email address or names (Django's default password validators).",
  }),
  first_name: nameSchema.default('').meta({ description: NAME_DESCRIPTION }),
  last_name: nameSchema.default('').meta({ description: NAME_DESCRIPTION }),
});
export type SignupBody = z.infer<typeof signupBodySchema>;

/** POST /login: a password with either a username or an email address. */
export const loginBodySchema = bodyObject({
  username: usernameSchema.optional().meta({ description: 'The username, in any letter case. Send this or `email`.' }),
  email: emailSchema.optional().meta({ description: 'The email address. Send this or `username`.' }),
  password: passwordSchema,
}).superRefine((body, context) => {
  if (body.username === undefined && body.email === undefined) {
    context.addIssue({ code: 'custom', path: ['username'], message: 'Give a username or an email address.' });
  }
  if (body.username !== undefined && body.email !== undefined) {
    context.addIssue({ code: 'custom', path: ['email'], message: 'Give either a username or an email address, not both.' });
  }
});
export type LoginBody = z.infer<typeof loginBodySchema>;

/** A path id: a positive integer in decimal, as the API returns it. */
export const userIdSchema = z
  .string({ error: 'This field is required.' })
  .regex(/^[1-9]\d{0,15}$/, 'Expected a positive integer id.')
  .transform(Number)
  .refine(Number.isSafeInteger, 'Expected a positive integer id.');

export const userIdPathSchema = z.object({ id: userIdSchema.meta({ description: 'The user id.' }) }, { error: 'The user id is missing from the path.' });

const booleanParameter = z
  .string()
  .transform((value) => value.toLowerCase())
  .pipe(z.enum(['true', 'false'], { error: 'Expected "true" or "false".' }))
  .transform((value) => value === 'true');

const END_OF_DAY_MS = 24 * 60 * 60 * 1000 - 1;

/** Builds a schema for a date (a whole UTC day) or an ISO 8601 date-time with offset. `endOfDay` widens a date to its last millisecond. */
function dateParameter(endOfDay: boolean) {
  return z
    .string()
    .refine(
      (value) => z.iso.date().safeParse(value).success || z.iso.datetime({ offset: true }).safeParse(value).success,
      'Expected an ISO 8601 date (2024-01-31) or date-time with offset (2024-01-31T12:00:00Z).',
    )
    .transform((value) => {
      const isDate = value.length === 10;
      const start = new Date(isDate ? `${value}T00:00:00Z` : value);
      return isDate && endOfDay ? new Date(start.getTime() + END_OF_DAY_MS) : start;
    });
}

const orderings = ORDERING_FIELDS.flatMap((field) => [field, `-${field}`] as const);

/** GET /users query parameters. Unknown parameters are ignored. */
export const listUsersQuerySchema = z.object({
  q: z
    .string()
    .transform((value) => value.trim())
    .refine(maxLength(MAX_SEARCH_LENGTH), tooLong(MAX_SEARCH_LENGTH))
    .optional()
    .meta({ description: 'Text searched for, ignoring letter case, in username, email, first and last name; at most 150 characters.' }),
  is_active: booleanParameter.optional().meta({ description: '`true` or `false`: only active or only inactive users.' }),
  is_staff: booleanParameter.optional().meta({ description: '`true` or `false`: only staff or only non-staff users.' }),
  is_superuser: booleanParameter.optional().meta({ description: '`true` or `false`: only superusers or only other users.' }),
  date_joined_after: dateParameter(false)
    .optional()
    .meta({ description: 'Users who joined at or after this ISO 8601 date-time with offset, or date (meaning 00:00 UTC).' }),
  date_joined_before: dateParameter(true)
    .optional()
    .meta({ description: 'Users who joined at or before this ISO 8601 date-time with offset, or date (meaning the end of that day in UTC).' }),
  ordering: z
    .enum(orderings, { error: `Expected one of: ${orderings.join(', ')}.` })
    .default('id')
    .meta({ description: 'Sort field; a leading `-` sorts in descending order. Ties are broken by id.' }),
  limit: z
    .string()
    .regex(/^\d{1,3}$/, 'Expected an integer from 1 to 100.')
    .transform(Number)
    .refine((value) => value >= 1 && value <= 100, 'Expected an integer from 1 to 100.')
    .default(20)
    .meta({ description: 'Users per page, from 1 to 100; 20 when absent.' }),
  cursor: z
    .string()
    .max(2048, 'The cursor is not valid. Request the first page again without a cursor.')
    .optional()
    .meta({ description: 'The `next_cursor` of the previous page; valid only with the same other parameters.' }),
});

/**
 * Validates input against a schema and returns the parsed value. Failures become ValidationError
 * with messages per field; problems with the whole input are listed under `non_field_errors`.
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;

  const details: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const field = issue.path.length > 0 ? String(issue.path[0]) : 'non_field_errors';
    (details[field] ??= []).push(issue.message);
  }
  throw new ValidationError(details, { cause: result.error });
}
