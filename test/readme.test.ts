/** The README's usage example runs and does what it says. */
import { expect, it } from 'vitest';
import { gradcheck, manualSeed, randn, tensor } from '@gradlab/core';

it('runs the README usage example', () => {
  manualSeed(42);
  const x = randn([4, 3]);
  const w = randn([3, 2], { requiresGrad: true });
  const b = tensor([0, 0], { requiresGrad: true });
  const loss = x.matmul(w).add(b).leakyRelu(0.01).logSoftmax().mean().neg();
  loss.backward();
  expect(Number.isFinite(loss.item())).toBe(true);
  expect(loss.item()).toBeGreaterThan(0); // -mean(log p) of a 2-class softmax is positive
  expect(w.grad!.shape).toEqual([3, 2]);
  // The gradients backward() filled in agree with finite differences of the same loss.
  const lossOf = (w: typeof b, b2: typeof b) => x.matmul(w).add(b2).leakyRelu(0.01).logSoftmax().mean().neg();
  const check = gradcheck(lossOf, [w, b]);
  expect(check.passed, check.message).toBe(true);
  expect(gradcheck((w) => x.matmul(w).sigmoid().sum(), [w]).passed).toBe(true);
});
