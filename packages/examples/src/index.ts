/**
 * @gradlab/examples: MNIST data, the dead-neuron experiments and their reports.
 * The `gradlab` command line (cli/main.ts) is a thin layer over these functions.
 *
 * Layout: data/ (loading, splitting, batching MNIST), experiments/ (training
 * loops and the experiments themselves), report/ (charts, CSV and markdown),
 * io/ (atomic file writes), cli/ (one file per subcommand).
 */
export type { Dataset } from './data/dataset.js';
export { subset, countPerLabel, pixelsPerImage } from './data/dataset.js';
export { loadEmbeddedMnist } from './data/mnist.js';
export { parseIdx, readIdxFile, idxToDataset, loadMnistDirectory, encodeIdx, MAX_IDX_BYTES } from './data/idx.js';
export type { IdxArray } from './data/idx.js';
export { stratifiedSplit, stratifiedSample, proportionalCounts, epochOrder } from './data/split.js';
export type { TrainTestSplit } from './data/split.js';
export { batches, batchCount } from './data/batches.js';
export type { Batch } from './data/batches.js';
export { loadData, DEFAULT_TRAIN_SIZE, DEFAULT_TEST_SIZE } from './data/load.js';
export type { DataOptions } from './data/load.js';
export { writeFileAtomic, appendLineDurable } from './io/atomic.js';
