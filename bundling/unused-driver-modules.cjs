// An esbuild plugin that leaves out of the function bundles the parts of the MongoDB driver this
// service never uses. The driver is CommonJS and its root module requires every feature, so esbuild
// cannot drop unused code by itself: GridFS, client-side field level encryption, change streams,
// MongoClient.bulkWrite and MONGODB-OIDC authentication together add about 70 KB to each bundle.
//
// Each listed module is replaced by a stub. Reading any export of a stub works, so the driver loads
// as before, but calling or constructing one throws an error that names the feature. The driver
// reaches these exports only inside the methods of those features (collection.watch(),
// new GridFSBucket(), client.bulkWrite(), the autoEncryption option, authMechanism=MONGODB-OIDC).
// The build fails when a listed file is missing, so a driver upgrade that moves one gets reviewed.
// test/bundles.test.ts runs the packaged functions against a database, and checks that a stub throws.
'use strict';

const { existsSync, readFileSync } = require('node:fs');
const { dirname, join, relative, sep } = require('node:path');

/** Driver modules to replace, relative to the driver's lib folder, with the feature each belongs to. */
const UNUSED_MODULES = {
  'gridfs/index.js': 'GridFS',
  'gridfs/download.js': 'GridFS',
  'gridfs/upload.js': 'GridFS',
  'client-side-encryption/client_encryption.js': 'client-side field level encryption',
  'client-side-encryption/auto_encrypter.js': 'client-side field level encryption',
  'change_stream.js': 'change streams',
  'cursor/change_stream_cursor.js': 'change streams',
  'operations/client_bulk_write/executor.js': 'MongoClient.bulkWrite',
  'cmap/auth/mongodb_oidc.js': 'MONGODB-OIDC authentication',
  'cmap/auth/mongodb_oidc/automated_callback_workflow.js': 'MONGODB-OIDC authentication',
  'cmap/auth/mongodb_oidc/human_callback_workflow.js': 'MONGODB-OIDC authentication',
  'cmap/auth/mongodb_oidc/token_cache.js': 'MONGODB-OIDC authentication',
};

/** The error name a stub throws, which test/bundles.test.ts looks for. */
const STUB_ERROR_NAME = 'MongoDriverFeatureNotBundledError';

function stubSource(feature) {
  const message =
    `The MongoDB driver's ${feature} support is not part of this bundle. ` +
    'bundling/unused-driver-modules.cjs leaves it out; remove it from that list to use it.';
  return [
    "'use strict';",
    'function unavailable() {',
    `  const error = new Error(${JSON.stringify(message)});`,
    `  error.name = ${JSON.stringify(STUB_ERROR_NAME)};`,
    '  throw error;',
    '}',
    // __esModule stays undefined so that no interop helper mistakes the stub for an ES module.
    "module.exports = new Proxy({}, { get: (_target, key) => (typeof key === 'string' && key !== '__esModule' ? unavailable : undefined) });",
    '',
  ].join('\n');
}

function unusedDriverModules() {
  return {
    name: 'unused-driver-modules',
    setup(build) {
      const driverRoot = dirname(require.resolve('mongodb/package.json', { paths: [build.initialOptions.absWorkingDir ?? process.cwd()] }));
      const driverLib = join(driverRoot, 'lib');
      for (const path of Object.keys(UNUSED_MODULES)) {
        if (!existsSync(join(driverLib, path))) {
          throw new Error(`mongodb/lib/${path} does not exist in the installed driver. Update the list in bundling/unused-driver-modules.cjs.`);
        }
      }

      const escapedRoot = driverRoot.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      build.onLoad({ filter: new RegExp(`^${escapedRoot}[\\\\/]lib[\\\\/].*\\.js$`) }, (args) => {
        const feature = UNUSED_MODULES[relative(driverLib, args.path).split(sep).join('/')];
        return feature === undefined ? undefined : { contents: stubSource(feature), loader: 'js' };
      });

      // The driver reads only `version` from its package.json, for the handshake's client metadata,
      // so the bundle keeps name and version and drops the rest of the file.
      build.onLoad({ filter: new RegExp(`^${escapedRoot}[\\\\/]package\\.json$`) }, (args) => {
        const { name, version } = JSON.parse(readFileSync(args.path, 'utf8'));
        return { contents: JSON.stringify({ name, version }), loader: 'json' };
      });
    },
  };
}

module.exports = { unusedDriverModules, UNUSED_MODULES, STUB_ERROR_NAME };
