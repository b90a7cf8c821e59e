/**
 * Weight initialisers. Each fills a weight tensor in place (and returns it),
 * drawing from a seeded core `Generator`: the `generator` option, or core's
 * `defaultGenerator()` (the one `manualSeed` sets) when none is given.
 *
 * Weights are stored [inFeatures, outFeatures] (see Dense), so
 *   fanIn = shape[0], fanOut = shape[1].
 * (PyTorch stores [out, in]: the same numbers, read the other way.)
 *
 * The formulas keep the variance of activations (He) or of activations and
 * gradients together (Glorot) the same from layer to layer:
 *   He / Kaiming (He et al., 2015):  Var(w) = gain² / fanIn,  gain = sqrt(2 / (1 + negativeSlope²))
 *     normal:  w ~ N(0, gain² / fanIn)
 *     uniform: w ~ U(-b, b), b = gain * sqrt(3 / fanIn)
 *   Xavier / Glorot (Glorot & Bengio, 2010): Var(w) = gain² * 2 / (fanIn + fanOut)
 *     normal:  w ~ N(0, gain² * 2 / (fanIn + fanOut))
 *     uniform: w ~ U(-b, b), b = gain * sqrt(6 / (fanIn + fanOut))
 */
import { Generator, Tensor, defaultGenerator, formatShape } from '@gradlab/core';

/** The initialisers a layer can be asked for by name. */
export type InitName = 'he-normal' | 'he-uniform' | 'xavier-normal' | 'xavier-uniform' | 'zeros';

/** Every InitName, for validating user input. */
export const INIT_NAMES: readonly InitName[] = ['he-normal', 'he-uniform', 'xavier-normal', 'xavier-uniform', 'zeros'];

/** Options of the He initialisers. */
export interface HeOptions {
  /**
   * The slope of the activation for negative inputs: 0 for ReLU (gain sqrt 2),
   * alpha for LeakyReLU / PReLU. Default 0.
   */
  negativeSlope?: number;
  /** The seeded generator to draw from; core's defaultGenerator() by default. */
  generator?: Generator;
}

/** Options of the Xavier initialisers. */
export interface XavierOptions {
  /** Multiplies the standard deviation; 1 by default, as in Glorot & Bengio (2010). */
  gain?: number;
  /** The seeded generator to draw from; core's defaultGenerator() by default. */
  generator?: Generator;
}

/** fanIn and fanOut of a [inFeatures, outFeatures] weight. */
function fans(op: string, weight: Tensor): { fanIn: number; fanOut: number } {
  if (weight.ndim !== 2) {
    throw new Error(`${op}: expects a 2-D weight [inFeatures, outFeatures], got ${formatShape(weight.shape)}`);
  }
  const [fanIn, fanOut] = weight.shape as [number, number];
  if (fanIn === 0 || fanOut === 0) {
    throw new Error(`${op}: weight ${formatShape(weight.shape)} has a zero fan-in or fan-out`);
  }
  return { fanIn, fanOut };
}

/**
 * The He gain for an activation with the given negative slope:
 * sqrt(2 / (1 + negativeSlope²)); sqrt 2 for ReLU.
 *
 * @example
 * heGain(0);    // 1.4142
 * heGain(0.01); // 1.41414
 */
export function heGain(negativeSlope = 0): number {
  return checkedHeGain('heGain', negativeSlope);
}

/** heGain, with `op` (the initialiser or layer asking) named in the error. */
function checkedHeGain(op: string, negativeSlope: number): number {
  if (typeof negativeSlope !== 'number' || !Number.isFinite(negativeSlope)) {
    throw new Error(`${op}: negativeSlope must be a finite number, got ${String(negativeSlope)}`);
  }
  return Math.sqrt(2 / (1 + negativeSlope * negativeSlope));
}

