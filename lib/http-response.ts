import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HttpError } from './http-errors';

// Every response may carry account data or tokens, so none may be stored by a browser or proxy.
const COMMON_HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

/** Builds a JSON response. */
export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { ...COMMON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** Builds the error body every non-2xx response shares: `{"error": {"code", "message", "details"?}}`. */
export function errorResponse(error: HttpError): APIGatewayProxyStructuredResultV2 {
  const body = {
    error: { code: error.code, message: error.message, ...(error.details && { details: error.details }) },
  };
  return jsonResponse(error.statusCode, body, error.headers);
}
