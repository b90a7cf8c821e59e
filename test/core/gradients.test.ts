/**
 * One table, every differentiable op: backward() against central finite
 * differences, at random points away from kinks, on random shapes including
 * broadcast ones.
 */
import { describe, expect, it } from 'vitest';
import * as core from '@gradlab/core';
import { Generator, Tensor, gradcheck } from '@gradlab/core';

const generator = new Generator('gradients');

/** A random shape with `ndim` dimensions of size 1 to 4. */
function randomShape(ndim: number): number[] {
  return Array.from({ length: ndim }, () => 1 + generator.integer(4));
}

/** Values uniform in [low, high) that also keep at least `gap` away from 0 (to stay off kinks). */
function input(shape: readonly number[], low = -2, high = 2, gap = 0.05): Tensor {
  const t = core.rand(shape, { generator, low, high, requiresGrad: true });
  for (let i = 0; i < t.size; i++) {
    if (Math.abs(t.data[i]!) < gap) t.data[i] = t.data[i]! < 0 ? -gap : gap;
  }
  return t;
}

const positive = (shape: readonly number[]) => input(shape, 0.5, 2);

interface GradCase {
  name: string;
  inputs: () => Tensor[];
  fn: (...args: Tensor[]) => Tensor;
}

const shapeA = randomShape(3);
// [d0, d1, d2] broadcasts against [1, d2], [d2] and a scalar.
const broadcastPartner = [1, shapeA[2]!];
const matrixA = randomShape(2);
const matrixB = [matrixA[1]!, 1 + generator.integer(5)];

const cases: GradCase[] = [
  { name: 'add', inputs: () => [input(shapeA), input(shapeA)], fn: (a, b) => core.add(a!, b!) },
  { name: 'add (broadcast)', inputs: () => [input(shapeA), input(broadcastPartner)], fn: (a, b) => core.add(a!, b!) },
  { name: 'add (both broadcast)', inputs: () => [input([3, 1]), input([1, 4])], fn: (a, b) => a!.add(b!) },
  { name: 'sub (broadcast)', inputs: () => [input([shapeA[2]!]), input(shapeA)], fn: (a, b) => core.sub(a!, b!) },
  { name: 'mul', inputs: () => [input(shapeA), input(shapeA)], fn: (a, b) => core.mul(a!, b!) },
  { name: 'mul (broadcast with scalar tensor)', inputs: () => [input(shapeA), input([])], fn: (a, b) => a!.mul(b!) },
  { name: 'mul (same tensor twice)', inputs: () => [input(shapeA)], fn: (a) => a!.mul(a!) },
  { name: 'div (broadcast)', inputs: () => [input(shapeA), positive(broadcastPartner)], fn: (a, b) => core.div(a!, b!) },
  { name: 'neg', inputs: () => [input(shapeA)], fn: (a) => core.neg(a!) },
  { name: 'pow (3)', inputs: () => [input(shapeA)], fn: (a) => core.pow(a!, 3) },
  { name: 'pow (-1.5)', inputs: () => [positive(shapeA)], fn: (a) => a!.pow(-1.5) },
  { name: 'exp', inputs: () => [input(shapeA)], fn: (a) => core.exp(a!) },
  { name: 'log', inputs: () => [positive(shapeA)], fn: (a) => core.log(a!) },
  { name: 'sqrt', inputs: () => [positive(shapeA)], fn: (a) => core.sqrt(a!) },
  { name: 'abs', inputs: () => [input(shapeA)], fn: (a) => core.abs(a!) },
  { name: 'relu', inputs: () => [input(shapeA)], fn: (a) => core.relu(a!) },
  { name: 'leakyRelu (0.01)', inputs: () => [input(shapeA)], fn: (a) => core.leakyRelu(a!) },
  { name: 'leakyRelu (0.2)', inputs: () => [input(shapeA)], fn: (a) => a!.leakyRelu(0.2) },
  { name: 'sigmoid', inputs: () => [input(shapeA, -4, 4)], fn: (a) => core.sigmoid(a!) },
  { name: 'tanh', inputs: () => [input(shapeA)], fn: (a) => core.tanh(a!) },
  { name: 'elu', inputs: () => [input(shapeA, -4, 4)], fn: (a) => core.elu(a!) },
  { name: 'elu (alpha 0.5)', inputs: () => [input(shapeA, -4, 4)], fn: (a) => core.elu(a!, 0.5) },
  { name: 'selu', inputs: () => [input(shapeA, -4, 4)], fn: (a) => core.selu(a!) },
  { name: 'gelu', inputs: () => [input(shapeA, -4, 4)], fn: (a) => core.gelu(a!) },
  { name: 'silu', inputs: () => [input(shapeA, -4, 4)], fn: (a) => core.silu(a!) },
  { name: 'softplus', inputs: () => [input(shapeA, -4, 4)], fn: (a) => core.softplus(a!) },
  { name: 'sum (all)', inputs: () => [input(shapeA)], fn: (a) => core.sum(a!) },
  { name: 'sum (axis 1)', inputs: () => [input(shapeA)], fn: (a) => core.sum(a!, 1) },
  { name: 'sum (axes [0, 2], keepDims)', inputs: () => [input(shapeA)], fn: (a) => a!.sum([0, 2], true) },
  { name: 'mean (all)', inputs: () => [input(shapeA)], fn: (a) => core.mean(a!) },
  { name: 'mean (axis -1, keepDims)', inputs: () => [input(shapeA)], fn: (a) => a!.mean(-1, true) },
  // Distinct, well-separated values so the maximum does not sit on a tie.
  { name: 'max (all)', inputs: () => [spread([3, 4])], fn: (a) => core.max(a!) },
  { name: 'max (axis 0)', inputs: () => [spread([3, 4])], fn: (a) => core.max(a!, 0) },
  { name: 'max (axis 1, keepDims)', inputs: () => [spread([3, 4])], fn: (a) => a!.max(1, true) },
  { name: 'matmul', inputs: () => [input(matrixA), input(matrixB)], fn: (a, b) => core.matmul(a!, b!) },
  { name: 'matmul (odd sizes 5x7 . 7x9)', inputs: () => [input([5, 7]), input([7, 9])], fn: (a, b) => a!.matmul(b!) },
  { name: 'matmul (batched, broadcast batch)', inputs: () => [input([2, 3, 4]), input([4, 5])], fn: (a, b) => core.matmul(a!, b!) },
  { name: 'matmul (batch dims broadcast both ways)', inputs: () => [input([2, 1, 3, 4]), input([3, 4, 2])], fn: (a, b) => core.matmul(a!, b!) },
  { name: 'reshape', inputs: () => [input(shapeA)], fn: (a) => core.reshape(a!, [-1]).mul(core.arange(a!.size)) },
  { name: 'transpose', inputs: () => [input([3, 5])], fn: (a) => core.transpose(a!).mul(core.arange(15).reshape([5, 3])) },
  { name: 'transpose (dims 0 and 2)', inputs: () => [input([2, 3, 4])], fn: (a) => a!.transpose(0, 2) },
  { name: 'softmax (last axis)', inputs: () => [input(shapeA)], fn: (a) => core.softmax(a!) },
  { name: 'softmax (axis 0)', inputs: () => [input(shapeA)], fn: (a) => a!.softmax(0) },
  { name: 'logSoftmax (last axis)', inputs: () => [input(shapeA)], fn: (a) => core.logSoftmax(a!) },
  { name: 'logSoftmax (axis 1)', inputs: () => [input(shapeA)], fn: (a) => a!.logSoftmax(1) },
  {
    name: 'a small network: tanh(x W1 + b1) W2, log-softmax, mean',
    inputs: () => [input([4, 3]), input([3, 5]), input([5]), input([5, 2])],
    fn: (x, w1, b1, w2) => x!.matmul(w1!).add(b1!).tanh().matmul(w2!).logSoftmax().mean(),
  },
];

