/**
 * The differentiable operations. Each primitive computes its output with a
 * plain loop, then attaches its backward closure right below, with the
 * derivative as a one-line comment. Composite ops (sub, div, sqrt, mean,
 * softmax, …) are built from primitives and need no gradient code at all.
 *
 * A backward closure receives `grad` = d(result)/d(output) as a flat
 * Float32Array and hands each input its share through `accumulateGrad`,
 * which also undoes broadcasting. A share the closure has just allocated goes
 * through `accumulateFreshGrad` instead, which lets the input keep that array
 * rather than copy it.
 *
 * Speed never hides the math. Where a fast kernel exists it is swapped in by
 * one named call in front of the loop it replaces:
 *   if (!activationKernels.tanh(x.data, out)) for (…) out[i] = Math.tanh(x.data[i]);
 * The kernel runs the same loop in WebAssembly SIMD (same bits) and returns
 * false where it did not run: short arrays, no wasm, or the readable mode
 * (`useReferenceKernels()`, or GRADLAB_KERNELS=reference), in which every op
 * runs the loop you read here and every matrix product `matmulReference`.
 */
import { accumulateFreshGrad, accumulateGrad, makeOutput } from './autograd.js';
import { broadcastIndex, broadcastShapes, expandTo } from './broadcast.js';
import { activationKernels } from './kernels/elementwise.js';
import { matmulKernel } from './kernels/matmul.js';
import { formatShape, normalizeAxis, sizeOf, stridedIndex, stridesOf, type Shape } from './shape.js';
import { Tensor } from './tensor.js';

/** A tensor, or a plain number standing for a scalar tensor. */
export type TensorLike = Tensor | number;

/** `value` itself, or a scalar tensor holding the number; how every op taking a TensorLike reads it. */
export function asTensor(value: TensorLike, op = 'asTensor'): Tensor {
  if (value instanceof Tensor) return value;
  if (typeof value !== 'number') {
    // A JS array or object would turn into NaN here; the caller meant something else.
    const shown = Array.isArray(value) ? `the array ${JSON.stringify(value).slice(0, 40)} (wrap it in tensor(...))` : value === null ? 'null' : typeof value;
    throw new Error(`${op}: expected a Tensor or a number, got ${shown}`);
  }
  return new Tensor(new Float32Array([value]), []);
}

// ---------------------------------------------------------------------------
// Elementwise binary primitives (with broadcasting)
// ---------------------------------------------------------------------------

/**
 * Elementwise sum with NumPy broadcasting: out = a + b.
 * Shape: broadcast(a.shape, b.shape).
 *
 * @example
 * add(tensor([[1, 2], [3, 4]]), tensor([10, 20])).toArray(); // [[11, 22], [13, 24]]
 */
export function add(a: TensorLike, b: TensorLike): Tensor {
  const x = asTensor(a, 'add');
  const y = asTensor(b, 'add');
  const shape = broadcastShapes('add', x.shape, y.shape);
  const xs = expandTo(x.data, x.shape, shape);
  const ys = expandTo(y.data, y.shape, shape);
  const out = new Float32Array(xs.length);
  for (let i = 0; i < out.length; i++) out[i] = xs[i]! + ys[i]!;
  return makeOutput('add', out, shape, [x, y], (grad) => {
    // d(x + y)/dx = 1, d(x + y)/dy = 1
    accumulateGrad(x, grad, shape);
    accumulateGrad(y, grad, shape);
  });
}

/**
 * Elementwise product with NumPy broadcasting: out = a * b.
 * Shape: broadcast(a.shape, b.shape).
 *
 * @example
 * mul(tensor([1, 2, 3]), 2).toArray(); // [2, 4, 6]
 */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  const x = asTensor(a, 'mul');
  const y = asTensor(b, 'mul');
  const shape = broadcastShapes('mul', x.shape, y.shape);
  const xs = expandTo(x.data, x.shape, shape);
  const ys = expandTo(y.data, y.shape, shape);
  const out = new Float32Array(xs.length);
  for (let i = 0; i < out.length; i++) out[i] = xs[i]! * ys[i]!;
  return makeOutput('mul', out, shape, [x, y], (grad) => {
    // d(x y)/dx = y, d(x y)/dy = x
    if (x.requiresGrad) {
      const gx = new Float32Array(grad.length);
      for (let i = 0; i < gx.length; i++) gx[i] = grad[i]! * ys[i]!;
      accumulateFreshGrad(x, gx, shape);
    }
    if (y.requiresGrad) {
      const gy = new Float32Array(grad.length);
      for (let i = 0; i < gy.length; i++) gy[i] = grad[i]! * xs[i]!;
      accumulateFreshGrad(y, gy, shape);
    }
  });
}

