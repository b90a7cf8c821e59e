/**
 * Gradient accumulation refuses a gradient that cannot be its tensor's and
 * names the op whose backward closure produced it (before this check, a
 * wrong-length gradient was read past its end: NaN, or silently cut short).
 */
import { describe, expect, it } from 'vitest';
import { accumulateFreshGrad, accumulateGrad, makeOutput, tensor, type Tensor } from '@gradlab/core';

/** An op whose backward hands its input the gradient `wrong` returns, with the shape it states. */
function brokenOp(x: Tensor, wrong: (grad: Float32Array) => [Float32Array, number[]]): Tensor {
  return makeOutput('brokenOp', Float32Array.from(x.data), x.shape, [x], (grad) => {
    const [gx, shape] = wrong(grad);
    accumulateFreshGrad(x, gx, shape);
  });
}

describe('gradient accumulation checks shapes', () => {
  it('refuses a gradient one value short, naming the op', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = brokenOp(x, (grad) => [grad.slice(0, 2), [3]]);
    expect(() => y.sum().backward()).toThrow('backward of brokenOp: gave a gradient of 2 values as shape [3] (3 values) for an input of shape [3]');
    expect(x.grad).toBeNull();
  });

  it('refuses a gradient whose stated shape does not reduce to the input', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const y = brokenOp(x, (grad) => [grad, [3, 2]]);
    expect(() => y.sum().backward()).toThrow('backward of brokenOp: gave a gradient of shape [3,2] for an input of shape [2,3], which does not broadcast to it');
  });

  it('still sums a broadcast gradient back to its input (what add and mul do)', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = brokenOp(x, (grad) => [Float32Array.from([...grad, ...grad]), [2, 2]]);
    y.sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([2, 2]);
  });

  it('names accumulateGrad when called outside a backward pass', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(() => accumulateGrad(x, new Float32Array(3))).toThrow('accumulateGrad: gave a gradient of 3 values as shape [2] (2 values) for an input of shape [2]');
  });
});
