/** The built packages work from a plain `node` ESM script, without vitest or TypeScript. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const examplesDir = fileURLToPath(new URL('../../packages/examples', import.meta.url));
const coreDist = fileURLToPath(new URL('../../packages/core/dist/index.js', import.meta.url));

describe('built @gradlab/core', () => {
  it('imports by package name from plain node and computes the spec example', () => {
    expect(existsSync(coreDist), 'packages/core/dist is missing: run `pnpm run build` (the test command does)').toBe(true);
    // packages/examples depends on @gradlab/core, so node resolves the name through its workspace link.
    const script = `
      import { tensor, leakyRelu } from '@gradlab/core';
      const x = tensor([-2, -1, 0, 1, 2], { requiresGrad: true });
      const y = leakyRelu(x, 0.01);
      y.sum().backward();
      console.log(JSON.stringify({ y: Array.from(y.data), grad: Array.from(x.grad.data) }));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: examplesDir, encoding: 'utf8' });
    const { y, grad } = JSON.parse(output) as { y: number[]; grad: number[] };
    expect(y).toEqual([-0.02, -0.01, 0, 1, 2].map(Math.fround));
    expect(grad).toEqual([0.01, 0.01, 1, 1, 1].map(Math.fround));
  });
});
