/**
 * Exercise 6, softmax: a composite op that must be numerically stable.
 *
 *   softmax(x)[i][j] = e^(x[i][j]) / Σ_k e^(x[i][k])      over the last axis; x: [m, n]
 *
 * Build it from gradlab's ops: max, sub, exp, sum, div. Two things to get right:
 * - reduce over the last axis and keep it (sum(e, -1, true)), so the [m, 1] sums
 *   broadcast back over the [m, n] numerators;
 * - e^1000 is Infinity in float32. softmax(x - c) = softmax(x) for any c, so subtract
 *   each row's maximum first, and .detach() it: it is a constant shift, not a path
 *   for gradients.
 *
 * Replace the `throw new Error('TODO …')` line, then run:
 *
 *   npx -y pnpm@12.4.2 exercise softmax
 */
import { Tensor } from '@gradlab/core';

export function softmax(x: Tensor): Tensor {
  // TODO: return the softmax of x over its last axis, built from ops imported from '@gradlab/core'.
  throw new Error('TODO in exercises/softmax.ts: build the softmax from ops');
}
