/** Reference solution of exercises/matmul-backward.ts. */
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
    // dA = dC·Bᵀ: dA[i][p] = Σ_j dC[i][j] · B[p][j]
    const ga = new Float32Array(m * k);
    // dB = Aᵀ·dC: dB[p][j] = Σ_i A[i][p] · dC[i][j]
    const gb = new Float32Array(k * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        for (let p = 0; p < k; p++) {
          ga[i * k + p]! += grad[i * n + j]! * b.data[p * n + j]!;
          gb[p * n + j]! += a.data[i * k + p]! * grad[i * n + j]!;
        }
      }
    }
    accumulateFreshGrad(a, ga);
    accumulateFreshGrad(b, gb);
  });
}
