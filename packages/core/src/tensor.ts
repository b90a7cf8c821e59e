/**
 * The Tensor: a contiguous, row-major Float32Array with a shape, plus the
 * bookkeeping reverse-mode autodiff needs (`grad`, `parents`, `backwardFn`).
 *
 * Methods are thin: `x.relu()` calls `relu(x)` in ops.ts, where each op
 * computes its output and attaches its backward closure side by side.
 */
import { backward } from './autograd.js';
import { formatTensor } from './format.js';
import * as ops from './ops.js';
import * as compare from './ops-compare.js';
import * as indexing from './ops-indexing.js';
import { Generator, defaultGenerator } from './random.js';
import { checkShape, formatShape, sizeOf, type Shape } from './shape.js';

/** A nested array of numbers, as accepted by `tensor()` and returned by `toArray()`. */
export type NestedArray = number | NestedArray[];

/** Options shared by the functions that create tensors. */
export interface TensorOptions {
  /** Record operations on this tensor so `backward()` can fill its `.grad`. */
  requiresGrad?: boolean;
}

/** Options for random tensors. */
export interface RandomOptions extends TensorOptions {
  /** The seeded generator to draw from; the global one (see `manualSeed`) by default. */
  generator?: Generator;
}

/**
 * An n-dimensional array of float32 numbers that can take part in automatic
 * differentiation.
 *
 * @example
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * x.mul(x).sum().backward();
 * x.grad?.toArray(); // [[2, 4], [6, 8]]
 */
export class Tensor {
  /** The elements, contiguous and row-major. */
  data: Float32Array;
  /** One size per dimension; `[]` for a scalar. */
  readonly shape: Shape;
  /** d(result)/d(this) after `backward()`, of this tensor's shape; null before. */
  grad: Tensor | null = null;
  /** Whether operations on this tensor are recorded for differentiation. */
  requiresGrad: boolean;
  /** The name of the op that made this tensor ("leaf" for one you created). */
  op = 'leaf';
  /** The inputs of the op that made this tensor. */
  parents: readonly Tensor[] = [];
  /** Adds this tensor's gradient into its parents' gradients. */
  backwardFn: ((grad: Float32Array) => void) | null = null;

