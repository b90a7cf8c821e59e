/**
 * Exercise 3, sum-rows: a reduction.
 *
 *   sumRows(x)[i] = Σ_j x[i][j]        x: [m, n], out: [m]
 *
 * Each output element depends on a whole row, with derivative 1 for each
 * element of that row. So in backward every element of row i receives grad[i]:
 * a reduction's backward spreads the gradient back over what it reduced.
 *
 * Replace the `throw new Error('TODO …')` lines, then run:
 *
 *   npx -y pnpm@12.4.2 exercise sum-rows
 */
import { Tensor, accumulateFreshGrad, makeOutput } from '@gradlab/core';

export function sumRows(x: Tensor): Tensor {
  const [m, n] = x.shape as [number, number];
  const out = new Float32Array(m);
  // TODO 1 (forward): out[i] = the sum of x.data[i * n + j] over j.
  throw new Error('TODO 1 in exercises/sum-rows.ts: write the forward loops');
  return makeOutput('sumRows', out, [m], [x], (grad) => {
    const gx = new Float32Array(m * n);
    // TODO 2 (backward): gx[i * n + j] = grad[i].
    throw new Error('TODO 2 in exercises/sum-rows.ts: write the backward loops');
    accumulateFreshGrad(x, gx);
  });
}
