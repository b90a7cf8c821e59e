import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// The playground page in a real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; nothing downloads a browser): `npx -y pnpm@12.4.2 run test:browser`,
// which builds the packages and the page first. `.ci/run` installs chromium when missing.
// The main config leaves test/browser/ out.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/browser/**/*.test.ts'],
    exclude: [],
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
