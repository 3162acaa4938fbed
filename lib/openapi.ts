// The OpenAPI 3.1 description of the service, generated from the zod schemas that validate requests
// (lib/validation.ts) and describe responses (lib/api-schemas.ts), so a change to a schema changes the
// document too. Refinements such as the password rules have no JSON Schema form, so field
// descriptions state them.
// A namespace import of zod/mini lets esbuild drop unused zod code, which neither classic zod nor `import { z }` allows.
import * as z from 'zod/mini';
import {
  ERROR_CODES,
  errorBodySchema,
  loginResponseSchema,
  publicUserSchema,
  userListPageSchema,
  type ErrorCode,
} from './api-schemas';
import { listUsersQuerySchema, loginBodySchema, signupBodySchema, userIdPathSchema } from './validation';

type JsonSchema = Record<string, unknown>;
type OpenApiObject = Record<string, unknown>;

const schemaRef = (id: string) => ({ $ref: `#/components/schemas/${id}` });

const BEARER_SECURITY = [{ bearerAuth: [] }];

// Every route that reads the database can fail with these.
const SERVER_FAILURES: ErrorCode[] = ['internal_error', 'database_unavailable'];

let cached: OpenApiObject | undefined;

/** Returns the OpenAPI document, built on first use. */
export function getOpenApiDocument(): OpenApiObject {
  cached ??= buildOpenApiDocument();
  return cached;
}

function buildOpenApiDocument(): OpenApiObject {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Attendance tracker accounts',
      version: '0.1.0',
      description:
        'Sign-up, login and user lookup of the attendance tracker. Every non-2xx response has the body ' +
        '`{"error": {"code", "message", "details"?}}`; `code` is stable, `message` is for people.',
    },
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    servers: [{ url: '/', description: 'The origin that serves this document.' }],
    tags: [
      { name: 'accounts', description: 'The JSON API.' },
      { name: 'pages', description: 'HTML pages for people, and their files.' },
    ],
    paths: {
      '/signup': { post: signupOperation(), get: pageOperation('The sign-up page.') },
      '/login': { post: loginOperation(), get: pageOperation('The login page.') },
      '/users': { get: listUsersOperation() },
      '/users/{id}': { get: getUserOperation() },
      '/admin/users': { get: pageOperation('The user list for staff members.') },
      '/assets/{file}': { get: assetOperation() },
      '/openapi.json': { get: openApiOperation() },
    },
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The `access_token` returned by POST /login; it expires after `expires_in` seconds.',
        },
      },
    },
  };
}

function signupOperation(): OpenApiObject {
  return {
    operationId: 'signUp',
    tags: ['accounts'],
    summary: 'Create an account',
    description:
      'Fields other than those listed are ignored and never stored. Usernames and email addresses are ' +
      'unique regardless of letter case.',
    requestBody: jsonRequestBody('SignupRequest'),
    responses: {
      '201': {
        description: 'The account was created.',
        headers: { Location: { description: 'The path of the new user, `/users/{id}`.', schema: { type: 'string' } } },
        content: jsonContent(schemaRef('User')),
      },
      ...errorResponses([
        'validation_failed',
        'invalid_json',
        'username_taken',
        'email_taken',
        'payload_too_large',
        'unsupported_media_type',
        ...SERVER_FAILURES,
      ]),
    },
  };
}

function loginOperation(): OpenApiObject {
  return {
    operationId: 'logIn',
    tags: ['accounts'],
    summary: 'Exchange credentials for an access token',
    description:
      'Send `password` with either `username` (matched regardless of letter case) or `email`. A wrong ' +
      'password, an unknown user and an inactive user all get the same 401 response.',
    requestBody: jsonRequestBody('LoginRequest'),
    responses: {
      '200': { description: 'The credentials are valid.', content: jsonContent(schemaRef('LoginResponse')) },
      ...errorResponses([
        'validation_failed',
        'invalid_json',
        'invalid_credentials',
        'payload_too_large',
        'unsupported_media_type',
        'rate_limited',
        ...SERVER_FAILURES,
      ]),
    },
  };
}

function listUsersOperation(): OpenApiObject {
  return {
    operationId: 'listUsers',
    tags: ['accounts'],
    summary: 'List users, one page at a time',
    description: 'Staff members and superusers only. Pages never repeat or skip a user, even when users join between pages.',
    security: BEARER_SECURITY,
    parameters: parametersFrom(listUsersQuerySchema, 'query'),
    responses: {
      '200': { description: 'One page of users.', content: jsonContent(schemaRef('UserListPage')) },
      ...errorResponses(['validation_failed', 'invalid_token', 'forbidden', ...SERVER_FAILURES]),
    },
  };
}

function getUserOperation(): OpenApiObject {
  return {
    operationId: 'getUser',
    tags: ['accounts'],
    summary: 'Get one user',
    description: 'Any user may read their own account; staff members and superusers may read every account.',
    security: BEARER_SECURITY,
    parameters: parametersFrom(userIdPathSchema, 'path'),
    responses: {
      '200': { description: 'The user.', content: jsonContent(schemaRef('User')) },
      ...errorResponses(['validation_failed', 'invalid_token', 'forbidden', 'not_found', ...SERVER_FAILURES]),
    },
  };
}

function pageOperation(summary: string): OpenApiObject {
  return {
    tags: ['pages'],
    summary,
    description: 'An HTML page that calls the JSON API from the browser.',
    responses: {
      '200': staticFileResponse('The page.', 'text/html'),
      '304': notModifiedResponse(),
      ...errorResponses(['internal_error']),
    },
  };
}

