/**
 * Elementwise kernels for the hot loops of a training step outside the
 * matmuls: the ReLU, LeakyReLU, sigmoid and tanh forward and backward, the BLAS `axpy` (y += alpha·x,
 * which is both the SGD update and gradient accumulation), the column
 * sums of a matrix (the bias gradient of a Dense layer), and the SGD (with
 * momentum or weight decay) and Adam updates; and the two reductions nn's
 * dead-neuron instrument runs over every activation it measures (running
 * float64 sums of values and squares, and counts per column against a
 * threshold).
 *
 * Each kernel has a plain TypeScript version (the definition, and the
 * fallback) and a WebAssembly SIMD version (wasm/elementwise.wat) used for
 * arrays of at least WASM_MIN_LENGTH elements, where copying the operands
 * into wasm memory and back costs less than the loop it replaces. For the
 * activations the TypeScript version is the op's own loop in ops.ts (see
 * activationKernels); for the others it sits here (axpyTs, sgdUpdateTs, …).
 * Both give bit-identical results: the wasm axpy rounds alpha·x to float32
 * before the add, and so does the TypeScript one (Math.fround), as PyTorch's
 * float32 `add_(x, alpha=…)` does; the LeakyReLU, sigmoid, tanh, SGD and Adam
 * kernels compute in float64, as JavaScript does, and round to float32 where
 * the TypeScript versions store into a Float32Array. (The sigmoid's exp and
 * the tanh's expm1 are the wasm kernel's own, not Math.exp and Math.tanh;
 * they give the same float32 results on every input, which
 * `node bench/exhaustive.mjs` checks.) In the readable mode
 * (`useReferenceKernels`) every kernel here runs its TypeScript version.
 */
import { readFileSync } from 'node:fs';
import { kernelMode } from './mode.js';

/** Below this many elements the TypeScript loop is as fast as the copies. */
export const WASM_MIN_LENGTH = 1024;

interface ElementwiseExports {
  relu(x: number, out: number, n: number): void;
  relu_backward(x: number, grad: number, out: number, n: number): void;
  axpy(alpha: number, x: number, y: number, n: number): void;
  column_sums(x: number, out: number, rows: number, cols: number): void;
  leaky_relu(x: number, v: number, out: number, n: number, slope: number): void;
  sigmoid(x: number, out: number, n: number): void;
  sigmoid_backward(y: number, grad: number, out: number, n: number): void;
  tanh(x: number, out: number, n: number): void;
  tanh_backward(y: number, grad: number, out: number, n: number): void;
  sgd_update(p: number, grad: number, buf: number, n: number, lr: number, weightDecay: number, momentum: number,
    dampening: number, useBuffer: number, firstStep: number, nesterov: number): void;
  adam_update(p: number, grad: number, m: number, v: number, n: number, shrink: number, l2: number,
    beta1: number, beta2: number, stepSize: number, biasCorrection2Sqrt: number, eps: number): void;
  sum_and_squares(x: number, n: number, sum: number, squares: number): [number, number];
  column_counts(x: number, rows: number, cols: number, threshold: number, below: number, equal: number, above: number): void;
}

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}

const PAGE_BYTES = 65536;
const MAX_PAGES = 16384;

/** The wasm instance and a Float32Array view of its memory, or null where it cannot run. */
const wasm = ((): { kernel: ElementwiseExports; memory: WasmMemory; heap: Float32Array } | null => {
  try {
    const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
    const bytes = new Uint8Array(readFileSync(new URL('./wasm/elementwise.wasm', import.meta.url)));
    if (api === undefined || !api.validate(bytes)) return null;
    const memory = new api.Memory({ initial: 16, maximum: MAX_PAGES });
    const kernel = new api.Instance(new api.Module(bytes), { env: { memory } }).exports as ElementwiseExports;
    return { kernel, memory, heap: new Float32Array(memory.buffer) };
  } catch {
    return null;
  }
})();

/** True when the WebAssembly versions are in use. */
export function elementwiseWasmAvailable(): boolean {
  return wasm !== null;
}

