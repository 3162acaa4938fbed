import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { encodeCursor, fingerprintQuery } from '../../lib/cursor';
import { listUsersQuerySchema } from '../../lib/validation';
import { httpEvent, type EventOptions } from '../helpers/http-events';
import { STRONG_PASSWORD } from '../helpers/service';
import type { HttpRoute } from './http-routes';

/** Values a request may need that exist only once the database has users. */
export interface RequestContext {
  /** Access tokens of a staff member and of an ordinary member. */
  tokens: string[];
  /** Ids of existing users. */
  userIds: number[];
  /** Known-good values of path parameters, by parameter name, so some requests reach the database. */
  pathSamples: Record<string, string[]>;
  /** Known-good values of body and query fields, by field name. */
  fieldSamples: Record<string, string[]>;
}

/** One generated request, before it becomes an API Gateway event. */
export interface HostileRequest {
  body?: { text: string; encoding: 'plain' | 'base64' | 'base64-with-line-breaks' | 'invalid-base64' };
  /** Header name and value pairs, with names in any letter case; undefined leaves the event with no `headers`. */
  headers?: Array<[string, string]>;
  /** Query key and value pairs; a key may repeat. Undefined leaves out `queryStringParameters`. */
  query?: Array<[string, string]>;
  /** A forged listUsers cursor with these values, made to match the query's fingerprint. */
  forgedCursor?: { value: unknown; id: unknown };
  /** Undefined leaves out `pathParameters`. */
  pathParameters?: Record<string, string>;
  sourceIp: string;
}

const SPECIAL_STRINGS = [
  ' ', '\t', '\n', '.*', '^$', '\\', '"', "'", '{}', '[]', '{"$ne":null}', '$where', '$gt', 'null', 'undefined',
  'true', 'false', 'NaN', 'Infinity', '1e3', '-1', '0', '0x10', '00001', '1.5', '١٢٣', '９', '99999999999999999999',
  '__proto__', 'constructor', 'prototype', '../../etc/passwd', '..%2f..%2f', '%00', '%', '<script>', 'a,b', ',',
  'DROP TABLE users', 'admin', 'ADMIN', 'Straße', 'ﬁ', 'İ', '\u202e', '\ufeff', '\uffff', '\u0000',
];

const OPERATOR_OBJECTS: unknown[] = [
  { $ne: null }, { $gt: '' }, { $regex: '.*' }, { $in: ['member', 'staffer'] }, { $exists: true },
  { $where: 'sleep(1000) || true' }, { $expr: { $eq: [1, 1] } }, { $function: { body: 'return true', args: [], lang: 'js' } },
  { $nin: [] }, { $not: { $eq: '' } }, { $type: 2 }, { $elemMatch: {} }, { $size: 0 }, { $eq: { $ne: null } },
];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));

