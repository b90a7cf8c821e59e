/** Reference solution of exercises/sum-rows.ts. */
import { Tensor, accumulateFreshGrad, makeOutput } from '@gradlab/core';

export function sumRows(x: Tensor): Tensor {
  const [m, n] = x.shape as [number, number];
  const out = new Float32Array(m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) out[i]! += x.data[i * n + j]!;
  }
  return makeOutput('sumRows', out, [m], [x], (grad) => {
    // d out[i] / d x[i][j] = 1: every element of row i gets grad[i]
    const gx = new Float32Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) gx[i * n + j] = grad[i]!;
    }
    accumulateFreshGrad(x, gx);
  });
}
