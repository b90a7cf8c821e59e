/**
 * Indexing ops: taking parts of a tensor along an axis (slice, indexSelect,
 * gather) and putting tensors together (concat, stack).
 *
 * Every one of them only moves elements, so every backward is the same idea
 * run the other way: send each output gradient back to the input element it
 * was copied from, adding where one input element was copied several times.
 *
 * Along an axis, a row-major tensor of shape [...before, size, ...after] is a
 * 3-d block [outer, size, inner] with outer = product(before) and
 * inner = product(after); element (o, k, i) sits at (o * size + k) * inner + i.
 */
import { accumulateFreshGrad, makeOutput } from './autograd.js';
import { reshape } from './ops.js';
import { formatShape, normalizeAxis, sizeOf, stridedIndex, stridesOf, type Shape } from './shape.js';
import { Tensor } from './tensor.js';

/** The [outer, size, inner] view of `shape` around `axis` (see the file comment). */
function blocksAround(shape: Shape, axis: number): { outer: number; size: number; inner: number } {
  return { outer: sizeOf(shape.slice(0, axis)), size: shape[axis]!, inner: sizeOf(shape.slice(axis + 1)) };
}

/** Throws unless every value is an integer in [0, size); `what` names them in the message. */
function checkIndices(op: string, values: ArrayLike<number>, size: number, what: string): void {
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (!Number.isInteger(value) || value < 0 || value >= size) {
      throw new Error(`${op}: ${what} ${value} (at position ${i}) is not an integer in [0, ${size})`);
    }
  }
}

/**
 * The elements start, start + step, … (before end) along one axis, as Python's
 * `x[start:end:step]` on that axis. Negative start / end count from the end;
 * both are clipped to [0, size] as in Python. step is a positive integer.
 * Shape: the input's, with `shape[axis]` = ceil((end - start) / step) (0 if negative).
 * out[o, k, i] = x[o, start + k·step, i].
 *
 * @example
 * slice(tensor([[1, 2, 3], [4, 5, 6]]), 1, 1).toArray();     // [[2, 3], [5, 6]]
 * slice(arange(6), 0, 0, 6, 2).toArray();                    // [0, 2, 4]
 */
export function slice(x: Tensor, axis: number, start: number, end?: number, step = 1): Tensor {
  const d = normalizeAxis('slice', axis, x.ndim);
  const { outer, size, inner } = blocksAround(x.shape, d);
  if (!Number.isInteger(start) || (end !== undefined && !Number.isInteger(end)) || !Number.isInteger(step) || step < 1) {
    throw new Error(`slice: start and end must be integers and step a positive integer, got start=${start}, end=${end}, step=${step}`);
  }
  const clip = (index: number) => Math.min(Math.max(index < 0 ? index + size : index, 0), size);
  const first = clip(start);
  const last = clip(end ?? size);
  const count = Math.max(0, Math.ceil((last - first) / step));
  const outShape = x.shape.map((dim, i) => (i === d ? count : dim));
  // source[j]: the input element output element j is copied from.
  const source = new Int32Array(outer * count * inner);
  let j = 0;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < count; k++) {
      const row = (o * size + first + k * step) * inner;
      for (let i = 0; i < inner; i++) source[j++] = row + i;
    }
  }
  return gatherFlat('slice', x, source, outShape);
}

/**
 * Picks whole entries along an axis by index, in the order given and with
 * repeats allowed (PyTorch's index_select; `x[:, indices]` in NumPy).
 * Shape: the input's, with `shape[axis]` = indices.length.
 * out[o, k, i] = x[o, indices[k], i]; every index an integer in [0, shape[axis]).
 *
 * @example
 * indexSelect(tensor([[1, 2], [3, 4], [5, 6]]), 0, [2, 0, 2]).toArray(); // [[5, 6], [1, 2], [5, 6]]
 */
export function indexSelect(x: Tensor, axis: number, indices: readonly number[] | Tensor): Tensor {
  const d = normalizeAxis('indexSelect', axis, x.ndim);
  const { outer, size, inner } = blocksAround(x.shape, d);
  const picks = indices instanceof Tensor ? indices.data : indices;
  if (indices instanceof Tensor && indices.ndim > 1) {
    throw new Error(`indexSelect: indices must be 1-d, got shape ${formatShape(indices.shape)}`);
  }
  checkIndices('indexSelect', picks, size, `index for axis ${axis} of shape ${formatShape(x.shape)}:`);
  const outShape = x.shape.map((dim, i) => (i === d ? picks.length : dim));
  const source = new Int32Array(outer * picks.length * inner);
  let j = 0;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < picks.length; k++) {
      const row = (o * size + picks[k]!) * inner;
      for (let i = 0; i < inner; i++) source[j++] = row + i;
    }
  }
  return gatherFlat('indexSelect', x, source, outShape);
}

