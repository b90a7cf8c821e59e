/**
 * The optimizers' parameter updates, one loop over a parameter tensor each:
 * SGD (with momentum, dampening, Nesterov, weight decay) and Adam / AdamW.
 * Each has its plain TypeScript definition (also the fallback) and a
 * WebAssembly SIMD version (wasm/updates.wat, run through core's
 * loadWasmKernels) used for arrays of at least WASM_MIN_LENGTH floats: both
 * compute in float64 and round to float32 where the TypeScript stores into a
 * Float32Array, so they agree bit for bit (test/core/kernels.test.ts).
 */
import { base64Bytes, loadWasmKernels, recordCall, recording, unsupported } from '@gradlab/core/kernels';
import { binaries } from './wasm/updates.bytes.js';

interface UpdateExports {
  sgd_update(p: number, grad: number, buf: number, n: number, lr: number, weightDecay: number, momentum: number,
    dampening: number, useBuffer: number, firstStep: number, nesterov: number): void;
  adam_update(p: number, grad: number, m: number, v: number, n: number, shrink: number, l2: number,
    beta1: number, beta2: number, stepSize: number, biasCorrection2Sqrt: number, eps: number): void;
}

/** The wasm module, or null where it cannot run (the TypeScript loops are used then). */
const wasm = loadWasmKernels<UpdateExports>(base64Bytes(binaries['updates.wasm']));

/**
 * The numbers one Adam step uses for one parameter tensor, at its step t
 * (see nn's Adam for the algorithm).
 */
export interface AdamCoefficients {
  beta1: number;
  beta2: number;
  eps: number;
  /** lr / (1 - beta1^t) */
  stepSize: number;
  /** sqrt(1 - beta2^t) */
  biasCorrection2Sqrt: number;
  /** 1 - lr·weightDecay for decoupled weight decay (AdamW), else 1 */
  shrink: number;
  /** weightDecay for L2 weight decay (Adam), else 0 */
  l2: number;
}

/**
 * One Adam step, the plain TypeScript definition: float64 arithmetic, rounded
 * to float32 where a value is stored (and where decayed is, as PyTorch's
 * float32 parameter is).
 */
export function adamUpdateTs(p: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, c: AdamCoefficients): void {
  for (let i = 0; i < p.length; i++) {
    const decayed = Math.fround(p[i]! * c.shrink);
    const g = grad[i]! + c.l2 * decayed;
    m[i] = c.beta1 * m[i]! + (1 - c.beta1) * g;
    v[i] = c.beta2 * v[i]! + (1 - c.beta2) * g * g;
    const denominator = Math.sqrt(v[i]!) / c.biasCorrection2Sqrt + c.eps;
    p[i] = decayed - c.stepSize * m[i]! / denominator;
  }
}

/**
 * One Adam (or AdamW) step on a parameter `p` with gradient `grad` and
 * moment estimates `m` and `v`, all updated in place:
 *   decayed = p · shrink,  g = grad + l2 · decayed
 *   m ← beta1 m + (1 - beta1) g,  v ← beta2 v + (1 - beta2) g²
 *   p ← decayed - stepSize · m / (sqrt(v) / biasCorrection2Sqrt + eps)
 * The wasm version computes in float64 two parameters at a time and rounds
 * where the TypeScript one does: the two agree bit for bit.
 * Shapes: four arrays of equal length.
 *
 * @example
 * const p = new Float32Array([1]), m = new Float32Array(1), v = new Float32Array(1);
 * adamUpdate(p, new Float32Array([2]), m, v, { beta1: 0.9, beta2: 0.999, eps: 1e-8, stepSize: 0.1 / (1 - 0.9),
 *   biasCorrection2Sqrt: Math.sqrt(1 - 0.999), shrink: 1, l2: 0 }); // p ≈ [0.9]: Adam's first step is lr · sign(g)
 */
