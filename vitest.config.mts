import { defineConfig } from 'vitest/config';
import { textImports } from './test/text-imports.mts';

export default defineConfig({
  // The page function imports its HTML, CSS and browser scripts as text.
  plugins: [textImports()],
  test: {
    include: ['test/**/*.test.ts', 'mongo-server/**/*.test.ts', 'lib/**/*.test.ts'],
    // One database server serves every test file; see test/global-setup.ts.
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-env.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
