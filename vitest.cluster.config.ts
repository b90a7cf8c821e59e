import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// The real-Slurm test only: scripts/slurm-test.sh starts a one-node cluster and runs this
// (`npx -y pnpm@12.4.2 run test:cluster`). The main config leaves test/cluster/ out.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/cluster/**/*.test.ts'],
    exclude: [],
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