function checkedXavierGain(op: string, gain: number): number {
  if (typeof gain !== 'number' || !Number.isFinite(gain) || gain <= 0) {
    throw new Error(`${op}: gain must be a finite number > 0, got ${String(gain)}`);
  }
  return gain;
}

function fillNormal(weight: Tensor, std: number, generator: Generator): Tensor {
  for (let i = 0; i < weight.size; i++) weight.data[i] = std * generator.normal();
  return weight;
}

function fillUniform(weight: Tensor, bound: number, generator: Generator): Tensor {
  for (let i = 0; i < weight.size; i++) weight.data[i] = bound * (2 * generator.uniform() - 1);
  return weight;
}

/**
 * He (Kaiming) normal: w ~ N(0, std²), std = sqrt(2 / (1 + negativeSlope²)) / sqrt(fanIn).
 *
 * @example
 * heNormal(zeros([784, 256]), { generator: new Generator(0) }); // std ≈ sqrt(2/784) = 0.0505
 */
export function heNormal(weight: Tensor, options: HeOptions = {}): Tensor {
  const { fanIn } = fans('heNormal', weight);
  const std = checkedHeGain('heNormal', options.negativeSlope ?? 0) / Math.sqrt(fanIn);
  return fillNormal(weight, std, options.generator ?? defaultGenerator());
}

/**
 * He (Kaiming) uniform: w ~ U(-b, b), b = sqrt(2 / (1 + negativeSlope²)) * sqrt(3 / fanIn).
 *
 * @example
 * heUniform(zeros([6, 4])); // every value in [-1, 1], since sqrt(2) * sqrt(3/6) = 1
 */
export function heUniform(weight: Tensor, options: HeOptions = {}): Tensor {
  const { fanIn } = fans('heUniform', weight);
  const bound = checkedHeGain('heUniform', options.negativeSlope ?? 0) * Math.sqrt(3 / fanIn);
  return fillUniform(weight, bound, options.generator ?? defaultGenerator());
}

/**
 * Xavier (Glorot) normal: w ~ N(0, std²), std = gain * sqrt(2 / (fanIn + fanOut)).
 *
 * @example
 * xavierNormal(zeros([100, 100])); // std ≈ 0.1
 */
export function xavierNormal(weight: Tensor, options: XavierOptions = {}): Tensor {
  const { fanIn, fanOut } = fans('xavierNormal', weight);
  const std = checkedXavierGain('xavierNormal', options.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut));
  return fillNormal(weight, std, options.generator ?? defaultGenerator());
}

/**
 * Xavier (Glorot) uniform: w ~ U(-b, b), b = gain * sqrt(6 / (fanIn + fanOut)).
 *
 * @example
 * xavierUniform(zeros([3, 3])); // every value in [-1, 1]
 */
