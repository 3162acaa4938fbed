import middy, { type MiddlewareObj } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { ConfigurationError, getConfig } from './config';
import { isDatabaseUnavailable } from './database-errors';
import { DatabaseUnavailableError, HttpError, InternalError } from './http-errors';
import { errorResponse } from './http-response';
import { describeError, logger } from './logger';
import { loadSecrets } from './secrets';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;
type Handler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

/**
 * Wraps a route handler with the service's HTTP conventions: JSON logs keyed by request id, one
 * access log line per request, secrets and configuration loaded before the first request, and every
 * error turned into the shared error body. Only HttpError messages reach the client; anything else
 * becomes 503 (database unreachable) or 500, logged without its stack.
 */
export function httpHandler(handler: Handler) {
  return middy<HttpEvent, HttpResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpEnvelope())
    .handler(handler);
}

function httpEnvelope(): MiddlewareObj<HttpEvent, HttpResult> {
  const startedAt = new WeakMap<object, number>();

  const logAccess = (request: { event: HttpEvent; response?: HttpResult | null }) => {
    const http = request.event.requestContext?.http;
    const began = startedAt.get(request.event);
    logger.info('Request handled', {
      method: http?.method,
      route: request.event.routeKey,
      status: request.response?.statusCode,
      duration_ms: began === undefined ? undefined : Math.round((performance.now() - began) * 10) / 10,
    });
  };

  return {
    before: async (request) => {
      startedAt.set(request.event, performance.now());
      logger.appendKeys({ request_id: request.event.requestContext?.requestId });
      await loadSecrets();
      getConfig();
    },
    after: (request) => {
      logAccess(request);
    },
    onError: (request) => {
      const error = toHttpError(request.error);
      request.response = errorResponse(error);
      logAccess(request);
    },
  };
}

function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) {
    if (error.statusCode >= 500) logger.error(error.message, describeError(error));
    return error;
  }
  if (isDatabaseUnavailable(error)) {
    const unavailable = new DatabaseUnavailableError({ cause: error });
    logger.error('The database is unreachable', describeError(error));
    return unavailable;
  }
  if (error instanceof ConfigurationError) {
    logger.critical(error.message, describeError(error));
    return new InternalError({ cause: error });
  }
  logger.error('Unhandled error', describeError(error));
  return new InternalError({ cause: error });
}