/** A view of wasm memory with room for `floats` floats, or null if it cannot grow that far. */
function heapFor(floats: number): Float32Array | null {
  if (wasm === null) return null;
  const bytes = floats * 4;
  if (bytes > wasm.memory.buffer.byteLength) {
    const pages = Math.ceil((bytes - wasm.memory.buffer.byteLength) / PAGE_BYTES);
    if (wasm.memory.buffer.byteLength / PAGE_BYTES + pages > MAX_PAGES) return null;
    wasm.memory.grow(pages);
  }
  if (wasm.heap.buffer !== wasm.memory.buffer) wasm.heap = new Float32Array(wasm.memory.buffer);
  return wasm.heap;
}

/**
 * Rounds a float count up to a multiple of 16, so each operand starts on a
 * cache line, and a kernel that works in blocks of 2 or 4 floats (the
 * sigmoid's and tanh's) can run up to 3 floats past the end of its operands.
 */
const padded = (n: number): number => Math.ceil(n / 16) * 16;

/**
 * Long arrays go through wasm memory in chunks of this many floats, so that a
 * chunk's operands (128 KiB each) are still in the L2 cache when the kernel
 * reads them and when they are copied out. Whole arrays would not be: on a
 * 784×256 weight the SGD axpy took 1.5 ns per float in one piece and 1.0 in
 * chunks, and ReLU backward on 262,144 floats 2.0 and 1.3.
 */
export const CHUNK_FLOATS = 32768;

/**
 * How an array takes part in a chunked kernel call: 'in' is read by the
 * kernel (copied into wasm memory), 'out' written (copied back out), 'inout'
 * both. A null array (an operand a call does without) is skipped.
 */
type Operand = [array: Float32Array | null, use: 'in' | 'out' | 'inout'];

/**
 * Runs a wasm kernel over arrays of n floats, CHUNK_FLOATS at a time: copies
 * the chunk of each 'in' and 'inout' operand into wasm memory (operand k at
 * k·padded(chunk) floats), calls `kernel(addresses, length)` with the
 * operands' byte addresses, then copies the chunk of each 'out' and 'inout'
 * operand back. Returns false, having done nothing, where the arrays are too
 * short for the copies to pay (WASM_MIN_LENGTH), wasm cannot run, or the
 * readable mode is on (`useReferenceKernels`): the caller then runs its
 * TypeScript loop instead.
 */
function runInChunks(n: number, operands: Operand[], kernel: (addresses: number[], length: number) => void): boolean {
  const chunk = Math.min(n, CHUNK_FLOATS);
  const heap = n >= WASM_MIN_LENGTH && kernelMode() === 'fast' ? heapFor(operands.length * padded(chunk)) : null;
  if (heap === null) return false;
  const at = operands.map((_, k) => k * padded(chunk));
  const addresses = at.map((floats) => floats * 4);
  for (let start = 0; start < n; start += chunk) {
    const length = Math.min(chunk, n - start);
    operands.forEach(([array, use], k) => {
      if (array !== null && use !== 'out') heap.set(array.subarray(start, start + length), at[k]);
    });
    kernel(addresses, length);
    operands.forEach(([array, use], k) => {
      if (array !== null && use !== 'in') array.set(heap.subarray(at[k]!, at[k]! + length), start);
    });
  }
  return true;
}

/**
 * Runs a wasm kernel that works column by column over a row-major [rows, cols]
 * matrix, whole rows at a time: about CHUNK_FLOATS floats per chunk, copied to
 * the start of wasm memory, so that a chunk stays in the L2 cache. After the
 * chunk's slot, `results` zeroed arrays of cols floats stay in wasm memory
 * throughout, for the kernel to add each chunk's column results into:
 * `kernel(rowsInChunk, resultAddresses)`. Returns wasm memory and where (in
 * floats) the results are, or null, having done nothing, where the matrix is
 * too small for the copies to pay, wasm cannot run, or the readable mode is on.
 */