// ---------------------------------------------------------------------------
// Elementwise unary primitives
// ---------------------------------------------------------------------------

/**
 * Raises every element to a fixed power: out = x^exponent.
 *
 * @example
 * pow(tensor([1, 2, 3]), 2).toArray(); // [1, 4, 9]
 */
export function pow(x: Tensor, exponent: number): Tensor {
  if (!Number.isFinite(exponent)) throw new Error(`pow: exponent must be a finite number, got ${exponent}`);
  const out = new Float32Array(x.size);
  for (let i = 0; i < out.length; i++) out[i] = Math.pow(x.data[i]!, exponent);
  return makeOutput('pow', out, x.shape, [x], (grad) => {
    // d(x^e)/dx = e x^(e-1)
    const gx = new Float32Array(grad.length);
    for (let i = 0; i < gx.length; i++) gx[i] = grad[i]! * exponent * Math.pow(x.data[i]!, exponent - 1);
    accumulateFreshGrad(x, gx);
  });
}

/**
 * Natural exponential: out = e^x.
 *
 * @example
 * exp(tensor([0, 1])).toArray(); // [1, 2.7182817]
 */
export function exp(x: Tensor): Tensor {
  const out = new Float32Array(x.size);
  for (let i = 0; i < out.length; i++) out[i] = Math.exp(x.data[i]!);
  return makeOutput('exp', out, x.shape, [x], (grad) => {
    // d e^x/dx = e^x, which is the output itself
    const gx = new Float32Array(grad.length);
    for (let i = 0; i < gx.length; i++) gx[i] = grad[i]! * out[i]!;
    accumulateFreshGrad(x, gx);
  });
}

/**
 * Natural logarithm: out = ln x (NaN below 0, -Infinity at 0).
 *
 * @example
 * log(tensor([1, Math.E])).toArray(); // [0, 1]
 */
export function log(x: Tensor): Tensor {
  const out = new Float32Array(x.size);
  for (let i = 0; i < out.length; i++) out[i] = Math.log(x.data[i]!);
  return makeOutput('log', out, x.shape, [x], (grad) => {
    // d ln x/dx = 1/x
    const gx = new Float32Array(grad.length);
    for (let i = 0; i < gx.length; i++) gx[i] = grad[i]! / x.data[i]!;
    accumulateFreshGrad(x, gx);
  });
}

/**
 * Absolute value: out = |x|. Its derivative at 0 is taken as 0, as in PyTorch.
 *
 * @example
 * abs(tensor([-2, 0, 3])).toArray(); // [2, 0, 3]
 */
export function abs(x: Tensor): Tensor {
  const out = new Float32Array(x.size);
  for (let i = 0; i < out.length; i++) out[i] = Math.abs(x.data[i]!);
  return makeOutput('abs', out, x.shape, [x], (grad) => {
    // d|x|/dx = sign(x), with sign(0) = 0
    const gx = new Float32Array(grad.length);
    for (let i = 0; i < gx.length; i++) gx[i] = grad[i]! * Math.sign(x.data[i]!);
    accumulateFreshGrad(x, gx);
  });
}

/**
 * Rectified linear unit: out = max(x, 0), and NaN stays NaN (as in IEEE
 * arithmetic and PyTorch: a NaN weight must not vanish behind a ReLU).
 * Derivative: 1 for x > 0 and 0 for x <= 0; at the kink x = 0 it is 0, as in
 * PyTorch and TensorFlow.js. A unit whose input is never positive gets no
 * gradient at all: that is how ReLU units die.
 *
 * @example
 * relu(tensor([-1, 0, 2, NaN])).toArray(); // [0, 0, 2, NaN]
 */
