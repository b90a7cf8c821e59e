/**
 * Shape helpers shared by every op: element counts, validation and the
 * `[2,3]` notation used in error messages.
 */

/** A tensor's shape: one non-negative integer per dimension, `[]` for a scalar. */
export type Shape = readonly number[];

/** The largest number of elements one tensor may hold (2^30, a 4 GiB Float32Array). */
export const MAX_ELEMENTS = 2 ** 30;

/** Formats a shape the way error messages show it: `[32,784]`. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/** Number of elements in a tensor of this shape (1 for a scalar). */
export function sizeOf(shape: Shape): number {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}

/** True when both shapes have the same dimensions. */
export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Throws unless `shape` is an array of non-negative integers whose product
 * (and every one of them) is at most MAX_ELEMENTS. `op` names the caller in
 * the message, e.g. `zeros: shape [2,-1] is invalid: every dimension must be
 * a non-negative integer, got -1`.
 */
export function checkShape(op: string, shape: Shape): void {
  if (!Array.isArray(shape)) {
    throw new Error(`${op}: a shape must be an array of dimensions such as [2, 3], got ${JSON.stringify(shape) ?? String(shape)}`);
  }
  for (const dim of shape) {
    if (!Number.isInteger(dim) || dim < 0) {
      throw new Error(`${op}: shape ${formatShape(shape)} is invalid: every dimension must be a non-negative integer, got ${dim}`);
    }
    // Checked one by one too: [0, 1e300] has no elements, but no real tensor has such a dimension.
    if (dim > MAX_ELEMENTS) {
      throw new Error(`${op}: shape ${formatShape(shape)} has a dimension of ${dim}, more than the limit of ${MAX_ELEMENTS}`);
    }
  }
  const size = sizeOf(shape);
  if (size > MAX_ELEMENTS) {
    throw new Error(`${op}: shape ${formatShape(shape)} has ${size} elements, more than the limit of ${MAX_ELEMENTS}`);
  }
}

/**
 * Turns a possibly negative axis (`-1` is the last) into its index, or throws
 * naming the op and the shape.
 */
export function normalizeAxis(op: string, axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new Error(`${op}: axis ${axis} is out of range for a tensor with ${ndim} dimension${ndim === 1 ? '' : 's'}`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Row-major strides: how far apart consecutive indices of each dimension lie in memory. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= shape[d]!;
  }
  return strides;
}

/**
 * For every element of a tensor of shape `shape`, taken in row-major order,
 * the memory offset `sum(index[d] * strides[d])`. With the natural strides this
 * counts 0, 1, 2, …; with permuted strides it reads a transpose; with a stride
 * of 0 it repeats an element (broadcasting).
 */
export function stridedIndex(shape: Shape, strides: readonly number[]): Int32Array {
  const ndim = shape.length;
  const index = new Int32Array(sizeOf(shape));
  const counter = new Array<number>(ndim).fill(0);
  let offset = 0;
  for (let i = 0; i < index.length; i++) {
    index[i] = offset;
    // Odometer: bump the last dimension, carrying into earlier ones.
    for (let d = ndim - 1; d >= 0; d--) {
      counter[d]!++;
      offset += strides[d]!;
      if (counter[d]! < shape[d]!) break;
      offset -= strides[d]! * counter[d]!;
      counter[d] = 0;
    }
  }
  return index;
}
