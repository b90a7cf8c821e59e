/**
 * Deterministic, seeded ways to cut and order a dataset: a stratified
 * train/test split and the shuffled order of each training epoch. Every random
 * choice comes from a core `Generator`, so the same seed gives the same split
 * and the same batches on every machine.
 */
import { Generator } from '@gradlab/core';
import { countPerLabel, subset, type Dataset } from './dataset.js';

/** The default sizes of the embedded split: 8,000 training and 2,000 test digits of the 10,000. */
export const DEFAULT_TRAIN_SIZE = 8000;
export const DEFAULT_TEST_SIZE = 2000;

/**
 * The generator every split of seed `splitSeed` draws from (`--split-seed`,
 * 0 by default): the command line and the playground split the same way.
 *
 * @example
 * stratifiedSplit(digits, { trainSize: DEFAULT_TRAIN_SIZE, testSize: DEFAULT_TEST_SIZE, generator: splitGenerator(0) });
 */
export function splitGenerator(splitSeed = 0): Generator {
  return new Generator(`split:${splitSeed}`);
}

/** The two halves of a split. */
export interface TrainTestSplit {
  readonly train: Dataset;
  readonly test: Dataset;
}

/**
 * Splits `total` items into parts proportional to `weights`, summing exactly
 * to `total` (largest-remainder rounding; ties go to the earlier part).
 *
 * @example
 * proportionalCounts(10, [1, 1, 2]); // [3, 2, 5]  (2.5, 2.5, 5 rounded fairly)
 */
export function proportionalCounts(total: number, weights: readonly number[]): number[] {
  const weightSum = weights.reduce((a, b) => a + b, 0);
  if (weightSum <= 0) return weights.map(() => 0);
  const exact = weights.map((weight) => (total * weight) / weightSum);
  const counts = exact.map(Math.floor);
  let missing = total - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact
    .map((value, index) => ({ index, remainder: value - Math.floor(value) }))
    .sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (const { index } of byRemainder) {
    if (missing === 0) break;
    counts[index]! += 1;
    missing -= 1;
  }
  return counts;
}

/**
 * A stratified random split: each digit appears in the test set in the same
 * proportion as in the whole dataset (up to rounding), the sizes are exact,
 * and within each half the images come in a seeded random order.
 *
 * Shape rule: `trainSize + testSize <= dataset.count`; images not chosen are left out.
 *
 * @example
 * const { train, test } = stratifiedSplit(loadEmbeddedMnist(), { trainSize: 8000, testSize: 2000, generator: new Generator(0) });
 */
export function stratifiedSplit(
  dataset: Dataset,
  options: { trainSize: number; testSize: number; generator: Generator },
): TrainTestSplit {
  const { trainSize, testSize, generator } = options;
  for (const [name, value] of [['trainSize', trainSize], ['testSize', testSize]] as const) {
    if (!Number.isInteger(value) || value < 0) throw new Error(`stratifiedSplit: ${name} must be a non-negative integer, got ${value}`);
  }
  if (trainSize + testSize > dataset.count) {
    throw new Error(`stratifiedSplit: trainSize ${trainSize} + testSize ${testSize} exceeds the ${dataset.count} images available`);
  }
  const perLabel = countPerLabel(dataset);
  const testPerLabel = proportionalCounts(testSize, perLabel);
  // Train is drawn from what the test set left, still in proportion to each digit.
  const trainPerLabel = proportionalCounts(trainSize, perLabel.map((count, label) => count - testPerLabel[label]!));

  const trainIndices: number[] = [];
  const testIndices: number[] = [];
  for (let label = 0; label < perLabel.length; label++) {
    const members: number[] = [];
    for (let i = 0; i < dataset.count; i++) if (dataset.labels[i] === label) members.push(i);
    const order = generator.permutation(members.length);
    const testCount = testPerLabel[label]!;
    const trainCount = trainPerLabel[label]!;
    for (let i = 0; i < testCount; i++) testIndices.push(members[order[i]!]!);
    for (let i = testCount; i < testCount + trainCount; i++) trainIndices.push(members[order[i]!]!);
  }
  return {
    train: subset(dataset, shuffled(trainIndices, generator)),
    test: subset(dataset, shuffled(testIndices, generator)),
  };
}

/**
 * A stratified random sample of `size` images (all of them, shuffled, when size >= count).
 *
 * @example
 * const small = stratifiedSample(train, 500, new Generator(1));
 */
export function stratifiedSample(dataset: Dataset, size: number, generator: Generator): Dataset {
  return stratifiedSplit(dataset, { trainSize: Math.min(size, dataset.count), testSize: 0, generator }).train;
}

function shuffled(indices: readonly number[], generator: Generator): number[] {
  const order = generator.permutation(indices.length);
  return Array.from(order, (position) => indices[position]!);
}

/**
 * The order in which one training epoch visits the images: a fresh seeded
 * permutation per epoch, drawn from the data-order generator. Drawing it from
 * a generator of its own (not the one that initialised the weights) is what
 * lets three networks with different activations see exactly the same batches.
 *
 * @example
 * const order = epochOrder(train.count, dataGenerator); // Int32Array, a permutation of 0..count-1
 */
export function epochOrder(count: number, dataGenerator: Generator): Int32Array {
  return dataGenerator.permutation(count);
}