export function relu(x: Tensor): Tensor {
  const out = new Float32Array(x.size);
  // ReLU is the hottest elementwise op in training, so on long arrays activationKernels runs
  // this same loop in WebAssembly SIMD (same bits); it returns false where it did not run.
  if (!activationKernels.relu(x.data, out)) {
    // v > 0 or v is NaN (v !== v): NaN stays NaN; -0 gives +0.
    for (let i = 0; i < out.length; i++) out[i] = x.data[i]! > 0 || x.data[i]! !== x.data[i]! ? x.data[i]! : 0;
  }
  return makeOutput('relu', out, x.shape, [x], (grad) => {
    // d relu/dx = 0 if x <= 0 else 1 (a NaN x passes grad on, as in PyTorch)
    const gx = new Float32Array(grad.length);
    if (!activationKernels.reluBackward(x.data, grad, gx)) {
      for (let i = 0; i < gx.length; i++) gx[i] = x.data[i]! <= 0 ? 0 : grad[i]!;
    }
    accumulateFreshGrad(x, gx);
  });
}

/**
 * Leaky ReLU, exactly as the gradlab spec defines it:
 *   LeakyReLU(x) = x for x >= 0, negativeSlope * x for x < 0;
 *   derivative 1 for x >= 0 (so 1 at the kink x = 0) and negativeSlope for x < 0.
 * Default negativeSlope (the spec's alpha) is 0.01.
 *
 * @example
 * leakyRelu(tensor([-2, -1, 0, 1, 2])).toArray(); // [-0.02, -0.01, 0, 1, 2]
 */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  if (!Number.isFinite(negativeSlope)) {
    throw new Error(`leakyRelu: negativeSlope must be a finite number, got ${negativeSlope}`);
  }
  const out = new Float32Array(x.size);
  // On long arrays activationKernels runs the same loop in WebAssembly SIMD (same bits).
  if (!activationKernels.leakyRelu(x.data, x.data, out, negativeSlope)) {
    for (let i = 0; i < out.length; i++) out[i] = x.data[i]! >= 0 ? x.data[i]! : negativeSlope * x.data[i]!;
  }
  return makeOutput('leakyRelu', out, x.shape, [x], (grad) => {
    // d leakyRelu/dx = 1 if x >= 0 else negativeSlope
    const gx = new Float32Array(grad.length);
    if (!activationKernels.leakyRelu(x.data, grad, gx, negativeSlope)) {
      for (let i = 0; i < gx.length; i++) gx[i] = x.data[i]! >= 0 ? grad[i]! : negativeSlope * grad[i]!;
    }
    accumulateFreshGrad(x, gx);
  });
}

/**
 * Logistic sigmoid: out = 1 / (1 + e^-x), computed without overflow for large |x|.
 *
 * @example
 * sigmoid(tensor([0])).toArray(); // [0.5]
 */
export function sigmoid(x: Tensor): Tensor {
  const out = new Float32Array(x.size);
  // On long arrays activationKernels runs the same loop in WebAssembly SIMD (same bits).
  if (!activationKernels.sigmoid(x.data, out)) {
    for (let i = 0; i < out.length; i++) {
      const v = x.data[i]!;
      // 1 / (1 + e^-v) and e^v / (1 + e^v) are equal; each form keeps e^… from overflowing on its side of 0.
      out[i] = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
    }
  }
  return makeOutput('sigmoid', out, x.shape, [x], (grad) => {
    // d sigmoid/dx = y (1 - y), where y = out
    const gx = new Float32Array(grad.length);
    if (!activationKernels.sigmoidBackward(out, grad, gx)) {
      for (let i = 0; i < gx.length; i++) gx[i] = grad[i]! * out[i]! * (1 - out[i]!);
    }
    accumulateFreshGrad(x, gx);
  });
}

/**
 * Hyperbolic tangent: out = tanh x.
 *
 * @example
 * tanh(tensor([0])).toArray(); // [0]
 */
export function tanh(x: Tensor): Tensor {
  const out = new Float32Array(x.size);
  // On long arrays activationKernels runs the same loop in WebAssembly SIMD (same bits as Math.tanh).
  if (!activationKernels.tanh(x.data, out)) {
    for (let i = 0; i < out.length; i++) out[i] = Math.tanh(x.data[i]!);
  }
  return makeOutput('tanh', out, x.shape, [x], (grad) => {
    // d tanh/dx = 1 - y², where y = out
    const gx = new Float32Array(grad.length);
    if (!activationKernels.tanhBackward(out, grad, gx)) {
      for (let i = 0; i < gx.length; i++) gx[i] = grad[i]! * (1 - out[i]! * out[i]!);
    }
    accumulateFreshGrad(x, gx);
  });
}

