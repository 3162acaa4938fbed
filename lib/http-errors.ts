/**
 * One class per failure a client can see. Each carries the HTTP status, a stable `code` that clients
 * may branch on, and a sentence for people. `details` contains per-field messages where they help.
 */
export abstract class HttpError extends Error {
  abstract readonly statusCode: number;
  abstract readonly code: string;
  readonly details?: Record<string, string[]>;
  readonly headers: Record<string, string> = {};

  constructor(message: string, options?: { cause?: unknown; details?: Record<string, string[]> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options?.details) this.details = options.details;
  }
}

export class ValidationError extends HttpError {
  readonly statusCode = 400;
  readonly code = 'validation_failed';
  constructor(details: Record<string, string[]>, options?: { cause?: unknown }) {
    super('The request contains invalid fields; see details.', { ...options, details });
  }
}

export class InvalidJsonError extends HttpError {
  readonly statusCode = 400;
  readonly code = 'invalid_json';
}

export class UnsupportedMediaTypeError extends HttpError {
  readonly statusCode = 415;
  readonly code = 'unsupported_media_type';
}

export class PayloadTooLargeError extends HttpError {
  readonly statusCode = 413;
  readonly code = 'payload_too_large';
}

export class UsernameTakenError extends HttpError {
  readonly statusCode = 409;
  readonly code = 'username_taken';
  constructor(options?: { cause?: unknown }) {
    super('A user with that username already exists.', {
      ...options,
      details: { username: ['A user with that username already exists.'] },
    });
  }
}

export class EmailTakenError extends HttpError {
  readonly statusCode = 409;
  readonly code = 'email_taken';
  constructor(options?: { cause?: unknown }) {
    super('A user with that email address already exists.', {
      ...options,
      details: { email: ['A user with that email address already exists.'] },
    });
  }
}

export class InvalidCredentialsError extends HttpError {
  readonly statusCode = 401;
  readonly code = 'invalid_credentials';
  constructor(options?: { cause?: unknown }) {
    super('The username, email or password is incorrect.', options);
  }
}

/**
 * Too many failed logins for an account or from a client address. The message is the same for both
 * and for accounts that do not exist, so the response reveals nothing about which accounts exist.
 */
export class RateLimitedError extends HttpError {
  readonly statusCode = 429;
  readonly code = 'rate_limited';
  override readonly headers: Record<string, string>;
  constructor(retryAfterSeconds: number, options?: { cause?: unknown }) {
    super(`Too many failed login attempts. Try again in ${retryAfterSeconds} seconds.`, options);
    this.headers = { 'Retry-After': String(retryAfterSeconds) };
  }
}

export class InvalidTokenError extends HttpError {
  readonly statusCode = 401;
  readonly code = 'invalid_token';
  override readonly headers = { 'WWW-Authenticate': 'Bearer' };
  constructor(message = 'The access token is missing, invalid or expired. Log in again.', options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class ForbiddenError extends HttpError {
  readonly statusCode = 403;
  readonly code = 'forbidden';
  constructor(message = 'You are not allowed to do this.', options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class NotFoundError extends HttpError {
  readonly statusCode = 404;
  readonly code = 'not_found';
}

export class DatabaseUnavailableError extends HttpError {
  readonly statusCode = 503;
  readonly code = 'database_unavailable';
  override readonly headers = { 'Retry-After': '5' };
  constructor(options?: { cause?: unknown }) {
    super('The database is unavailable. Try again in a few seconds.', options);
  }
}

export class InternalError extends HttpError {
  readonly statusCode = 500;
  readonly code = 'internal_error';
  constructor(options?: { cause?: unknown }) {
    super('The server failed to handle the request. Try again later.', options);
  }
}
