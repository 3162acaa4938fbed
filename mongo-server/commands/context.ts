import type { Document } from 'bson';
import type { CursorManager } from '../cursors';
import { commandError } from '../errors';
import type { Logger } from '../logger';
import { validateCollectionName } from '../namespace';
import type { Catalog } from '../storage/catalog';
import { isPlainObject, type Collation } from '../storage/keys';

/** Facts about the running server that hello, buildInfo and serverStatus report. */
export interface ServerState {
  readonly startedAt: Date;
  readonly port: number;
}

/** Catalog, cursors, logger and request facts passed to a command handler. Handlers are synchronous, so commands never interleave. */
export interface CommandContext {
  readonly catalog: Catalog;
  readonly cursors: CursorManager;
  readonly logger: Logger;
  readonly server: ServerState;
  /** Database named by `$db`. */
  readonly db: string;
  readonly connectionId: number;
}

/** Runs one command and returns the reply fields, without `ok`. Throws MongoCommandError on failure. */
export type CommandHandler = (command: Document, context: CommandContext) => Document;

/** Collection name given as the value of the command's first field, for example `{ find: 'users' }`. */
export function commandCollection(command: Document, context: CommandContext): string {
  const name = Object.keys(command)[0]!;
  const value = command[name];
  if (typeof value !== 'string') {
    throw commandError('InvalidNamespace', `collection name has invalid type ${describeType(value)}`);
  }
  return validateCollectionName(context.db, value);
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'double';
  if (typeof value === 'object') return (value as { _bsontype?: string })._bsontype ?? 'object';
  return typeof value;
}

/** Reads an optional document field, raising mongod's TypeMismatch when it has another type. */
export function optionalDocument(command: Document, field: string, commandName: string): Document | undefined {
  const value = command[field];
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) {
    throw commandError('TypeMismatch', `BSON field '${commandName}.${field}' is the wrong type '${describeType(value)}', expected type 'object'`);
  }
  return value;
}

export function optionalNumber(command: Document, field: string, commandName: string): number | undefined {
  const value = command[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw commandError('TypeMismatch', `BSON field '${commandName}.${field}' is the wrong type '${describeType(value)}', expected types '[long, int, decimal, double]'`);
  }
  return value;
}

export function optionalNonNegative(command: Document, field: string, commandName: string): number | undefined {
  const value = optionalNumber(command, field, commandName);
  if (value !== undefined && value < 0) {
    throw commandError('BadValue', `BSON field '${field}' value must be >= 0, actual value '${value}'`);
  }
  return value === undefined ? undefined : Math.trunc(value);
}

export function requireArray(command: Document, field: string, commandName: string): unknown[] {
  const value = command[field];
  if (!Array.isArray(value)) {
    throw commandError(
      value === undefined ? 'Location40414' : 'TypeMismatch',
      value === undefined
        ? `BSON field '${commandName}.${field}' is missing but a required field`
        : `BSON field '${commandName}.${field}' is the wrong type '${describeType(value)}', expected type 'array'`,
    );
  }
  return value;
}

/** Reads the request's collation, validating the parts this server uses as mongod does. */
export function readCollation(value: unknown): Collation | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isPlainObject(value)) throw commandError('TypeMismatch', `collation must be an object`);
  if (typeof value.locale !== 'string') throw commandError('BadValue', `Missing expected field "locale"`);
  const strength = value.strength;
  if (strength !== undefined && (typeof strength !== 'number' || strength < 1 || strength > 5)) {
    throw commandError('BadValue', `Field 'strength' must be an integer 1 through 5. Got: ${String(strength)}`);
  }
  return value as Collation;
}
