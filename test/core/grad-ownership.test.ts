/**
 * Who owns a gradient array. `accumulateGrad` copies a tensor's first
 * gradient; `accumulateFreshGrad` lets the tensor keep an array its closure
 * has just allocated. Either way no two tensors may end up sharing one array,
 * or adding into one gradient would change another.
 */
import { describe, expect, it } from 'vitest';
import {
  Generator, Tensor, accumulateFreshGrad, accumulateGrad, add, makeOutput, matmul, mean, mul, randn, relu, reshape, sub, tensor,
  topologicalOrder,
} from '@gradlab/core';

const leaf = (values: number[]) => tensor(values, { requiresGrad: true });

describe('accumulateGrad and accumulateFreshGrad', () => {
  it('accumulateGrad copies the first gradient: the caller may reuse its array', () => {
    const x = leaf([1, 2]);
    const shared = new Float32Array([3, 4]);
    accumulateGrad(x, shared);
    shared[0] = 100;
    expect(x.grad!.data).not.toBe(shared);
    expect(Array.from(x.grad!.data)).toEqual([3, 4]);
  });

  it('accumulateFreshGrad adopts the first gradient and adds later ones into it', () => {
    const x = leaf([1, 2]);
    const fresh = new Float32Array([3, 4]);
    accumulateFreshGrad(x, fresh);
    expect(x.grad!.data).toBe(fresh);
    accumulateFreshGrad(x, new Float32Array([0.5, -4]));
    expect(Array.from(x.grad!.data)).toEqual([3.5, 0]);
  });

  it('accumulateFreshGrad still sums a broadcast gradient back to the tensor shape', () => {
    const bias = leaf([0, 0, 0]);
    accumulateFreshGrad(bias, new Float32Array([1, 2, 3, 10, 20, 30]), [2, 3]);
    expect(bias.grad!.shape).toEqual([3]);
    expect(Array.from(bias.grad!.data)).toEqual([11, 22, 33]);
  });

  it('leaves tensors that do not require grad alone', () => {
    const constant = tensor([1, 2]);
    accumulateFreshGrad(constant, new Float32Array([3, 4]));
    expect(constant.grad).toBeNull();
  });

  it('add hands one array to both inputs, and each gets its own copy', () => {
    const x = leaf([1, 2]);
    const y = leaf([3, 4]);
    add(x, y).backward(new Float32Array([5, 6]));
    expect(x.grad!.data).not.toBe(y.grad!.data);
    x.grad!.data[0] = 100;
    expect(Array.from(y.grad!.data)).toEqual([5, 6]);
  });

  it('a tensor used twice by add (x + x) gets both shares', () => {
    const x = leaf([1, -2]);
    add(x, x).backward(new Float32Array([3, 5]));
    expect(Array.from(x.grad!.data)).toEqual([6, 10]);
  });

  it('reshape passes its own gradient array on, and its input gets a copy', () => {
    const x = leaf([1, 2, 3, 4]);
    const y = reshape(x, [2, 2]);
    const z = mul(y, 2);
    z.backward(new Float32Array([1, 2, 3, 4]));
    expect(x.grad!.data).not.toBe(y.grad!.data);
    expect(Array.from(x.grad!.data)).toEqual([2, 4, 6, 8]);
  });

  it('an op whose closure hands the same fresh array to accumulateGrad twice is still right', () => {
    // A hand-written op in the style of the docs: out = x + x, gradient 2·grad through two calls.
    const x = leaf([1, 2]);
    const doubled = makeOutput('double', x.data.map((v) => 2 * v), x.shape, [x], (grad) => {
      const gx = grad.slice();
      accumulateGrad(x, gx);
      accumulateGrad(x, gx);
    });
    doubled.backward(new Float32Array([1, 3]));
    expect(Array.from(x.grad!.data)).toEqual([2, 6]);
  });
});

describe('after backward, no two tensors share a gradient array', () => {
  it('in a two-layer network with broadcast bias, ReLU, a skip connection and a squared loss', () => {
    const generator = new Generator(5);
    const param = (shape: number[]) => randn(shape, { generator, requiresGrad: true });
    const [w1, b1, w2, b2] = [param([6, 5]), param([5]), param([5, 3]), param([3])];
    const x = randn([4, 6], { generator, requiresGrad: true });
    const target = randn([4, 3], { generator });
    const lossOf = () => {
      const hidden = relu(add(matmul(x, w1), b1));
      const out = add(matmul(add(hidden, relu(hidden)), w2), b2);
      return mean(sub(out, target).pow(2));
    };
    const loss = lossOf();
    loss.backward();
    const nodes = topologicalOrder(loss).filter((node): node is Tensor & { grad: Tensor } => node.grad !== null);
    expect(nodes.length).toBeGreaterThan(12);
    expect(new Set(nodes.map((node) => node.grad.data.buffer)).size).toBe(nodes.length);

    // A second pass adds exactly the same gradients into the leaves: nothing they hold was overwritten.
    const leaves = [w1, b1, w2, b2, x];
    const first = leaves.map((t) => Array.from(t.grad!.data));
    lossOf().backward();
    leaves.forEach((t, i) => expect(Array.from(t.grad!.data)).toEqual(first[i]!.map((g) => 2 * g)));
  });
});