function runByRows(x: Float32Array, rows: number, cols: number, results: number,
  kernel: (count: number, resultAddresses: number[]) => void): { heap: Float32Array; at: number[] } | null {
  const rowsPerChunk = Math.max(1, Math.floor(CHUNK_FLOATS / Math.max(cols, 1)));
  const chunkRows = Math.min(rows, rowsPerChunk);
  const resultsAt = padded(chunkRows * cols);
  const heap = rows * cols >= WASM_MIN_LENGTH && kernelMode() === 'fast' ? heapFor(resultsAt + results * padded(cols)) : null;
  if (heap === null) return null;
  const at = Array.from({ length: results }, (_, k) => resultsAt + k * padded(cols));
  const addresses = at.map((floats) => floats * 4);
  heap.fill(0, resultsAt, resultsAt + results * padded(cols));
  for (let start = 0; start < rows; start += chunkRows) {
    const count = Math.min(chunkRows, rows - start);
    heap.set(x.subarray(start * cols, (start + count) * cols), 0);
    kernel(count, addresses);
  }
  return { heap, at };
}

/**
 * The WebAssembly SIMD versions of the activation loops in ops.ts (ReLU,
 * LeakyReLU, sigmoid and tanh, forward and backward). Each runs its loop in
 * wasm and returns true, or returns false having done nothing: for arrays
 * shorter than WASM_MIN_LENGTH, where wasm cannot run, or in the readable
 * mode (`useReferenceKernels`). The op then runs its own TypeScript loop,
 * which is the definition: the two give the same bits (test/core/kernels.test.ts
 * checks them, and `node bench/exhaustive.mjs` checks sigmoid and tanh on all
 * 2^32 float32 inputs). `out` may be the same array as an input.
 */
export interface ActivationKernels {
  /** out[i] = x[i] > 0 || x[i] is NaN ? x[i] : 0 (NaN stays NaN, as IEEE max and PyTorch; -0 gives 0). */
  relu(x: Float32Array, out: Float32Array): boolean;
  /** out[i] = x[i] <= 0 ? 0 : grad[i] (a NaN x passes grad on, as PyTorch's threshold_backward). */
  reluBackward(x: Float32Array, grad: Float32Array, out: Float32Array): boolean;
  /**
   * out[i] = x[i] >= 0 ? v[i] : slope · v[i] (float64 product, rounded when
   * stored): with v = x the LeakyReLU forward, with v = grad its backward.
   */
  leakyRelu(x: Float32Array, v: Float32Array, out: Float32Array, slope: number): boolean;
  /** out[i] = 1 / (1 + e^-x[i]), in float64 with an exp of the kernel's own (same float32 results as Math.exp). */
  sigmoid(x: Float32Array, out: Float32Array): boolean;
  /** out[i] = grad[i] · y[i] · (1 - y[i]), y the forward's output, in float64 in that order. */
  sigmoidBackward(y: Float32Array, grad: Float32Array, out: Float32Array): boolean;
  /** out[i] = tanh(x[i]), in float64 from an expm1 of the kernel's own (same float32 results as Math.tanh). */
  tanh(x: Float32Array, out: Float32Array): boolean;
  /** out[i] = grad[i] · (1 - y[i]²), y the forward's output, in float64 in that order. */
  tanhBackward(y: Float32Array, grad: Float32Array, out: Float32Array): boolean;
}

/**
 * The activation kernels ops.ts swaps in for its loops (see ActivationKernels).
 *
 * @example
 * const out = new Float32Array(4096);
 * if (!activationKernels.relu(x, out)) for (let i = 0; i < out.length; i++) out[i] = x[i]! > 0 || x[i]! !== x[i]! ? x[i]! : 0;
 */
