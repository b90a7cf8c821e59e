/**
 * Every matmul kernel against the definition: random shapes (odd sizes, the
 * ragged edges of every tile and block), all transpose combinations, with
 * and without accumulation; the elementwise kernels against their TypeScript
 * definitions. Timings are never asserted: `pnpm bench` measures them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Generator, Tensor, leakyRelu, matmul, relu, sigmoid, tanh, tensor, withReferenceKernels,
} from '@gradlab/core';
import {
  activeMatmulKernelName, matmulKernel, matmulReference, matmulThreads, matmulTiled, matmulWasm, matmulWasmSimd128,
  setMatmulKernel, wasmMatmulInstructions, type MatmulKernel,
} from '../../packages/core/src/kernels/matmul.js';
import { createThreadedKernel } from '../../packages/core/src/kernels/matmul-threads.js';
import { WasmMatmul, v8HasRelaxedSimd, webAssemblyApi } from '../../packages/core/src/kernels/matmul-wasm.js';
import {
  CHUNK_FLOATS, WASM_MIN_LENGTH, axpy, axpyTs, columnSums, columnSumsTs, activationKernels, elementwiseWasmAvailable,
} from '../../packages/core/src/kernels/elementwise.js';
// The optimizers' updates and the instrument's reductions are nn's kernels, run through core's loadWasmKernels.
import {
  adamUpdate, adamUpdateTs, sgdUpdate, sgdUpdateTs, type AdamCoefficients, type SgdCoefficients,
} from '../../packages/nn/src/optim/update-kernels.js';
import { columnCounts, columnCountsTs, sumAndSquares, sumAndSquaresTs } from '../../packages/nn/src/analysis/reductions.js';

/** Whether this runtime runs WebAssembly SIMD128 (Node 20 does, without flags). */
function simdAvailable(): boolean {
  const api = webAssemblyApi();
  // (module (func (result v128) (v128.const i32x4 0 0 0 0)))
  const simdProbe = new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
  ]);
  return api !== null && api.validate(simdProbe);
}

function randomArray(generator: Generator, length: number): Float32Array {
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) values[i] = generator.uniform() * 2 - 1;
  return values;
}

/**
 * Checks `kernel` against the float64 definition on one product. The bound
 * on each entry is relative to sum_p |A_ip|·|B_pj|, the scale of the rounding
 * error of any summation order.
 */
function expectMatchesReference(
  kernel: MatmulKernel, generator: Generator,
  m: number, k: number, n: number, transposeA: boolean, transposeB: boolean, accumulate: boolean,
): void {
  const a = randomArray(generator, m * k);
  const b = randomArray(generator, k * n);
  const initial = randomArray(generator, m * n);
  const c = Float32Array.from(initial);
  kernel(a, b, c, m, k, n, transposeA, transposeB, accumulate);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = accumulate ? initial[i * n + j]! : 0;
      let scale = Math.abs(sum);
      for (let p = 0; p < k; p++) {
        const product = (transposeA ? a[p * m + i]! : a[i * k + p]!) * (transposeB ? b[j * k + p]! : b[p * n + j]!);
        sum += product;
        scale += Math.abs(product);
      }
      const got = c[i * n + j]!;
      if (!(Math.abs(got - sum) <= 1e-5 * scale + 1e-30)) {
        const shapes = `m=${m} k=${k} n=${n} transposeA=${transposeA} transposeB=${transposeB} accumulate=${accumulate}`;
        expect.fail(`C[${i},${j}] = ${got}, expected ${sum} (scale ${scale}) for ${shapes}`);
      }
    }
  }
}

const SIZES = [1, 3, 5, 17, 31, 33, 65];
const TRANSPOSES: Array<[boolean, boolean]> = [[false, false], [true, false], [false, true], [true, true]];

/** The kernels under test; the wasm ones where this runtime has them. */
const kernels: Array<[string, MatmulKernel]> = [['reference', matmulReference], ['tiled', matmulTiled]];
if (matmulWasm !== null) kernels.push(['wasm', matmulWasm]);
// The plain SIMD128 build; this suite runs with relaxed SIMD on (vitest.config.ts), so `matmulWasm` is the fused one.
const simd128 = matmulWasmSimd128();
if (simd128 !== null && simd128 !== matmulWasm) kernels.push(['wasm-simd128', simd128]);
// Threshold 0: every product with at least 16 columns is split between the two threads.
const threaded = matmulWasm === null ? null : createThreadedKernel(matmulWasm, 0);
if (threaded !== null) kernels.push(['wasm-threads', threaded]);
afterAll(() => threaded?.stop());

