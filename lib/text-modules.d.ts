// Files that the bundler (esbuild's text loader, see serverless.yml) and the test runner (see
// vitest.config.mts) import as their text, so the page function carries them inside its bundle.

declare module '*.html' {
  const text: string;
  export default text;
}

declare module '*.css' {
  const text: string;
  export default text;
}

// Browser scripts of the pages. They run in the browser, never in Node.
declare module '*.client.js' {
  const text: string;
  export default text;
}
