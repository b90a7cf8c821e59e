/**
 * The readable mode (useReferenceKernels, GRADLAB_KERNELS=reference): every op
 * runs its plain TypeScript loop, and gives what the fast kernels give, bit
 * for bit for the elementwise ops (test/core/kernels.test.ts checks each
 * against its loop) and within float32 rounding for matmul. And the ops keep
 * their math in sight: a fast kernel only ever stands in front of the loop it
 * replaces.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Generator, Tensor, kernelMode, matmul, randn, useReferenceKernels, withReferenceKernels,
} from '@gradlab/core';
import { activeMatmulKernelName, kernelModeFromEnvironment } from '@gradlab/core/kernels';
import { SGD, Adam, crossEntropy, mlp } from '@gradlab/nn';

const coreSrc = fileURLToPath(new URL('../../packages/core/src/', import.meta.url));

afterEach(() => {
  useReferenceKernels(false);
});

/**
 * |got - want| <= 1e-5·max|want| for every element: float32 rounding of sums
 * taken in another order (an element near 0 may be a sum of large terms, so
 * the bound is relative to the array's scale, not to the element).
 */
function expectClose(got: Float32Array, want: Float32Array, what: string): void {
  expect(got.length, what).toBe(want.length);
  const scale = want.reduce((largest, v) => Math.max(largest, Math.abs(v)), 0);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  expect(worst, `${what}: largest difference, against a scale of ${scale}`).toBeLessThanOrEqual(1e-5 * scale);
}

