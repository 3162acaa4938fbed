// A namespace import of zod/mini lets esbuild drop unused zod code, which neither classic zod nor `import { z }` allows.
import * as z from 'zod/mini';
import { ValidationError } from './http-errors';
import { ORDERING_FIELDS } from './user-ordering';

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
    .check(
      z.refine((value) => !value.includes('\0'), { message: 'Null characters are not allowed.', abort: true }),
      z.refine((value) => !LONE_SURROGATE.test(value), { message: 'Enter text without unpaired surrogate characters.', abort: true }),
      z.refine((value) => !options.required || value.length > 0, 'This field may not be blank.'),
    );
}

function tooLong(limit: number) {
  return `Ensure this field has no more than ${limit} characters.`;
}

// Counts code points, as Django's max_length does, where z.maxLength would count UTF-16 code units.
function maxCharacters(limit: number, message = tooLong(limit)) {
  return z.refine<string>((value) => [...value].length <= limit, message);
}

function trimmed() {
  return z.transform((value: string) => value.trim());
}

/** A username as Django stores it: NFKC-normalized, then checked against Django's pattern. */
export const usernameSchema = z
  .pipe(
    text({ required: true }).check(maxCharacters(MAX_USERNAME_LENGTH * 4, tooLong(MAX_USERNAME_LENGTH))),
    z.transform((value: string) => value.normalize('NFKC')),
  )
  .check(
    maxCharacters(MAX_USERNAME_LENGTH),
    z.refine((value) => USERNAME_PATTERN.test(value), USERNAME_MESSAGE),
  );

/** An email address as Django normalizes it: trimmed, with only the domain part lowercased. */
export const emailSchema = z.pipe(
  z
    .pipe(text({ required: true }), trimmed())
    .check(
      maxCharacters(MAX_EMAIL_LENGTH),
      z.refine((value) => z.email().safeParse(value).success, 'Enter a valid email address.'),
    ),
  z.transform((value: string) => {
    const at = value.lastIndexOf('@');
    return value.slice(0, at) + value.slice(at).toLowerCase();
  }),
);

const nameSchema = z.pipe(text(), trimmed()).check(maxCharacters(MAX_NAME_LENGTH));

// Passwords are never trimmed or normalized: Django hashes exactly the characters given.
const passwordSchema = text({ required: true }).check(maxCharacters(MAX_PASSWORD_LENGTH));

const bodyObject = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.object(shape, { error: 'Expected a JSON object.' });

// Descriptions for the OpenAPI document (lib/openapi.ts), next to the rules they describe.
const USERNAME_DESCRIPTION =
  'At most 150 characters of letters, digits and @ . + - _ after Unicode NFKC normalization; unique regardless of letter case.';
const EMAIL_DESCRIPTION = 'A valid email address of at most 254 characters; the domain part is stored lowercased.';
const NAME_DESCRIPTION = 'At most 150 characters; surrounding spaces are removed.';

/** POST /signup. Fields other than these are ignored and never stored. */
export const signupBodySchema = bodyObject({
  username: usernameSchema.check(z.describe(USERNAME_DESCRIPTION)),
  email: emailSchema.check(z.describe(EMAIL_DESCRIPTION)),
  password: passwordSchema.check(
    z.describe(
      'At least 8 and at most 4,096 characters, not entirely numeric, not a common password, and not too ' +
        "similar to the username, email address or names (Django's default password validators).",
    ),
  ),
  first_name: z._default(nameSchema, '').check(z.describe(NAME_DESCRIPTION)),
  last_name: z._default(nameSchema, '').check(z.describe(NAME_DESCRIPTION)),
});
export type SignupBody = z.infer<typeof signupBodySchema>;

/** POST /login: a password with either a username or an email address. */
export const loginBodySchema = bodyObject({
  username: z.optional(usernameSchema).check(z.describe('The username, in any letter case. Send this or `email`.')),
  email: z.optional(emailSchema).check(z.describe('The email address. Send this or `username`.')),
  password: passwordSchema,
}).check(
  z.superRefine((body, context) => {
    if (body.username === undefined && body.email === undefined) {
      context.addIssue({ code: 'custom', path: ['username'], message: 'Give a username or an email address.' });
    }
    if (body.username !== undefined && body.email !== undefined) {
      context.addIssue({ code: 'custom', path: ['email'], message: 'Give either a username or an email address, not both.' });
    }
  }),
);
export type LoginBody = z.infer<typeof loginBodySchema>;