// ---------------------------------------------------------------------------
// Composites: no gradient code of their own
// ---------------------------------------------------------------------------

/** Negation: out = -x. */
export function neg(x: Tensor): Tensor {
  return mul(x, -1);
}

/**
 * Elementwise difference with broadcasting: out = a - b = a + (-b).
 *
 * @example
 * sub(tensor([5, 7]), 2).toArray(); // [3, 5]
 */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  const x = asTensor(a, 'sub');
  const y = asTensor(b, 'sub');
  broadcastShapes('sub', x.shape, y.shape);
  return add(x, neg(y));
}

/**
 * Elementwise quotient with broadcasting: out = a / b = a * b^-1.
 *
 * @example
 * div(tensor([1, 2]), 4).toArray(); // [0.25, 0.5]
 */
export function div(a: TensorLike, b: TensorLike): Tensor {
  const x = asTensor(a, 'div');
  const y = asTensor(b, 'div');
  broadcastShapes('div', x.shape, y.shape);
  return mul(x, pow(y, -1));
}

/**
 * Square root: out = x^0.5.
 *
 * @example
 * sqrt(tensor([4, 9])).toArray(); // [2, 3]
 */
export function sqrt(x: Tensor): Tensor {
  return pow(x, 0.5);
}

// ---------------------------------------------------------------------------
// Reductions
// ---------------------------------------------------------------------------

/**
 * The shapes of a reduction: `kept` has size 1 on every reduced axis (the
 * keepDims shape, which broadcasts back to the input), `out` is what the
 * caller gets back.
 */
function reductionShapes(op: string, shape: Shape, axes: number | readonly number[] | undefined, keepDims: boolean) {
  const reduced = new Set<number>();
  const requested = axes === undefined ? shape.map((_, d) => d) : typeof axes === 'number' ? [axes] : axes;
  for (const axis of requested) {
    const d = normalizeAxis(op, axis, shape.length);
    if (reduced.has(d)) throw new Error(`${op}: axis ${axis} is listed twice for shape ${formatShape(shape)}`);
    reduced.add(d);
  }
  const kept = shape.map((dim, d) => (reduced.has(d) ? 1 : dim));
  const out = keepDims ? kept : shape.filter((_, d) => !reduced.has(d));
  return { kept, out };
}

/**
 * Sum over all elements, or over the given axes. With keepDims the reduced
 * axes stay as size 1. Accumulates in float64.
 *
 * @example
 * sum(tensor([[1, 2], [3, 4]]), 0).toArray(); // [4, 6]
 * sum(tensor([[1, 2], [3, 4]])).item();       // 10
 */
export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const { kept, out: outShape } = reductionShapes('sum', x.shape, axes, keepDims);
  // target[i]: the output element that input element i adds into.
  const target = broadcastIndex(kept, x.shape);
  const sums = new Float64Array(sizeOf(kept));
  for (let i = 0; i < x.size; i++) sums[target[i]!]! += x.data[i]!;
  return makeOutput('sum', Float32Array.from(sums), outShape, [x], (grad) => {
    // d(sum)/dx_i = 1: every input gets the gradient of the output it went into
    const gx = new Float32Array(x.size);
    for (let i = 0; i < gx.length; i++) gx[i] = grad[target[i]!]!;
    accumulateFreshGrad(x, gx);
  });
}

/**
 * Mean over all elements, or over the given axes: sum / count.
 *
 * @example
 * mean(tensor([[1, 2], [3, 4]]), 1).toArray(); // [1.5, 3.5]
 */
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  reductionShapes('mean', x.shape, axes, keepDims); // so a bad axis is reported as mean's
  const total = sum(x, axes, keepDims);
  const count = x.size / Math.max(total.size, 1);
  return mul(total, 1 / count);
}

/**
 * Maximum over all elements, or over the given axes. The gradient flows to
 * the first position holding the maximum. NaN propagates.
 *
 * @example
 * max(tensor([[1, 5], [7, 2]]), 1).toArray(); // [5, 7]
 */