describe.each(kernels)('matmul kernel %s', (_name, kernel) => {
  it('matches the definition on odd sizes, every transpose, with and without accumulate', () => {
    const generator = new Generator(`kernels-${_name}`);
    for (const [transposeA, transposeB] of TRANSPOSES) {
      for (const accumulate of [false, true]) {
        // Each size as m, k and n in turn, against random partners.
        for (const size of SIZES) {
          const other = () => SIZES[generator.integer(SIZES.length)]!;
          expectMatchesReference(kernel, generator, size, other(), other(), transposeA, transposeB, accumulate);
          expectMatchesReference(kernel, generator, other(), size, other(), transposeA, transposeB, accumulate);
          expectMatchesReference(kernel, generator, other(), other(), size, transposeA, transposeB, accumulate);
        }
      }
    }
  });

  it('matches the definition across the cache blocks (k > 512, n > 512, m > 128)', () => {
    const generator = new Generator(`kernels-blocks-${_name}`);
    for (const [transposeA, transposeB] of TRANSPOSES) {
      // k = 1030: three slices of 344 along k, the later ones adding into C.
      expectMatchesReference(kernel, generator, 131, 1030, 21, transposeA, transposeB, false);
      expectMatchesReference(kernel, generator, 131, 300, 21, transposeA, transposeB, true);
      expectMatchesReference(kernel, generator, 9, 259, 517, transposeA, transposeB, false);
    }
  });

  it.each([3, 20])('leaves C alone when accumulating an empty inner dimension, and zeroes it otherwise (n = %i)', (n) => {
    const values = Array.from({ length: 2 * n }, (_, i) => i + 1);
    const c = Float32Array.from(values);
    kernel(new Float32Array(0), new Float32Array(0), c, 2, 0, n, false, false, true);
    expect(Array.from(c)).toEqual(values);
    kernel(new Float32Array(0), new Float32Array(0), c, 2, 0, n, false, false, false);
    expect(Array.from(c)).toEqual(values.map(() => 0));
  });

  it('writes only its m×n block of a longer C (a subarray view of a batch)', () => {
    const batch = new Float32Array(12).fill(7);
    const a = new Float32Array([1, 2, 3, 4]);
    const b = new Float32Array([5, 6, 7, 8]);
    kernel(a, b, batch.subarray(4, 8), 2, 2, 2, false, false, false);
    // [[1,2],[3,4]]·[[5,6],[7,8]] = [[19,22],[43,50]]
    expect(Array.from(batch)).toEqual([7, 7, 7, 7, 19, 22, 43, 50, 7, 7, 7, 7]);
  });

  it('propagates NaN and Infinity from the operands', () => {
    const c = new Float32Array(4);
    kernel(new Float32Array([NaN, 1, 0, 1]), new Float32Array([1, 0, 0, Infinity]), c, 2, 2, 2, false, false, false);
    // [[NaN,1],[0,1]]·[[1,0],[0,Inf]] = [[NaN, NaN], [0, Inf]]
    expect(Array.from(c)).toEqual([NaN, NaN, 0, Infinity]);
  });
});

