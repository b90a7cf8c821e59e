/**
 * How much the backward signal shrinks from layer to layer at
 * initialisation: the norm of each hidden layer's bias gradient (its δ
 * summed over a batch, one value per unit, so every layer of a width has the
 * same shape) on one fixed batch, and the mean factor per layer between the
 * last hidden layer and the first. A Sigmoid network's factor is what its
 * derivative, at most 1/4, does to the gradient on its way down.
 */
import { crossEntropy, incomingDenseLayers, type Sequential } from '@gradlab/nn';
import type { Dataset } from '../data/dataset.js';
import { inputBatches } from './training.js';

/** The gradient of one batch at initialisation. */
export interface InitialGradient {
  /** Images in the batch: the first ones of the measured set. */
  readonly images: number;
  /** ‖∂loss/∂b‖₂ of each hidden layer's bias, layer 1 first. */
  readonly biasGradientNorms: readonly number[];
  /**
   * (norm of the last hidden layer / norm of the first)^(1 / (layers − 1)):
   * by how much the gradient shrinks per layer on its way to the input, as a
   * geometric mean; null with one hidden layer or a zero norm.
   */
  readonly shrinkPerLayer: number | null;
}

/**
 * The bias-gradient norms of a freshly built model's hidden layers on the
 * first `batchSize` images of `measured` (mean cross-entropy, training mode),
 * and the factor by which they shrink per layer. The model's gradients are
 * cleared afterwards; its weights, the optimizer and every random stream are
 * left as they were.
 *
 * @example
 * measureInitialGradient(model, measured, 64).shrinkPerLayer; // about 4 for a 10-layer Sigmoid MLP
 */
export function measureInitialGradient(model: Sequential, measured: Dataset, batchSize: number): InitialGradient {
  const labels: Int32Array[] = [];
  // A training-mode pass moves BatchNorm's running statistics: they are put back, so measuring leaves the model as it was.
  const buffers = model.buffers().map((buffer) => Float32Array.from(buffer.data));
  const first = inputBatches(measured, labels, batchSize).next();
  if (first.done === true) throw new Error('dead-neurons: no measured images for the initial gradient');
  crossEntropy(model.forward(first.value), labels[0]!).backward();
  const norms = incomingDenseLayers(model).map((layer) => {
    const gradient = layer.bias?.grad?.data;
    if (gradient === undefined) return 0;
    let sum = 0;
    for (const value of gradient) sum += value * value;
    return Math.sqrt(sum);
  });
  for (const parameter of model.parameters()) parameter.grad = null;
  model.buffers().forEach((buffer, index) => buffer.data.set(buffers[index]!));
  const firstNorm = norms[0] ?? 0;
  const lastNorm = norms[norms.length - 1] ?? 0;
  const shrinkPerLayer = norms.length < 2 || firstNorm === 0 || lastNorm === 0 ? null : (lastNorm / firstNorm) ** (1 / (norms.length - 1));
  return { images: labels[0]!.length, biasGradientNorms: norms, shrinkPerLayer };
}
