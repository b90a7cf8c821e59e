/**
 * NumPy broadcasting, and its undoing.
 *
 * Shapes are aligned on the right; a dimension of size 1 (or a missing one)
 * stretches to match the other. In the forward pass an op *expands* its inputs
 * to the common shape; in the backward pass the gradient must be *summed back*
 * over the stretched dimensions. `sumToShape` is the one place that happens.
 */
import { formatShape, sameShape, sizeOf, stridedIndex, stridesOf, type Shape } from './shape.js';

/** The shape two operands broadcast to, or an error naming the op and both shapes. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const ndim = Math.max(a.length, b.length);
  const out = new Array<number>(ndim);
  for (let i = 0; i < ndim; i++) {
    const da = a[a.length - ndim + i] ?? 1;
    const db = b[b.length - ndim + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: cannot broadcast shapes ${formatShape(a)} and ${formatShape(b)}`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * For every element of a tensor of shape `to`, the flat index of the element
 * of a tensor of shape `from` that broadcasting maps onto it.
 * `from` must broadcast to `to`.
 */
export function broadcastIndex(from: Shape, to: Shape): Int32Array {
  const ndim = to.length;
  const offset = ndim - from.length;
  const fromStrides = stridesOf(from);
  // Stride 0 along stretched dimensions: moving along them stays on the same element.
  const strides = new Array<number>(ndim);
  for (let d = 0; d < ndim; d++) {
    const fromDim = d - offset;
    strides[d] = fromDim < 0 || from[fromDim] === 1 ? 0 : fromStrides[fromDim]!;
  }
  return stridedIndex(to, strides);
}

/** Copies `data` of shape `from` out to shape `to`, or returns it as is when the shapes agree. */
export function expandTo(data: Float32Array, from: Shape, to: Shape): Float32Array {
  if (sameShape(from, to)) return data;
  const index = broadcastIndex(from, to);
  const out = new Float32Array(index.length);
  for (let i = 0; i < out.length; i++) out[i] = data[index[i]!]!;
  return out;
}

/**
 * Undoes broadcasting for a gradient: sums `grad` (of shape `from`) over every
 * dimension that was stretched to reach it from `to`.
 */
export function sumToShape(grad: Float32Array, from: Shape, to: Shape): Float32Array {
  if (sameShape(from, to)) return grad;
  const index = broadcastIndex(to, from);
  const sums = new Float64Array(sizeOf(to));
  for (let i = 0; i < grad.length; i++) sums[index[i]!]! += grad[i]!;
  return Float32Array.from(sums);
}
