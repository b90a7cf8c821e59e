/**
 * Normalisation layers: BatchNorm1d (statistics over the batch, with running
 * estimates for evaluation, kept as buffers) and LayerNorm (statistics over
 * each example's features). Both are composed from core ops, so they need no
 * gradient code of their own.
 */
import { Tensor, formatShape, full, mean, ones, pow, zeros } from '@gradlab/core';
import { Module } from '../module.js';
import { checkNumber } from '../optim/optimizer.js';

/** Options of `BatchNorm1d`. */
export interface BatchNorm1dOptions {
  /** Added to the variance before the square root. Default 1e-5 (PyTorch's). */
  eps?: number;
  /**
   * Weight of the new batch in the running statistics: running = (1 - momentum)·running + momentum·batch.
   * Default 0.1 (PyTorch's). null: a cumulative average, momentum = 1 / batches seen.
   */
  momentum?: number | null;
  /** Learnable per-feature scale (weight, starts at 1) and shift (bias, starts at 0). Default true. */
  affine?: boolean;
}

/**
 * Batch normalisation over a mini-batch of feature vectors (Ioffe & Szegedy
 * 2015), as PyTorch's nn.BatchNorm1d on 2-d input.
 *
 * Training mode, per feature j over the batch of N rows:
 *   mu_j = mean_i x_ij,  var_j = mean_i (x_ij - mu_j)²  (biased)
 *   y_ij = (x_ij - mu_j) / sqrt(var_j + eps) · weight_j + bias_j
 * and the running statistics (buffers) move towards the batch's:
 *   runningMean ← (1 - m)·runningMean + m·mu,  runningVar ← (1 - m)·runningVar + m·var·N/(N-1)
 * (the running variance is the unbiased one, as in PyTorch). Evaluation mode
 * uses runningMean / runningVar instead of the batch's statistics.
 * Shape: [N, numFeatures] -> same; training needs N > 1.
 * Buffers: runningMean (starts 0), runningVar (starts 1), numBatchesTracked.
 *
 * @example
 * const norm = new BatchNorm1d(3);
 * norm.forward(tensor([[1, 2, 3], [3, 6, 9]])).toArray(); // ≈ [[-1, -1, -1], [1, 1, 1]]
 * norm.runningMean.toArray();                              // [0.2, 0.4, 0.6]
 */
export class BatchNorm1d extends Module {
  /** [numFeatures], or null without `affine`. */
  weight: Tensor | null;
  /** [numFeatures], or null without `affine`. */
  bias: Tensor | null;
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly #runningMean: Tensor;
  readonly #runningVar: Tensor;
  readonly #numBatchesTracked: Tensor;

  constructor(numFeatures: number, options: BatchNorm1dOptions = {}) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 1) {
      throw new Error(`BatchNorm1d: numFeatures must be a positive integer, got ${numFeatures}`);
    }
    const eps = options.eps ?? 1e-5;
    checkNumber('BatchNorm1d', 'eps', eps, { positive: true });
    const momentum = options.momentum === undefined ? 0.1 : options.momentum;
    if (momentum !== null) checkNumber('BatchNorm1d', 'momentum', momentum, { atMost: 1 });
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    const affine = options.affine ?? true;
    this.weight = affine ? ones([numFeatures], { requiresGrad: true }) : null;
    this.bias = affine ? zeros([numFeatures], { requiresGrad: true }) : null;
    this.#runningMean = this.registerBuffer('runningMean', zeros([numFeatures]));
    this.#runningVar = this.registerBuffer('runningVar', ones([numFeatures]));
    this.#numBatchesTracked = this.registerBuffer('numBatchesTracked', zeros([]));
  }

  /** The running mean of each feature (a buffer; live, not a copy). */
  get runningMean(): Tensor {
    return this.#runningMean;
  }

  /** The running (unbiased) variance of each feature (a buffer; live, not a copy). */
  get runningVar(): Tensor {
    return this.#runningVar;
  }

  /** How many training batches have updated the running statistics. */
  get numBatchesTracked(): number {
    return this.#numBatchesTracked.item();
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 2 || x.shape[1] !== this.numFeatures) {
      throw new Error(`BatchNorm1d(${this.numFeatures}): expected input of shape [batch, ${this.numFeatures}], got ${formatShape(x.shape)}`);
    }
    let normalized: Tensor;
    if (this.training) {
      const rows = x.shape[0]!;
      if (rows < 2) throw new Error(`BatchNorm1d(${this.numFeatures}): training needs more than 1 row per batch to estimate a variance, got ${formatShape(x.shape)}`);
      const centered = x.sub(mean(x, 0, true));
      const variance = mean(centered.mul(centered), 0, true);
      normalized = centered.mul(pow(variance.add(this.eps), -0.5));
      this.#track(x, variance.data, rows);
    } else {
      const centered = x.sub(this.#runningMean);
      normalized = centered.mul(pow(this.#runningVar.add(this.eps), -0.5));
    }
    return this.weight === null || this.bias === null ? normalized : normalized.mul(this.weight).add(this.bias);
  }

  /** runningMean ← (1 - m)·runningMean + m·batchMean; runningVar likewise with the unbiased batch variance. */
  #track(x: Tensor, biasedVariance: Float32Array, rows: number): void {
    this.#numBatchesTracked.data[0]! += 1;
    const m = this.momentum ?? 1 / this.#numBatchesTracked.data[0]!;
    const batchMean = mean(x.detach(), 0).data;
    for (let j = 0; j < this.numFeatures; j++) {
      this.#runningMean.data[j] = (1 - m) * this.#runningMean.data[j]! + m * batchMean[j]!;
      this.#runningVar.data[j] = (1 - m) * this.#runningVar.data[j]! + m * biasedVariance[j]! * (rows / (rows - 1));
    }
  }

  override describe(): string {
    return `${this.numFeatures}${this.eps === 1e-5 ? '' : `, eps=${this.eps}`}${this.momentum === 0.1 ? '' : `, momentum=${this.momentum}`}${this.weight === null ? ', affine=false' : ''}`;
  }
}

