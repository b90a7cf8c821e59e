/**
 * Exercise 4, matmul-backward: the backward of a matrix product.
 *
 *   C = A·B,   C[i][j] = Σ_p A[i][p] · B[p][j]       A: [m, k], B: [k, n], C: [m, n]
 *
 * The forward is written for you. For the backward, write dC for `grad`:
 *
 *   dA = dC·Bᵀ    dA[i][p] = Σ_j dC[i][j] · B[p][j]     (shape [m, k], like A)
 *   dB = Aᵀ·dC    dB[p][j] = Σ_i A[i][p] · dC[i][j]     (shape [k, n], like B)
 *
 * (Derive one yourself: C[i][j] depends on A[i][p] with coefficient B[p][j].)
 * Flat arrays: A[i][p] = a.data[i * k + p], B[p][j] = b.data[p * n + j], dC[i][j] = grad[i * n + j].
 *
 * Replace the `throw new Error('TODO …')` line, then run:
 *
 *   npx -y pnpm@12.4.2 exercise matmul-backward
 *
 * gradlab's own matmul (packages/core/src/ops.ts) says the same in two lines.
 */
import { Tensor, accumulateFreshGrad, makeOutput } from '@gradlab/core';

export function matmul2d(a: Tensor, b: Tensor): Tensor {
  const [m, k] = a.shape as [number, number];
  const n = b.shape[1]!;
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      for (let p = 0; p < k; p++) out[i * n + j]! += a.data[i * k + p]! * b.data[p * n + j]!;
    }
  }
  return makeOutput('matmul2d', out, [m, n], [a, b], (grad) => {
    const ga = new Float32Array(m * k);
    const gb = new Float32Array(k * n);
    // TODO (backward): fill ga with dA = dC·Bᵀ and gb with dB = Aᵀ·dC (three nested loops suffice).
    throw new Error('TODO in exercises/matmul-backward.ts: compute dA and dB');
    accumulateFreshGrad(a, ga);
    accumulateFreshGrad(b, gb);
  });
}