describe('the math stays visible in the ops', () => {
  const opsFiles = readdirSync(coreSrc).filter((name) => name.startsWith('ops') && name.endsWith('.ts'));

  it('every fast kernel an op calls stands in front of the loop it replaces, as `if (!kernel(...)) { for … }` (comments between allowed)', () => {
    const misplaced: string[] = [];
    for (const name of opsFiles) {
      const lines = readFileSync(`${coreSrc}${name}`, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (!/activationKernels\.\w+\(/.test(line) || /^\s*(\*|\/\/)/.test(line)) return; // code, not comments
        const guarded = /^\s*if \(!activationKernels\.\w+\(.*\)\) \{$/.test(line);
        let next = i + 1;
        while (/^\s*\/\//.test(lines[next] ?? '')) next++; // a comment may explain the loop
        if (!guarded || !/^\s*for \(/.test(lines[next] ?? '')) misplaced.push(`${name}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(misplaced, 'call each kernel as `if (!activationKernels.x(...)) {` followed by the plain loop').toEqual([]);
  });

  it('only matmul\'s `multiply` helper calls the matmul kernel, and the ops import no other kernel', () => {
    for (const name of opsFiles) {
      const source = readFileSync(`${coreSrc}${name}`, 'utf8');
      const kernelImports = [...source.matchAll(/import \{([^}]*)\} from '\.\/kernels\/[\w-]+\.js'/g)].flatMap(([, names]) => names!.split(',').map((n) => n.trim()));
      expect(kernelImports.filter((n) => !['activationKernels', 'matmulKernel'].includes(n)), name).toEqual([]);
      expect((source.match(/matmulKernel\(/g) ?? []).length, name).toBe(name === 'ops.ts' ? 1 : 0);
    }
  });
});

describe('the readable mode', () => {
  it('is one switch: useReferenceKernels() turns it on and returns the previous mode', () => {
    expect(kernelMode()).toBe('fast');
    expect(activeMatmulKernelName()).not.toBe('reference');
    expect(useReferenceKernels()).toBe('fast');
    expect(kernelMode()).toBe('reference');
    expect(activeMatmulKernelName()).toBe('reference');
    expect(useReferenceKernels(false)).toBe('reference');
    expect(kernelMode()).toBe('fast');
    expect(withReferenceKernels(() => kernelMode())).toBe('reference');
    expect(kernelMode()).toBe('fast');
  });

  it('restores the mode when the function given to withReferenceKernels throws', () => {
    expect(() => withReferenceKernels(() => { throw new Error('boom'); })).toThrow('boom');
    expect(kernelMode()).toBe('fast');
  });

  it('computes matmul, forward and backward, within float32 rounding of the fast kernel', () => {
    const generator = new Generator('reading-mode');
    // Large enough for the wasm kernel's blocks, with a broadcast batch.
    const a = randn([2, 37, 300], { requiresGrad: true, generator });
    const b = randn([300, 45], { requiresGrad: true, generator });
    const run = () => {
      a.grad = null;
      b.grad = null;
      const c = matmul(a, b);
      c.backward(randn(c.shape, { generator: new Generator(1) }));
      return { c: c.data, ga: a.grad!.data, gb: b.grad!.data };
    };
    const fast = run();
    const readable = withReferenceKernels(run);
    expectClose(readable.c, fast.c, 'C');
    expectClose(readable.ga, fast.ga, 'dA');
    expectClose(readable.gb, fast.gb, 'dB');
  });

  it.each([
    ['SGD', (params: Tensor[]) => new SGD(params, { lr: 0.1 })],
    ['SGD with momentum', (params: Tensor[]) => new SGD(params, { lr: 0.1, momentum: 0.9, weightDecay: 1e-3 })],
    ['Adam', (params: Tensor[]) => new Adam(params, { lr: 0.01 })],
  ] as const)('trains an MLP with %s to the same losses and weights within float tolerance', (_name, makeOptimizer) => {
    const train = () => {
      const generator = new Generator(3);
      const model = mlp({ inputs: 40, hidden: [64, 32], outputs: 5, activation: 'relu', generator });
      const optimizer = makeOptimizer(model.parameters());
      const x = randn([48, 40], { generator });
      const labels = Array.from({ length: 48 }, (_, i) => i % 5);
      const losses: number[] = [];
      for (let step = 0; step < 5; step++) {
        optimizer.zeroGrad();
        const loss = crossEntropy(model.forward(x), labels);
        loss.backward();
        optimizer.step();
        losses.push(loss.item());
      }
      return { losses: Float32Array.from(losses), weights: model.parameters().map((p) => Float32Array.from(p.data)) };
    };
    const fast = train();
    const readable = withReferenceKernels(train);
    expectClose(readable.losses, fast.losses, 'losses');
    readable.weights.forEach((w, i) => expectClose(w, fast.weights[i]!, `parameter ${i}`));
  });

  it('reads GRADLAB_KERNELS: unset or empty is fast, reference is readable, anything else an error naming the values', () => {
    expect(kernelModeFromEnvironment(undefined)).toBe('fast');
    expect(kernelModeFromEnvironment('')).toBe('fast');
    expect(kernelModeFromEnvironment('fast')).toBe('fast');
    expect(kernelModeFromEnvironment('reference')).toBe('reference');
    expect(() => kernelModeFromEnvironment('slow')).toThrow("GRADLAB_KERNELS must be 'fast' or 'reference', got 'slow'");
  });

  const coreDist = fileURLToPath(new URL('../../packages/core/dist/', import.meta.url));
  const cli = fileURLToPath(new URL('../../packages/examples/dist/cli/main.js', import.meta.url));

  it('is on in a program started with GRADLAB_KERNELS=reference (the built package)', () => {
    const script = `
      const core = await import(${JSON.stringify(`${coreDist}index.js`)});
      const kernels = await import(${JSON.stringify(`${coreDist}kernels/index.js`)});
      console.log(core.kernelMode(), kernels.activeMatmulKernelName());`;
    const run = (value: string) => execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8', env: { ...process.env, GRADLAB_KERNELS: value },
    }).trim();
    expect(run('reference')).toBe('reference reference');
    expect(run('')).toMatch(/^fast (wasm|tiled)$/);
  });

  it('the gradlab CLI refuses a bad GRADLAB_KERNELS with exit code 2 and the allowed values', () => {
    const result = spawnSync(process.execPath, [cli, 'plot-activation', '--help'], {
      encoding: 'utf8', env: { ...process.env, GRADLAB_KERNELS: 'turbo' },
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("gradlab: GRADLAB_KERNELS must be 'fast' or 'reference', got 'turbo'");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('the gradlab CLI trains with GRADLAB_KERNELS=reference to the losses of the fast kernels, within float tolerance', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-reading-mode-'));
    try {
      const train = (kernels: string) => {
        const out = join(dir, `${kernels}.safetensors`);
        const result = spawnSync(process.execPath, [cli, 'train', '--hidden', '32', '--epochs', '2', '--train-size', '400',
          '--test-size', '100', '--batch-size', '50', '--out', out, '--quiet'], { encoding: 'utf8', env: { ...process.env, GRADLAB_KERNELS: kernels } });
        expect(result.status, result.stderr).toBe(0);
        return (JSON.parse(readFileSync(`${out}.log.json`, 'utf8')) as { epochs: Array<Record<string, number>> }).epochs;
      };
      const fast = train('fast');
      const readable = train('reference');
      expect(readable).toHaveLength(2);
      readable.forEach((epoch, i) => {
        for (const key of ['meanBatchLoss', 'testLoss']) expect(Math.abs(epoch[key]! - fast[i]![key]!), key).toBeLessThanOrEqual(1e-4 * Math.abs(fast[i]![key]!));
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
