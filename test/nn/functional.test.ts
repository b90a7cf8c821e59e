import { describe, expect, it } from 'vitest';
import { Generator, Tensor, add, gradcheck, logSoftmax, matmul, randn, tensor, zeros } from '@gradlab/core';
import { accuracy, crossEntropy, linear, mseLoss, prelu, softmaxCrossEntropy } from '@gradlab/nn';

const generator = () => new Generator('functional');
const leaf = (shape: number[], seed: number) => randn(shape, { requiresGrad: true, generator: new Generator(seed) });

/** Values of a tensor with every element pushed at least `margin` away from 0 (for kinked functions). */
function awayFromZero(shape: number[], seed: number, margin = 0.05): Tensor {
  const t = randn(shape, { generator: new Generator(seed) });
  for (let i = 0; i < t.size; i++) if (Math.abs(t.data[i]!) < margin) t.data[i] = t.data[i]! < 0 ? -margin - 0.1 : margin + 0.1;
  return new Tensor(t.data, t.shape, { requiresGrad: true });
}

/** Expects two arrays to agree to float32 rounding. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    expect(Math.abs(actual[i]! - expected[i]!), `element ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tolerance * (1 + Math.abs(expected[i]!)));
  }
}

describe('fused linear: x·W + b', () => {
  it('equals the composed matmul + add, values and gradients', () => {
    const x = leaf([5, 3], 1);
    const w = leaf([3, 4], 2);
    const b = leaf([4], 3);
    const fused = linear(x, w, b);
    const weights = randn([5, 4], { generator: generator() });
    fused.backward(weights);
    const fusedGrads = [x, w, b].map((t) => Float32Array.from(t.grad!.data));
    for (const t of [x, w, b]) t.grad = null;
    const composed = add(matmul(x, w), b);
    composed.backward(weights);
    expectClose(fused.data, composed.data);
    [x, w, b].forEach((t, i) => expectClose(fusedGrads[i]!, t.grad!.data));
  });

  it('passes gradcheck with and without a bias, and with leading batch dimensions', () => {
    const withBias = gradcheck((x, w, b) => linear(x, w, b), [leaf([4, 3], 4), leaf([3, 2], 5), leaf([2], 6)]);
    expect(withBias.passed, withBias.message).toBe(true);
    const noBias = gradcheck((x, w) => linear(x, w), [leaf([2, 3, 3], 7), leaf([3, 5], 8)]);
    expect(noBias.passed, noBias.message).toBe(true);
  });

  it('names the shapes when they do not fit', () => {
    expect(() => linear(zeros([2, 5]), zeros([4, 3]))).toThrow('linear: input [2,5] does not fit weight [4,3]: the last dimension of the input must be 4');
    expect(() => linear(zeros([2, 4]), zeros([4, 3]), zeros([4]))).toThrow('linear: bias [4] does not fit weight [4,3]: expected [3]');
    expect(() => linear(zeros([2, 4]), zeros([4]))).toThrow('linear: weight must be 2-D [inFeatures, outFeatures], got [4]');
  });
});

describe('fused softmax cross-entropy', () => {
  it('gives ln(classes) for equal logits and the exact textbook value otherwise', () => {
    expect(softmaxCrossEntropy(zeros([3, 4]), [0, 1, 3]).item()).toBeCloseTo(Math.log(4), 6);
    const expected = Math.log(Math.exp(2) + 2) - 2; // logits [2, 0, 0], label 0
    expect(crossEntropy(tensor([[2, 0, 0]]), [0]).item()).toBeCloseTo(expected, 6);
  });

  it('equals the composed -mean(logSoftmax[label]), values and gradients', () => {
    const logits = leaf([6, 5], 9);
    const labels = [4, 0, 2, 2, 1, 3];
    const fused = crossEntropy(logits, labels);
    fused.backward();
    const fusedGrad = Float32Array.from(logits.grad!.data);
    logits.grad = null;
    const picks = zeros([6, 5]);
    labels.forEach((label, row) => { picks.data[row * 5 + label] = -1 / 6; });
    const composed = logSoftmax(logits).mul(picks).sum();
    composed.backward();
    expect(fused.item()).toBeCloseTo(composed.item(), 6);
    expectClose(fusedGrad, logits.grad!.data);
  });

  it('passes gradcheck', () => {
    const check = gradcheck((logits) => softmaxCrossEntropy(logits, [1, 0, 2, 2]), [leaf([4, 3], 10)]);
    expect(check.passed, check.message).toBe(true);
  });

  it('stays finite for logits of ±1e4 and accepts an Int32Array of labels', () => {
    const logits = tensor([[1e4, -1e4, 0], [-1e4, 1e4, 1e4]], { requiresGrad: true });
    const loss = crossEntropy(logits, Int32Array.from([0, 2]));
    expect(loss.item()).toBeCloseTo(Math.log(2) / 2, 6); // row 0: 0, row 1: ln 2
    loss.backward();
    expect(Array.from(logits.grad!.data).every(Number.isFinite)).toBe(true);
    expectClose(logits.grad!.data, [0, 0, 0, 0, 0.25, -0.25]);
  });

  it('names the problem with the labels', () => {
    expect(() => crossEntropy(zeros([2, 3]), [0])).toThrow('softmaxCrossEntropy: 1 labels for a batch of 2 (logits [2,3])');
    expect(() => crossEntropy(zeros([2, 3]), [0, 3])).toThrow('softmaxCrossEntropy: label 3 at position 1 is not a class index in [0, 2] (logits [2,3])');
    expect(() => crossEntropy(zeros([2, 3]), [0, 1.5])).toThrow('label 1.5 at position 1');
    expect(() => crossEntropy(zeros([6]), [0])).toThrow('softmaxCrossEntropy: logits must be 2-D [batch, classes], got [6]');
  });
});

describe('prelu', () => {
  it('passes gradcheck with a shared slope and with one slope per feature', () => {
    const shared = gradcheck((x, slope) => prelu(x, slope), [awayFromZero([3, 4], 11), tensor([0.25], { requiresGrad: true })]);
    expect(shared.passed, shared.message).toBe(true);
    const perFeature = gradcheck((x, slope) => prelu(x, slope), [awayFromZero([3, 4], 12), tensor([0.1, 0.2, -0.3, 1.5], { requiresGrad: true })]);
    expect(perFeature.passed, perFeature.message).toBe(true);
  });

  it('has derivative 1 at the kink, like core\'s leakyRelu', () => {
    const x = tensor([0, -1], { requiresGrad: true });
    prelu(x, tensor([0.25])).sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([1, 0.25]);
  });
});

describe('mseLoss', () => {
  it('is the mean squared difference and passes gradcheck', () => {
    expect(mseLoss(tensor([1, 2, 3]), tensor([1, 4, 0])).item()).toBeCloseTo((0 + 4 + 9) / 3, 6);
    const check = gradcheck((p, t) => mseLoss(p, t), [leaf([4, 2], 13), leaf([4, 2], 14)]);
    expect(check.passed, check.message).toBe(true);
  });

  it('refuses shapes that differ instead of broadcasting them', () => {
    expect(() => mseLoss(zeros([32, 1]), zeros([32]))).toThrow('mseLoss: prediction [32,1] and target [32] must have the same shape');
  });
});

describe('accuracy', () => {
  it('counts rows whose arg-max is the label', () => {
    expect(accuracy(tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [5, 5]]), [1, 1, 1, 0])).toBe(0.75);
    expect(() => accuracy(zeros([2, 2]), [0, 2])).toThrow('accuracy: label 2 at position 1 is not a class index in [0, 1]');
  });
});
