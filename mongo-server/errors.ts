/**
 * Command errors carrying the numeric code and codeName that mongod uses, so the driver raises the
 * same MongoServerError subclasses and callers can branch on `err.code` as they would with mongod.
 */
export class MongoCommandError extends Error {
  readonly code: number;
  readonly codeName: string;
  /** Extra reply fields mongod adds for this error (for example keyPattern and keyValue). */
  readonly details: Record<string, unknown>;

  constructor(code: number, codeName: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'MongoCommandError';
    this.code = code;
    this.codeName = codeName;
    this.details = details;
  }

  /** Returns the fields of an `{ ok: 0 }` reply or of a writeErrors entry. */
  toReplyFields(): Record<string, unknown> {
    return { errmsg: this.message, code: this.code, codeName: this.codeName, ...this.details };
  }
}

// Numeric codes and names that mongod 7.0 puts in its replies for these errors.
export const ErrorCode = {
  InternalError: [1, 'InternalError'],
  BadValue: [2, 'BadValue'],
  NoSuchKey: [4, 'NoSuchKey'],
  FailedToParse: [9, 'FailedToParse'],
  TypeMismatch: [14, 'TypeMismatch'],
  IllegalOperation: [20, 'IllegalOperation'],
  NamespaceNotFound: [26, 'NamespaceNotFound'],
  IndexNotFound: [27, 'IndexNotFound'],
  PathNotViable: [28, 'PathNotViable'],
  ConflictingUpdateOperators: [40, 'ConflictingUpdateOperators'],
  CursorNotFound: [43, 'CursorNotFound'],
  NamespaceExists: [48, 'NamespaceExists'],
  DollarPrefixedFieldName: [52, 'DollarPrefixedFieldName'],
  CommandNotFound: [59, 'CommandNotFound'],
  ImmutableField: [66, 'ImmutableField'],
  CannotCreateIndex: [67, 'CannotCreateIndex'],
  InvalidOptions: [72, 'InvalidOptions'],
  InvalidNamespace: [73, 'InvalidNamespace'],
  IndexOptionsConflict: [85, 'IndexOptionsConflict'],
  IndexKeySpecsConflict: [86, 'IndexKeySpecsConflict'],
  InvalidIdField: [53, 'InvalidIdField'],
  Location15974: [15974, 'Location15974'],
  NotImplemented: [238, 'NotImplemented'],
  DuplicateKey: [11000, 'DuplicateKey'],
  BSONObjectTooLarge: [10334, 'BSONObjectTooLarge'],
  Location40323: [40323, 'Location40323'],
  Location40414: [40414, 'Location40414'],
  JSInterpreterFailure: [139, 'JSInterpreterFailure'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrorCodeName = keyof typeof ErrorCode;

/** Creates an error with mongod's code for `name`. */
export function commandError(
  name: ErrorCodeName,
  message: string,
  details: Record<string, unknown> = {},
): MongoCommandError {
  const [code, codeName] = ErrorCode[name];
  return new MongoCommandError(code, codeName, message, details);
}

/**
 * Converts anything a command handler threw into a MongoCommandError. Errors from mingo (unknown
 * operators, invalid expressions) become BadValue, as mongod reports most invalid query input.
 */
export function toCommandError(error: unknown): MongoCommandError {
  if (error instanceof MongoCommandError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return commandError('BadValue', message);
}