describe('kernel selection', () => {
  it('defaults to the wasm kernel where WebAssembly SIMD is available', () => {
    expect(simdAvailable()).toBe(true);
    expect(matmulWasm).not.toBeNull();
    expect(activeMatmulKernelName()).toBe('wasm');
  });

  it('names the kernel installed with setMatmulKernel, and matmul uses it', () => {
    const calls: number[] = [];
    const counting: MatmulKernel = (...args) => {
      calls.push(args[3]);
      matmulReference(...args);
    };
    const previous = setMatmulKernel(counting);
    try {
      expect(activeMatmulKernelName()).toBe('custom');
      expect(matmul(tensor([[1, 2]]), tensor([[3], [4]])).toArray()).toEqual([[11]]);
      expect(calls).toEqual([1]);
      setMatmulKernel(matmulTiled);
      expect(activeMatmulKernelName()).toBe('tiled');
    } finally {
      setMatmulKernel(previous);
    }
    expect(activeMatmulKernelName()).toBe('wasm');
  });

  it('offers the two-thread kernel by name, off by default', () => {
    expect(threaded).not.toBeNull();
    const kernel = matmulThreads();
    expect(kernel).not.toBeNull();
    const previous = setMatmulKernel(kernel!);
    try {
      expect(activeMatmulKernelName()).toBe('wasm-threads');
      // 64·64·1024 = 2^22 multiply-adds: just big enough to be split.
      const a = tensor(Array.from({ length: 64 }, (_, i) => Array.from({ length: 64 }, (_, p) => ((i + p) % 5) - 2)));
      const b = tensor(Array.from({ length: 64 }, (_, p) => Array.from({ length: 1024 }, (_, j) => ((p * j) % 3) - 1)));
      const expected = new Float32Array(64 * 1024);
      matmulReference(a.data, b.data, expected, 64, 64, 1024, false, false, false);
      expect(Array.from(matmul(a, b).data)).toEqual(Array.from(expected));
    } finally {
      setMatmulKernel(previous);
      kernel!.stop();
    }
    expect(activeMatmulKernelName()).toBe('wasm');
  });

  it('uses fused multiply-adds under relaxed SIMD, as this suite and the CLI run, and offers the plain build', () => {
    expect(wasmMatmulInstructions()).toBe('relaxed-simd');
    expect(simd128).not.toBeNull();
    expect(simd128).not.toBe(matmulWasm);
    expect(WasmMatmul.create({ instructions: 'simd128' })!.instructions).toBe('simd128');
    // [1, x]·[-(1 + 2^-11), x] with x = 1 + 2^-12: x² = 1 + 2^-11 + 2^-24 needs 25 bits. A fused
    // multiply-add keeps the 2^-24; a multiply rounds it away (to even) before the add.
    // (Every x64 CPU since 2013 and every arm64 one has FMA, so V8 fuses here.)
    const x = 1 + 2 ** -12;
    const a = new Float32Array([1, x]);
    const b = new Float32Array([-(1 + 2 ** -11), x]);
    const fused = new Float32Array(1);
    const plain = new Float32Array(1);
    matmulWasm!(a, b, fused, 1, 2, 1, false, false, false);
    simd128!(a, b, plain, 1, 2, 1, false, false, false);
    expect(fused[0]).toBe(2 ** -24);
    expect(plain[0]).toBe(0);
    const previous = setMatmulKernel(simd128!);
    try {
      expect(activeMatmulKernelName()).toBe('wasm-simd128');
    } finally {
      setMatmulKernel(previous);
    }
  });

  it('is the plain SIMD128 build under node 20 without the flag, and the fused one after @gradlab/core/relaxed-simd', () => {
    const dist = (path: string) => JSON.stringify(fileURLToPath(new URL(`../../packages/core/dist/${path}`, import.meta.url)));
    const report = `const core = await import(${dist('kernels/index.js')}); console.log(core.wasmMatmulInstructions());`;
    const run = (script: string) => execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim();
    expect(run(report)).toBe(v8HasRelaxedSimd() ? 'relaxed-simd' : 'simd128');
    expect(run(`await import(${dist('relaxed-simd.js')}); ${report}`)).toBe('relaxed-simd');
  });

  it('knows which V8 versions ship relaxed SIMD', () => {
    expect(v8HasRelaxedSimd('11.3.244.8-node.33')).toBe(false); // Node 20
    expect(v8HasRelaxedSimd('11.4.183.14')).toBe(true);
    expect(v8HasRelaxedSimd('12.4.254.21-node.33')).toBe(true); // Node 22
    expect(v8HasRelaxedSimd('10.2.154.26-node.22')).toBe(false);
  });

  it('grows the wasm memory for a product larger than any before, and stays correct', () => {
    const wasm = WasmMatmul.create();
    expect(wasm).not.toBeNull();
    const before = wasm!.memory.buffer.byteLength;
    const m = 500, k = 900, n = 700; // 5.7 MB of operands: more than the initial memory
    const a = new Float32Array(m * k).fill(0.5);
    const b = new Float32Array(k * n).fill(0.25);
    const job = wasm!.stage(a, b, new Float32Array(m * n), m, k, n, false, false, false)!;
    wasm!.run(job);
    const c = new Float32Array(m * n);
    wasm!.unstage(job, c);
    expect(wasm!.memory.buffer.byteLength).toBeGreaterThan(before);
    expect(c.every((value) => value === 0.5 * 0.25 * k)).toBe(true);
  });

  it('is the wasm kernel in the built package too, run by plain node', () => {
    const kernelsDist = fileURLToPath(new URL('../../packages/core/dist/kernels/matmul.js', import.meta.url));
    expect(existsSync(kernelsDist), 'packages/core/dist is missing: run `pnpm run build` (the test command does)').toBe(true);
    const script = `
      const { activeMatmulKernelName, matmulKernel } = await import(${JSON.stringify(kernelsDist)});
      const c = new Float32Array(4);
      matmulKernel(new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), c, 2, 2, 2);
      console.log(JSON.stringify({ name: activeMatmulKernelName(), c: Array.from(c) }));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(output)).toEqual({ name: 'wasm', c: [19, 22, 43, 50] });
  });

  it('runs matmul forward and backward through the active kernel', () => {
    // d sum(A B)/dA = 1·Bᵀ, d sum(A B)/dB = Aᵀ·1
    const a = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const b = tensor([[1, 0], [0, 1], [1, 1]], { requiresGrad: true });
    const product = matmul(a, b);
    expect(product.toArray()).toEqual([[4, 5], [10, 11]]);
    product.sum().backward();
    expect(a.grad!.toArray()).toEqual([[1, 1, 2], [1, 1, 2]]);
    expect(b.grad!.toArray()).toEqual([[5, 5], [7, 7], [9, 9]]);
    expect(activeMatmulKernelName()).toBe('wasm');
  });
});

describe('matmulKernel', () => {
  it('defaults transposeA, transposeB and accumulate to false', () => {
    const c = new Float32Array([100, 100, 100, 100]);
    matmulKernel(new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), c, 2, 2, 2);
    expect(Array.from(c)).toEqual([19, 22, 43, 50]);
  });
});

describe('elementwise kernels', () => {
  const generator = new Generator('elementwise');
  // Around WASM_MIN_LENGTH (TypeScript below, wasm from it on), with every n % 4, and across
  // the chunks long arrays are cut into (a last chunk of 1 element, and of fewer than WASM_MIN_LENGTH).
  const LENGTHS = [
    0, 1, 3, 5, 17, WASM_MIN_LENGTH - 1, WASM_MIN_LENGTH, WASM_MIN_LENGTH + 3, 4099,
    CHUNK_FLOATS, CHUNK_FLOATS + 1, 3 * CHUNK_FLOATS + 5,
  ];

  /** Random values with exact zeros, negative zeros and NaN mixed in. */
  function awkward(length: number): Float32Array {
    const values = randomArray(generator, length);
    for (let i = 0; i < length; i += 7) values[i] = [0, -0, NaN, Infinity, -Infinity][(i / 7) % 5]!;
    return values;
  }

  it('uses WebAssembly where it is available', () => {
    expect(elementwiseWasmAvailable()).toBe(simdAvailable());
  });

  /**
   * An activation op run on x and then backward with the upstream gradient
   * `grad`, in the fast or the readable mode: its output and x's gradient.
   */
  function runOp(op: (x: Tensor) => Tensor, x: Float32Array, grad: Float32Array, reference: boolean) {
    const run = () => {
      const input = new Tensor(Float32Array.from(x), [x.length], { requiresGrad: true });
      const output = op(input);
      output.backward(Float32Array.from(grad));
      return { out: output.data, gx: input.grad!.data };
    };
    return reference ? withReferenceKernels(run) : run();
  }

  /** Bit for bit equal, NaN equal to any NaN (the wasm and JavaScript NaN payloads may differ). */
  function expectSameBits(got: Float32Array, want: Float32Array, what: string): void {
    const gotBits = new Uint32Array(got.buffer, got.byteOffset, got.length);
    const wantBits = new Uint32Array(want.buffer, want.byteOffset, want.length);
    const different: string[] = [];
    for (let i = 0; i < got.length && different.length < 5; i++) {
      if (gotBits[i] !== wantBits[i] && !(Number.isNaN(got[i]) && Number.isNaN(want[i]))) different.push(`[${i}] ${got[i]} against ${want[i]}`);
    }
    expect(got.length, what).toBe(want.length);
    expect(different, what).toEqual([]);
  }

  it('runs the wasm activation kernels from WASM_MIN_LENGTH on, and never in the readable mode', () => {
    const short = new Float32Array(WASM_MIN_LENGTH - 1);
    const long = new Float32Array(WASM_MIN_LENGTH);
    expect(activationKernels.relu(short, short)).toBe(false);
    expect(activationKernels.relu(long, long)).toBe(simdAvailable());
    expect(withReferenceKernels(() => activationKernels.relu(long, long))).toBe(false);
    expect(withReferenceKernels(() => activationKernels.sigmoidBackward(long, long, long))).toBe(false);
  });

  it.each(LENGTHS)('relu: the fast kernels give the bits of the loops in ops.ts, forward and backward, n = %i', (length) => {
    const x = awkward(length);
    const grad = awkward(length);
    const fast = runOp(relu, x, grad, false);
    const readable = runOp(relu, x, grad, true);
    expectSameBits(fast.out, readable.out, 'forward');
    expectSameBits(fast.gx, readable.gx, 'backward');
    // The definition, restated: NaN stays NaN (IEEE, PyTorch) and -0 gives +0; the backward is
    // PyTorch's threshold_backward, 0 where x <= 0 (a NaN x passes its gradient on).
    expectSameBits(fast.out, Float32Array.from(x, (v) => (v > 0 || Number.isNaN(v) ? v : 0)), 'forward, restated');
    expectSameBits(fast.gx, Float32Array.from(x, (v, i) => (v <= 0 ? 0 : grad[i]!)), 'backward, restated');
    expect(fast.out.some(Number.isNaN)).toBe(x.some(Number.isNaN));
  });

  it.each(LENGTHS)('leakyRelu: the fast kernels give the bits of the loops in ops.ts, forward and backward, n = %i', (length) => {
    for (const slope of [0.01, 0.2, 1e-30, 3, -0.5]) {
      const x = awkward(length);
      const grad = awkward(length);
      const op = (t: Tensor) => leakyRelu(t, slope);
      const fast = runOp(op, x, grad, false);
      const readable = runOp(op, x, grad, true);
      expectSameBits(fast.out, readable.out, `forward, slope ${slope}`);
      expectSameBits(fast.gx, readable.gx, `backward, slope ${slope}`);
      // The definition, restated: the product in float64, rounded once.
      expectSameBits(fast.out, Float32Array.from(x, (v) => (v >= 0 ? v : slope * v)), `forward, slope ${slope}, restated`);
      expectSameBits(fast.gx, Float32Array.from(x, (v, i) => (v >= 0 ? grad[i]! : slope * grad[i]!)), `backward, slope ${slope}, restated`);
    }
  });

  it('the LeakyReLU kernel on the spec example, and in place', () => {
    const x = new Float32Array([-2, -1, 0, 1, 2]);
    expect(Array.from(leakyRelu(new Tensor(x, [5]), 0.01).data)).toEqual([-0.02, -0.01, 0, 1, 2].map(Math.fround));
    const long = Float32Array.from({ length: WASM_MIN_LENGTH + 1 }, (_, i) => i - 512);
    const expected = Array.from(long, (value) => Math.fround(value >= 0 ? value : 0.01 * value));
    expect(activationKernels.leakyRelu(long, long, long, 0.01)).toBe(simdAvailable());
    if (simdAvailable()) expect(Array.from(long)).toEqual(expected);
  });

  // Sigmoid and tanh: wasm kernels with an exp (expm1) of their own, against Math.exp (Math.tanh) in ops.ts.
  const SQUASHING = [
    {
      name: 'sigmoid', op: sigmoid, forward: activationKernels.sigmoid, backward: activationKernels.sigmoidBackward,
      // The backward's definition, restated: y (1 - y) times the gradient, in float64, rounded once.
      restatedBackward: (y: number, g: number) => Math.fround(g * y * (1 - y)),
      ends: [0, 1],
      example: { x: [-1, 0, 1], y: [1 / (1 + Math.E), 0.5, 1 / (1 + 1 / Math.E)], backward: 0.5 },
    },
    {
      name: 'tanh', op: tanh, forward: activationKernels.tanh, backward: activationKernels.tanhBackward,
      // 1 - y² times the gradient, in float64, rounded once.
      restatedBackward: (y: number, g: number) => Math.fround(g * (1 - y * y)),
      ends: [-1, 1],
      example: { x: [-1, 0, 1], y: [-Math.tanh(1), 0, Math.tanh(1)], backward: 1.5 },
    },
  ];
  const SQUASHING_LENGTHS = SQUASHING.flatMap((kernel) => LENGTHS.map((length) => [kernel.name, length, kernel] as const));

  it.each(SQUASHING_LENGTHS)('%s: the fast kernels give the bits of the loops in ops.ts, forward and backward, n = %i', (_name, length, kernel) => {
    // Scaled so that the inputs reach the saturated ends (|x| > 17 gives 0 or 1 for the sigmoid,
    // |x| > 9.01 gives ±1 for tanh) and beyond the exp's floor of -110.
    for (const scale of [1, 8, 40, 200]) {
      const x = awkward(length).map((v) => v * scale);
      const grad = awkward(length);
      const fast = runOp(kernel.op, x, grad, false);
      const readable = runOp(kernel.op, x, grad, true);
      expectSameBits(fast.out, readable.out, `forward, scale ${scale}`);
      expectSameBits(fast.gx, readable.gx, `backward, scale ${scale}`);
      expectSameBits(fast.gx, Float32Array.from(fast.out, (y, i) => kernel.restatedBackward(y, grad[i]!)), `backward, scale ${scale}, restated`);
    }
  });

  const SQUASHING_BY_NAME = SQUASHING.map((kernel) => [kernel.name, kernel] as const);

  it.each(SQUASHING_BY_NAME)('the %s kernel gives the bits of its Math definition on every 4099th float32 (bench/exhaustive.mjs checks all)', (_name, kernel) => {
    // Every 4099th bit pattern of the 2^32: positive and negative, normal and subnormal, ±Infinity and NaNs.
    const bits = Uint32Array.from({ length: Math.ceil(2 ** 32 / 4099) }, (_, i) => i * 4099);
    const x = new Float32Array(bits.buffer);
    const input = new Tensor(x, [x.length]);
    const out = kernel.op(input).data;
    const ts = withReferenceKernels(() => kernel.op(input)).data;
    expectSameBits(out, ts, 'forward');
    // The sweep reaches both saturated ends, the middle, and the tiny inputs (tanh x = x there).
    const [low, high] = kernel.ends as [number, number];
    expect(out.filter((y) => y === low).length).toBeGreaterThan(1000);
    expect(out.filter((y) => y === high).length).toBeGreaterThan(1000);
    expect(out.filter((y) => y > low + 0.1 && y < high - 0.1).length).toBeGreaterThan(1000);
    expect(x.filter((v) => v !== 0 && Math.abs(v) < 1e-30).length).toBeGreaterThan(1000);
  });

  it.each(SQUASHING_BY_NAME)('the %s op on the documented example, and its wasm kernels in place over several chunks', (_name, kernel) => {
    const example = runOp(kernel.op, new Float32Array(kernel.example.x), new Float32Array([1, 1, 1]), false);
    expect(Array.from(example.out)).toEqual(kernel.example.y.map(Math.fround));
    const length = 2 * CHUNK_FLOATS + 7;
    const x = awkward(length).map((v) => v * 10);
    const expected = withReferenceKernels(() => kernel.op(new Tensor(Float32Array.from(x), [length]))).data;
    expect(kernel.forward(x, x)).toBe(simdAvailable());
    if (!simdAvailable()) return;
    expectSameBits(x, expected, 'forward in place');
    const grad = awkward(length);
    const expectedGrad = Float32Array.from(x, (y, i) => kernel.restatedBackward(y, grad[i]!));
    kernel.backward(x, grad, grad);
    expectSameBits(grad, expectedGrad, 'backward in place');
    const gx = new Float32Array(WASM_MIN_LENGTH);
    kernel.backward(new Float32Array(WASM_MIN_LENGTH).fill(0.5), new Float32Array(WASM_MIN_LENGTH).fill(2), gx);
    expect(gx[0]).toBe(kernel.example.backward);
  });

  it.each(LENGTHS)('axpy adds alpha·x in float32, identically in wasm and TypeScript, n = %i', (length) => {
    const x = randomArray(generator, length);
    const y = randomArray(generator, length);
    const viaKernel = Float32Array.from(y);
    const viaTs = Float32Array.from(y);
    axpy(-0.01, x, viaKernel);
    axpyTs(-0.01, x, viaTs);
    expect(Array.from(viaKernel)).toEqual(Array.from(viaTs));
    const alpha = Math.fround(-0.01);
    expect(Array.from(viaKernel)).toEqual(Array.from(y, (v, i) => Math.fround(v + Math.fround(alpha * x[i]!))));
  });

  // [rows, cols]: below and above WASM_MIN_LENGTH, every cols % 4, one row and one column,
  // several chunks of whole rows (300·257 floats), and rows longer than a chunk.
  const COLUMN_SUM_SHAPES: [number, number][] = [
    [0, 5], [3, 0], [1, 1], [7, 3], [5, 1], [1, 2000], [128, 10], [128, 256], [129, 5], [300, 257], [2, CHUNK_FLOATS + 3],
  ];

  it.each(COLUMN_SUM_SHAPES)('columnSums of [%i, %i] are float32 sums in row order, identically in wasm and TypeScript', (rows, cols) => {
    const x = randomArray(generator, rows * cols);
    const out = new Float32Array(cols).fill(NaN);
    columnSums(x, rows, cols, out);
    const ts = new Float32Array(cols).fill(NaN);
    columnSumsTs(x, rows, cols, ts);
    expect(Array.from(out)).toEqual(Array.from(ts));
    const expected = new Array<number>(cols).fill(0);
    for (let p = 0; p < rows; p++) for (let j = 0; j < cols; j++) expected[j] = Math.fround(expected[j]! + x[p * cols + j]!);
    expect(Array.from(out)).toEqual(expected);
  });

  it('columnSums give the bits of the product ones(1×rows)·x through the matmul kernels, up to 512 rows', () => {
    // The bias gradient was that product before it had its own kernel: results must not move.
    const wasmKernels = [matmulWasm, matmulWasmSimd128()].filter((kernel): kernel is MatmulKernel => kernel !== null);
    expect(wasmKernels.length).toBe(simdAvailable() ? 2 : 0);
    for (const [rows, cols] of [[64, 256], [128, 10], [512, 33]] as const) {
      const x = randomArray(generator, rows * cols);
      const sums = new Float32Array(cols);
      columnSums(x, rows, cols, sums);
      const ones = new Float32Array(rows).fill(1);
      for (const kernel of wasmKernels) {
        const product = new Float32Array(cols);
        kernel(ones, x, product, 1, rows, cols, false, false, false);
        expect(Array.from(product)).toEqual(Array.from(sums));
      }
      const reference = new Float32Array(cols);
      matmulReference(ones, x, reference, 1, rows, cols, false, false, false);
      for (let j = 0; j < cols; j++) expect(sums[j]).toBeCloseTo(reference[j]!, 4);
    }
  });

  /** Adam's coefficients at step t, as nn's Adam computes them. */
  const adamAt = (t: number, options: { lr: number; beta1?: number; beta2?: number; weightDecay?: number; decoupled?: boolean }): AdamCoefficients => {
    const { lr, beta1 = 0.9, beta2 = 0.999, weightDecay = 0, decoupled = false } = options;
    return {
      beta1, beta2, eps: 1e-8,
      stepSize: lr / (1 - beta1 ** t),
      biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** t),
      shrink: decoupled ? 1 - lr * weightDecay : 1,
      l2: decoupled ? 0 : weightDecay,
    };
  };
  const ADAM_CASES: [string, AdamCoefficients][] = [
    ['Adam, first step', adamAt(1, { lr: 0.001 })],
    ['Adam with L2 weight decay, step 7', adamAt(7, { lr: 0.005, weightDecay: 0.01 })],
    ['AdamW, step 1000', adamAt(1000, { lr: 0.01, weightDecay: 0.05, decoupled: true })],
    ['unusual betas, step 3', adamAt(3, { lr: 0.3, beta1: 0.5, beta2: 0.25 })],
  ];

  it.each(LENGTHS)('adamUpdate gives the bits of its TypeScript definition, n = %i', (length) => {
    for (const [name, coefficients] of ADAM_CASES) {
      // Parameters and gradients with zeros, -0, NaN and ±Infinity mixed in; moments as after some steps.
      const inputs = [awkward(length), awkward(length), randomArray(generator, length),
        Float32Array.from(randomArray(generator, length), Math.abs)];
      const viaKernel = inputs.map((values) => Float32Array.from(values));
      const viaTs = inputs.map((values) => Float32Array.from(values));
      adamUpdate(viaKernel[0]!, viaKernel[1]!, viaKernel[2]!, viaKernel[3]!, coefficients);
      adamUpdateTs(viaTs[0]!, viaTs[1]!, viaTs[2]!, viaTs[3]!, coefficients);
      ['p', 'grad', 'm', 'v'].forEach((array, k) => {
        expect(Array.from(viaKernel[k]!), `${name}: ${array}`).toEqual(Array.from(viaTs[k]!));
      });
      expect(Array.from(viaKernel[1]!), `${name}: the gradient is only read`).toEqual(Array.from(inputs[1]!));
    }
  });

  const SGD_CASES: [string, SgdCoefficients, boolean][] = [
    ['weight decay, no momentum', { lr: 0.1, weightDecay: 0.01, momentum: 0, dampening: 0, nesterov: false, firstStep: true }, false],
    ['momentum, first step', { lr: 0.05, weightDecay: 0, momentum: 0.9, dampening: 0, nesterov: false, firstStep: true }, true],
    ['momentum and dampening, a later step', { lr: 0.05, weightDecay: 0, momentum: 0.9, dampening: 0.1, nesterov: false, firstStep: false }, true],
    ['Nesterov with weight decay, a later step', { lr: 0.3, weightDecay: 1e-3, momentum: 0.99, dampening: 0, nesterov: true, firstStep: false }, true],
  ];

  it.each(LENGTHS)('sgdUpdate gives the bits of its TypeScript definition, n = %i', (length) => {
    for (const [name, coefficients, withBuffer] of SGD_CASES) {
      const p = awkward(length);
      const grad = awkward(length);
      const buffer = withBuffer ? randomArray(generator, length) : null;
      const [pKernel, pTs] = [Float32Array.from(p), Float32Array.from(p)];
      const [bufferKernel, bufferTs] = buffer === null ? [null, null] : [Float32Array.from(buffer), Float32Array.from(buffer)];
      sgdUpdate(pKernel, grad, bufferKernel, coefficients);
      sgdUpdateTs(pTs, grad, bufferTs, coefficients);
      expect(Array.from(pKernel), `${name}: p`).toEqual(Array.from(pTs));
      if (bufferKernel !== null) expect(Array.from(bufferKernel), `${name}: buffer`).toEqual(Array.from(bufferTs!));
    }
  });

  it('sgdUpdate on the documented example', () => {
    const p = new Float32Array([1]);
    const buffer = new Float32Array(1);
    sgdUpdate(p, new Float32Array([2]), buffer, { lr: 0.1, weightDecay: 0, momentum: 0.9, dampening: 0, nesterov: false, firstStep: true });
    expect(Array.from(buffer)).toEqual([2]);
    expect(Array.from(p)).toEqual([Math.fround(0.8)]);
  });

  it('adamUpdate on the documented example: the first step moves p by lr against the sign of the gradient', () => {
    const p = new Float32Array([1, -3]);
    const m = new Float32Array(2);
    const v = new Float32Array(2);
    adamUpdate(p, new Float32Array([2, -0.5]), m, v, adamAt(1, { lr: 0.1 }));
    expect(p[0]).toBeCloseTo(0.9, 6);
    expect(p[1]).toBeCloseTo(-2.9, 6);
    expect(Array.from(m)).toEqual([Math.fround(0.2), Math.fround(-0.05)]);
    expect(Array.from(v)).toEqual([Math.fround(0.004), Math.fround(0.00025)]);
  });

  it.each(LENGTHS)('sumAndSquares adds in float64, element after element, identically in wasm and TypeScript, n = %i', (length) => {
    // Finite values of magnitudes 2^-40 to 2^40, so that float64 sums round and the order shows in the bits.
    const x = awkward(length).map((v, i) => (Number.isFinite(v) ? v * 2 ** ((i * 37) % 81 - 40) : 0.5));
    const [sum, squares] = sumAndSquares(x, 0.1, 2);
    let expectedSum = 0.1;
    let expectedSquares = 2;
    for (const v of x) {
      expectedSum += v;
      expectedSquares += v * v;
    }
    expect([sum, squares]).toEqual([expectedSum, expectedSquares]);
    expect(sumAndSquaresTs(x, 0.1, 2)).toEqual([expectedSum, expectedSquares]);
  });

  it('sumAndSquares adds in order, not in any faster order that rounds differently', () => {
    // 1, 2^60, 1, -2^60, 1, 2^60, …, 1: in order, the 1s vanish into 2^60 and the
    // sum ends at 1. Two interleaved partial sums would give 2051 (the exact sum), four give 0.
    const x = Float32Array.from({ length: 4 * 1025 + 1 }, (_, i) => [1, 2 ** 60, 1, -(2 ** 60)][i % 4]!);
    expect(x.length).toBeGreaterThan(WASM_MIN_LENGTH);
    expect(sumAndSquares(x, 0, 0)[0]).toBe(1);
    expect(sumAndSquaresTs(x, 0, 0)[0]).toBe(1);
  });

  it.each(COLUMN_SUM_SHAPES)('columnCounts of [%i, %i] count each column below, at and above a threshold, in wasm and TypeScript', (rows, cols) => {
    const x = awkward(rows * cols);
    // Put values at the thresholds and next to them.
    for (let i = 3; i < x.length; i += 11) x[i] = [0.01, Math.fround(0.01), -0.99, Math.fround(-0.99), 1e-45, -1e-45][(i / 11) % 6]!;
    for (const threshold of [0, 0.01, Math.fround(0.01), -0.99, Infinity, NaN]) {
      const counts = { below: new Int32Array(cols).fill(-7), equal: new Int32Array(cols).fill(-7), above: new Int32Array(cols).fill(-7) };
      columnCounts(x, rows, cols, threshold, counts);
      const below = new Array<number>(cols).fill(0);
      const equal = new Array<number>(cols).fill(0);
      const above = new Array<number>(cols).fill(0);
      for (let p = 0; p < rows; p++) {
        for (let j = 0; j < cols; j++) {
          const v = x[p * cols + j]!;
          below[j]! += v < threshold ? 1 : 0;
          equal[j]! += v === threshold ? 1 : 0;
          above[j]! += v > threshold ? 1 : 0;
        }
      }
      expect([Array.from(counts.below), Array.from(counts.equal), Array.from(counts.above)]).toEqual([below, equal, above]);
      const ts = { below: new Int32Array(cols), equal: new Int32Array(cols), above: new Int32Array(cols) };
      columnCountsTs(x, rows, cols, threshold, ts);
      expect(ts).toEqual(counts);
    }
  });

  it('columnCounts on the documented example', () => {
    const counts = { below: new Int32Array(2), equal: new Int32Array(2), above: new Int32Array(2) };
    columnCounts(new Float32Array([-1, 0, 0, 2, 3, NaN]), 3, 2, 0, counts);
    expect([Array.from(counts.below), Array.from(counts.equal), Array.from(counts.above)]).toEqual([[1, 0], [1, 1], [1, 1]]);
  });

  it('columnSums on the documented example', () => {
    const out = new Float32Array(2);
    columnSums(new Float32Array([1, 2, 3, 4, 5, 6]), 3, 2, out);
    expect(Array.from(out)).toEqual([9, 12]);
  });

  it('relu on the spec example, and its wasm kernels in place over several chunks', () => {
    expect(Array.from(relu(tensor([-2, -1, 0, 1, 2])).data)).toEqual([0, 0, 0, 1, 2]);
    const length = 2 * CHUNK_FLOATS + 7;
    const x = awkward(length);
    const grad = awkward(length);
    const expectedBackward = Float32Array.from(x, (v, i) => (v <= 0 ? 0 : grad[i]!));
    expect(activationKernels.reluBackward(x, grad, grad)).toBe(simdAvailable());
    if (!simdAvailable()) return;
    expectSameBits(grad, expectedBackward, 'backward in place');
    const expectedForward = Float32Array.from(x, (v) => (v > 0 || Number.isNaN(v) ? v : 0));
    activationKernels.relu(x, x);
    expectSameBits(x, expectedForward, 'forward in place');
  });
});
