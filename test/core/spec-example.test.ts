import { describe, expect, it } from 'vitest';
import { leakyRelu, tensor } from '@gradlab/core';

// The usage example of ../shared/spec/leaky-relu.md, to the letter.
describe('Leaky ReLU spec example', () => {
  it('maps [-2,-1,0,1,2] to [-0.02,-0.01,0,1,2] with gradient [0.01,0.01,1,1,1]', () => {
    const x = tensor([-2, -1, 0, 1, 2], { requiresGrad: true });
    const y = leakyRelu(x, 0.01);
    expect(Array.from(y.data)).toEqual([-0.02, -0.01, 0, 1, 2].map(Math.fround));
    y.sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([0.01, 0.01, 1, 1, 1].map(Math.fround));
  });

  it('defaults alpha to 0.01', () => {
    expect(Array.from(tensor([-2, -1, 0, 1, 2]).leakyRelu().data)).toEqual([-0.02, -0.01, 0, 1, 2].map(Math.fround));
  });
});
