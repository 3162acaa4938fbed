import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { load as loadYaml } from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as getUserHandler } from '../functions/getUser';
import { handler as listUsersHandler } from '../functions/listUsers';
import { handler as loginHandler } from '../functions/login';
import { handler as openApiHandler } from '../functions/openapi';
import { handler as pagesHandler } from '../functions/pages';
import { handler as signupHandler } from '../functions/signup';
import { ERROR_CODES } from '../lib/api-schemas';
import * as httpErrors from '../lib/http-errors';
import { getOpenApiDocument } from '../lib/openapi';
import { invoke, type EventOptions } from './helpers/http-events';
import { logInAs, makeStaff, signUp, STRONG_PASSWORD, useTestDatabase } from './helpers/service';
import { invokeForText } from './helpers/text-invoke';

const database = useTestDatabase('openapi');

// The error codes a client of this API can receive.
const SERVICE_ERROR_CODES = [
  'validation_failed',
  'invalid_json',
  'unsupported_media_type',
  'payload_too_large',
  'username_taken',
  'email_taken',
  'invalid_credentials',
  'invalid_token',
  'forbidden',
  'not_found',
  'rate_limited',
  'database_unavailable',
  'internal_error',
];

type Operation = {
  responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { schema: unknown }> }>;
};
type Document = { paths: Record<string, Record<string, Operation>> };

const document = getOpenApiDocument() as unknown as Document;

function operations(): { method: string; path: string; operation: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({ method, path, operation })),
  );
}

/** Returns the error codes the document lists for one response, from its `error.code` enum. */
function documentedCodes(response: Operation['responses'][string]): string[] {
  const schema = response.content?.['application/json']?.schema as
    | { properties?: { error?: { properties?: { code?: { enum?: string[] } } } } }
    | undefined;
  return schema?.properties?.error?.properties?.code?.enum ?? [];
}

function serverlessRoutes(): string[] {
  const config = loadYaml(readFileSync(join(__dirname, '..', 'serverless.yml'), 'utf8')) as {
    functions: Record<string, { events?: { httpApi?: { method: string; path: string } }[] }>;
  };
  return Object.values(config.functions).flatMap((fn) =>
    (fn.events ?? []).flatMap((event) => (event.httpApi ? [`${event.httpApi.method.toUpperCase()} ${event.httpApi.path}`] : [])),
  );
}

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(document) as Parameters<Validator['validate']>[0]);

    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect((document as unknown as { openapi: string }).openapi).toBe('3.1.0');
  });

  it('describes every httpApi route of serverless.yml, and no other', () => {
    const documented = operations().map(({ method, path }) => `${method.toUpperCase()} ${path}`);

    expect(documented.sort()).toEqual(serverlessRoutes().sort());
  });

  it('describes every error code of the service', () => {
    const described = new Set(operations().flatMap(({ operation }) => Object.values(operation.responses).flatMap(documentedCodes)));

    for (const code of SERVICE_ERROR_CODES) expect(described, code).toContain(code);
    expect(Object.keys(ERROR_CODES).sort()).toEqual([...SERVICE_ERROR_CODES].sort());
  });

  it('lists each error class with its code and status', () => {
    // Built without arguments: only the code and status, which every constructor fixes, are read.
    const classes = Object.values(httpErrors).filter(
      (value) => typeof value === 'function' && value.prototype instanceof httpErrors.HttpError,
    ) as unknown as (new () => httpErrors.HttpError)[];
    expect(classes.length).toBeGreaterThanOrEqual(SERVICE_ERROR_CODES.length);

    for (const ErrorClass of classes) {
      const error = new ErrorClass();
      const entry = (ERROR_CODES as Record<string, { status: number }>)[error.code];
      expect(entry, `${ErrorClass.name} (${error.code}) is missing from ERROR_CODES`).toBeDefined();
      expect(entry?.status, error.code).toBe(error.statusCode);
    }
  });

  it('puts each error code under its own status', () => {
    for (const { method, path, operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const code of documentedCodes(response)) {
          expect(String(ERROR_CODES[code as keyof typeof ERROR_CODES].status), `${method} ${path} ${code}`).toBe(status);
        }
      }
    }
  });

  it('protects the user routes with the bearer JWT scheme', () => {
    const schemes = (document as unknown as { components: { securitySchemes: Record<string, unknown> } }).components.securitySchemes;

    expect(schemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(document.paths['/users']!.get).toMatchObject({ security: [{ bearerAuth: [] }] });
    expect(document.paths['/users/{id}']!.get).toMatchObject({ security: [{ bearerAuth: [] }] });
  });

  it('documents the list query parameters of GET /users', () => {
    const parameters = (document.paths['/users']!.get as unknown as { parameters: { name: string; in: string }[] }).parameters;

    expect(parameters.map((parameter) => parameter.name)).toEqual([
      'q',
      'is_active',
      'is_staff',
      'is_superuser',
      'date_joined_after',
      'date_joined_before',
      'ordering',
      'limit',
      'cursor',
    ]);
    expect(new Set(parameters.map((parameter) => parameter.in))).toEqual(new Set(['query']));
  });

  it('is served at GET /openapi.json', async () => {
    const response = await invoke(openApiHandler, { method: 'GET', path: '/openapi.json' });

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.body).toEqual(JSON.parse(JSON.stringify(document)));
  });
});

