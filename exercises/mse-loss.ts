/**
 * Exercise 5, mse-loss: a composite op, with no gradient code of its own.
 *
 *   mse(prediction, target) = mean((prediction - target)²)      a scalar (shape [])
 *
 * Build it from gradlab's ops (sub, mul or pow, mean), working on the tensors,
 * not on their .data: then backward() finds its way through the ops you used,
 * and you get the gradient 2 (prediction - target) / N without writing it.
 *
 * Replace the `throw new Error('TODO …')` line, then run:
 *
 *   npx -y pnpm@12.4.2 exercise mse-loss
 */
import { Tensor } from '@gradlab/core';

export function mse(prediction: Tensor, target: Tensor): Tensor {
  // TODO: return mean((prediction - target)²), built from ops imported from '@gradlab/core'.
  throw new Error('TODO in exercises/mse-loss.ts: build the loss from ops');
}
