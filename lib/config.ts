// A namespace import lets esbuild drop the parts of zod that go unused; `import { z }` bundles all of them.
import * as z from 'zod';

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

const environmentSchema = z.object({
  MONGODB_URI: z.string().min(1).optional(),
  MONGODB_DB: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,63}$/, 'must be 1 to 63 letters, digits, "_" or "-"')
    .default('attendance_db'),
  JWT_SECRET: z.string().optional(),
  ACCESS_TOKEN_TTL: z.coerce.number().int().min(60).max(86_400).default(3600),
  // bcryptjs at cost 12 takes about 0.25 s here; 15 already takes about 2 s, which a login cannot afford.
  BCRYPT_ROUNDS: z.coerce.number().int().min(4).max(15).default(12),
  LOG_LEVEL: z
    .string()
    .transform((level) => level.toUpperCase())
    .pipe(z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT']))
    .default('INFO'),
  IS_OFFLINE: z.string().optional(),
  // Strict on purpose: a typo such as "flase" must not silently leave the mirror on.
  AUTH_USER_MIRROR: z
    .enum(['true', 'false'], { error: (issue) => `must be "true" or "false", got ${JSON.stringify(issue.input)}` })
    .default('true')
    .transform((value) => value === 'true'),
  // The throttle stores the latest failure times of each account and client address, so these
  // maximums also bound the size of its documents.
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).max(1000).default(50),
  LOGIN_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
  LOGIN_LOCKOUT_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
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