describe('handler responses match the document', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(structuredClone(document), 'openapi.json');

  type Handler = Parameters<typeof invoke>[0];

  /** Invokes a handler and checks status, media type, documented headers and JSON body against the document. */
  async function expectDocumented(handler: Handler, route: string, options: EventOptions) {
    const [method, path] = route.split(' ') as [string, string];
    const result = await invokeForText(handler, { routeKey: route, ...options });
    const label = `${route} → ${result.statusCode}`;

    const response = document.paths[path]?.[method.toLowerCase()]?.responses[String(result.statusCode)];
    expect(response, `${label} is not documented`).toBeDefined();
    for (const header of Object.keys(response?.headers ?? {})) {
      expect(result.headers, `${label} lacks the documented ${header} header`).toHaveProperty(header.toLowerCase());
    }

    const mediaType = result.headers['content-type']?.split(';')[0] ?? '';
    expect(Object.keys(response?.content ?? {}), label).toContain(mediaType);
    if (mediaType !== 'application/json') return { ...result, body: undefined as any };

    const pointer = `openapi.json#/paths/${path.replaceAll('/', '~1')}/${method.toLowerCase()}/responses/${result.statusCode}/content/application~1json/schema`;
    const validate = ajv.getSchema(pointer);
    expect(validate, pointer).toBeDefined();
    const body: unknown = JSON.parse(result.text);
    expect(validate!(body) ? [] : validate!.errors, `${label}: ${result.text.slice(0, 300)}`).toEqual([]);
    return { ...result, body: body as any };
  }

  let staffToken: string;
  let memberToken: string;
  let memberId: number;

  beforeAll(async () => {
    const staff = await signUp({ username: 'openapi-staff', first_name: 'Olive' });
    const member = await signUp({ username: 'openapi-member' });
    await makeStaff(await database.db(), staff.id);
    staffToken = await logInAs('openapi-staff');
    memberToken = await logInAs('openapi-member');
    memberId = member.id;
  });

  it('POST /signup: 201, 400, 409, 413 and 415', async () => {
    const created = await expectDocumented(signupHandler, 'POST /signup', {
      method: 'POST',
      path: '/signup',
      body: { username: 'openapi-new', email: 'new@example.com', password: STRONG_PASSWORD },
    });
    const invalid = await expectDocumented(signupHandler, 'POST /signup', {
      method: 'POST',
      path: '/signup',
      body: { username: 'no spaces allowed', email: 'not-an-email', password: '123' },
    });
    const badJson = await expectDocumented(signupHandler, 'POST /signup', { method: 'POST', path: '/signup', rawBody: '{"username":' });
    const taken = await expectDocumented(signupHandler, 'POST /signup', {
      method: 'POST',
      path: '/signup',
      body: { username: 'OPENAPI-NEW', email: 'other@example.com', password: STRONG_PASSWORD },
    });
    const tooLarge = await expectDocumented(signupHandler, 'POST /signup', {
      method: 'POST',
      path: '/signup',
      body: { username: 'big', email: 'big@example.com', password: 'x'.repeat(20_000) },
    });
    const wrongType = await expectDocumented(signupHandler, 'POST /signup', {
      method: 'POST',
      path: '/signup',
      rawBody: 'username=a',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });

    expect(created.statusCode).toBe(201);
    expect(invalid.statusCode).toBe(400);
    expect(invalid.body.error.code).toBe('validation_failed');
    expect(badJson.statusCode).toBe(400);
    expect(taken.statusCode).toBe(409);
    expect(tooLarge.statusCode).toBe(413);
    expect(wrongType.statusCode).toBe(415);
  });

  it('POST /login: 200 and 401', async () => {
    const success = await expectDocumented(loginHandler, 'POST /login', {
      method: 'POST',
      path: '/login',
      body: { username: 'openapi-member', password: STRONG_PASSWORD },
    });
    const failure = await expectDocumented(loginHandler, 'POST /login', {
      method: 'POST',
      path: '/login',
      body: { username: 'openapi-member', password: 'wrong password 1234' },
    });

    expect(success.statusCode).toBe(200);
    expect(failure.statusCode).toBe(401);
    expect(failure.body.error.code).toBe('invalid_credentials');
  });

  it('GET /users: 200 with a cursor, 400, 401 and 403', async () => {
    const page = await expectDocumented(listUsersHandler, 'GET /users', {
      method: 'GET',
      path: '/users',
      query: { limit: '1' },
      token: staffToken,
    });
    const invalid = await expectDocumented(listUsersHandler, 'GET /users', {
      method: 'GET',
      path: '/users',
      query: { ordering: 'password' },
      token: staffToken,
    });
    const anonymous = await expectDocumented(listUsersHandler, 'GET /users', { method: 'GET', path: '/users' });
    const member = await expectDocumented(listUsersHandler, 'GET /users', { method: 'GET', path: '/users', token: memberToken });

    expect(page.statusCode).toBe(200);
    expect(page.body.next_cursor).toEqual(expect.any(String));
    expect(invalid.statusCode).toBe(400);
    expect(anonymous.statusCode).toBe(401);
    expect(member.statusCode).toBe(403);
  });

  it('GET /users/{id}: 200, 400, 403 and 404', async () => {
    const route = 'GET /users/{id}';
    const get = (id: string, token: string) =>
      expectDocumented(getUserHandler, route, { method: 'GET', path: `/users/${id}`, pathParameters: { id }, token });

    const own = await get(String(memberId), memberToken);
    const invalid = await get('abc', staffToken);
    const other = await get('1', memberToken);
    const missing = await get('999999', staffToken);

    expect(own.statusCode).toBe(200);
    expect(invalid.statusCode).toBe(400);
    expect(other.statusCode).toBe(403);
    expect(missing.statusCode).toBe(404);
  });

  it('pages and assets: 200, 304 and 404', async () => {
    const page = await expectDocumented(pagesHandler, 'GET /admin/users', { method: 'GET', path: '/admin/users' });
    const asset = await expectDocumented(pagesHandler, 'GET /assets/{file}', {
      method: 'GET',
      path: '/assets/styles.css',
      pathParameters: { file: 'styles.css' },
    });
    const missing = await expectDocumented(pagesHandler, 'GET /assets/{file}', {
      method: 'GET',
      path: '/assets/nope.js',
      pathParameters: { file: 'nope.js' },
    });
    const cached = await invokeForText(pagesHandler, {
      method: 'GET',
      path: '/login',
      headers: { 'if-none-match': (await invokeForText(pagesHandler, { method: 'GET', path: '/login' })).headers.etag! },
    });

    expect(page.statusCode).toBe(200);
    expect(asset.statusCode).toBe(200);
    expect(missing.statusCode).toBe(404);
    expect(cached.statusCode).toBe(304);
    expect(document.paths['/login']!.get!.responses['304']).toBeDefined();
  });
});