/**
 * Picks one element along an axis for every position of `index`, as PyTorch's
 * torch.gather: for axis 1 of a 2-d input, out[r][c] = x[r][index[r][c]].
 * Its everyday use is picking each example's score for its class:
 * `gather(logits, 1, labels as [batch, 1])`.
 * Shape: out has index's shape; index has x's number of dimensions and
 * index.shape[d] <= x.shape[d] for every d other than axis.
 *
 * @example
 * gather(tensor([[1, 2, 3], [4, 5, 6]]), 1, tensor([[2], [0]])).toArray(); // [[3], [4]]
 */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  const d = normalizeAxis('gather', axis, x.ndim);
  const fits = index.ndim === x.ndim && index.shape.every((dim, i) => i === d || dim <= x.shape[i]!);
  if (!fits) {
    throw new Error(`gather: index of shape ${formatShape(index.shape)} does not fit input of shape ${formatShape(x.shape)} along axis ${axis} (same number of dimensions, and no larger on the other axes)`);
  }
  checkIndices('gather', index.data, x.shape[d]!, `index for axis ${axis} of shape ${formatShape(x.shape)}:`);
  const strides = stridesOf(x.shape);
  // The input offset of each index position with the gathered axis at 0; the index then adds index·stride.
  const base = stridedIndex(index.shape, strides.map((stride, i) => (i === d ? 0 : stride)));
  const source = new Int32Array(index.size);
  for (let j = 0; j < source.length; j++) source[j] = base[j]! + index.data[j]! * strides[d]!;
  return gatherFlat('gather', x, source, index.shape);
}

/**
 * The primitive behind slice, indexSelect and gather: out[j] = x[source[j]].
 * Not exported: the three ops above say in their own terms which elements they take.
 */
function gatherFlat(op: string, x: Tensor, source: Int32Array, outShape: Shape): Tensor {
  const out = new Float32Array(source.length);
  for (let j = 0; j < out.length; j++) out[j] = x.data[source[j]!]!;
  return makeOutput(op, out, outShape, [x], (grad) => {
    // out[j] = x[source[j]]  =>  dx[source[j]] += grad[j] (an element taken twice gets both)
    const gx = new Float32Array(x.size);
    for (let j = 0; j < grad.length; j++) gx[source[j]!]! += grad[j]!;
    accumulateFreshGrad(x, gx);
  });
}

/**
 * Joins tensors end to end along an existing axis (torch.cat).
 * Shape: all inputs agree except on `axis`; out.shape[axis] = the sum of theirs.
 *
 * @example
 * concat([tensor([[1, 2]]), tensor([[3, 4], [5, 6]])], 0).toArray(); // [[1, 2], [3, 4], [5, 6]]
 * concat([tensor([[1], [2]]), tensor([[3], [4]])], 1).toArray();     // [[1, 3], [2, 4]]
 */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0 || !tensors.every((t) => t instanceof Tensor)) {
    throw new Error('concat: expected a non-empty array of tensors');
  }
  const first = tensors[0]!;
  const d = normalizeAxis('concat', axis, first.ndim);
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((dim, i) => i !== d && dim !== first.shape[i])) {
      throw new Error(`concat: shapes ${tensors.map((u) => formatShape(u.shape)).join(', ')} differ outside axis ${axis}`);
    }
  }
  const { outer, inner } = blocksAround(first.shape, d);
  const total = tensors.reduce((sum, t) => sum + t.shape[d]!, 0);
  const outShape = first.shape.map((dim, i) => (i === d ? total : dim));
  const out = new Float32Array(outer * total * inner);
  // Input t fills columns [offsets[t], offsets[t] + its size) of every outer block.
  const offsets: number[] = [];
  let offset = 0;
  for (const t of tensors) {
    offsets.push(offset);
    const width = t.shape[d]! * inner;
    for (let o = 0; o < outer; o++) out.set(t.data.subarray(o * width, (o + 1) * width), (o * total + offset) * inner);
    offset += t.shape[d]!;
  }
  return makeOutput('concat', out, outShape, tensors, (grad) => {
    // Each input's gradient is its own stretch of the output gradient
    tensors.forEach((t, index) => {
      if (!t.requiresGrad) return;
      const width = t.shape[d]! * inner;
      const gt = new Float32Array(t.size);
      for (let o = 0; o < outer; o++) {
        const from = (o * total + offsets[index]!) * inner;
        gt.set(grad.subarray(from, from + width), o * width);
      }
      accumulateFreshGrad(t, gt);
    });
  });
}

/**
 * Stacks tensors of one shape along a new axis (torch.stack): each gets a
 * dimension of size 1 at `axis`, then they are concatenated there.
 * Shape: n tensors of shape S -> S with n inserted at `axis` (0 <= axis <= S.length, or negative).
 *
 * @example
 * stack([tensor([1, 2]), tensor([3, 4])]).toArray();    // [[1, 2], [3, 4]]
 * stack([tensor([1, 2]), tensor([3, 4])], 1).toArray(); // [[1, 3], [2, 4]]
 */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0 || !tensors.every((t) => t instanceof Tensor)) {
    throw new Error('stack: expected a non-empty array of tensors');
  }
  const shape = tensors[0]!.shape;
  if (tensors.some((t) => t.ndim !== shape.length || t.shape.some((dim, i) => dim !== shape[i]))) {
    throw new Error(`stack: every tensor must have the same shape, got ${tensors.map((t) => formatShape(t.shape)).join(', ')}`);
  }
  const d = normalizeAxis('stack', axis, shape.length + 1);
  const withAxis = [...shape.slice(0, d), 1, ...shape.slice(d)];
  return concat(tensors.map((t) => reshape(t, withAxis)), d);
}
