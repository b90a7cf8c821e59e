/** Misuse throws an Error whose message names the op and the offending shapes or values. */
import { describe, expect, it } from 'vitest';
import * as core from '@gradlab/core';
import { Tensor, tensor, zeros } from '@gradlab/core';

const cases: Array<[string, () => unknown, string]> = [
  ['matmul inner dimensions', () => zeros([32, 784]).matmul(zeros([256, 10])), 'matmul: inner dimensions differ: [32,784] x [256,10]'],
  ['matmul of a vector', () => zeros([3]).matmul(zeros([3, 2])), 'matmul: both operands need at least 2 dimensions, got [3] x [3,2]'],
  ['matmul batch dimensions', () => zeros([2, 3, 4]).matmul(zeros([5, 4, 6])), 'matmul: batch dimensions do not broadcast: [2,3,4] x [5,4,6]'],
  ['add of shapes that do not broadcast', () => zeros([2, 3]).add(zeros([4])), 'add: cannot broadcast shapes [2,3] and [4]'],
  ['sub names itself', () => zeros([2]).sub(zeros([3])), 'sub: cannot broadcast shapes [2] and [3]'],
  ['mul names itself', () => zeros([2]).mul(zeros([3])), 'mul: cannot broadcast shapes [2] and [3]'],
  ['div names itself', () => zeros([2]).div(zeros([3])), 'div: cannot broadcast shapes [2] and [3]'],
  ['sum over a missing axis', () => zeros([2, 3]).sum(2), 'sum: axis 2 is out of range for a tensor with 2 dimensions'],
  ['mean over a negative missing axis', () => zeros([2, 3]).mean(-3), 'mean: axis -3 is out of range'],
  ['sum over a repeated axis', () => zeros([2, 3]).sum([1, -1]), 'sum: axis -1 is listed twice for shape [2,3]'],
  ['max of an empty tensor', () => zeros([0]).max(), 'max: cannot reduce the empty tensor of shape [0]'],
  ['softmax over a missing axis', () => zeros([2]).softmax(1), 'softmax: axis 1 is out of range for a tensor with 1 dimension'],
  ['reshape to the wrong size', () => zeros([2, 3]).reshape([4, 2]), 'reshape: cannot reshape [2,3] (6 elements) to [4,2]'],
  ['reshape with two -1', () => zeros([6]).reshape([-1, -1]), 'reshape: cannot reshape [6] (6 elements) to [-1,-1]'],
  ['transpose of a vector', () => zeros([3]).transpose(), 'transpose: needs at least 2 dimensions, got shape [3]'],
  ['backward of a non-scalar', () => tensor([1, 2], { requiresGrad: true }).mul(2).backward(), 'backward: output of shape [2] is not a scalar; pass a gradient of that shape'],
  ['backward without requiresGrad', () => tensor([1]).backward(), 'backward: the tensor of shape [1] does not require grad'],
  ['backward with a gradient of the wrong shape', () => tensor([1, 2], { requiresGrad: true }).mul(2).backward(tensor([1, 2, 3])), 'backward: gradient of shape [3] does not match output of shape [2]'],
  ['item of a vector', () => tensor([1, 2]).item(), 'item: tensor of shape [2] has 2 elements, not 1'],
  ['a ragged nested array', () => tensor([[1, 2], [3]]), 'tensor: ragged nested array: expected length 2 at depth 1, got length 1'],
  ['data that does not fit the shape', () => tensor(new Float32Array(5), { shape: [2, 3] }), 'Tensor: data has 5 elements but shape [2,3] needs 6'],
  ['a negative dimension', () => zeros([2, -1]), 'full: shape [2,-1] is invalid: every dimension must be a non-negative integer, got -1'],
  ['a fractional dimension', () => core.rand([1.5]), 'rand: shape [1.5] is invalid'],
  ['a NaN dimension', () => core.randn([NaN]), 'randn: shape [NaN] is invalid'],
  ['a size past the limit', () => zeros([1 << 16, 1 << 16]), `full: shape [65536,65536] has 4294967296 elements, more than the limit of ${core.MAX_ELEMENTS}`],
  ['pow with a non-finite exponent', () => tensor([1]).pow(Infinity), 'pow: exponent must be a finite number, got Infinity'],
  ['leakyRelu with a NaN slope', () => tensor([1]).leakyRelu(NaN), 'leakyRelu: negativeSlope must be a finite number, got NaN'],
  ['arange with step 0', () => core.arange(0, 1, 0), 'arange: start, stop and step must be finite and step non-zero, got start=0, stop=1, step=0'],
  ['gradcheck of an input without grad', () => core.gradcheck((x: Tensor) => x, [tensor([1])]), 'gradcheck: input 0 of shape [1] does not require grad'],
];

describe('every misuse is a clear error', () => {
  it.each(cases)('%s', (_name, misuse, message) => {
    expect(misuse).toThrow(message);
  });
});
