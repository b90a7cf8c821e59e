/**
 * Ops that compare values: the position of the largest / smallest element
 * (argmax, argmin, not differentiable), clamping, choosing by a condition
 * (where) and the elementwise larger / smaller of two tensors.
 *
 * Their gradients are all "the gradient goes to whichever input was chosen":
 * an output copied from an input passes its gradient to that input only.
 */
import { accumulateFreshGrad, makeOutput } from './autograd.js';
import { broadcastShapes, expandTo } from './broadcast.js';
import { formatShape, normalizeAxis, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';
import { asTensor, type TensorLike } from './ops.js';

/** True when `candidate` beats `best` for argmax (the larger wins; NaN beats everything, as in PyTorch). */
const beatsForMax = (candidate: number, best: number) => candidate > best || (Number.isNaN(candidate) && !Number.isNaN(best));
/** True when `candidate` beats `best` for argmin. */
const beatsForMin = (candidate: number, best: number) => candidate < best || (Number.isNaN(candidate) && !Number.isNaN(best));

/** argmax / argmin: the index of the first winning element along `axis`, or over the flattened tensor. */
function argBest(op: string, x: Tensor, beats: (candidate: number, best: number) => boolean, axis: number | undefined, keepDims: boolean): Tensor {
  if (x.size === 0) throw new Error(`${op}: cannot reduce the empty tensor of shape ${formatShape(x.shape)}`);
  if (axis === undefined) {
    let best = 0;
    for (let i = 1; i < x.size; i++) if (beats(x.data[i]!, x.data[best]!)) best = i;
    return new Tensor(new Float32Array([best]), keepDims ? x.shape.map(() => 1) : []);
  }
  const d = normalizeAxis(op, axis, x.ndim);
  const outer = sizeOf(x.shape.slice(0, d));
  const size = x.shape[d]!;
  const inner = sizeOf(x.shape.slice(d + 1));
  const out = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = 0;
      for (let k = 1; k < size; k++) {
        if (beats(x.data[(o * size + k) * inner + i]!, x.data[(o * size + best) * inner + i]!)) best = k;
      }
      out[o * inner + i] = best;
    }
  }
  const outShape = keepDims ? x.shape.map((dim, i) => (i === d ? 1 : dim)) : x.shape.filter((_, i) => i !== d);
  return new Tensor(out, outShape);
}

/**
 * The index of the largest element along `axis` (over the flattened tensor
 * when no axis is given), as float32 numbers. The first one wins a tie; NaN
 * counts as the largest, as in PyTorch. Not differentiable: the result never
 * requires grad.
 * Shape: the input's without `axis` (size 1 there with keepDims); [] without an axis.
 *
 * @example
 * argmax(tensor([[1, 5, 2], [7, 0, 7]]), 1).toArray(); // [1, 0]
 * argmax(tensor([[1, 5], [7, 0]])).item();             // 2
 */
export function argmax(x: Tensor, axis?: number, keepDims = false): Tensor {
  return argBest('argmax', x, beatsForMax, axis, keepDims);
}

/**
 * The index of the smallest element along `axis` (over the flattened tensor
 * when no axis is given), as argmax but for the minimum.
 *
 * @example
 * argmin(tensor([[1, 5, 2], [7, 0, 7]]), 1).toArray(); // [0, 1]
 */
export function argmin(x: Tensor, axis?: number, keepDims = false): Tensor {
  return argBest('argmin', x, beatsForMin, axis, keepDims);
}

/**
 * Limits every element to [min, max]: out = min(max(x, min), max). Either
 * bound may be left out (undefined). NaN stays NaN.
 * Derivative 1 where min <= x <= max (bounds included, as in PyTorch), else 0.
 * Shape: any -> same.
 *
 * @example
 * clamp(tensor([-2, 0.5, 3]), 0, 1).toArray(); // [0, 0.5, 1]
 */
export function clamp(x: Tensor, min?: number, max?: number): Tensor {
  const low = min ?? -Infinity;
  const high = max ?? Infinity;
  if (Number.isNaN(low) || Number.isNaN(high) || low > high) {
    throw new Error(`clamp: need min <= max (either may be left out), got min=${min}, max=${max}`);
  }
  const out = new Float32Array(x.size);
  for (let i = 0; i < out.length; i++) out[i] = Math.min(Math.max(x.data[i]!, low), high);
  return makeOutput('clamp', out, x.shape, [x], (grad) => {
    // d clamp/dx = 1 if min <= x <= max else 0
    const gx = new Float32Array(grad.length);
    for (let i = 0; i < gx.length; i++) gx[i] = x.data[i]! >= low && x.data[i]! <= high ? grad[i]! : 0;
    accumulateFreshGrad(x, gx);
  });
}

