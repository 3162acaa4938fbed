// The esbuild plugins of every function bundle. custom.esbuild.plugins in serverless.yml names this file.
'use strict';

const { lazyChunks } = require('./lazy-chunks.cjs');
const { unusedDriverModules } = require('./unused-driver-modules.cjs');

module.exports = [unusedDriverModules(), lazyChunks()];