export function max(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const { kept, out: outShape } = reductionShapes('max', x.shape, axes, keepDims);
  if (x.size === 0) throw new Error(`max: cannot reduce the empty tensor of shape ${formatShape(x.shape)}`);
  const target = broadcastIndex(kept, x.shape);
  const best = new Float32Array(sizeOf(kept));
  const argmax = new Int32Array(best.length).fill(-1);
  for (let i = 0; i < x.size; i++) {
    const o = target[i]!;
    const v = x.data[i]!;
    const isNewMax = v > best[o]! || (Number.isNaN(v) && !Number.isNaN(best[o]!));
    if (argmax[o] === -1 || isNewMax) {
      best[o] = v;
      argmax[o] = i;
    }
  }
  return makeOutput('max', best, outShape, [x], (grad) => {
    // d max/dx_i = 1 for the (first) maximal element, 0 elsewhere
    const gx = new Float32Array(x.size);
    for (let o = 0; o < argmax.length; o++) gx[argmax[o]!]! += grad[o]!;
    accumulateFreshGrad(x, gx);
  });
}

// ---------------------------------------------------------------------------
// Linear algebra and shape
// ---------------------------------------------------------------------------

/**
 * A row-major matrix stored as `rows` × `cols` floats, read as its transpose
 * when `transposed`: what matmul's helpers below multiply, without copying.
 */
interface Matrix {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
  readonly transposed: boolean;
}

const matrix = (data: Float32Array, rows: number, cols: number): Matrix => ({ data, rows, cols, transposed: false });

/** Mᵀ: the same floats, read column by column. */
const T = (m: Matrix): Matrix => ({ ...m, transposed: !m.transposed });

/**
 * into = left · right (or into += left · right with `accumulate`), through
 * `matmulKernel`: the wasm kernel by default, or `matmulReference`, the
 * textbook triple loop  C[i][j] = Σ_p L[i][p] · R[p][j],  in the readable mode.
 */
function multiply(into: Float32Array, left: Matrix, right: Matrix, accumulate = false): void {
  const [rows, inner] = left.transposed ? [left.cols, left.rows] : [left.rows, left.cols];
  const cols = right.transposed ? right.rows : right.cols;
  matmulKernel(left.data, right.data, into, rows, inner, cols, left.transposed, right.transposed, accumulate);
}

/**
 * Matrix product of the last two dimensions; leading (batch) dimensions broadcast.
 * Shape: [..., m, k] x [..., k, n] -> [..., m, n].
 *   forward:  C = A·B,  C[i][j] = Σ_p A[i][p] · B[p][j]
 *   backward: dA = dC·Bᵀ,  dB = Aᵀ·dC
 *
 * @example
 * matmul(tensor([[1, 2]]), tensor([[3], [4]])).toArray(); // [[11]]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim < 2 || b.ndim < 2) {
    throw new Error(`matmul: both operands need at least 2 dimensions, got ${formatShape(a.shape)} x ${formatShape(b.shape)}`);
  }
  const m = a.shape[a.ndim - 2]!;
  const k = a.shape[a.ndim - 1]!;
  const n = b.shape[b.ndim - 1]!;
  if (b.shape[b.ndim - 2] !== k) {
    throw new Error(`matmul: inner dimensions differ: ${formatShape(a.shape)} x ${formatShape(b.shape)}`);
  }
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  let batch: number[];
  try {
    batch = broadcastShapes('matmul', batchA, batchB);
  } catch {
    throw new Error(`matmul: batch dimensions do not broadcast: ${formatShape(a.shape)} x ${formatShape(b.shape)}`);
  }
  // For each output batch t, which batch of a and of b it multiplies.
  const batchOfA = broadcastIndex(batchA, batch);
  const batchOfB = broadcastIndex(batchB, batch);
  const count = batchOfA.length;
  // Matrix t of a flat array of [rows, cols] matrices (a subarray: no copy).
  const block = (data: Float32Array, t: number, rows: number, cols: number) => matrix(data.subarray(t * rows * cols, (t + 1) * rows * cols), rows, cols);
  const A = (t: number) => block(a.data, batchOfA[t]!, m, k);
  const B = (t: number) => block(b.data, batchOfB[t]!, k, n);

  const out = new Float32Array(count * m * n);
  for (let t = 0; t < count; t++) multiply(block(out, t, m, n).data, A(t), B(t)); // C = A·B
  return makeOutput('matmul', out, [...batch, m, n], [a, b], (grad) => {
    const dC = (t: number) => block(grad, t, m, n);
    // A batch of a used by several output batches (broadcast) adds up their gradients: accumulate.
    if (a.requiresGrad) {
      const ga = new Float32Array(a.size);
      for (let t = 0; t < count; t++) multiply(block(ga, batchOfA[t]!, m, k).data, dC(t), T(B(t)), true); // dA += dC·Bᵀ
      accumulateFreshGrad(a, ga);
    }
    if (b.requiresGrad) {
      const gb = new Float32Array(b.size);
      for (let t = 0; t < count; t++) multiply(block(gb, batchOfB[t]!, k, n).data, T(A(t)), dC(t), true); // dB += Aᵀ·dC
      accumulateFreshGrad(b, gb);
    }
  });
}

/**
 * Same elements, new shape (one dimension may be -1, inferred). The result
 * shares its data with the input, like a view.
 *
 * @example
 * reshape(arange(6), [2, -1]).shape; // [2, 3]
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const inferred = shape.filter((dim) => dim === -1).length;
  const known = shape.reduce((product, dim) => (dim === -1 ? product : product * dim), 1);
  const bad = shape.some((dim) => !Number.isInteger(dim) || dim < -1);
  if (bad || inferred > 1 || (inferred === 1 && (known === 0 || x.size % known !== 0)) || (inferred === 0 && known !== x.size)) {
    throw new Error(`reshape: cannot reshape ${formatShape(x.shape)} (${x.size} elements) to ${formatShape(shape)}`);
  }
  const newShape = shape.map((dim) => (dim === -1 ? x.size / known : dim));
  return makeOutput('reshape', x.data, newShape, [x], (grad) => {
    // Reshaping moves no element: the gradient is the same flat array
    accumulateGrad(x, grad);
  });
}

/**
 * Swaps two dimensions (the last two by default), copying the data.
 * Shape: [..., a, b] -> [..., b, a].
 *
 * @example
 * transpose(tensor([[1, 2, 3]])).toArray(); // [[1], [2], [3]]
 */
