/**
 * The fully connected layer.
 */
import { Generator, Tensor, checkShape, defaultGenerator, zeros } from '@gradlab/core';
import { linear } from '../functional.js';
import { INIT_NAMES, initialize, type InitName } from '../init.js';
import { Module } from '../module.js';

/** Options of `Dense`. */
export interface DenseOptions {
  /** Whether the layer adds a bias vector. Default true. */
  bias?: boolean;
  /**
   * How the weight is initialised: an initialiser's name, or a function that
   * fills the [inFeatures, outFeatures] weight in place. Default 'he-normal'.
   */
  init?: InitName | ((weight: Tensor) => void);
  /** Negative slope of the activation that follows, for the He gain. Default 0 (ReLU). */
  negativeSlope?: number;
  /** The value every bias element starts at. Default 0. */
  biasInit?: number;
  /** The seeded generator to draw the weights from; core's defaultGenerator() by default. */
  generator?: Generator;
}

/**
 * A fully connected (affine) layer: y = x·W + b.
 * Shape: x [..., inFeatures] -> y [..., outFeatures];
 * weight [inFeatures, outFeatures], bias [outFeatures].
 *
 * Default initialisation: He-normal for a ReLU, w ~ N(0, 2 / inFeatures), and
 * a zero bias. This differs on purpose from PyTorch's nn.Linear default
 * (Kaiming-uniform with a = sqrt 5, i.e. U(-1/sqrt(in), 1/sqrt(in)) for
 * weight and bias): gradlab is mostly used for ReLU networks, where He-normal
 * is the initialisation the dead-neuron literature starts from.
 * `mlp` picks the initialiser from the activation.
 *
 * @example
 * const layer = new Dense(784, 128, { generator: new Generator(0) });
 * layer.forward(zeros([32, 784])).shape; // [32, 128]
 */
export class Dense extends Module {
  /** [inFeatures, outFeatures]. */
  weight: Tensor;
  /** [outFeatures], or null when built with `bias: false`. */
  bias: Tensor | null;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, options: DenseOptions = {}) {
    super();
    for (const [name, value] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw new Error(`Dense: ${name} must be a positive integer, got ${value}`);
      }
    }
    // Everything is checked before the weight is allocated, so a bad option
    // fails at once rather than after filling a large matrix.
    checkShape('Dense', [inFeatures, outFeatures]);
    const init = options.init ?? 'he-normal';
    if (typeof init !== 'function' && !INIT_NAMES.includes(init)) {
      throw new Error(`Dense: unknown init '${String(init)}'; expected one of ${INIT_NAMES.join(', ')}, or a function that fills the weight`);
    }
    const negativeSlope = options.negativeSlope ?? 0;
    if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) {
      throw new Error(`Dense: negativeSlope must be a finite number, got ${String(negativeSlope)}`);
    }
    if (options.biasInit !== undefined && !Number.isFinite(options.biasInit)) {
      throw new Error(`Dense: biasInit must be a finite number, got ${options.biasInit}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.weight = zeros([inFeatures, outFeatures], { requiresGrad: true });
    if (typeof init === 'function') {
      init(this.weight);
    } else {
      initialize(this.weight, init, {
        negativeSlope,
        generator: options.generator ?? defaultGenerator(),
      });
    }
    this.bias = options.bias === false ? null : zeros([outFeatures], { requiresGrad: true });
    if (this.bias !== null && options.biasInit !== undefined) this.bias.data.fill(options.biasInit);
  }

  /** y = x·W + b, through the fused `linear` op. */
  forward(x: Tensor): Tensor {
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new Error(`Dense(${this.inFeatures}, ${this.outFeatures}): input of shape [${x.shape.join(',')}] does not end in ${this.inFeatures} features`);
    }
    return linear(x, this.weight, this.bias);
  }

  override describe(): string {
    return `${this.inFeatures}, ${this.outFeatures}${this.bias === null ? ', bias=false' : ''}`;
  }
}

/** `Linear` is PyTorch's name for `Dense`: the same class. */
export { Dense as Linear };
