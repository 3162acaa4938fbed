import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { InvalidJsonError, PayloadTooLargeError, UnsupportedMediaTypeError } from './http-errors';

/** Bodies above this size are rejected before parsing; no request of this API needs more. */
export const MAX_BODY_BYTES = 16 * 1024;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Returns a request header by name, ignoring letter case. API Gateway lowercases header names, but
 * other callers (serverless-offline, tests, direct invocations) may not.
 */
export function getHeader(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  const expectedName = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === expectedName && typeof value === 'string') return value;
  }
  return undefined;
}

/**
 * Parses a JSON request body: checks the media type and size, decodes base64 bodies, and returns the
 * parsed value without judging its shape (the route's schema does that).
 */
export function parseJsonBody(event: APIGatewayProxyEventV2): unknown {
  const contentType = getHeader(event, 'content-type') ?? '';
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw new UnsupportedMediaTypeError('Send the request body as JSON with the header "Content-Type: application/json".');
  }

  const raw = event.body ?? '';
  if (raw.length > MAX_BODY_BYTES * 2) throw tooLarge();

  let text = raw;
  if (event.isBase64Encoded) {
    const compact = raw.replace(/\s+/g, '');
    if (!BASE64.test(compact)) throw new InvalidJsonError('The request body is marked as base64 but is not valid base64.');
    text = Buffer.from(compact, 'base64').toString('utf8');
  }
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) throw tooLarge();

  if (text.trim() === '') throw new InvalidJsonError('The request body is empty. Send a JSON object.');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidJsonError('The request body is not valid JSON.', { cause: error });
  }
}

function tooLarge(): PayloadTooLargeError {
  return new PayloadTooLargeError(`The request body is larger than ${MAX_BODY_BYTES / 1024} KiB.`);
}
