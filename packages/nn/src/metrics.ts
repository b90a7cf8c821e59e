/**
 * Metrics: numbers to report, not to differentiate.
 */
import { Tensor } from '@gradlab/core';
import { checkLabels } from './functional.js';

/**
 * The fraction of rows whose largest logit is at the label's index (the
 * first index wins a tie). NaN if any logit is NaN: a row with a NaN has no
 * largest logit, and a NaN network must not score as a guess.
 * Shape: logits [batch, classes], labels: `batch` class indices -> number in [0, 1].
 *
 * @example
 * accuracy(tensor([[0.1, 0.9], [0.8, 0.2]]), [1, 1]); // 0.5
 */
export function accuracy(logits: Tensor, labels: Int32Array | readonly number[]): number {
  const targets = checkLabels('accuracy', logits, labels);
  const [batch, classes] = logits.shape as [number, number];
  if (batch === 0) throw new Error('accuracy: the batch is empty');
  let correct = 0;
  for (let i = 0; i < batch; i++) {
    let best = 0;
    if (Number.isNaN(logits.data[i * classes]!)) return NaN;
    for (let j = 1; j < classes; j++) {
      if (Number.isNaN(logits.data[i * classes + j]!)) return NaN;
      if (logits.data[i * classes + j]! > logits.data[i * classes + best]!) best = j;
    }
    if (best === targets[i]) correct++;
  }
  return correct / batch;
}