export function adamUpdate(p: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, c: AdamCoefficients): void {
  if (recording() !== null) {
    // A captured step replays the wasm kernel with the numbers `c` holds then (Adam refills it before each step).
    if (wasm === null) unsupported('Adam (WebAssembly is unavailable)');
    else recordCall({ name: 'Adam update', module: wasm.module,
      operands: [{ array: p, use: 'inout' }, { array: grad, use: 'in' }, { array: m, use: 'inout' }, { array: v, use: 'inout' }],
      replay: ({ exports, at }) => (exports as UpdateExports).adam_update(at[0]!, at[1]!, at[2]!, at[3]!, p.length,
        c.shrink, c.l2, c.beta1, c.beta2, c.stepSize, c.biasCorrection2Sqrt, c.eps) });
  }
  const done = wasm !== null && wasm.runInChunks(p.length,
    [[p, 'inout'], [grad, 'in'], [m, 'inout'], [v, 'inout']],
    ([pAt, gradAt, mAt, vAt], length) => wasm!.exports.adam_update(pAt!, gradAt!, mAt!, vAt!, length,
      c.shrink, c.l2, c.beta1, c.beta2, c.stepSize, c.biasCorrection2Sqrt, c.eps));
  if (!done) adamUpdateTs(p, grad, m, v, c);
}

/** The options one SGD step uses (see nn's SGD for the algorithm). */
export interface SgdCoefficients {
  lr: number;
  weightDecay: number;
  momentum: number;
  dampening: number;
  nesterov: boolean;
  /** True on the momentum buffer's first step, when it starts as the gradient. */
  firstStep: boolean;
}

/**
 * One SGD step with momentum and/or weight decay, the plain TypeScript
 * definition: float64 arithmetic, rounded to float32 where a value is stored.
 * `buffer` is the momentum buffer, or null without momentum.
 */
export function sgdUpdateTs(p: Float32Array, grad: Float32Array, buffer: Float32Array | null, c: SgdCoefficients): void {
  for (let i = 0; i < p.length; i++) {
    let g = grad[i]! + c.weightDecay * p[i]!;
    if (buffer !== null) {
      buffer[i] = c.firstStep ? g : c.momentum * buffer[i]! + (1 - c.dampening) * g;
      g = c.nesterov ? g + c.momentum * buffer[i]! : buffer[i]!;
    }
    p[i] = p[i]! - c.lr * g;
  }
}

/**
 * One SGD step on a parameter `p` with gradient `grad`, updating `p` and the
 * momentum `buffer` (null without momentum) in place:
 *   g = grad + weightDecay · p
 *   buffer ← g on the first step, else momentum · buffer + (1 - dampening) · g
 *   g = nesterov ? g + momentum · buffer : buffer;   p ← p - lr · g
 * The wasm version computes in float64 two parameters at a time and rounds
 * where the TypeScript one does: the two agree bit for bit. (Plain SGD, without
 * momentum or weight decay, is `axpy(-lr, grad, p)`.)
 * Shapes: arrays of equal length.
 *
 * @example
 * const p = new Float32Array([1]), buffer = new Float32Array(1);
 * const c = { lr: 0.1, weightDecay: 0, momentum: 0.9, dampening: 0, nesterov: false, firstStep: true };
 * sgdUpdate(p, new Float32Array([2]), buffer, c); // buffer = [2], p = [0.8]
 */
export function sgdUpdate(p: Float32Array, grad: Float32Array, buffer: Float32Array | null, c: SgdCoefficients): void {
  if (recording() !== null) {
    // A captured step replays the wasm kernel with these numbers (SGD guards them: see SGD.step).
    const [lr, weightDecay, momentum, dampening] = [c.lr, c.weightDecay, c.momentum, c.dampening];
    const [useBuffer, firstStep, nesterov] = [buffer === null ? 0 : 1, c.firstStep ? 1 : 0, c.nesterov ? 1 : 0];
    const operands = [{ array: p, use: 'inout' as const }, { array: grad, use: 'in' as const }, ...(buffer === null ? [] : [{ array: buffer, use: 'inout' as const }])];
    if (wasm === null) unsupported('SGD (WebAssembly is unavailable)');
    else recordCall({ name: 'SGD update', module: wasm.module, operands,
      replay: ({ exports, at }) => (exports as UpdateExports).sgd_update(at[0]!, at[1]!, at[2] ?? 0, p.length,
        lr, weightDecay, momentum, dampening, useBuffer, firstStep, nesterov) });
  }
  const done = wasm !== null && wasm.runInChunks(p.length, [[p, 'inout'], [grad, 'in'], [buffer, 'inout']],
    ([pAt, gradAt, bufferAt], length) => wasm!.exports.sgd_update(pAt!, gradAt!, bufferAt!, length,
      c.lr, c.weightDecay, c.momentum, c.dampening, buffer === null ? 0 : 1, c.firstStep ? 1 : 0, c.nesterov ? 1 : 0));
  if (!done) sgdUpdateTs(p, grad, buffer, c);
}
