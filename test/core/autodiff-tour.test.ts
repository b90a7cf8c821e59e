/** The worked example of docs/autodiff.md, so the tour cannot drift from the code. */
import { expect, it } from 'vitest';
import { tensor, topologicalOrder } from '@gradlab/core';

it('computes the tour example: out = (x*y + x)^2 at x=2, y=3', () => {
  const x = tensor(2, { requiresGrad: true });
  const y = tensor(3, { requiresGrad: true });
  const out = x.mul(y).add(x).pow(2);
  expect(out.item()).toBe(64);
  out.backward();
  expect(x.grad!.item()).toBe(64);
  expect(y.grad!.item()).toBe(32);
  expect(topologicalOrder(out).map((t) => t.op)).toEqual(['leaf', 'leaf', 'mul', 'add', 'pow']);
});
