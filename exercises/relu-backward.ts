/**
 * Exercise 1, relu-backward: an elementwise op, forward and backward.
 *
 *   relu(x) = max(x, 0)          d relu/dx = 1 where x > 0, else 0 (also at x = 0)
 *
 * `makeOutput(name, data, shape, parents, backwardFn)` wraps your output array in a
 * Tensor and records the backward closure. backward() later calls the closure with
 * `grad`, the gradient of the final result with respect to each element of your
 * output; the closure computes x's gradient by the chain rule and hands it over with
 * `accumulateFreshGrad(x, gx)`.
 *
 * Replace the two `throw new Error('TODO …')` lines with loops, then check your answer:
 *
 *   npx -y pnpm@12.4.2 exercise relu-backward
 *
 * Stuck? docs/autodiff.md explains ops and their closures; the answer is in
 * exercises/solutions/relu-backward.ts (try first).
 */
import { Tensor, accumulateFreshGrad, makeOutput } from '@gradlab/core';

export function relu(x: Tensor): Tensor {
  const out = new Float32Array(x.size);
  // TODO 1 (forward): for every i, out[i] = x.data[i] if it is positive, else 0.
  throw new Error('TODO 1 in exercises/relu-backward.ts: write the forward loop');
  return makeOutput('relu', out, x.shape, [x], (grad) => {
    const gx = new Float32Array(grad.length);
    // TODO 2 (backward): gx[i] = grad[i] times the derivative of relu at x.data[i].
    throw new Error('TODO 2 in exercises/relu-backward.ts: write the backward loop');
    accumulateFreshGrad(x, gx);
  });
}