/** Strings that break careless code: empty, very long, NUL bytes, lone surrogates, any code point. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constant(''),
  fc.constantFrom(...SPECIAL_STRINGS),
  fc.tuple(fc.string(), loneSurrogate, fc.string()).map((parts) => parts.join('')),
  fc.tuple(fc.string(), fc.string()).map(([before, after]) => `${before}\u0000${after}`),
  fc.tuple(fc.constantFrom('a', 'é', '𝔘', '\u0000', '9', '\ud800'), fc.integer({ min: 100, max: 20_000 })).map(([unit, count]) => unit.repeat(count)),
);

const operatorObject: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...OPERATOR_OBJECTS),
  fc.tuple(fc.constantFrom('$ne', '$gt', '$gte', '$lt', '$in', '$regex', '$where', '$expr', '$or', '$and'), fc.jsonValue({ maxDepth: 2 }))
    .map(([operator, operand]) => ({ [operator]: operand })),
);

/** Any JSON value, leaning towards the ones that break validation: operators, arrays, wrong types. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: operatorObject },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

const RAW_BODIES = [
  '', ' ', 'null', '[]', '{}', '{', '}', '"text"', '42', 'true', '[{"username":"member"}]',
  '{"__proto__":{"is_staff":true},"username":"member","password":"x"}',
  '{"constructor":{"prototype":{"is_staff":true}}}',
  '{"username":"member","username":{"$ne":null},"password":"x"}',
  '{"username":"member","password":"x"}garbage',
  '{"username":"\\ud800","email":"\\udc00@example.com","password":"\\u0000"}',
  '\ufeff{"username":"member"}',
  'username=member&password=x',
];

// New names and addresses, so that some signups succeed instead of all meeting an existing user.
const PLAUSIBLE_VALUES: Record<string, fc.Arbitrary<string>> = {
  username: fc.stringMatching(/^[A-Za-z0-9_.@+-]{1,24}$/),
  email: fc.emailAddress(),
};

/** Returns request bodies: objects with the route's fields set to hostile or valid values, any JSON, or raw text. */
function bodyText(fields: string[], context: RequestContext): fc.Arbitrary<string> {
  const fieldValue = (field: string): fc.Arbitrary<unknown> => {
    const samples = context.fieldSamples[field] ?? [];
    const valid = PLAUSIBLE_VALUES[field] ?? (samples.length > 0 ? fc.constantFrom(...samples) : undefined);
    if (!valid) return hostileValue;
    return fc.oneof({ weight: 2, arbitrary: samples.length > 0 ? fc.oneof(fc.constantFrom(...samples), valid) : valid }, { weight: 3, arbitrary: hostileValue });
  };
  const knownFields = fc.record(Object.fromEntries(fields.map((field) => [field, fieldValue(field)])), { requiredKeys: [] });
  const extraFields = fc.dictionary(fc.oneof(fc.constantFrom('is_staff', 'is_superuser', 'id', '_id', '__proto__', '$where'), fc.string()), hostileValue, { maxKeys: 3 });
  const oversized = fc.integer({ min: 16 * 1024 - 32, max: 48 * 1024 }).map((size) => JSON.stringify({ [fields[0] ?? 'value']: 'a'.repeat(size) }));

  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(knownFields, extraFields).map(([known, extra]) => JSON.stringify({ ...extra, ...known })) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? 'null') },
    { weight: 1, arbitrary: fc.string({ unit: 'binary' }) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_BODIES) },
    { weight: 1, arbitrary: oversized },
  );
}

const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', ' application/json ', 'application/json;',
  'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '', 'application/jsonp', 'application/json\u0000',
];

/** Spells a header name in one of the letter cases clients and proxies send. */
function spellHeader(name: string): fc.Arbitrary<string> {
  const title = name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
  return fc.constantFrom(name, name.toUpperCase(), title, [...name].map((letter, index) => (index % 2 ? letter.toUpperCase() : letter)).join(''));
}

function authorizationValue(context: RequestContext): fc.Arbitrary<string> {
  const token = fc.constantFrom(...context.tokens);
  return fc.oneof(
    { weight: 4, arbitrary: token.map((value) => `Bearer ${value}`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('bearer', 'BEARER', 'Bearer  ', 'Bearer\t'), token).map(([scheme, value]) => `${scheme} ${value}`) },
    { weight: 1, arbitrary: token.map((value) => `Bearer ${value.slice(0, -2)}xx`) },
    { weight: 1, arbitrary: hostileString.map((value) => `Bearer ${value}`) },
    { weight: 1, arbitrary: fc.constantFrom('Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Token abc', 'Bearer a.b.c', `Bearer ${'a'.repeat(5000)}`) },
    { weight: 1, arbitrary: hostileString },
  );
}

