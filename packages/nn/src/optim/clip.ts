/**
 * Gradient clipping, as PyTorch's torch.nn.utils.clip_grad_norm_ / clip_grad_value_:
 * call between `loss.backward()` and `optimizer.step()`.
 */
import type { Tensor } from '@gradlab/core';
import { unsupported } from '@gradlab/core/kernels';
import { checkNumber } from './optimizer.js';

/**
 * Scales every gradient by one factor so that their global 2-norm (over all
 * the parameters' gradients together) is at most maxNorm:
 *   total = sqrt(sum over all gradient elements of g²)
 *   g ← g · min(1, maxNorm / (total + 1e-6))
 * and returns total (before clipping). Parameters without a gradient are
 * skipped. The 1e-6 is PyTorch's, so the clipped norm is a hair below maxNorm.
 *
 * @example
 * loss.backward();
 * const norm = clipGradNorm(model.parameters(), 1.0); // the norm before clipping
 * optimizer.step();
 */
export function clipGradNorm(parameters: Iterable<Tensor>, maxNorm: number): number {
  checkNumber('clipGradNorm', 'maxNorm', maxNorm, { positive: true });
  unsupported('clipGradNorm (its loops have no captured kernel)');
  const grads = [...parameters].flatMap((parameter) => (parameter.grad === null ? [] : [parameter.grad.data]));
  let sumOfSquares = 0;
  for (const grad of grads) for (let i = 0; i < grad.length; i++) sumOfSquares += grad[i]! * grad[i]!;
  const total = Math.sqrt(sumOfSquares);
  const factor = maxNorm / (total + 1e-6);
  if (factor < 1) for (const grad of grads) for (let i = 0; i < grad.length; i++) grad[i] = grad[i]! * factor;
  return total;
}

/**
 * Clips every gradient element to [-clipValue, clipValue]:
 *   g ← min(max(g, -clipValue), clipValue).
 * Parameters without a gradient are skipped.
 *
 * @example
 * loss.backward();
 * clipGradValue(model.parameters(), 0.5);
 * optimizer.step();
 */
export function clipGradValue(parameters: Iterable<Tensor>, clipValue: number): void {
  checkNumber('clipGradValue', 'clipValue', clipValue, { positive: true });
  unsupported('clipGradValue (its loop has no captured kernel)');
  for (const parameter of parameters) {
    if (parameter.grad === null) continue;
    const grad = parameter.grad.data;
    for (let i = 0; i < grad.length; i++) grad[i] = Math.min(Math.max(grad[i]!, -clipValue), clipValue);
  }
}
