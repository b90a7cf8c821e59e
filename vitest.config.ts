import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import SummaryReporter from './test/summary-reporter.js';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests import the packages by name; the aliases point them at the TypeScript
// sources so a failing line number is a source line. test/core/dist-import.test.ts
// checks the built dist/ output separately.
export default defineConfig({
  resolve: {
    alias: {
      '@gradlab/core': source('./packages/core/src/index.ts'),
      '@gradlab/nn': source('./packages/nn/src/index.ts'),
      '@gradlab/examples': source('./packages/examples/src/index.ts'),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', new SummaryReporter()],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