export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  if (x.ndim < 2 && (dim0 === -2 || dim1 === -2)) {
    throw new Error(`transpose: needs at least 2 dimensions, got shape ${formatShape(x.shape)}`);
  }
  const d0 = normalizeAxis('transpose', dim0, x.ndim);
  const d1 = normalizeAxis('transpose', dim1, x.ndim);
  const permutation = x.shape.map((_, d) => (d === d0 ? d1 : d === d1 ? d0 : d));
  const outShape = permutation.map((d) => x.shape[d]!);
  const inStrides = stridesOf(x.shape);
  // source[i]: where output element i comes from in the input.
  const source = stridedIndex(outShape, permutation.map((d) => inStrides[d]!));
  const out = new Float32Array(x.size);
  for (let i = 0; i < out.length; i++) out[i] = x.data[source[i]!]!;
  return makeOutput('transpose', out, outShape, [x], (grad) => {
    // Transposing moves elements: send each gradient back where its element came from
    const gx = new Float32Array(x.size);
    for (let i = 0; i < grad.length; i++) gx[source[i]!] = grad[i]!;
    accumulateFreshGrad(x, gx);
  });
}

/**
 * Softmax along an axis: out_i = e^(x_i - max) / sum_j e^(x_j - max).
 * Subtracting the (detached) maximum changes nothing mathematically but keeps
 * e^x finite for logits as large as 1e4.
 *
 * @example
 * softmax(tensor([[0, 0]])).toArray(); // [[0.5, 0.5]]
 */
export function softmax(x: Tensor, axis = -1): Tensor {
  normalizeAxis('softmax', axis, x.ndim);
  const shifted = sub(x, max(x, axis, true).detach());
  const e = exp(shifted);
  return div(e, sum(e, axis, true));
}

/**
 * Log of the softmax along an axis: out_i = (x_i - max) - ln sum_j e^(x_j - max).
 * Stable for large logits, and more accurate than log(softmax(x)).
 *
 * @example
 * logSoftmax(tensor([[1e4, 0]])).toArray(); // [[0, -10000]]
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  normalizeAxis('logSoftmax', axis, x.ndim);
  const shifted = sub(x, max(x, axis, true).detach());
  return sub(shifted, log(sum(exp(shifted), axis, true)));
}