function assetOperation(): OpenApiObject {
  return {
    tags: ['pages'],
    summary: 'A style sheet or browser script of the pages',
    parameters: [
      {
        name: 'file',
        in: 'path',
        required: true,
        description: 'The file name, for example `styles.css` or `login.client.js`.',
        schema: { type: 'string' },
      },
    ],
    responses: {
      '200': {
        description: 'The file.',
        headers: staticFileHeaders(),
        content: {
          'text/css': { schema: { type: 'string' } },
          'text/javascript': { schema: { type: 'string' } },
        },
      },
      '304': notModifiedResponse(),
      ...errorResponses(['not_found', 'internal_error']),
    },
  };
}

function openApiOperation(): OpenApiObject {
  return {
    operationId: 'getOpenApiDocument',
    tags: ['accounts'],
    summary: 'This OpenAPI document',
    responses: {
      '200': { description: 'The OpenAPI 3.1 document.', content: jsonContent({ type: 'object' }) },
      ...errorResponses(['internal_error']),
    },
  };
}

function componentSchemas(): Record<string, JsonSchema> {
  const requests = z.registry<{ id: string }>();
  requests.add(signupBodySchema, { id: 'SignupRequest' });
  requests.add(loginBodySchema, { id: 'LoginRequest' });

  const responses = z.registry<{ id: string }>();
  responses.add(publicUserSchema, { id: 'User' });
  responses.add(loginResponseSchema, { id: 'LoginResponse' });
  responses.add(userListPageSchema, { id: 'UserListPage' });
  responses.add(errorBodySchema(), { id: 'Error' });

  // Requests are described as clients send them (before transforms), responses as the server sends them.
  return { ...registrySchemas(requests, 'input'), ...registrySchemas(responses, 'output') };
}

/**
 * Converts a registry of zod schemas to JSON Schema 2020-12, the dialect of OpenAPI 3.1. A schema
 * with no JSON Schema form makes this throw (zod's default), so it cannot slip in undocumented.
 */
function registrySchemas(registry: z.core.$ZodRegistry<{ id: string }>, io: 'input' | 'output'): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io,
    uri: (id) => `#/components/schemas/${id}`,
  });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, withoutIdentifiers(schema)]));
}

function toJsonSchema(schema: z.ZodMiniType, io: 'input' | 'output'): JsonSchema {
  return withoutIdentifiers(z.toJSONSchema(schema, { target: 'draft-2020-12', io }));
}

// The document sets the dialect once, and a component's place in it is its identity.
function withoutIdentifiers(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}

/** Builds one parameter per property of an object schema, described as the client sends it. */
function parametersFrom(schema: z.ZodMiniObject, location: 'query' | 'path'): OpenApiObject[] {
  const objectSchema = toJsonSchema(schema, 'input');
  const properties = (objectSchema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((objectSchema.required ?? []) as string[]);

  return Object.entries(properties).map(([name, property]) => {
    const { description, ...propertySchema } = property;
    return {
      name,
      in: location,
      required: location === 'path' || required.has(name),
      ...(description !== undefined && { description }),
      schema: propertySchema,
    };
  });
}

function jsonRequestBody(schemaId: string): OpenApiObject {
  return {
    required: true,
    description: 'At most 16 KiB, sent with `Content-Type: application/json`.',
    content: jsonContent(schemaRef(schemaId)),
  };
}

function jsonContent(schema: JsonSchema): OpenApiObject {
  return { 'application/json': { schema } };
}

/** Builds one response per HTTP status, each listing the error codes this operation can return with it. */
function errorResponses(codes: ErrorCode[]): Record<string, OpenApiObject> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }

  const responses: Record<string, OpenApiObject> = {};
  for (const [status, statusCodes] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: statusCodes.map((code) => `\`${code}\`: ${ERROR_CODES[code].description}`).join('\n\n'),
      ...(errorHeaders(statusCodes) && { headers: errorHeaders(statusCodes) }),
      content: jsonContent(toJsonSchema(errorBodySchema(statusCodes as [ErrorCode, ...ErrorCode[]]), 'output')),
    };
  }
  return responses;
}

function errorHeaders(codes: ErrorCode[]): Record<string, OpenApiObject> | undefined {
  if (codes.includes('invalid_token')) {
    return { 'WWW-Authenticate': { description: 'Always `Bearer`.', schema: { type: 'string' } } };
  }
  if (codes.includes('rate_limited') || codes.includes('database_unavailable')) {
    return { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } } };
  }
  return undefined;
}

function staticFileResponse(description: string, mediaType: string): OpenApiObject {
  return { description, headers: staticFileHeaders(), content: { [mediaType]: { schema: { type: 'string' } } } };
}

function staticFileHeaders(): Record<string, OpenApiObject> {
  return {
    ETag: { description: 'Changes whenever the file does.', schema: { type: 'string' } },
    'Cache-Control': { description: '`no-cache`: revalidate with `If-None-Match` before each use.', schema: { type: 'string' } },
    'Content-Security-Policy': {
      description: 'Only scripts, styles and API calls from this origin; no inline script or style.',
      schema: { type: 'string' },
    },
  };
}

function notModifiedResponse(): OpenApiObject {
  return { description: 'The `If-None-Match` header names the current ETag; the cached copy is still valid.' };
}