function headers(context: RequestContext, withBody: boolean): fc.Arbitrary<Array<[string, string]> | undefined> {
  const contentType = fc.tuple(spellHeader('content-type'), fc.oneof({ weight: 3, arbitrary: fc.constant('application/json') }, { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) }, { weight: 1, arbitrary: hostileString }));
  const authorization = fc.tuple(spellHeader('authorization'), authorizationValue(context));
  const extra = fc.tuple(
    fc.oneof(fc.constantFrom('x-forwarded-for', 'origin', 'if-none-match', 'accept', 'cookie', 'content-length', 'host'), fc.string({ minLength: 1, maxLength: 20 })).chain(spellHeader),
    fc.oneof(hostileString, fc.constantFrom('*', '10.0.0.1, 10.0.0.2', 'https://evil.example')),
  );

  const present = fc
    .tuple(
      withBody ? fc.option(contentType, { freq: 5, nil: undefined }) : fc.option(contentType, { freq: 1, nil: undefined }),
      fc.option(authorization, { freq: 2, nil: undefined }),
      fc.array(extra, { maxLength: 4 }),
    )
    .map(([type, auth, others]) => [['host', 'abc123.execute-api.eu-west-1.amazonaws.com'] as [string, string], ...(type ? [type] : []), ...(auth ? [auth] : []), ...others]);
  return fc.option(present, { freq: 10, nil: undefined });
}

function queryPairs(fields: string[], context: RequestContext): fc.Arbitrary<Array<[string, string]> | undefined> {
  const value = (field: string) => {
    const samples = context.fieldSamples[field] ?? [];
    return samples.length > 0 ? fc.oneof(fc.constantFrom(...samples), hostileString) : hostileString;
  };
  const known = fields.length > 0 ? fc.constantFrom(...fields).chain((field) => value(field).map((text) => [field, text] as [string, string])) : undefined;
  const unknown = fc.tuple(fc.oneof(fc.string(), fc.constantFrom('__proto__', '$where', 'filter[username]', 'username[$ne]')), hostileString);
  const pair = known ? fc.oneof({ weight: 4, arbitrary: known }, { weight: 1, arbitrary: unknown }) : unknown;
  return fc.option(fc.array(pair, { maxLength: 8 }), { freq: 4, nil: undefined });
}

function pathParameters(route: HttpRoute, context: RequestContext): fc.Arbitrary<Record<string, string> | undefined> {
  if (route.pathParameterNames.length === 0) return fc.option(fc.constant({}), { nil: undefined });
  const value = (name: string) => {
    const samples = context.pathSamples[name] ?? [];
    return fc.oneof(
      { weight: 2, arbitrary: hostileString },
      { weight: 1, arbitrary: fc.oneof(fc.nat().map(String), fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String)) },
      { weight: samples.length > 0 ? 2 : 0, arbitrary: fc.constantFrom(...(samples.length > 0 ? samples : [''])) },
    );
  };
  // Some keys may be absent, as in an event whose pathParameters lacks one.
  const all = fc.record(Object.fromEntries(route.pathParameterNames.map((name) => [name, value(name)])), { requiredKeys: [] }) as fc.Arbitrary<Record<string, string>>;
  return fc.option(all, { freq: 8, nil: undefined });
}

/** Generates hostile requests for one route, shaped by its method, its path parameters and the fields it reads. */
export function hostileRequest(route: HttpRoute, context: RequestContext, fields: { body?: string[]; query?: string[] }): fc.Arbitrary<HostileRequest> {
  const withBody = route.method !== 'GET' && route.method !== 'HEAD';
  const body = fc.record({
    text: bodyText(fields.body ?? [], context),
    encoding: fc.constantFrom('plain', 'plain', 'plain', 'base64', 'base64-with-line-breaks', 'invalid-base64'),
  });
  const forgedCursor = fc.option(fc.record({ value: fc.oneof(hostileValue, fc.date().map((date) => ({ $date: date.getTime() }))), id: fc.oneof(fc.integer(), hostileValue) }), { freq: 3, nil: undefined });

  return fc.record(
    {
      body: withBody ? fc.option(body, { freq: 10, nil: undefined }) : fc.option(body, { freq: 1, nil: undefined }),
      headers: headers(context, withBody),
      query: queryPairs(fields.query ?? [], context),
      forgedCursor: (fields.query ?? []).includes('cursor') ? forgedCursor : fc.constant(undefined),
      pathParameters: pathParameters(route, context),
      sourceIp: fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom('192.0.2.10', '127.0.0.1', '::1', 'not-an-address')),
    },
    { requiredKeys: ['sourceIp'] },
  );
}

