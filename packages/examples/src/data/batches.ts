/**
 * MNIST in mini-batches: a Dataset becomes nn's TensorDataset, and nn's
 * DataLoader cuts it into batches (shuffled by a seeded generator for training).
 */
import { Tensor } from '@gradlab/core';
import { TensorDataset } from '@gradlab/nn';
import { pixelsPerImage, type Dataset } from './dataset.js';

/**
 * The dataset as a TensorDataset: images as a [count, rows * cols] tensor
 * sharing the dataset's Float32Array (no copy), labels as they are.
 *
 * @example
 * for (const [inputs, labels] of new DataLoader(tensorDataset(train), { batchSize: 64, shuffle: true, generator })) { … }
 */
export function tensorDataset(dataset: Dataset): TensorDataset<Uint8Array> {
  return new TensorDataset(new Tensor(dataset.images, [dataset.count, pixelsPerImage(dataset)]), dataset.labels);
}

/** Number of batches a DataLoader over `count` examples yields per pass (the last one may be smaller). */
export function batchCount(count: number, batchSize: number): number {
  return Math.ceil(count / batchSize);
}