export function xavierUniform(weight: Tensor, options: XavierOptions = {}): Tensor {
  const { fanIn, fanOut } = fans('xavierUniform', weight);
  const bound = checkedXavierGain('xavierUniform', options.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return fillUniform(weight, bound, options.generator ?? defaultGenerator());
}

/**
 * Sets every element to 0.
 *
 * @example
 * fillZeros(ones([2])).toArray(); // [0, 0]
 */
export function fillZeros(weight: Tensor): Tensor {
  weight.data.fill(0);
  return weight;
}

/**
 * Sets every element to `value`.
 *
 * @example
 * fillConstant(zeros([2]), 0.1).toArray(); // [0.1, 0.1] (as float32)
 */
export function fillConstant(weight: Tensor, value: number): Tensor {
  if (!Number.isFinite(value)) throw new Error(`fillConstant: value must be finite, got ${value}`);
  weight.data.fill(value);
  return weight;
}

/**
 * The standard deviation scale of RAI's symmetric part, sigma in N(0, sigma² / fanIn):
 * the value Lu et al. (2019) give for the positive distribution Beta(2, 1).
 */
export const RAI_SIGMA = 0.6007;

/** Options of `randomizedAsymmetric`. */
export interface RandomizedAsymmetricOptions {
  /** The symmetric part's scale: entries ~ N(0, sigma² / fanIn). Default RAI_SIGMA (0.6007). */
  sigma?: number;
  /** The seeded generator to draw from; core's defaultGenerator() by default. */
  generator?: Generator;
}

/**
 * Randomized asymmetric initialization (RAI) of one layer, after Lu, Shin,
 * Su & Karniadakis (2019), "Dying ReLU and initialization: theory and
 * numerical examples" (arXiv:1903.06733; Commun. Comput. Phys. 28, 2020).
 * With a symmetric initialisation (He's) a deep, narrow ReLU network is born
 * dead (constant) with a probability that tends to 1 with depth; RAI makes
 * each unit's incoming vector asymmetric so that a whole layer is rarely off
 * for every input. For every unit j, v = (W[:, j], b[j]), its fanIn weights
 * and its bias:
 *
 *   1. every entry of v ~ N(0, sigma² / fanIn), sigma = 0.6007;
 *   2. one index k, uniform over the fanIn + 1 entries (fanIn without a bias);
 *   3. v[k] ~ Beta(2, 1) (density 2x on [0, 1], drawn as √u), which is positive.
 *
 * Draws in this order, unit by unit: fanIn normals (input by input), the
 * bias's normal, k, then u. docs/experiments.md says where this follows the
 * paper and where it had to choose.
 * Shape: weight [fanIn, units], bias [units] or null; both filled in place.
 *
 * @example
 * const layer = new Dense(4, 3);
 * randomizedAsymmetric(layer.weight, layer.bias, { generator: new Generator(0) }); // each column + bias holds one Beta(2, 1) value
 */
export function randomizedAsymmetric(weight: Tensor, bias: Tensor | null, options: RandomizedAsymmetricOptions = {}): Tensor {
  const { fanIn, fanOut: units } = fans('randomizedAsymmetric', weight);
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== units)) {
    throw new Error(`randomizedAsymmetric: the bias must be [${units}] for weight ${formatShape(weight.shape)}, got ${formatShape(bias.shape)}`);
  }
  const sigma = options.sigma ?? RAI_SIGMA;
  if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma <= 0) {
    throw new Error(`randomizedAsymmetric: sigma must be a finite number > 0, got ${String(sigma)}`);
  }
  const generator = options.generator ?? defaultGenerator();
  const std = sigma / Math.sqrt(fanIn);
  const weights = weight.data;
  const biases = bias?.data;
  for (let unit = 0; unit < units; unit++) {
    for (let input = 0; input < fanIn; input++) weights[input * units + unit] = std * generator.normal();
    if (biases !== undefined) biases[unit] = std * generator.normal();
    const chosen = generator.integer(biases !== undefined ? fanIn + 1 : fanIn);
    // Beta(2, 1) has CDF x², so its inverse CDF turns a uniform u into √u.
    const positive = Math.sqrt(generator.uniform());
    if (chosen < fanIn) weights[chosen * units + unit] = positive;
    else biases![unit] = positive;
  }
  return weight;
}

/**
 * Fills `weight` with the named initialiser. `negativeSlope` feeds the He gain;
 * the Xavier initialisers use gain 1.
 *
 * @example
 * initialize(zeros([4, 8]), 'xavier-uniform', { generator: new Generator(1) });
 */
export function initialize(weight: Tensor, name: InitName, options: HeOptions = {}): Tensor {
  switch (name) {
    case 'he-normal': return heNormal(weight, options);
    case 'he-uniform': return heUniform(weight, options);
    case 'xavier-normal': return xavierNormal(weight, { generator: options.generator });
    case 'xavier-uniform': return xavierUniform(weight, { generator: options.generator });
    case 'zeros': return fillZeros(weight);
    default:
      throw new Error(`initialize: unknown initialiser '${String(name)}'; expected one of ${INIT_NAMES.join(', ')}`);
  }
}
