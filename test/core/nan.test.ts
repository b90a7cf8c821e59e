/**
 * NaN propagates through every op as IEEE arithmetic says: an op never turns
 * a NaN input into a number (issue #18: relu(NaN) used to give 0, so a network
 * of NaN weights trained on silently). Each row gives an op, an input holding
 * NaN, and the positions of the output that must be NaN; every other output
 * must be a number. The small arrays run the TypeScript kernels, the long
 * ones (past the wasm threshold) the WebAssembly kernels.
 */
import { describe, expect, it } from 'vitest';
import * as core from '@gradlab/core';
import { Tensor, tensor } from '@gradlab/core';
import { BatchNorm1d, LayerNorm, accuracy, crossEntropy, linear, mseLoss, prelu, softmaxCrossEntropy } from '@gradlab/nn';

const x = (): Tensor => tensor([-2, NaN, 0, 3]);
const m = (): Tensor => tensor([[1, NaN], [2, 3]]);
/** 5,000 elements (over the wasm kernels' threshold), a NaN at 1,234 and at the last one. */
const long = (): Tensor => {
  const data = Float32Array.from({ length: 5000 }, (_, i) => (i % 7) - 3);
  data[1234] = NaN;
  data[4999] = NaN;
  return new Tensor(data, [5000]);
};

/** [name, op, positions of the output that are NaN] */
const ops: Array<[string, () => Tensor, number[]]> = [
  ['relu', () => core.relu(x()), [1]],
  ['relu (wasm kernel)', () => core.relu(long()), [1234, 4999]],
  ['leakyRelu', () => core.leakyRelu(x(), 0.1), [1]],
  ['leakyRelu (wasm kernel)', () => core.leakyRelu(long(), 0.1), [1234, 4999]],
  ['sigmoid', () => core.sigmoid(x()), [1]],
  ['sigmoid (wasm kernel)', () => core.sigmoid(long()), [1234, 4999]],
  ['tanh', () => core.tanh(x()), [1]],
  ['tanh (wasm kernel)', () => core.tanh(long()), [1234, 4999]],
  ['add', () => core.add(x(), 1), [1]],
  ['mul', () => core.mul(x(), 2), [1]],
  ['mul by 0', () => core.mul(x(), 0), [1]],
  ['sub', () => core.sub(x(), x()), [1]],
  ['div', () => core.div(x(), 2), [1]],
  ['neg', () => core.neg(x()), [1]],
  ['pow', () => core.pow(x(), 2), [1]],
  ['pow 0 (IEEE: NaN^0 = 1)', () => core.pow(x(), 0), []],
  ['exp', () => core.exp(x()), [1]],
  ['log', () => core.log(tensor([1, NaN])), [1]],
  ['abs', () => core.abs(x()), [1]],
  ['sqrt', () => core.sqrt(tensor([4, NaN])), [1]],
  ['sum', () => core.sum(x()), [0]],
  ['sum over rows', () => core.sum(m(), 1), [0]],
  ['mean', () => core.mean(x()), [0]],
  ['max', () => core.max(x()), [0]],
  ['max over columns', () => core.max(m(), 0), [1]],
  ['matmul', () => core.matmul(m(), tensor([[1, 0], [0, 1]])), [0, 1]],
  ['matmul by zeros', () => core.matmul(m(), tensor([[0, 0], [0, 0]])), [0, 1]],
  ['reshape', () => core.reshape(x(), [2, 2]), [1]],
  ['transpose', () => core.transpose(m()), [2]],
  ['softmax', () => core.softmax(m()), [0, 1]],
  ['logSoftmax', () => core.logSoftmax(m()), [0, 1]],
  ['elu', () => core.elu(x()), [1]],
  ['selu', () => core.selu(x()), [1]],
  ['gelu', () => core.gelu(x()), [1]],
  ['silu', () => core.silu(x()), [1]],
  ['softplus', () => core.softplus(x()), [1]],
  ['clamp', () => core.clamp(x(), -1, 1), [1]],
  ['maximum', () => core.maximum(x(), 0), [1]],
  ['minimum', () => core.minimum(x(), 0), [1]],
  ['where picks the NaN', () => core.where(tensor([1, 1, 0, 0]), x(), 0), [1]],
  ['where leaves the NaN out', () => core.where(tensor([1, 0, 1, 1]), x(), 0), []],
  ['slice', () => core.slice(x(), 0, 1, 3), [0]],
  ['concat', () => core.concat([x(), tensor([5])]), [1]],
  ['linear (nn)', () => linear(tensor([[NaN, 1]]), tensor([[1, 2], [3, 4]]), tensor([0, 0])), [0, 1]],
  ['prelu (nn)', () => prelu(x(), tensor([0.25])), [1]],
  ['softmaxCrossEntropy (nn)', () => softmaxCrossEntropy(m(), [0, 1]), [0]],
  ['crossEntropy (nn)', () => crossEntropy(m(), [0, 1]), [0]],
  ['mseLoss (nn)', () => mseLoss(x(), tensor([0, 0, 0, 0])), [0]],
  ['LayerNorm (nn): the NaN row only', () => new LayerNorm(2).forward(m()), [0, 1]],
  ['BatchNorm1d (nn): the NaN column only', () => new BatchNorm1d(2).forward(m()), [1, 3]],
];

describe('NaN propagates through every op', () => {
  it.each(ops)('%s', (_name, op, nanAt) => {
    const out = Array.from(op().data);
    const isNaN = out.map((value, i) => [i, Number.isNaN(value)] as const).filter(([, nan]) => nan).map(([i]) => i);
    expect(isNaN).toEqual(nanAt);
  });

  it('relu keeps the NaN payload bits and maps -0 to +0', () => {
    const bits = new Uint32Array([0x7fc00001, 0xffc12345, 0x80000000, 0x3f800000]);
    const out = core.relu(new Tensor(new Float32Array(bits.buffer), [4]));
    expect(Array.from(new Uint32Array(out.data.buffer))).toEqual([0x7fc00001, 0xffc12345, 0, 0x3f800000]);
  });

  it('relu backward passes the gradient on at a NaN input, as PyTorch does (0 only where x <= 0)', () => {
    for (const input of [x(), long()]) {
      const leaf = new Tensor(input.data, input.shape, { requiresGrad: true });
      core.sum(core.relu(leaf)).backward();
      const expected = Array.from(input.data, (v) => (v <= 0 ? 0 : 1));
      expect(Array.from(leaf.grad!.data)).toEqual(expected);
    }
  });

  it('a NaN weight behind a ReLU reaches the loss (it used to vanish)', () => {
    const weight = tensor([[NaN, 1], [1, 1]]);
    const hidden = core.relu(core.matmul(tensor([[1, 1]]), weight));
    expect(Number.isNaN(crossEntropy(hidden, [0]).item())).toBe(true);
  });

  it('argmax points at the NaN (it counts as the largest, as in PyTorch)', () => {
    expect(core.argmax(x()).item()).toBe(1);
  });

  it('accuracy is NaN when a logit is NaN, not a lucky guess', () => {
    expect(accuracy(tensor([[0, 1], [1, 0]]), [1, 0])).toBe(1);
    expect(accuracy(tensor([[0, 1], [NaN, 0]]), [1, 0])).toBeNaN();
    expect(accuracy(tensor([[NaN, NaN]]), [0])).toBeNaN();
  });
});
