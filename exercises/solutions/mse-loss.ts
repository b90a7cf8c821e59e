/** Reference solution of exercises/mse-loss.ts. */
import { Tensor, mean, mul, sub } from '@gradlab/core';

export function mse(prediction: Tensor, target: Tensor): Tensor {
  const difference = sub(prediction, target);
  return mean(mul(difference, difference));
}