export const activationKernels: ActivationKernels = {
  relu: (x, out) => runInChunks(out.length, [[x, 'in'], [out, 'out']],
    ([xAt, outAt], length) => wasm!.kernel.relu(xAt!, outAt!, length)),
  reluBackward: (x, grad, out) => runInChunks(out.length, [[x, 'in'], [grad, 'in'], [out, 'out']],
    ([xAt, gradAt, outAt], length) => wasm!.kernel.relu_backward(xAt!, gradAt!, outAt!, length)),
  leakyRelu: (x, v, out, slope) => runInChunks(out.length, [[x, 'in'], [v, 'in'], [out, 'out']],
    ([xAt, vAt, outAt], length) => wasm!.kernel.leaky_relu(xAt!, vAt!, outAt!, length, slope)),
  sigmoid: (x, out) => runInChunks(out.length, [[x, 'in'], [out, 'out']],
    ([xAt, outAt], length) => wasm!.kernel.sigmoid(xAt!, outAt!, length)),
  sigmoidBackward: (y, grad, out) => runInChunks(out.length, [[y, 'in'], [grad, 'in'], [out, 'out']],
    ([yAt, gradAt, outAt], length) => wasm!.kernel.sigmoid_backward(yAt!, gradAt!, outAt!, length)),
  tanh: (x, out) => runInChunks(out.length, [[x, 'in'], [out, 'out']],
    ([xAt, outAt], length) => wasm!.kernel.tanh(xAt!, outAt!, length)),
  tanhBackward: (y, grad, out) => runInChunks(out.length, [[y, 'in'], [grad, 'in'], [out, 'out']],
    ([yAt, gradAt, outAt], length) => wasm!.kernel.tanh_backward(yAt!, gradAt!, outAt!, length)),
};

/** y[i] += alpha · x[i], the plain TypeScript definition (float32 product, then float32 sum). */
export function axpyTs(alpha: number, x: Float32Array, y: Float32Array): void {
  const a = Math.fround(alpha);
  for (let i = 0; i < y.length; i++) y[i] = y[i]! + Math.fround(a * x[i]!);
}

/**
 * y[i] += alpha · x[i] (BLAS axpy), in float32 arithmetic. The SGD step is
 * axpy(-lr, grad, param); adding a gradient into another is axpy(1, g, into).
 *
 * @example
 * const y = new Float32Array([1, 1]); axpy(-0.5, new Float32Array([2, 4]), y); // y = [0, -1]
 */
export function axpy(alpha: number, x: Float32Array, y: Float32Array): void {
  const done = runInChunks(y.length, [[x, 'in'], [y, 'inout']],
    ([xAt, yAt], length) => wasm!.kernel.axpy(alpha, xAt!, yAt!, length));
  if (!done) axpyTs(alpha, x, y);
}

/** out[j] = Σ_p x[p·cols + j], the plain TypeScript definition: float32 sums in row order. */
export function columnSumsTs(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
  out.fill(0, 0, cols);
  for (let p = 0; p < rows; p++) {
    const row = p * cols;
    // Each sum is rounded to float32 as it is stored, as the SIMD version rounds.
    for (let j = 0; j < cols; j++) out[j] = out[j]! + x[row + j]!;
  }
}

/**
 * Column sums of a row-major [rows, cols] matrix: out[j] = Σ_p x[p·cols + j],
 * each a float32 sum taken in row order (p = 0, 1, 2, …). This is the bias
 * gradient of a Dense layer, db = column sums of dout, and gives the same
 * bits as the product ones(1×rows)·x through the wasm matmul kernels for up
 * to 512 rows (their depth slice, beyond which they sum slice by slice).
 * Shapes: x of at least rows·cols floats, out of at least cols.
 *
 * @example
 * const out = new Float32Array(2); columnSums(new Float32Array([1, 2, 3, 4, 5, 6]), 3, 2, out); // out = [9, 12]
 */
export function columnSums(x: Float32Array, rows: number, cols: number, out: Float32Array): void {
  const run = runByRows(x, rows, cols, 1, (count, [outAt]) => wasm!.kernel.column_sums(0, outAt!, count, cols));
  if (run === null) return columnSumsTs(x, rows, cols, out);
  out.set(run.heap.subarray(run.at[0]!, run.at[0]! + cols));
}

/**
 * The running sums of a dataset's values and of their squares, the plain
 * TypeScript definition: float64, one element after the other, in order.
 */
export function sumAndSquaresTs(x: Float32Array, sum: number, squares: number): [sum: number, squares: number] {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    sum += v;
    squares += v * v;
  }
  return [sum, squares];
}

/**
 * Adds the values of x and their squares onto running sums:
 * [sum + Σ x[i], squares + Σ x[i]²], in float64, one element after the other
 * in order, so the bits are those of the plain loop (sumAndSquaresTs) and a
 * dataset can be summed batch by batch. The dead-neuron instrument's mean and
 * standard deviation of every activation come from these two sums.
 *
 * @example
 * sumAndSquares(new Float32Array([1, 2, 3]), 0, 0); // [6, 14]
 */
