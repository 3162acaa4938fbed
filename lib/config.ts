// A namespace import of zod/mini lets esbuild drop unused zod code, which neither classic zod nor `import { z }` allows.
import { en } from 'zod/locales';
import * as z from 'zod/mini';

// zod/mini loads no locale, so without this the zod messages that ConfigurationError quotes, such as
// "Too small: expected number to be >=60", would all read "Invalid input". It applies to every schema.
// NOTE: the named `en` import adds about 3 KB to each bundle, but `z.locales.en()` would add all
// locales, about 260 KB (zod 4.6.7, minified by esbuild 0.28).
z.config(en());

/** Settings read from the environment once per container. */
export interface Config {
  mongodbUri: string;
  mongodbDb: string;
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  bcryptRounds: number;
  logLevel: string;
  isOffline: boolean;
  /** Whether accounts are also written to Django's `auth_user` (AUTH_USER_MIRROR). */
  authUserMirror: boolean;
  loginThrottle: LoginThrottleSettings;
}

/** Brute-force limits on POST /login; durations are in seconds. */
export interface LoginThrottleSettings {
  maxFailuresPerAccount: number;
  maxFailuresPerClient: number;
  failureWindowSeconds: number;
  lockoutSeconds: number;
}

/** Raised at start-up when the environment cannot run the service; the message names the variable. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
  readonly code = 'configuration_error';
}

// HS256 needs a key at least as long as its 256-bit output (RFC 7518, section 3.2).
export const MIN_JWT_SECRET_BYTES = 32;

// Builds the schema of an integer setting, which the environment gives as text.
function integerSetting(minimum: number, maximum: number, defaultValue: number) {
  return z._default(z.coerce.number().check(z.int(), z.gte(minimum), z.lte(maximum)), defaultValue);
}

const environmentSchema = z.object({
  MONGODB_URI: z.optional(z.string().check(z.minLength(1))),
  MONGODB_DB: z._default(
    z.string().check(z.regex(/^[A-Za-z0-9_-]{1,63}$/, 'must be 1 to 63 letters, digits, "_" or "-"')),
    'attendance_db',
  ),
  JWT_SECRET: z.optional(z.string()),
  ACCESS_TOKEN_TTL: integerSetting(60, 86_400, 3600),
  // bcryptjs at cost 12 takes about 0.25 s here; 15 already takes about 2 s, which a login cannot afford.
  BCRYPT_ROUNDS: integerSetting(4, 15, 12),
  LOG_LEVEL: z._default(
    z.pipe(
      z.pipe(z.string(), z.transform((level: string) => level.toUpperCase())),
      z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT']),
    ),
    'INFO',
  ),
  IS_OFFLINE: z.optional(z.string()),
  // Strict on purpose: a typo such as "flase" must not silently leave the mirror on.
  AUTH_USER_MIRROR: z.pipe(
    z._default(
      z.enum(['true', 'false'], { error: (issue) => `must be "true" or "false", got ${JSON.stringify(issue.input)}` }),
      'true',
    ),
    z.transform((value) => value === 'true'),
  ),
  // The throttle stores the latest failure times of each account and client address, so these
  // maximums also bound the size of its documents.
  LOGIN_MAX_FAILURES: integerSetting(1, 100, 5),
  LOGIN_MAX_FAILURES_PER_IP: integerSetting(1, 1000, 50),
  LOGIN_FAILURE_WINDOW_SECONDS: integerSetting(60, 86_400, 900),
  LOGIN_LOCKOUT_SECONDS: integerSetting(60, 86_400, 900),
});

let cached: Config | undefined;

/** Parses the environment on first use and returns the same settings afterwards. */
export function getConfig(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/** Parses a set of environment variables; throws ConfigurationError naming every bad variable. */
export function parseConfig(environment: NodeJS.ProcessEnv): Config {
  const result = environmentSchema.safeParse(environment);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new ConfigurationError(`Invalid configuration: ${problems.join('; ')}.`, { cause: result.error });
  }

  const values = result.data;
  // serverless-offline sets IS_OFFLINE; a deployed function never has it.
  const isOffline = values.IS_OFFLINE === 'true';

  if (!values.MONGODB_URI) {
    throw new ConfigurationError(
      'MONGODB_URI is not set. Set it to a mongodb:// or mongodb+srv:// connection string, or start the service with `npm start`, which starts the embedded database.',
    );
  }

  const jwtSecret = values.JWT_SECRET ?? '';
  if (Buffer.byteLength(jwtSecret, 'utf8') < MIN_JWT_SECRET_BYTES) {
    throw new ConfigurationError(
      `JWT_SECRET must be at least ${MIN_JWT_SECRET_BYTES} bytes long (it is ${Buffer.byteLength(jwtSecret, 'utf8')}). Generate one with \`openssl rand -base64 48\`.`,
    );
  }

  return {
    mongodbUri: values.MONGODB_URI,
    mongodbDb: values.MONGODB_DB,
    jwtSecret,
    accessTokenTtlSeconds: values.ACCESS_TOKEN_TTL,
    bcryptRounds: values.BCRYPT_ROUNDS,
    logLevel: values.LOG_LEVEL,
    isOffline,
    authUserMirror: values.AUTH_USER_MIRROR,
    loginThrottle: {
      maxFailuresPerAccount: values.LOGIN_MAX_FAILURES,
      maxFailuresPerClient: values.LOGIN_MAX_FAILURES_PER_IP,
      failureWindowSeconds: values.LOGIN_FAILURE_WINDOW_SECONDS,
      lockoutSeconds: values.LOGIN_LOCKOUT_SECONDS,
    },
  };
}
