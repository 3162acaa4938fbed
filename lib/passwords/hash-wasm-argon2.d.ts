// Types for hash-wasm's single-algorithm argon2 build. Importing it instead of the package root
// keeps about 190 KB of unused hash functions out of the esbuild bundles, because esbuild picks the
// package's UMD `main` file for node, and that file cannot be tree-shaken.
declare module 'hash-wasm/dist/argon2.umd.min.js' {
  import type { argon2d, argon2i, argon2id } from 'hash-wasm';

  const argon2: {
    argon2d: typeof argon2d;
    argon2i: typeof argon2i;
    argon2id: typeof argon2id;
  };
  export default argon2;
}
