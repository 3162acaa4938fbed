import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { StaticFile } from './page-assets';

/**
 * The pages run only their own files from /assets/ and call only the API on the same origin: no
 * inline script or style, no other origin, no plugins, no framing, and forms post only to this origin.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

// File names carry no content hash, so a cached copy is revalidated on every use: a page never runs
// with a script of an older deployment, and an unchanged file costs only a 304 with no body.
const CACHE_CONTROL = 'no-cache';

/**
 * Builds the response for a page or an asset: the file, or 304 Not Modified when the request's
 * If-None-Match already names the file's ETag.
 */
export function staticFileResponse(file: StaticFile, ifNoneMatch: string | undefined): APIGatewayProxyStructuredResultV2 {
  const headers = { ...SECURITY_HEADERS, 'Cache-Control': CACHE_CONTROL, ETag: file.etag };
  if (ifNoneMatch !== undefined && matchesEtag(ifNoneMatch, file.etag)) {
    return { statusCode: 304, headers };
  }
  return { statusCode: 200, headers: { ...headers, 'Content-Type': file.contentType }, body: file.body };
}

/** Tells whether If-None-Match ("*" or a list of ETags, compared without their W/ prefix) names the ETag. */
function matchesEtag(ifNoneMatch: string, etag: string): boolean {
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => opaque(tag) === etag);
}
