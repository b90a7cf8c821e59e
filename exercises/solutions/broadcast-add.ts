/** Reference solution of exercises/broadcast-add.ts. */
import { Tensor, accumulateFreshGrad, makeOutput } from '@gradlab/core';

export function addBias(x: Tensor, bias: Tensor): Tensor {
  const [m, n] = x.shape as [number, number];
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) out[i * n + j] = x.data[i * n + j]! + bias.data[j]!;
  }
  return makeOutput('addBias', out, [m, n], [x, bias], (grad) => {
    // d(x + b)/dx = 1: x's gradient is grad itself
    accumulateFreshGrad(x, Float32Array.from(grad));
    // bias[j] was used by every row: its gradient is the sum over the rows
    const gbias = new Float32Array(n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) gbias[j]! += grad[i * n + j]!;
    }
    accumulateFreshGrad(bias, gbias);
  });
}
