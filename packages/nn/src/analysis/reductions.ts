/**
 * The two reductions the dead-neuron instrument runs over every activation it
 * measures: running float64 sums of the values and their squares
 * (sumAndSquares), and counts per column against a threshold (columnCounts).
 * Each has its plain TypeScript definition (also the fallback) and a
 * WebAssembly SIMD version (wasm/reductions.wat, run through core's
 * loadWasmKernels) used for arrays of at least WASM_MIN_LENGTH floats; both
 * give the same numbers (test/core/kernels.test.ts compares them).
 */
import { base64Bytes, loadWasmKernels } from '@gradlab/core/kernels';
import { binaries } from './wasm/reductions.bytes.js';

interface ReductionExports {
  sum_and_squares(x: number, n: number, sum: number, squares: number): [number, number];
  column_counts(x: number, rows: number, cols: number, threshold: number, below: number, equal: number, above: number): void;
}

/** The wasm module, or null where it cannot run (the TypeScript loops are used then). */
const wasm = loadWasmKernels<ReductionExports>(base64Bytes(binaries['reductions.wasm']));

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
  const inWasm = wasm !== null && wasm.runInChunks(x.length, [[x, 'in']], ([at], length) => {
    [sum, squares] = wasm!.exports.sum_and_squares(at!, length, sum, squares);
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
  const run = wasm === null ? null : wasm.runByRows(x, rows, cols, 3, (count, [belowAt, equalAt, aboveAt]) =>
    wasm!.exports.column_counts(0, count, cols, threshold, belowAt!, equalAt!, aboveAt!));
  if (run === null) return columnCountsTs(x, rows, cols, threshold, counts);
  // The counts are int32s (zeroed as floats: the same bits), read through an Int32Array view.
  const asInt32 = new Int32Array(run.heap.buffer);
  [counts.below, counts.equal, counts.above].forEach((array, k) => array.set(asInt32.subarray(run.at[k]!, run.at[k]! + cols)));
}

