/**
 * The multi-layer perceptron builder.
 */
import { Generator, defaultGenerator } from '@gradlab/core';
import { ACTIVATIONS, ACTIVATION_KINDS, isActivationKind, type ActivationKind } from '../activations/table.js';
import { INIT_NAMES, type InitName } from '../init.js';
import type { Module } from '../module.js';
import { Dense } from './dense.js';
import { BatchNorm1d } from './normalization.js';
import { Residual } from './residual.js';
import { Sequential } from './sequential.js';

/** Options of `mlp`. */
export interface MlpOptions {
  /** Number of input features. */
  inputs: number;
  /** Width of each hidden layer, e.g. [64, 64]; [] for a linear model. */
  hidden: readonly number[];
  /** Number of outputs (logits for classification). */
  outputs: number;
  /** The activation after every hidden layer (none after the output layer). */
  activation: ActivationKind;
  /**
   * The slope for negative inputs of an activation that has one (see its
   * entry in the activation table): 'leaky-relu': the fixed alpha (default
   * 0.01); 'prelu': the initial learnable slope (default 0.25).
   * Also sets the He gain sqrt(2 / (1 + negativeSlope²)) of the ReLU family.
   */
  negativeSlope?: number;
  /** 'prelu' only: one learnable slope per unit instead of one per layer. Default false. */
  preluPerUnit?: boolean;
  /**
   * Weight initialiser of every Dense layer. Default: the activation's
   * (its `init` in the activation table): 'he-normal' for relu / leaky-relu /
   * prelu (with the leaky gain), 'xavier-uniform' for sigmoid / tanh.
   */
  init?: InitName;
  /** Whether the Dense layers have biases. Default true. */
  bias?: boolean;
  /** The value every bias starts at. Default 0. */
  biasInit?: number;
  /** The seeded generator for all weights; core's defaultGenerator() by default. */
  generator?: Generator;
  /**
   * Wrap every hidden layer whose width equals its input's in a `Residual`
   * block, x + activation(Dense(x)). Default false.
   */
  residual?: boolean;
  /**
   * Put a `BatchNorm1d` between every hidden Dense layer and its activation,
   * Dense → BatchNorm1d → activation (Ioffe & Szegedy 2015 normalise the
   * pre-activation). It draws nothing, so the Dense weights are those of the
   * same call without it. Default false.
   */
  batchNorm?: boolean;
}

/**
 * Builds Sequential(Dense, activation, Dense, activation, …, Dense): one Dense
 * per hidden layer followed by the activation, then an output Dense with no
 * activation (feed its logits to `crossEntropy`). Parameter names are
 * `layers.0.weight`, `layers.0.bias`, `layers.2.weight`, … With `residual: true`
 * a hidden layer as wide as its input becomes one `Residual` block
 * (`layers.2.block.layers.0.weight`); with `batchNorm: true` each hidden
 * layer is Dense, BatchNorm1d, activation.
 *
 * @example
 * const model = mlp({ inputs: 2, hidden: [16, 16], outputs: 2, activation: 'relu', generator: new Generator(0) });
 * model.toString(); // 'Sequential(Dense(2, 16), ReLU(), Dense(16, 16), ReLU(), Dense(16, 2))'
 */
export function mlp(options: MlpOptions): Sequential {
  if (typeof options !== 'object' || options === null) {
    throw new Error(`mlp: expected options { inputs, hidden, outputs, activation }, e.g. mlp({ inputs: 784, hidden: [64], outputs: 10, activation: 'relu' }), got ${options === null ? 'null' : typeof options}`);
  }
  const { inputs, hidden, outputs, activation } = options;
  if (!isActivationKind(activation)) {
    throw new Error(`mlp: unknown activation '${String(activation)}'; expected one of ${ACTIVATION_KINDS.join(', ')}`);
  }
  if (options.init !== undefined && !INIT_NAMES.includes(options.init)) {
    throw new Error(`mlp: unknown init '${String(options.init)}'; expected one of ${INIT_NAMES.join(', ')}`);
  }
  if (!Array.isArray(hidden)) {
    throw new Error(`mlp: hidden must be an array of layer widths such as [64, 64] ([] for none), got ${JSON.stringify(hidden) ?? String(hidden)}`);
  }
  const widths = [inputs, ...hidden, outputs];
  widths.forEach((width) => {
    if (!Number.isInteger(width) || width < 1) {
      throw new Error(`mlp: layer widths must be positive integers, got ${width} in [${widths.join(', ')}] (inputs, ...hidden, outputs)`);
    }
  });
  const spec = ACTIVATIONS[activation];
  const negativeSlope = options.negativeSlope ?? spec.slope?.default ?? 0;
  if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) {
    throw new Error(`mlp: negativeSlope must be a finite number, got ${String(negativeSlope)}`);
  }
  const init: InitName = options.init ?? spec.init;
  const generator = options.generator ?? defaultGenerator();

  const layers: Module[] = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    layers.push(new Dense(widths[i]!, widths[i + 1]!, {
      init,
      negativeSlope: spec.heGainSlope(negativeSlope),
      bias: options.bias ?? true,
      biasInit: options.biasInit ?? 0,
      generator,
    }));
    const isOutput = i + 2 === widths.length;
    if (!isOutput && options.batchNorm === true) layers.push(new BatchNorm1d(widths[i + 1]!));
    if (!isOutput) layers.push(spec.module({ negativeSlope, units: widths[i + 1]!, perUnit: options.preluPerUnit ?? false }));
    if (options.residual === true && !isOutput && widths[i] === widths[i + 1]) {
      // The hidden layer just pushed (Dense, [BatchNorm1d,] activation) becomes the block.
      const block = layers.splice(layers.length - (options.batchNorm === true ? 3 : 2));
      layers.push(new Residual(new Sequential(...block)));
    }
  }
  return new Sequential(...layers);
}
