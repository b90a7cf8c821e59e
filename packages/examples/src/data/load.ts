/**
 * One entry point for "give me the train and test sets" used by every
 * subcommand: the embedded 10,000 digits split 8,000/2,000 by default, or the
 * full MNIST IDX files of `--data-dir`.
 */
import { loadMnistDirectory } from './idx.js';
import { loadEmbeddedMnist } from './mnist.js';
import { DEFAULT_TEST_SIZE, DEFAULT_TRAIN_SIZE, splitGenerator, stratifiedSample, stratifiedSplit, type TrainTestSplit } from './split.js';

export { DEFAULT_TEST_SIZE, DEFAULT_TRAIN_SIZE } from './split.js';

/** Where the data comes from and how much of it to use. */
export interface DataOptions {
  /** A directory with the four MNIST IDX files; the embedded digits when absent. */
  readonly dataDir?: string;
  /** Training images (default: 8,000 embedded, or every image of the IDX training file). */
  readonly trainSize?: number;
  /** Test images (default: 2,000 embedded, or every image of the IDX test file). */
  readonly testSize?: number;
  /** Seed of the split; fixed (0) by default so every run sees the same split. */
  readonly splitSeed?: number;
}

/** How many digits the embedded `mnist` package holds. */
export const EMBEDDED_IMAGE_COUNT = 10000;

/**
 * Asked for more images than the data has: a mistake in the sizes given
 * (the command line turns it into a usage error, exit code 2).
 */
export class DataSizeError extends Error {
  override readonly name = 'DataSizeError';
}

/**
 * Checks the sizes asked of the embedded digits without loading them, so a
 * sweep can refuse them before starting its workers. IDX files are checked by
 * `loadData` once their sizes are known.
 *
 * @example
 * checkDataSizes({ trainSize: 9000 }); // DataSizeError: data: --train-size 9000 + --test-size 2000 is more than the 10000 embedded images
 */
export function checkDataSizes(options: DataOptions): void {
  if (options.dataDir !== undefined) return;
  const trainSize = options.trainSize ?? DEFAULT_TRAIN_SIZE;
  const testSize = options.testSize ?? DEFAULT_TEST_SIZE;
  if (trainSize + testSize > EMBEDDED_IMAGE_COUNT) {
    throw new DataSizeError(`data: --train-size ${trainSize} + --test-size ${testSize} is more than the ${EMBEDDED_IMAGE_COUNT} embedded images`);
  }
}

/**
 * Loads and splits the data the same way for every subcommand, so that a
 * checkpoint trained by `gradlab train` is evaluated by `gradlab eval` on the
 * very images it never saw.
 *
 * @example
 * const { train, test } = loadData({}); // 8,000 / 2,000 embedded digits
 */
export function loadData(options: DataOptions): TrainTestSplit {
  const generator = splitGenerator(options.splitSeed);
  checkDataSizes(options);
  if (options.dataDir === undefined) {
    return stratifiedSplit(loadEmbeddedMnist(), {
      trainSize: options.trainSize ?? DEFAULT_TRAIN_SIZE,
      testSize: options.testSize ?? DEFAULT_TEST_SIZE,
      generator,
    });
  }
  const { train, test } = loadMnistDirectory(options.dataDir);
  for (const [flag, wanted, available] of [['--train-size', options.trainSize, train.count], ['--test-size', options.testSize, test.count]] as const) {
    if (wanted !== undefined && wanted > available) throw new DataSizeError(`data: ${flag} ${wanted} is more than the ${available} images in ${options.dataDir}`);
  }
  return {
    train: options.trainSize === undefined ? train : stratifiedSample(train, options.trainSize, generator),
    test: options.testSize === undefined ? test : stratifiedSample(test, options.testSize, generator),
  };
}
