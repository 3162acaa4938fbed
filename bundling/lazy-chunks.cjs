// An esbuild plugin that gives each `import()` in the service's code a file of its own beside the
// function bundle, loaded on first use. esbuild splits code only for ES module output, and the
// bundles are CommonJS (the MongoDB driver is), so without this plugin a lazily imported module is
// parsed at every cold start all the same. Two imports use it today: the common-password list
// (about 150 KB, signup only) and hash-wasm's argon2 build (about 30 KB, login only).
//
// A chunk is named after its bundle, such as functions/signup.common-passwords-data.js beside
// functions/signup.js. serverless-esbuild packages files named `<bundle>.*` with that bundle's
// function only, and serverless-offline finds them beside the bundle as well. Each chunk is built
// with the bundle's own options and plugins. A chunk is written only when the bundle still
// contains its import after tree shaking, so login gets no copy of the password list.
'use strict';

const { basename, extname, join } = require('node:path');

const esbuild = require('esbuild');

const PLUGIN_NAME = 'lazy-chunks';

/** Returns the chunk's file name: the bundle's name, then the imported file's name. */
function chunkFileName(bundleName, importedPath) {
  const importedName = basename(importedPath).replace(/\.(?:[cm]?[jt]s|tsx|jsx)$/, '').replace(/\.(?:umd|min)/g, '');
  return `${bundleName}.${importedName}.js`;
}

function lazyChunks() {
  return {
    name: PLUGIN_NAME,
    setup(build) {
      const options = build.initialOptions;
      const entryPoints = Array.isArray(options.entryPoints) ? options.entryPoints : Object.values(options.entryPoints ?? {});
      if (entryPoints.length !== 1 || typeof entryPoints[0] !== 'string' || options.outdir === undefined) {
        throw new Error(`The ${PLUGIN_NAME} plugin expects one entry point and an outdir per build, as serverless-esbuild sets them.`);
      }
      const bundleName = basename(entryPoints[0], extname(entryPoints[0]));
      options.metafile = true;
      // esbuild then writes each import() as a require() wrapped in a promise, which loads a chunk
      // the same way as the code it would otherwise have inlined, with CommonJS interop.
      options.supported = { ...options.supported, 'dynamic-import': false };

      /** Chunk file name → absolute path of the module it contains. */
      const chunks = new Map();

      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind !== 'dynamic-import' || args.pluginData?.[PLUGIN_NAME]) return undefined;

        // Resolves as esbuild would. Modules left out of the bundle (the AWS SDK) stay imports.
        const resolved = await build.resolve(args.path, {
          kind: 'dynamic-import',
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { [PLUGIN_NAME]: true },
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        if (resolved.external) return undefined;

        const fileName = chunkFileName(bundleName, resolved.path);
        chunks.set(fileName, resolved.path);
        return { path: `./${fileName}`, external: true };
      });

      build.onEnd(async (result) => {
        if (result.errors.length > 0 || result.metafile === undefined) return;

        // Only the imports that survived tree shaking appear among the output's imports.
        const keptChunks = new Set();
        for (const output of Object.values(result.metafile.outputs)) {
          for (const imported of output.imports) {
            if (imported.external) keptChunks.add(imported.path.replace(/^\.\//, ''));
          }
        }

        for (const [fileName, modulePath] of chunks) {
          if (!keptChunks.has(fileName)) continue;
          await esbuild.build({
            ...options,
            entryPoints: [modulePath],
            outdir: undefined,
            outfile: join(options.outdir, fileName),
            metafile: false,
            plugins: (options.plugins ?? []).filter((plugin) => plugin.name !== PLUGIN_NAME),
          });
        }
      });
    },
  };
}

module.exports = { lazyChunks };