  constructor(data: Float32Array, shape: Shape, options: TensorOptions = {}) {
    checkShape('Tensor', shape);
    if (data.length !== sizeOf(shape)) {
      throw new Error(`Tensor: data has ${data.length} elements but shape ${formatShape(shape)} needs ${sizeOf(shape)}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.requiresGrad = options.requiresGrad ?? false;
  }

  /** Attaches this tensor to the graph; called by `makeOutput`, not by users. */
  setGraph(op: string, parents: readonly Tensor[], backwardFn: (grad: Float32Array) => void): void {
    this.op = op;
    this.parents = parents;
    this.backwardFn = backwardFn;
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** True for tensors created by the user rather than by an op. */
  get isLeaf(): boolean {
    return this.backwardFn === null;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: tensor of shape ${formatShape(this.shape)} has ${this.size} elements, not 1`);
    return this.data[0]!;
  }

  /** The values as nested arrays (a number for a scalar). */
  toArray(): NestedArray {
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return this.data[offset]!;
      const stride = sizeOf(this.shape.slice(dim + 1));
      const rows: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]!; i++) rows.push(build(dim + 1, offset + i * stride));
      return rows;
    };
    return build(0, 0);
  }

  /** A tensor sharing this one's data but cut off from the graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /** Sets `.grad` to null. */
  zeroGrad(): void {
    this.grad = null;
  }

  /** See the function `backward` in autograd.ts. */
  backward(gradient?: Tensor | Float32Array): void {
    backward(this, gradient);
  }

  /**
   * The values laid out as PyTorch prints them (4 decimals, or `1.` for whole
   * numbers, or scientific; rows broken at 80 columns; the middle of tensors over
   * 1000 elements elided), then the shape, the dtype, and `requiresGrad=true`
   * for a leaf that requires grad or `op=<name>` for an op's result (format.ts).
   *
   * @example
   * tensor([[1, 2], [3, 4]]).toString(); // 'tensor([[1., 2.],\n        [3., 4.]], shape=[2, 2], dtype=float32)'
   */
  toString(): string {
    const suffix = !this.requiresGrad ? '' : this.isLeaf ? 'requiresGrad=true' : `op=${this.op}`;
    return formatTensor(this.data, this.shape, suffix);
  }

  /** What `console.log(tensor)` and `util.inspect` show: `toString()`, not the internals. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // Method forms of the ops: `x.add(y)` is exactly `add(x, y)` from ops.ts, where each op's
  // doc comment gives its formula, shape rule and an example.
  add(other: Tensor | number): Tensor { return ops.add(this, other); }
  sub(other: Tensor | number): Tensor { return ops.sub(this, other); }
  mul(other: Tensor | number): Tensor { return ops.mul(this, other); }
  div(other: Tensor | number): Tensor { return ops.div(this, other); }
  neg(): Tensor { return ops.neg(this); }
  pow(exponent: number): Tensor { return ops.pow(this, exponent); }
  exp(): Tensor { return ops.exp(this); }
  log(): Tensor { return ops.log(this); }
  sqrt(): Tensor { return ops.sqrt(this); }
  abs(): Tensor { return ops.abs(this); }
  relu(): Tensor { return ops.relu(this); }
  leakyRelu(negativeSlope = 0.01): Tensor { return ops.leakyRelu(this, negativeSlope); }
  sigmoid(): Tensor { return ops.sigmoid(this); }
  tanh(): Tensor { return ops.tanh(this); }
  sum(axes?: number | readonly number[], keepDims = false): Tensor { return ops.sum(this, axes, keepDims); }
  mean(axes?: number | readonly number[], keepDims = false): Tensor { return ops.mean(this, axes, keepDims); }
  max(axes?: number | readonly number[], keepDims = false): Tensor { return ops.max(this, axes, keepDims); }
  matmul(other: Tensor): Tensor { return ops.matmul(this, other); }
  reshape(shape: readonly number[]): Tensor { return ops.reshape(this, shape); }
  transpose(dim0 = -2, dim1 = -1): Tensor { return ops.transpose(this, dim0, dim1); }
  softmax(axis = -1): Tensor { return ops.softmax(this, axis); }
  logSoftmax(axis = -1): Tensor { return ops.logSoftmax(this, axis); }
  // Indexing and comparison ops (ops-indexing.ts, ops-compare.ts).
  slice(axis: number, start: number, end?: number, step = 1): Tensor { return indexing.slice(this, axis, start, end, step); }
  indexSelect(axis: number, indices: readonly number[] | Tensor): Tensor { return indexing.indexSelect(this, axis, indices); }
  gather(axis: number, index: Tensor): Tensor { return indexing.gather(this, axis, index); }
  argmax(axis?: number, keepDims = false): Tensor { return compare.argmax(this, axis, keepDims); }
  argmin(axis?: number, keepDims = false): Tensor { return compare.argmin(this, axis, keepDims); }
  clamp(min?: number, max?: number): Tensor { return compare.clamp(this, min, max); }
  maximum(other: Tensor | number): Tensor { return compare.maximum(this, other); }
  minimum(other: Tensor | number): Tensor { return compare.minimum(this, other); }
}

/** The most levels a nested array given to `tensor` may have (a tensor of more dimensions is almost surely a mistake). */
export const MAX_NESTING = 64;

/** Infers the shape of a nested array, throwing on ragged input. */
function shapeOfNested(value: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = value;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0]!;
  }
  return shape;
}

