import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import SummaryReporter from './test/summary-reporter.js';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// V8 shipped relaxed SIMD in 11.4 (Node 21); Node 20 needs the flag. The same rule as
// v8HasRelaxedSimd in packages/core/src/kernels/matmul-wasm.ts, kept here so the config does not load core.
const [v8Major = 0, v8Minor = 0] = process.versions.v8.split('.').map(Number);
const v8HasRelaxedSimd = v8Major > 11 || (v8Major === 11 && v8Minor >= 4);

// Tests import the packages by name; the aliases point them at the TypeScript
// sources so a failing line number is a source line. test/core/dist-import.test.ts
// checks the built dist/ output separately.
export default defineConfig({
  resolve: {
    alias: {
      '@gradlab/core/relaxed-simd': source('./packages/core/src/relaxed-simd.ts'),
      '@gradlab/core/kernels': source('./packages/core/src/kernels/index.ts'),
      '@gradlab/core': source('./packages/core/src/index.ts'),
      '@gradlab/nn': source('./packages/nn/src/node.ts'),
      'gradlab': source('./packages/examples/src/index.ts'),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // test/cluster/ needs a running Slurm: scripts/slurm-test.sh starts one and runs it (vitest.cluster.config.ts);
    // test/browser/ needs Chromium and the built page: `pnpm run test:browser` (vitest.browser.config.ts).
    exclude: [...configDefaults.exclude, 'test/cluster/**', 'test/browser/**'],
    reporters: ['default', new SummaryReporter()],
    // As in the gradlab CLI (@gradlab/core/relaxed-simd): the matmul kernel uses
    // fused multiply-adds. test/core/kernels.test.ts checks the plain build too.
    execArgv: v8HasRelaxedSimd ? [] : ['--experimental-wasm-relaxed-simd'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
