/**
 * Loss functions: each maps a batch of predictions to one scalar to minimise.
 */
import { Tensor, formatShape, mean, sameShape, sub } from '@gradlab/core';
import { softmaxCrossEntropy } from './functional.js';

/**
 * Cross-entropy between softmax(logits) and class-index labels, averaged
 * over the batch: loss = mean_i [ log sum_j e^(logits_ij) - logits_i,label_i ].
 * Fused and stable for large logits (see `softmaxCrossEntropy` in functional.ts);
 * the gradient with respect to the logits is (softmax - onehot) / batch.
 * Shape: logits [batch, classes], labels: `batch` integers in [0, classes) -> scalar.
 *
 * @example
 * crossEntropy(tensor([[2, 0, 0]]), [0]).item(); // -log(e²/(e²+2)) = 0.2395
 */
export function crossEntropy(logits: Tensor, labels: Int32Array | readonly number[]): Tensor {
  return softmaxCrossEntropy(logits, labels);
}

/**
 * Mean squared error: loss = mean((prediction - target)²), over every element.
 * Composed from core ops, so it needs no gradient code of its own.
 * Shape: prediction and target of the same shape -> scalar.
 *
 * @example
 * mseLoss(tensor([1, 2]), tensor([1, 4])).item(); // (0 + 4) / 2 = 2
 */
export function mseLoss(prediction: Tensor, target: Tensor): Tensor {
  if (!sameShape(prediction.shape, target.shape)) {
    // No broadcasting on purpose: [32,1] against [32] would silently become [32,32].
    throw new Error(`mseLoss: prediction ${formatShape(prediction.shape)} and target ${formatShape(target.shape)} must have the same shape`);
  }
  if (prediction.size === 0) throw new Error(`mseLoss: empty prediction ${formatShape(prediction.shape)}`);
  return mean(sub(prediction, target).pow(2));
}
