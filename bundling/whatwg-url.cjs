// Stands in for the whatwg-url package inside the function bundles (see custom.esbuild.alias in
// serverless.yml). The MongoDB driver reaches whatwg-url only through mongodb-connection-string-url,
// which subclasses its URL class to parse connection strings. Node's built-in URL implements the same
// WHATWG URL Standard, so the bundles use it and leave out about 290 KB of whatwg-url and its
// Unicode tables (tr46), which only matter for international domain names. The connection string
// parser replaces the host list with a placeholder before it builds the URL, so those tables never
// see a real host name. test/bundles.test.ts compares both parsers on a set of connection strings.
'use strict';

module.exports = { URL: globalThis.URL, URLSearchParams: globalThis.URLSearchParams };
