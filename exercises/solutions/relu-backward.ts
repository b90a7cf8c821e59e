/** Reference solution of exercises/relu-backward.ts. */
import { Tensor, accumulateFreshGrad, makeOutput } from '@gradlab/core';

export function relu(x: Tensor): Tensor {
  const out = new Float32Array(x.size);
  for (let i = 0; i < out.length; i++) out[i] = x.data[i]! > 0 ? x.data[i]! : 0;
  return makeOutput('relu', out, x.shape, [x], (grad) => {
    // d relu/dx = 1 if x > 0 else 0
    const gx = new Float32Array(grad.length);
    for (let i = 0; i < gx.length; i++) gx[i] = x.data[i]! > 0 ? grad[i]! : 0;
    accumulateFreshGrad(x, gx);
  });
}