export function sumAndSquares(x: Float32Array, sum: number, squares: number): [sum: number, squares: number] {
  const inWasm = runInChunks(x.length, [[x, 'in']], ([at], length) => {
    [sum, squares] = wasm!.kernel.sum_and_squares(at!, length, sum, squares);
  });
  return inWasm ? [sum, squares] : sumAndSquaresTs(x, sum, squares);
}

/** How many values of each column are below, equal to and above a threshold (see columnCounts). */
export interface ColumnCounts {
  below: Int32Array;
  equal: Int32Array;
  above: Int32Array;
}

/**
 * columnCounts' plain TypeScript definition: for each column j of the
 * row-major [rows, cols] matrix x, how many of its values are below, equal to
 * and above `threshold`. NaN is none of the three.
 */
export function columnCountsTs(x: Float32Array, rows: number, cols: number, threshold: number, counts: ColumnCounts): void {
  const { below, equal, above } = counts;
  below.fill(0, 0, cols);
  equal.fill(0, 0, cols);
  above.fill(0, 0, cols);
  for (let p = 0; p < rows; p++) {
    for (let j = 0; j < cols; j++) {
      const v = x[p * cols + j]!;
      if (v < threshold) below[j]!++;
      else if (v === threshold) equal[j]!++;
      else if (v > threshold) above[j]!++;
    }
  }
}

/**
 * For each column j of the row-major [rows, cols] matrix x, counts how many of
 * its values are below, equal to and above `threshold` (a number, compared
 * with each float32 value as JavaScript compares; NaN counts in none of the
 * three, and -0 equals 0), into counts.below[j], counts.equal[j] and
 * counts.above[j] (overwritten; each array holds at least cols counts). The
 * dead-neuron instrument counts with it, per unit over a batch, the inputs
 * below, at and above 0 (ReLU family), the outputs that are exactly 0 (ReLU),
 * and the outputs past a saturation threshold (Sigmoid, Tanh).
 *
 * In TypeScript this is a loop of data-dependent branches, which a CPU
 * mispredicts on activations of random sign (20-30 ns per value in the
 * instrument); the wasm kernel compares four values at a time without branching.
 *
 * @example
 * const counts = { below: new Int32Array(2), equal: new Int32Array(2), above: new Int32Array(2) };
 * columnCounts(new Float32Array([-1, 0, 0, 2, 3, NaN]), 3, 2, 0, counts);
 * // counts.below = [1, 0], counts.equal = [1, 1], counts.above = [1, 1]
 */
export function columnCounts(x: Float32Array, rows: number, cols: number, threshold: number, counts: ColumnCounts): void {
  const run = runByRows(x, rows, cols, 3, (count, [belowAt, equalAt, aboveAt]) =>
    wasm!.kernel.column_counts(0, count, cols, threshold, belowAt!, equalAt!, aboveAt!));
  if (run === null) return columnCountsTs(x, rows, cols, threshold, counts);
  // The counts are int32s (zeroed as floats: the same bits), read through an Int32Array view.
  const asInt32 = new Int32Array(run.heap.buffer);
  [counts.below, counts.equal, counts.above].forEach((array, k) => array.set(asInt32.subarray(run.at[k]!, run.at[k]! + cols)));
}

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
  const done = runInChunks(p.length,
    [[p, 'inout'], [grad, 'in'], [m, 'inout'], [v, 'inout']],
    ([pAt, gradAt, mAt, vAt], length) => wasm!.kernel.adam_update(pAt!, gradAt!, mAt!, vAt!, length,
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
  const done = runInChunks(p.length, [[p, 'inout'], [grad, 'in'], [buffer, 'inout']],
    ([pAt, gradAt, bufferAt], length) => wasm!.kernel.sgd_update(pAt!, gradAt!, bufferAt!, length,
      c.lr, c.weightDecay, c.momentum, c.dampening, buffer === null ? 0 : 1, c.firstStep ? 1 : 0, c.nesterov ? 1 : 0));
  if (!done) sgdUpdateTs(p, grad, buffer, c);
}