/** Builds the API Gateway HTTP API (payload 2.0) event that a generated request arrives as. */
export function toHttpEvent(route: HttpRoute, request: HostileRequest): APIGatewayProxyEventV2 {
  const pathParameters = request.pathParameters;
  const path = route.path.replace(/\{([^}+]+)\+?\}/g, (_, name: string) => encodeURIComponent(wellFormed(pathParameters?.[name] ?? '')));
  const event = httpEvent({ method: route.method as EventOptions['method'], path, routeKey: route.routeKey, sourceIp: request.sourceIp });

  if (request.headers === undefined) delete (event as Partial<APIGatewayProxyEventV2>).headers;
  else event.headers = Object.fromEntries(request.headers);

  if (request.body !== undefined) {
    const { text, encoding } = request.body;
    const base64 = Buffer.from(text, 'utf8').toString('base64');
    event.isBase64Encoded = encoding !== 'plain';
    event.body =
      encoding === 'plain' ? text
      : encoding === 'base64' ? base64
      : encoding === 'base64-with-line-breaks' ? base64.replace(/.{1,76}/g, '$&\r\n')
      : `${text}!*`;
  }

  const query = [...(request.query ?? [])];
  const cursor = request.forgedCursor && forgeCursor(query, request.forgedCursor);
  if (cursor) query.push(['cursor', cursor]);
  if (request.query !== undefined || cursor) {
    // API Gateway joins the values of a repeated key with commas.
    const joined = new Map<string, string>();
    for (const [key, value] of query) joined.set(key, joined.has(key) ? `${joined.get(key)},${value}` : value);
    event.queryStringParameters = Object.fromEntries(joined);
    event.rawQueryString = new URLSearchParams(query).toString();
  }

  if (pathParameters !== undefined) event.pathParameters = pathParameters;
  return event;
}

/** Replaces lone surrogates with U+FFFD, as a client must before percent-encoding a path. */
function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/**
 * Returns a listUsers cursor that carries arbitrary values but passes the fingerprint check for the
 * query it is sent with, so the values reach the keyset filter. Returns undefined when the rest of
 * the query is invalid anyway.
 */
function forgeCursor(query: Array<[string, string]>, forged: { value: unknown; id: unknown }): string | undefined {
  const parameters = new Map<string, string>();
  for (const [key, value] of query) parameters.set(key, parameters.has(key) ? `${parameters.get(key)},${value}` : value);
  const parsed = listUsersQuerySchema.safeParse(Object.fromEntries(parameters));
  if (!parsed.success) return undefined;

  const { cursor: _cursor, limit: _limit, ...rest } = parsed.data;
  const cursor = encodeCursor({ ordering: parsed.data.ordering, query: fingerprintQuery(rest), value: null, id: 0 });
  // The cursor format is base64url of EJSON; replacing its v and i fields plants values of any type.
  const payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
  return Buffer.from(JSON.stringify({ ...payload, v: forged.value, i: forged.id }), 'utf8').toString('base64url');
}

/** Field samples that let generated requests pass validation and reach the database now and then. */
export function defaultFieldSamples(usernames: string[]): Record<string, string[]> {
  return {
    username: usernames.flatMap((name) => [name, name.toUpperCase()]),
    email: usernames.map((name) => `${name}@example.com`),
    password: [STRONG_PASSWORD, 'wrong password 123'],
    first_name: ['Ada', ''],
    last_name: ['Lovelace', ''],
    q: ['member', 'STAFF', '.*', '@example'],
    is_active: ['true', 'false', 'TRUE'],
    is_staff: ['true', 'false'],
    is_superuser: ['false'],
    date_joined_after: ['2024-01-01', '2024-01-01T00:00:00Z'],
    date_joined_before: ['2999-12-31'],
    ordering: ['id', '-id', 'username', '-username', 'date_joined', '-last_login'],
    limit: ['1', '20', '100'],
  };
}