/** A tensor of distinct values 0.1 apart, shuffled, so max has a unique winner. */
function spread(shape: number[]): Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  const order = generator.permutation(size);
  const data = Float32Array.from(order, (v) => v * 0.1 - 0.5);
  return core.tensor(data, { shape, requiresGrad: true });
}

describe('gradient check of every differentiable op', () => {
  it.each(cases)('$name', ({ inputs, fn }) => {
    const result = gradcheck(fn, inputs());
    expect(result.passed, result.message).toBe(true);
  });

  it('gradcheck itself catches a wrong gradient', () => {
    // An op whose backward is deliberately off by a factor of 2.
    const wrongSquare = (x: Tensor) =>
      core.makeOutput('wrongSquare', x.data.map((v) => v * v), x.shape, [x], (grad) => {
        core.accumulateGrad(x, grad.map((g, i) => 4 * x.data[i]! * g));
      });
    const result = gradcheck(wrongSquare, [input([3])]);
    expect(result.passed).toBe(false);
    expect(result.message).toContain('FAILED');
  });
});

describe('derivatives at the kinks', () => {
  it('relu has derivative 0 at x = 0 (as PyTorch and TensorFlow.js)', () => {
    const x = core.tensor([-1, 0, 1], { requiresGrad: true });
    x.relu().sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 0, 1]);
  });

  it('leakyRelu has derivative 1 at x = 0 (the spec: 1 for x >= 0)', () => {
    const x = core.tensor([-1, 0, 1], { requiresGrad: true });
    core.leakyRelu(x, 0.1).sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([Math.fround(0.1), 1, 1]);
  });

  it('abs has derivative 0 at x = 0', () => {
    const x = core.tensor([-3, 0, 3], { requiresGrad: true });
    x.abs().sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([-1, 0, 1]);
  });

  it('max sends the gradient to the first of tied maxima', () => {
    const x = core.tensor([1, 5, 5, 2], { requiresGrad: true });
    x.max().backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 1, 0, 0]);
  });
});
