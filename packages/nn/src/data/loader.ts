/**
 * Datasets held in memory as tensors, and the loader that cuts them into
 * (optionally shuffled) mini-batches, as PyTorch's TensorDataset and DataLoader.
 */
import { Generator, Tensor, defaultGenerator, formatShape, sizeOf } from '@gradlab/core';

/** What a dataset's labels can be: class indices (integers) or a tensor of targets with one row per example. */
export type Labels = Tensor | ArrayLike<number>;

/** The labels of one batch: class indices stay an Int32Array, a target tensor stays a tensor. */
export type BatchLabels<L extends Labels> = L extends Tensor ? Tensor : Int32Array;

/**
 * A dataset of N examples: row i of `inputs` (shape [N, ...]) with label i.
 * Labels are class indices (an Int32Array or number[] of length N, for
 * `crossEntropy`) or a tensor of targets of shape [N, ...] (for `mseLoss`).
 *
 * @example
 * const data = new TensorDataset(tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), [0, 1, 1, 0]);
 * data.length; // 4
 */
export class TensorDataset<L extends Labels = Labels> {
  readonly inputs: Tensor;
  readonly labels: L;

  constructor(inputs: Tensor, labels: L) {
    if (!(inputs instanceof Tensor) || inputs.ndim < 1) {
      throw new Error('TensorDataset: inputs must be a tensor with one row per example (shape [N, ...])');
    }
    const count = inputs.shape[0]!;
    const labelCount = labels instanceof Tensor ? (labels.ndim === 0 ? -1 : labels.shape[0]!) : labels?.length;
    if (labelCount !== count) {
      const got = labels instanceof Tensor ? `labels of shape ${formatShape(labels.shape)}` : `${String(labelCount)} labels`;
      throw new Error(`TensorDataset: inputs of shape ${formatShape(inputs.shape)} hold ${count} examples but got ${got}`);
    }
    if (!(labels instanceof Tensor) && !Array.from(labels).every((label) => Number.isInteger(label))) {
      throw new Error('TensorDataset: class labels must be integers (pass a Tensor for real-valued targets)');
    }
    this.inputs = inputs;
    this.labels = labels;
  }

  /** Number of examples N. */
  get length(): number {
    return this.inputs.shape[0]!;
  }
}

/** Options of `DataLoader`. */
export interface DataLoaderOptions {
  /** Examples per batch. Default 1. */
  batchSize?: number;
  /** Visit the examples in a fresh random order at every pass. Default false (stored order). */
  shuffle?: boolean;
  /**
   * The seeded generator of the order; core's defaultGenerator() by default.
   * Each pass draws one `generator.permutation(N)`, so the same seed gives the
   * same batches, and saving `generator.state()` between passes resumes the order.
   */
  generator?: Generator;
  /** Drop the last batch when it is smaller than batchSize. Default false. */
  dropLast?: boolean;
}

/**
 * Iterates over a TensorDataset in mini-batches of `[inputs, labels]`, as
 * PyTorch's DataLoader: every `for … of` is one pass (an epoch).
 * Order: stored order, or with `shuffle` the permutation generator.permutation(N)
 * drawn at the start of the pass (Fisher-Yates from generator.uniform()).
 * Shape: each inputs batch is [batchSize, ...] (the last one smaller unless dropLast);
 * labels are an Int32Array of batchSize class indices, or a [batchSize, ...] tensor.
 *
 * @example
 * const loader = new DataLoader(data, { batchSize: 64, shuffle: true, generator: new Generator(0) });
 * for (const [inputs, labels] of loader) {
 *   optimizer.zeroGrad(); crossEntropy(model.forward(inputs), labels).backward(); optimizer.step();
 * }
 */
export class DataLoader<L extends Labels = Labels> implements Iterable<[Tensor, BatchLabels<L>]> {
  readonly dataset: TensorDataset<L>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly #generator: Generator | undefined;

  constructor(dataset: TensorDataset<L>, options: DataLoaderOptions = {}) {
    if (!(dataset instanceof TensorDataset)) throw new Error('DataLoader: the dataset must be a TensorDataset');
    const batchSize = options.batchSize ?? 1;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`DataLoader: batchSize must be a positive integer, got ${String(batchSize)}`);
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.#generator = options.generator;
  }

  /** Number of batches in one pass. */
  get length(): number {
    const count = this.dataset.length;
    return this.dropLast ? Math.floor(count / this.batchSize) : Math.ceil(count / this.batchSize);
  }

  /** The example indices of the next pass, in visiting order (draws from the generator when shuffling). */
  #order(): Int32Array {
    const count = this.dataset.length;
    if (this.shuffle) return (this.#generator ?? defaultGenerator()).permutation(count);
    return Int32Array.from({ length: count }, (_, i) => i);
  }

  *[Symbol.iterator](): Iterator<[Tensor, BatchLabels<L>]> {
    const order = this.#order();
    const { inputs, labels } = this.dataset;
    const inputRow = sizeOf(inputs.shape.slice(1));
    const labelRow = labels instanceof Tensor ? sizeOf(labels.shape.slice(1)) : 1;
    for (let batch = 0; batch < this.length; batch++) {
      const start = batch * this.batchSize;
      const size = Math.min(this.batchSize, order.length - start);
      const data = new Float32Array(size * inputRow);
      const labelData = labels instanceof Tensor ? new Float32Array(size * labelRow) : new Int32Array(size);
      for (let row = 0; row < size; row++) {
        const example = order[start + row]!;
        data.set(inputs.data.subarray(example * inputRow, (example + 1) * inputRow), row * inputRow);
        if (labels instanceof Tensor) labelData.set(labels.data.subarray(example * labelRow, (example + 1) * labelRow), row * labelRow);
        else labelData[row] = labels[example]!;
      }
      const batchLabels = labels instanceof Tensor ? new Tensor(labelData as Float32Array, [size, ...labels.shape.slice(1)]) : labelData;
      yield [new Tensor(data, [size, ...inputs.shape.slice(1)]), batchLabels as BatchLabels<L>];
    }
  }
}
