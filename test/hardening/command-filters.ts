import type { CommandStartedEvent, Document } from 'mongodb';

/** The fields a request names directly: usernames and emails are strings, ids are integers. */
const FIELD_TYPES: Record<string, 'string' | 'number'> = { username: 'string', email: 'string', id: 'number' };

/**
 * The operators the service's own code puts on those fields, always inside `$and` or `$or`: the keyset
 * conditions of listUsers pages and its `q` search. Lookups by login name or id use plain values.
 */
const FIELD_OPERATORS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$regex', '$options']);

/** Operators that run code or evaluate expressions; no request may ever cause one. */
const FORBIDDEN_OPERATORS = new Set(['$where', '$expr', '$function', '$accumulator', '$jsonSchema']);

const LOGICAL_OPERATORS = new Set(['$and', '$or', '$nor']);

/** Returns the query filters a command carries: find, count, distinct, aggregate $match, update, delete, findAndModify. */
export function filtersOf(command: Document): Document[] {
  const filters: unknown[] = [];
  if ('find' in command) filters.push(command.filter);
  if ('count' in command || 'distinct' in command) filters.push(command.query);
  if ('findAndModify' in command) filters.push(command.query);
  if ('update' in command && Array.isArray(command.updates)) filters.push(...command.updates.map((update: Document) => update.q));
  if ('delete' in command && Array.isArray(command.deletes)) filters.push(...command.deletes.map((deletion: Document) => deletion.q));
  if ('aggregate' in command && Array.isArray(command.pipeline)) {
    filters.push(...command.pipeline.map((stage: Document) => stage.$match));
  }
  return filters.filter((filter): filter is Document => isPlainObject(filter));
}

/**
 * Returns a description of every place where a filter gives username, email or id something the
 * service never builds, and of every code-running operator anywhere. At the top level of a filter,
 * where the lookups by login name and by id put them, these fields must hold a value of their type.
 * Inside `$and` or `$or`, where listUsers puts its conditions, they may also hold null (a missing
 * value in a keyset condition) or an operator object whose operands are such values.
 */
export function filterViolations(filter: Document, path = 'filter', nested = false): string[] {
  const violations: string[] = [];
  for (const [key, value] of Object.entries(filter)) {
    const at = `${path}.${key}`;
    if (FORBIDDEN_OPERATORS.has(key)) {
      violations.push(`${at} uses the operator ${key}`);
    } else if (LOGICAL_OPERATORS.has(key) && Array.isArray(value)) {
      value.forEach((clause, index) => violations.push(...(isPlainObject(clause) ? filterViolations(clause, `${at}[${index}]`, true) : [`${at}[${index}] is not an object`])));
    } else if (key in FIELD_TYPES && !nested) {
      const type = FIELD_TYPES[key] ?? 'string';
      if (value === null || !isValueOf(value, type)) violations.push(`${at} is ${describe(value)}, expected a ${type}`);
    } else if (key in FIELD_TYPES) {
      violations.push(...conditionViolations(at, value, FIELD_TYPES[key] ?? 'string'));
    } else {
      violations.push(...forbiddenOperatorsIn(value, at));
    }
  }
  return violations;
}

function conditionViolations(at: string, condition: unknown, type: 'string' | 'number'): string[] {
  if (isValueOf(condition, type)) return [];
  if (!isPlainObject(condition)) return [`${at} is ${describe(condition)}, expected a ${type}`];

  const violations: string[] = [];
  for (const [operator, operand] of Object.entries(condition)) {
    if (!FIELD_OPERATORS.has(operator)) {
      violations.push(`${at} uses the operator ${operator}`);
    } else if (operator === '$in' || operator === '$nin') {
      if (!Array.isArray(operand) || !operand.every((item) => isValueOf(item, type))) violations.push(`${at}.${operator} is ${describe(operand)}`);
    } else if (operator === '$regex' || operator === '$options') {
      if (typeof operand !== 'string') violations.push(`${at}.${operator} is ${describe(operand)}, expected a string`);
    } else if (!isValueOf(operand, type)) {
      violations.push(`${at}.${operator} is ${describe(operand)}, expected a ${type}`);
    }
  }
  return violations;
}

function forbiddenOperatorsIn(value: unknown, at: string): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => forbiddenOperatorsIn(item, `${at}[${index}]`));
  if (!isPlainObject(value)) return [];
  return Object.entries(value).flatMap(([key, nested]) =>
    FORBIDDEN_OPERATORS.has(key) ? [`${at}.${key} uses the operator ${key}`] : forbiddenOperatorsIn(nested, `${at}.${key}`),
  );
}

function isValueOf(value: unknown, type: 'string' | 'number'): boolean {
  if (value === null) return true;
  return type === 'number' ? typeof value === 'number' && Number.isFinite(value) : typeof value === 'string';
}

function isPlainObject(value: unknown): value is Document {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object ${JSON.stringify(value)?.slice(0, 80)}`;
  return `a ${typeof value}`;
}

/** Collects the filters of every command the service starts, for one request at a time. */
export class CommandFilterRecorder {
  private filters: Array<{ command: string; filter: Document }> = [];
  /** Filters seen since the recorder was created, by field name, to show that the inspection ran. */
  readonly fieldCounts = new Map<string, number>();

  readonly listener = (event: CommandStartedEvent): void => {
    for (const filter of filtersOf(event.command)) {
      this.filters.push({ command: event.commandName, filter });
      for (const field of Object.keys(FIELD_TYPES)) {
        if (JSON.stringify(filter)?.includes(`"${field}"`)) this.fieldCounts.set(field, (this.fieldCounts.get(field) ?? 0) + 1);
      }
    }
  };

  /** Returns the violations in the filters recorded since the last call, and starts a new record. */
  takeViolations(): string[] {
    const violations = this.filters.flatMap(({ command, filter }) => filterViolations(filter).map((violation) => `${command}: ${violation}`));
    this.filters = [];
    return violations;
  }
}