/** A path id: a positive integer in decimal, as the API returns it. */
export const userIdSchema = z
  .pipe(
    z.string({ error: 'This field is required.' }).check(z.regex(/^[1-9]\d{0,15}$/, 'Expected a positive integer id.')),
    z.transform((value: string) => Number(value)),
  )
  .check(z.refine(Number.isSafeInteger, 'Expected a positive integer id.'));

export const userIdPathSchema = z.object(
  { id: userIdSchema.check(z.describe('The user id.')) },
  { error: 'The user id is missing from the path.' },
);

const lowercaseText = z.pipe(z.string(), z.transform((value: string) => value.toLowerCase()));
const booleanParameter = z.pipe(
  z.pipe(lowercaseText, z.enum(['true', 'false'], { error: 'Expected "true" or "false".' })),
  z.transform((value) => value === 'true'),
);

const END_OF_DAY_MS = 24 * 60 * 60 * 1000 - 1;

/** Builds a schema for a date (a whole UTC day) or an ISO 8601 date-time with offset. `endOfDay` widens a date to its last millisecond. */
function dateParameter(endOfDay: boolean) {
  return z.pipe(
    z
      .string()
      .check(
        z.refine(
          (value) => z.iso.date().safeParse(value).success || z.iso.datetime({ offset: true }).safeParse(value).success,
          'Expected an ISO 8601 date (2024-01-31) or date-time with offset (2024-01-31T12:00:00Z).',
        ),
      ),
    z.transform((value: string) => {
      const isDate = value.length === 10;
      const start = new Date(isDate ? `${value}T00:00:00Z` : value);
      return isDate && endOfDay ? new Date(start.getTime() + END_OF_DAY_MS) : start;
    }),
  );
}

const orderings = ORDERING_FIELDS.flatMap((field) => [field, `-${field}`] as const);

/** GET /users query parameters. Unknown parameters are ignored. */
export const listUsersQuerySchema = z.object({
  q: z
    .optional(z.pipe(z.string(), trimmed()).check(maxCharacters(MAX_SEARCH_LENGTH)))
    .check(z.describe('Text searched for, ignoring letter case, in username, email, first and last name; at most 150 characters.')),
  is_active: z.optional(booleanParameter).check(z.describe('`true` or `false`: only active or only inactive users.')),
  is_staff: z.optional(booleanParameter).check(z.describe('`true` or `false`: only staff or only non-staff users.')),
  is_superuser: z.optional(booleanParameter).check(z.describe('`true` or `false`: only superusers or only other users.')),
  date_joined_after: z
    .optional(dateParameter(false))
    .check(z.describe('Users who joined at or after this ISO 8601 date-time with offset, or date (meaning 00:00 UTC).')),
  date_joined_before: z
    .optional(dateParameter(true))
    .check(z.describe('Users who joined at or before this ISO 8601 date-time with offset, or date (meaning the end of that day in UTC).')),
  ordering: z
    ._default(z.enum(orderings, { error: `Expected one of: ${orderings.join(', ')}.` }), 'id')
    .check(z.describe('Sort field; a leading `-` sorts in descending order. Ties are broken by id.')),
  limit: z
    ._default(
      z
        .pipe(
          z.string().check(z.regex(/^\d{1,3}$/, 'Expected an integer from 1 to 100.')),
          z.transform((value: string) => Number(value)),
        )
        .check(z.refine((value) => value >= 1 && value <= 100, 'Expected an integer from 1 to 100.')),
      20,
    )
    .check(z.describe('Users per page, from 1 to 100; 20 when absent.')),
  cursor: z
    .optional(z.string().check(z.maxLength(2048, 'The cursor is not valid. Request the first page again without a cursor.')))
    .check(z.describe('The `next_cursor` of the previous page; valid only with the same other parameters.')),
});

/**
 * Validates input against a schema and returns the parsed value. Failures become ValidationError
 * with messages per field; problems with the whole input are listed under `non_field_errors`.
 */
export function parseInput<T extends z.ZodMiniType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;

  const details: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const field = issue.path.length > 0 ? String(issue.path[0]) : 'non_field_errors';
    (details[field] ??= []).push(issue.message);
  }
  throw new ValidationError(details, { cause: result.error });
}
