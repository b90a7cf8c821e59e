/**
 * Cutting a dataset into mini-batches of tensors.
 */
import { Tensor } from '@gradlab/core';
import { pixelsPerImage, type Dataset } from './dataset.js';

/** One mini-batch: images as a [batchSize, pixels] tensor and their labels. */
export interface Batch {
  readonly inputs: Tensor;
  readonly labels: Int32Array;
}

/**
 * The dataset in mini-batches of `batchSize` images, visiting the images in
 * `order` (all of them, in stored order, when omitted). The last batch may be
 * smaller. Shape of each `inputs`: [batchSize, rows * cols].
 *
 * @example
 * for (const { inputs, labels } of batches(train, 64, epochOrder(train.count, generator))) { … }
 */
export function* batches(dataset: Dataset, batchSize: number, order?: ArrayLike<number>): Generator<Batch> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batches: batchSize must be a positive integer, got ${batchSize}`);
  const pixels = pixelsPerImage(dataset);
  const total = order ? order.length : dataset.count;
  for (let start = 0; start < total; start += batchSize) {
    const size = Math.min(batchSize, total - start);
    const data = new Float32Array(size * pixels);
    const labels = new Int32Array(size);
    for (let row = 0; row < size; row++) {
      const image = order ? order[start + row]! : start + row;
      data.set(dataset.images.subarray(image * pixels, (image + 1) * pixels), row * pixels);
      labels[row] = dataset.labels[image]!;
    }
    yield { inputs: new Tensor(data, [size, pixels]), labels };
  }
}

/** Number of batches `batches(dataset, batchSize)` yields. */
export function batchCount(count: number, batchSize: number): number {
  return Math.ceil(count / batchSize);
}
