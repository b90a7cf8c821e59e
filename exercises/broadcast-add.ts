/**
 * Exercise 2, broadcast-add: broadcasting, and undoing it in backward.
 *
 *   addBias(x, bias)[i][j] = x[i][j] + bias[j]      x: [m, n], bias: [n], out: [m, n]
 *
 * The bias is "stretched" over the m rows. Tensors are flat row-major arrays:
 * element [i][j] of an [m, n] tensor is data[i * n + j].
 *
 * In backward, x's gradient is `grad` itself (d(x + b)/dx = 1). But bias[j] was
 * used once per row, and a value used several times collects the gradients of
 * all its uses: its gradient is a sum over the rows.
 *
 * Replace the `throw new Error('TODO …')` lines, then run:
 *
 *   npx -y pnpm@12.4.2 exercise broadcast-add
 *
 * gradlab undoes broadcasting for every op in one place: sumToShape in
 * packages/core/src/broadcast.ts (read it after this exercise).
 */
import { Tensor, accumulateFreshGrad, makeOutput } from '@gradlab/core';

export function addBias(x: Tensor, bias: Tensor): Tensor {
  const [m, n] = x.shape as [number, number];
  const out = new Float32Array(m * n);
  // TODO 1 (forward): out[i * n + j] = x.data[i * n + j] + bias.data[j] for every row i and column j.
  throw new Error('TODO 1 in exercises/broadcast-add.ts: write the forward loops');
  return makeOutput('addBias', out, [m, n], [x, bias], (grad) => {
    accumulateFreshGrad(x, Float32Array.from(grad)); // d(x + b)/dx = 1
    const gbias = new Float32Array(n);
    // TODO 2 (backward): gbias[j] = the sum over the rows i of grad[i * n + j].
    throw new Error('TODO 2 in exercises/broadcast-add.ts: sum the gradient over the rows');
    accumulateFreshGrad(bias, gbias);
  });
}
