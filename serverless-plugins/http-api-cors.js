'use strict';

/**
 * The CORS settings of the HTTP API, from CORS_ORIGINS in the environment of the serverless command
 * (deploy, package, print, offline). This is not a plugin: serverless.yml reads it through
 * `${file(./serverless-plugins/http-api-cors.js)}` at `provider.httpApi.cors`.
 *
 * CORS_ORIGINS is a comma-separated list of origins such as `https://app.example.com`. Unset or
 * empty means no CORS at all: `false`, so API Gateway adds no CORS headers and handles no preflight
 * request. The service sets no cookies and clients send the token in the Authorization header, so
 * credentials stay off.
 */

// scheme://host with an optional port, and nothing after it: an origin as browsers send it.
const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?$/;

/** Parses a CORS_ORIGINS value into a list of origins; throws an Error naming the first invalid entry. */
function parseCorsOrigins(value) {
  const origins = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');

  for (const origin of origins) {
    if (!ORIGIN.test(origin)) {
      throw new Error(
        `CORS_ORIGINS contains ${JSON.stringify(origin)}, which is not an origin. List origins such as https://app.example.com or http://localhost:5173, separated by commas, without paths or trailing slashes; "*" is not accepted.`,
      );
    }
  }
  return [...new Set(origins)];
}

/** Returns the value of `provider.httpApi.cors` for a CORS_ORIGINS value. */
function httpApiCors(value) {
  const allowedOrigins = parseCorsOrigins(value);
  if (allowedOrigins.length === 0) return false;

  return {
    allowedOrigins,
    allowedHeaders: ['Authorization', 'Content-Type'],
    // Browsers hide other response headers from scripts unless they are listed here.
    exposedResponseHeaders: ['Location', 'Retry-After', 'WWW-Authenticate'],
    // Seconds a browser may reuse a preflight response.
    maxAge: 600,
    // allowedMethods is left out, so serverless fills it with the methods of the declared routes.
  };
}

module.exports = () => httpApiCors(process.env.CORS_ORIGINS);
module.exports.httpApiCors = httpApiCors;
module.exports.parseCorsOrigins = parseCorsOrigins;
