import { readFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';

const PAGES_DIRECTORY = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'pages') + sep;
const TEXT_FILE = /\.(?:html|css|client\.js)$/;
const PREFIX = '\0text:';
// Vitest empties every module whose id ends in .css, so the virtual id ends in .txt instead.
const SUFFIX = '.txt';

/**
 * Imports the files under pages/ as their text, as esbuild's text loader does in the deployed bundle
 * (serverless.yml `custom.esbuild.loader`). The file is turned into a virtual module, so Vite's own
 * handling of .css and .js files never sees it.
 */
export function textImports(): Plugin {
  return {
    name: 'attendance-text-imports',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!importer || !TEXT_FILE.test(source)) return null;
      const path = resolve(dirname(importer), source);
      return path.startsWith(PAGES_DIRECTORY) ? PREFIX + path + SUFFIX : null;
    },
    async load(id) {
      if (!id.startsWith(PREFIX) || !id.endsWith(SUFFIX)) return null;
      const text = await readFile(id.slice(PREFIX.length, -SUFFIX.length), 'utf8');
      return `export default ${JSON.stringify(text)};`;
    },
  };
}