/** Options of `LayerNorm`. */
export interface LayerNormOptions {
  /** Added to the variance before the square root. Default 1e-5 (PyTorch's). */
  eps?: number;
  /** Learnable weight (starts at 1) and bias (starts at 0) of the normalised shape. Default true. */
  elementwiseAffine?: boolean;
}

/**
 * Layer normalisation (Ba, Kiros & Hinton 2016), as PyTorch's nn.LayerNorm:
 * each example is normalised over its last `normalizedShape.length` dimensions,
 *   y = (x - mean) / sqrt(var + eps) · weight + bias   (var biased),
 * the same in training and evaluation (no running statistics).
 * Shape: [..., ...normalizedShape] -> same; weight and bias have normalizedShape.
 *
 * @example
 * new LayerNorm(2).forward(tensor([[1, 3], [10, 0]])).toArray(); // ≈ [[-1, 1], [1, -1]]
 */
export class LayerNorm extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  readonly normalizedShape: readonly number[];
  readonly eps: number;

  constructor(normalizedShape: number | readonly number[], options: LayerNormOptions = {}) {
    super();
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    if (shape.length === 0 || shape.some((dim) => !Number.isInteger(dim) || dim < 1)) {
      throw new Error(`LayerNorm: normalizedShape must be a positive integer or a non-empty list of them, got ${JSON.stringify(normalizedShape)}`);
    }
    const eps = options.eps ?? 1e-5;
    checkNumber('LayerNorm', 'eps', eps, { positive: true });
    this.normalizedShape = Object.freeze(shape);
    this.eps = eps;
    const affine = options.elementwiseAffine ?? true;
    this.weight = affine ? full(shape, 1, { requiresGrad: true }) : null;
    this.bias = affine ? zeros(shape, { requiresGrad: true }) : null;
  }

  forward(x: Tensor): Tensor {
    const k = this.normalizedShape.length;
    const tail = x.shape.slice(x.ndim - k);
    if (x.ndim < k || tail.some((dim, i) => dim !== this.normalizedShape[i])) {
      throw new Error(`LayerNorm(${formatShape(this.normalizedShape)}): input of shape ${formatShape(x.shape)} does not end in ${formatShape(this.normalizedShape)}`);
    }
    const axes = this.normalizedShape.map((_, i) => x.ndim - k + i);
    const centered = x.sub(mean(x, axes, true));
    const variance = mean(centered.mul(centered), axes, true);
    const normalized = centered.mul(pow(variance.add(this.eps), -0.5));
    return this.weight === null || this.bias === null ? normalized : normalized.mul(this.weight).add(this.bias);
  }

  override describe(): string {
    return `${this.normalizedShape.join(', ')}${this.eps === 1e-5 ? '' : `, eps=${this.eps}`}${this.weight === null ? ', elementwiseAffine=false' : ''}`;
  }
}
