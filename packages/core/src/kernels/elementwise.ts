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
import { recordCall, recording, unsupported, type OperandUse } from './recording.js';
import { base64Bytes, loadWasmKernels, type Operand } from './wasm-kernels.js';
import { binaries } from './wasm/elementwise.bytes.js';

export { WASM_MIN_LENGTH, CHUNK_FLOATS } from './wasm-kernels.js';

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
}

/** The wasm module, or null where it cannot run (the TypeScript loops are used then). */
const wasm = loadWasmKernels<ElementwiseExports>(base64Bytes(binaries['elementwise.wasm']));

/** True when the WebAssembly versions are in use. */
export function elementwiseWasmAvailable(): boolean {
  return wasm !== null;
}

/** See WasmKernels.runInChunks: false, having done nothing, where wasm cannot run or the readable mode is on. */
function runInChunks(n: number, operands: Operand[], kernel: (addresses: number[], length: number) => void): boolean {
  return wasm !== null && wasm.runInChunks(n, operands, kernel);
}

/** See WasmKernels.runByRows. */
function runByRows(x: Float32Array, rows: number, cols: number, results: number,
  kernel: (count: number, resultAddresses: number[]) => void): { heap: Float32Array; at: number[] } | null {
  return wasm === null ? null : wasm.runByRows(x, rows, cols, results, kernel);
}

/**
 * Records a call for a step being captured (kernels/recording.ts): its replay
 * runs the wasm kernel over the arena whatever the length (the TypeScript loop
 * an eager call takes below WASM_MIN_LENGTH gives the same bits). Replays
 * index `at` rather than destructure it: array destructuring can allocate an
 * iterator, and a replay must not allocate.
 */
function record(name: string, operands: Array<[Float32Array, OperandUse]>,
  replay: (exports: ElementwiseExports, at: number[], views: Float32Array[]) => void): void {
  if (recording() === null) return;
  if (wasm === null) return unsupported(`${name} (WebAssembly is unavailable)`);
  recordCall({
    name, module: wasm.module, operands: operands.map(([array, use]) => ({ array, use })),
    replay: (context) => replay(context.exports as ElementwiseExports, context.at, context.views as Float32Array[]),
  });
}

/**
 * Runs an elementwise kernel over its operands (the last one's length) in
 * chunks, as runInChunks does, and records it for a step being captured:
 * `kernel(exports, addresses, length)` is the one call both use. False where
 * the wasm version did not run (the caller runs its TypeScript loop).
 */
function elementwise(name: string, operands: Array<[Float32Array, OperandUse]>,
  kernel: (exports: ElementwiseExports, at: number[], length: number) => void): boolean {
  const n = operands[operands.length - 1]![0].length;
  record(name, operands, (e, at) => kernel(e, at, n));
  return runInChunks(n, operands, (addresses, length) => kernel(wasm!.exports, addresses, length));
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
  relu: (x, out) => elementwise('relu', [[x, 'in'], [out, 'out']], (e, at, n) => e.relu(at[0]!, at[1]!, n)),
  reluBackward: (x, grad, out) => elementwise('relu backward', [[x, 'in'], [grad, 'in'], [out, 'out']],
    (e, at, n) => e.relu_backward(at[0]!, at[1]!, at[2]!, n)),
  leakyRelu: (x, v, out, slope) => elementwise('leakyRelu', [[x, 'in'], [v, 'in'], [out, 'out']],
    (e, at, n) => e.leaky_relu(at[0]!, at[1]!, at[2]!, n, slope)),
  sigmoid: (x, out) => elementwise('sigmoid', [[x, 'in'], [out, 'out']], (e, at, n) => e.sigmoid(at[0]!, at[1]!, n)),
  sigmoidBackward: (y, grad, out) => elementwise('sigmoid backward', [[y, 'in'], [grad, 'in'], [out, 'out']],
    (e, at, n) => e.sigmoid_backward(at[0]!, at[1]!, at[2]!, n)),
  tanh: (x, out) => elementwise('tanh', [[x, 'in'], [out, 'out']], (e, at, n) => e.tanh(at[0]!, at[1]!, n)),
  tanhBackward: (y, grad, out) => elementwise('tanh backward', [[y, 'in'], [grad, 'in'], [out, 'out']],
    (e, at, n) => e.tanh_backward(at[0]!, at[1]!, at[2]!, n)),
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
  const done = elementwise('axpy', [[x, 'in'], [y, 'inout']], (e, at, n) => e.axpy(alpha, at[0]!, at[1]!, n));
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
  record('column sums', [[x, 'in'], [out, 'out']], (e, at, views) => {
    views[1]!.fill(0, 0, cols); // the kernel adds each row into out
    e.column_sums(at[0]!, at[1]!, rows, cols);
  });
  const run = runByRows(x, rows, cols, 1, (count, [outAt]) => wasm!.exports.column_sums(0, outAt!, count, cols));
  if (run === null) return columnSumsTs(x, rows, cols, out);
  out.set(run.heap.subarray(run.at[0]!, run.at[0]! + cols));
}
