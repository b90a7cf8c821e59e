/**
 * Tensors print as PyTorch 1.13 prints them (the bracketed values below are
 * copied from `repr(torch.tensor(...))`), followed by the shape and dtype,
 * and console.log shows that text, not the tensor's internals.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { arange, tensor, zeros } from '@gradlab/core';

describe('Tensor.toString, as PyTorch prints', () => {
  it.each([
    ['whole numbers', tensor([[1, 2], [3, 4]]), 'tensor([[1., 2.],\n        [3., 4.]], shape=[2, 2], dtype=float32)'],
    ['4 decimals, padded to one width', tensor([0.12345, -1.5, 2]), 'tensor([ 0.1235, -1.5000,  2.0000], shape=[3], dtype=float32)'],
    ['scientific when a value is below 1e-4', tensor([1e-5, 1, 300]), 'tensor([1.0000e-05, 1.0000e+00, 3.0000e+02], shape=[3], dtype=float32)'],
    ['scientific when magnitudes span more than 1000x', tensor([[1e10, 1]]), 'tensor([[1.0000e+10, 1.0000e+00]], shape=[1, 2], dtype=float32)'],
    ['a scalar', tensor(3.5), 'tensor(3.5000, shape=[], dtype=float32)'],
    ['nan and inf', tensor([NaN, Infinity, -1.25]), 'tensor([    nan,     inf, -1.2500], shape=[3], dtype=float32)'],
    ['an empty tensor', zeros([0, 3]), 'tensor([], shape=[0, 3], dtype=float32)'],
  ])('%s', (_name, t, expected) => {
    expect(t.toString()).toBe(expected);
  });

  it('breaks long rows at 80 columns', () => {
    expect(arange(30).div(3).toString()).toBe(
      'tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333, 2.6667,\n'
      + '        3.0000, 3.3333, 3.6667, 4.0000, 4.3333, 4.6667, 5.0000, 5.3333, 5.6667,\n'
      + '        6.0000, 6.3333, 6.6667, 7.0000, 7.3333, 7.6667, 8.0000, 8.3333, 8.6667,\n'
      + '        9.0000, 9.3333, 9.6667], shape=[30], dtype=float32)',
    );
  });

  it('separates the slices of a 3-d tensor by a blank line', () => {
    expect(arange(24).reshape([2, 3, 4]).div(7).toString()).toBe(
      'tensor([[[0.0000, 0.1429, 0.2857, 0.4286],\n'
      + '         [0.5714, 0.7143, 0.8571, 1.0000],\n'
      + '         [1.1429, 1.2857, 1.4286, 1.5714]],\n'
      + '\n'
      + '        [[1.7143, 1.8571, 2.0000, 2.1429],\n'
      + '         [2.2857, 2.4286, 2.5714, 2.7143],\n'
      + '         [2.8571, 3.0000, 3.1429, 3.2857]]], shape=[2, 3, 4], dtype=float32)',
    );
  });

  it('elides the middle of tensors of more than 1000 elements', () => {
    expect(arange(2000).reshape([40, 50]).toString()).toBe(
      'tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 4.7000e+01, 4.8000e+01,\n'
      + '         4.9000e+01],\n'
      + '        [5.0000e+01, 5.1000e+01, 5.2000e+01,  ..., 9.7000e+01, 9.8000e+01,\n'
      + '         9.9000e+01],\n'
      + '        [1.0000e+02, 1.0100e+02, 1.0200e+02,  ..., 1.4700e+02, 1.4800e+02,\n'
      + '         1.4900e+02],\n'
      + '        ...,\n'
      + '        [1.8500e+03, 1.8510e+03, 1.8520e+03,  ..., 1.8970e+03, 1.8980e+03,\n'
      + '         1.8990e+03],\n'
      + '        [1.9000e+03, 1.9010e+03, 1.9020e+03,  ..., 1.9470e+03, 1.9480e+03,\n'
      + '         1.9490e+03],\n'
      + '        [1.9500e+03, 1.9510e+03, 1.9520e+03,  ..., 1.9970e+03, 1.9980e+03,\n'
      + '         1.9990e+03]], shape=[40, 50], dtype=float32)',
    );
  });

  it('says whether a leaf requires grad, and which op made a result', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    expect(w.toString()).toBe('tensor([1., 2.], shape=[2], dtype=float32, requiresGrad=true)');
    expect(w.mul(2).toString()).toBe('tensor([2., 4.], shape=[2], dtype=float32, op=mul)');
  });

  it('is what console.log and util.inspect show', () => {
    const w = tensor([0.5, -0.25], { requiresGrad: true });
    expect(inspect(w)).toBe('tensor([ 0.5000, -0.2500], shape=[2], dtype=float32, requiresGrad=true)');
    expect(inspect({ weight: tensor([1]) })).toBe('{ weight: tensor([1.], shape=[1], dtype=float32) }');
    expect(`${tensor([1, 2])}`).toBe('tensor([1., 2.], shape=[2], dtype=float32)');
  });
});