/**
 * Chooses elementwise: out = condition ? a : b, where a non-zero condition
 * element counts as true. All three broadcast (NumPy rules).
 * The gradient goes to a where the condition holds and to b elsewhere; the
 * condition gets none.
 * Shape: broadcast(condition.shape, a.shape, b.shape).
 *
 * @example
 * where(tensor([1, 0, 1]), tensor([1, 2, 3]), 0).toArray(); // [1, 0, 3]
 */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const x = asTensor(a, 'where');
  const y = asTensor(b, 'where');
  const shape = broadcastShapes('where', broadcastShapes('where', condition.shape, x.shape), y.shape);
  const cs = expandTo(condition.data, condition.shape, shape);
  const xs = expandTo(x.data, x.shape, shape);
  const ys = expandTo(y.data, y.shape, shape);
  const out = new Float32Array(cs.length);
  for (let i = 0; i < out.length; i++) out[i] = cs[i]! !== 0 ? xs[i]! : ys[i]!;
  return makeOutput('where', out, shape, [x, y], (grad) => {
    // d out/da = [condition], d out/db = [not condition]
    if (x.requiresGrad) {
      const gx = new Float32Array(grad.length);
      for (let i = 0; i < gx.length; i++) gx[i] = cs[i]! !== 0 ? grad[i]! : 0;
      accumulateFreshGrad(x, gx, shape);
    }
    if (y.requiresGrad) {
      const gy = new Float32Array(grad.length);
      for (let i = 0; i < gy.length; i++) gy[i] = cs[i]! !== 0 ? 0 : grad[i]!;
      accumulateFreshGrad(y, gy, shape);
    }
  });
}

/**
 * maximum / minimum: out = the winner of a and b per element (NaN if either
 * is NaN); the gradient goes to the winner, split in halves on a tie, as
 * PyTorch's torch.maximum / torch.minimum.
 */
function elementwiseBest(op: string, a: TensorLike, b: TensorLike, aWins: (u: number, v: number) => boolean): Tensor {
  const x = asTensor(a, op);
  const y = asTensor(b, op);
  const shape = broadcastShapes(op, x.shape, y.shape);
  const xs = expandTo(x.data, x.shape, shape);
  const ys = expandTo(y.data, y.shape, shape);
  const out = new Float32Array(xs.length);
  for (let i = 0; i < out.length; i++) {
    const u = xs[i]!;
    const v = ys[i]!;
    out[i] = Number.isNaN(u) || Number.isNaN(v) ? NaN : aWins(u, v) ? u : v;
  }
  return makeOutput(op, out, shape, [x, y], (grad) => {
    // d out/da = 1 where a wins, 1/2 on a tie, 0 where b wins; d out/db the other way round
    const share = (mine: Float32Array, theirs: Float32Array, iWin: (u: number, v: number) => boolean) => {
      const g = new Float32Array(grad.length);
      for (let i = 0; i < g.length; i++) {
        const u = mine[i]!;
        const v = theirs[i]!;
        g[i] = u === v ? grad[i]! / 2 : iWin(u, v) ? grad[i]! : 0;
      }
      return g;
    };
    if (x.requiresGrad) accumulateFreshGrad(x, share(xs, ys, aWins), shape);
    if (y.requiresGrad) accumulateFreshGrad(y, share(ys, xs, aWins), shape);
  });
}

/**
 * The elementwise larger of two tensors (torch.maximum), with broadcasting.
 * Derivative: 1 for the larger input, 0 for the other, 1/2 each on a tie; NaN propagates.
 * Shape: broadcast(a.shape, b.shape).
 *
 * @example
 * maximum(tensor([1, 5, 3]), tensor([4, 2, 3])).toArray(); // [4, 5, 3]
 */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return elementwiseBest('maximum', a, b, (u, v) => u > v);
}

/**
 * The elementwise smaller of two tensors (torch.minimum), with broadcasting;
 * as `maximum` with the order reversed.
 *
 * @example
 * minimum(tensor([1, 5, 3]), 2).toArray(); // [1, 2, 2]
 */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return elementwiseBest('minimum', a, b, (u, v) => u < v);
}
