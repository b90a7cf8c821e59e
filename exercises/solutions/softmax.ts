/** Reference solution of exercises/softmax.ts. */
import { Tensor, div, exp, max, sub, sum } from '@gradlab/core';

export function softmax(x: Tensor): Tensor {
  // softmax(x - c) = softmax(x): subtracting each row's maximum keeps e^… finite.
  const shifted = sub(x, max(x, -1, true).detach());
  const e = exp(shifted);
  return div(e, sum(e, -1, true));
}
