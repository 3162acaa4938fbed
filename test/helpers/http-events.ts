import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

export interface EventOptions {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  path: string;
  routeKey?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  pathParameters?: Record<string, string>;
  isBase64Encoded?: boolean;
  sourceIp?: string;
  token?: string;
}

/** Builds an API Gateway HTTP API (payload 2.0) event as API Gateway sends it to a function. */
export function httpEvent(options: EventOptions): APIGatewayProxyEventV2 {
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const headers: Record<string, string> = {
    host: 'abc123.execute-api.eu-west-1.amazonaws.com',
    'user-agent': 'vitest',
    ...(body !== undefined && { 'content-type': 'application/json' }),
    ...(options.token && { authorization: `Bearer ${options.token}` }),
    ...options.headers,
  };
  const rawQueryString = new URLSearchParams(options.query ?? {}).toString();
  const requestId = randomUUID();

  return {
    version: '2.0',
    routeKey: options.routeKey ?? `${options.method} ${options.path}`,
    rawPath: options.path,
    rawQueryString,
    headers,
    ...(options.query && { queryStringParameters: options.query }),
    ...(options.pathParameters && { pathParameters: options.pathParameters }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: {
        method: options.method,
        path: options.path,
        protocol: 'HTTP/1.1',
        sourceIp: options.sourceIp ?? '192.0.2.10',
        userAgent: 'vitest',
      },
      requestId,
      routeKey: options.routeKey ?? `${options.method} ${options.path}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(body !== undefined && { body }),
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
}

/** Builds a Lambda context with the fields the logger reads. */
export function lambdaContext(functionName = 'test-function'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface InvokeResult {
  statusCode: number;
  headers: Record<string, string>;
  // Parsed JSON body: tests read arbitrary fields from it.
  body: any;
}

type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2 | string | void>;

/** Invokes a handler with an event and returns its status, headers and parsed body. */
export async function invoke(handler: HttpHandler, options: EventOptions): Promise<InvokeResult> {
  const result = await handler(httpEvent(options), lambdaContext());
  if (!result || typeof result === 'string') throw new Error(`The handler returned ${typeof result}, not a structured result.`);
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]));
  return {
    statusCode: result.statusCode ?? 200,
    headers,
    body: result.body ? JSON.parse(result.body) : undefined,
  };
}