function flattenNested(value: NestedArray, shape: Shape, dim: number, out: number[]): void {
  if (dim === shape.length) {
    if (Array.isArray(value)) throw new Error(`tensor: ragged nested array: expected a number at depth ${dim}, got an array`);
    if (typeof value !== 'number') {
      throw new Error(`tensor: expected a number at depth ${dim} of the nested array, got ${typeof value} ${JSON.stringify(value) ?? String(value)}`);
    }
    out.push(value);
    return;
  }
  if (!Array.isArray(value) || value.length !== shape[dim]) {
    const got = Array.isArray(value) ? `length ${value.length}` : 'a number';
    throw new Error(`tensor: ragged nested array: expected length ${shape[dim]} at depth ${dim}, got ${got}`);
  }
  for (const item of value) flattenNested(item, shape, dim + 1, out);
}

/**
 * Creates a tensor from a number, nested arrays, or a Float32Array (flat, with `shape`).
 *
 * @example
 * tensor([[1, 2, 3], [4, 5, 6]]).shape;                 // [2, 3]
 * tensor(new Float32Array(6), { shape: [3, 2] }).shape; // [3, 2]
 */
export function tensor(values: NestedArray | Float32Array, options: TensorOptions & { shape?: Shape } = {}): Tensor {
  if (values instanceof Float32Array) {
    return new Tensor(values, options.shape ?? [values.length], options);
  }
  const shape = shapeOfNested(values);
  // flattenNested recurses once per level: a hostile 100,000-deep array would overflow the stack.
  if (shape.length > MAX_NESTING) {
    throw new Error(`tensor: the nested array is ${shape.length} levels deep; at most ${MAX_NESTING} dimensions are allowed`);
  }
  const flat: number[] = [];
  flattenNested(values, shape, 0, flat);
  const data = Float32Array.from(flat);
  return new Tensor(data, options.shape ?? shape, options);
}

/** A tensor of the given shape filled with `value`. */
export function full(shape: Shape, value: number, options: TensorOptions = {}): Tensor {
  checkShape('full', shape);
  return new Tensor(new Float32Array(sizeOf(shape)).fill(value), shape, options);
}

/** A tensor of zeros. */
export function zeros(shape: Shape, options: TensorOptions = {}): Tensor {
  return full(shape, 0, options);
}

/** A tensor of ones. */
export function ones(shape: Shape, options: TensorOptions = {}): Tensor {
  return full(shape, 1, options);
}

/**
 * Evenly spaced values in [start, stop), like NumPy's arange.
 *
 * @example
 * arange(5).toArray();        // [0, 1, 2, 3, 4]
 * arange(1, 2, 0.25).toArray(); // [1, 1.25, 1.5, 1.75]
 */
export function arange(start: number, stop?: number, step = 1, options: TensorOptions = {}): Tensor {
  if (stop === undefined) [start, stop] = [0, start];
  if (!Number.isFinite(start) || !Number.isFinite(stop) || !Number.isFinite(step) || step === 0) {
    throw new Error(`arange: start, stop and step must be finite and step non-zero, got start=${start}, stop=${stop}, step=${step}`);
  }
  const count = Math.max(0, Math.ceil((stop - start) / step));
  checkShape('arange', [count]);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = start + i * step;
  return new Tensor(data, [count], options);
}

/** Uniform random numbers in [low, high), from the seeded generator. */
export function rand(shape: Shape, options: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  checkShape('rand', shape);
  const generator = options.generator ?? defaultGenerator();
  const low = options.low ?? 0;
  const high = options.high ?? 1;
  if (!Number.isFinite(low) || !Number.isFinite(high) || low > high) {
    throw new Error(`rand: low and high must be finite numbers with low <= high, got low=${low}, high=${high}`);
  }
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = low + (high - low) * generator.uniform();
  return new Tensor(data, shape, options);
}

/** Normal random numbers with the given mean and standard deviation (0 and 1 by default). */
export function randn(shape: Shape, options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  checkShape('randn', shape);
  const generator = options.generator ?? defaultGenerator();
  const mean = options.mean ?? 0;
  const std = options.std ?? 1;
  if (!Number.isFinite(mean) || !Number.isFinite(std) || std < 0) {
    throw new Error(`randn: mean must be a finite number and std a finite number >= 0, got mean=${mean}, std=${std}`);
  }
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = mean + std * generator.normal();
  return new Tensor(data, shape, options);
}
