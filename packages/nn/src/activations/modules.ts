/**
 * Activation modules. Each wraps one op (core's relu, leakyRelu, sigmoid,
 * tanh, elu, selu, gelu, silu, softplus, or nn's prelu) and also states its local derivative, element by
 * element, exactly as that op's backward closure computes it. The dead-neuron
 * instrument (analysis/dead-neurons.ts) finds the activation layers of any
 * model by looking for instances of `Activation`, and uses `kind` (its entry
 * in the activation table, table.ts) and `derivativeAt` to decide which units
 * are dead, dead-like or saturated.
 */
import {
  Tensor, checkShape, elu, eluDerivative, full, gelu, geluDerivative, leakyRelu, relu, selu, seluDerivative,
  sigmoid, silu, siluDerivative, softplus, softplusDerivative, tanh,
} from '@gradlab/core';
import { prelu } from '../functional.js';
import { Module } from '../module.js';
import type { ActivationKind } from './table.js';

/** The base class of the activation modules: elementwise, no shape change. */
export abstract class Activation extends Module {
  /** Which function this is; the dead-neuron instrument reads it. */
  abstract readonly kind: ActivationKind;

  /**
   * d output/d input at one element, given its input (the pre-activation),
   * its output, and the index of its unit (feature) in the layer.
   */
  abstract derivativeAt(input: number, output: number, unit: number): number;
}

/**
 * An activation that is one op of core and that op's scalar derivative at
 * the input, with no options (SELU, GELU, SiLU, Softplus): a subclass names
 * its kind, its op and its derivative, nothing else.
 */
export abstract class ElementwiseActivation extends Activation {
  /** The op, e.g. core's `gelu`. */
  protected abstract readonly op: (x: Tensor) => Tensor;
  /** The op's derivative at an input, exactly as its backward closure computes it. */
  protected abstract readonly derivative: (input: number) => number;

  forward(x: Tensor): Tensor {
    return this.op(x);
  }

  derivativeAt(input: number): number {
    return this.derivative(input);
  }
}

/**
 * Rectified linear unit: y = max(x, 0); derivative 1 for x > 0, else 0.
 * Shape: any -> same.
 *
 * @example
 * new ReLU().forward(tensor([-1, 2])).toArray(); // [0, 2]
 */
export class ReLU extends Activation {
  readonly kind = 'relu';

  forward(x: Tensor): Tensor {
    return relu(x);
  }

  derivativeAt(input: number): number {
    return input > 0 ? 1 : 0;
  }
}

/** Options of `LeakyReLU`. */
export interface LeakyReLUOptions {
  /** The slope alpha for negative inputs. Default 0.01 (Maas et al., 2013). */
  negativeSlope?: number;
}

/**
 * Leaky ReLU (Maas et al., 2013): y = x for x >= 0, negativeSlope * x for x < 0;
 * derivative 1 for x >= 0, negativeSlope for x < 0.
 * Shape: any -> same.
 *
 * @example
 * new LeakyReLU({ negativeSlope: 0.1 }).forward(tensor([-2, 3])).toArray(); // [-0.2, 3]
 */
export class LeakyReLU extends Activation {
  readonly kind = 'leaky-relu';
  readonly negativeSlope: number;

  /** `new LeakyReLU({ negativeSlope: 0.2 })`, or PyTorch's positional `new LeakyReLU(0.2)`. */
  constructor(options: LeakyReLUOptions | number = {}) {
    super();
    const negativeSlope = typeof options === 'number' ? options : options.negativeSlope ?? 0.01;
    if (!Number.isFinite(negativeSlope)) {
      throw new Error(`LeakyReLU: negativeSlope must be a finite number, got ${negativeSlope}`);
    }
    this.negativeSlope = negativeSlope;
  }

  forward(x: Tensor): Tensor {
    return leakyRelu(x, this.negativeSlope);
  }

  derivativeAt(input: number): number {
    return input >= 0 ? 1 : this.negativeSlope;
  }

  override describe(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** Options of `PReLU`. */
export interface PReLUOptions {
  /** 1 for one slope shared by the whole layer, or the number of units for one slope per unit. Default 1. */
  numParameters?: number;
  /** The initial slope. Default 0.25, as in He et al. (2015). */
  init?: number;
}

/**
 * Parametric ReLU (He et al., 2015): y = x for x >= 0, a * x for x < 0, where
 * the slope a is learned: one per layer, or one per unit (feature).
 * Unlike LeakyReLU's fixed alpha, training can move a away from 0.01 where
 * that helps, which is gradlab's answer to the "fixed alpha" problem.
 * Shape: x [..., features] -> same; negativeSlope [numParameters], with
 * numParameters 1 or equal to features.
 *
 * @example
 * const act = new PReLU({ numParameters: 2, init: 0.1 });
 * act.forward(tensor([[-1, -1]])).toArray(); // [[-0.1, -0.1]]; act.negativeSlope is learnable
 */
export class PReLU extends Activation {
  readonly kind = 'prelu';
  /** The learnable slopes, [numParameters]. */
  negativeSlope: Tensor;

  constructor(options: PReLUOptions = {}) {
    super();
    const numParameters = options.numParameters ?? 1;
    const init = options.init ?? 0.25;
    if (!Number.isInteger(numParameters) || numParameters < 1) {
      throw new Error(`PReLU: numParameters must be a positive integer, got ${numParameters}`);
    }
    checkShape('PReLU', [numParameters]);
    if (!Number.isFinite(init)) throw new Error(`PReLU: init must be a finite number, got ${init}`);
    this.negativeSlope = full([numParameters], init, { requiresGrad: true });
  }

  forward(x: Tensor): Tensor {
    return prelu(x, this.negativeSlope);
  }

  derivativeAt(input: number, _output: number, unit: number): number {
    const slopes = this.negativeSlope.data;
    return input >= 0 ? 1 : slopes[slopes.length === 1 ? 0 : unit]!;
  }

  override describe(): string {
    return `numParameters=${this.negativeSlope.size}`;
  }
}

/**
 * Logistic sigmoid: y = 1 / (1 + e^-x); derivative y (1 - y), at most 1/4.
 * Shape: any -> same.
 *
 * @example
 * new Sigmoid().forward(tensor([0])).toArray(); // [0.5]
 */
export class Sigmoid extends Activation {
  readonly kind = 'sigmoid';

  forward(x: Tensor): Tensor {
    return sigmoid(x);
  }

  derivativeAt(_input: number, output: number): number {
    return output * (1 - output);
  }
}

/**
 * Hyperbolic tangent: y = tanh x; derivative 1 - y².
 * Shape: any -> same.
 *
 * @example
 * new Tanh().forward(tensor([0])).toArray(); // [0]
 */
export class Tanh extends Activation {
  readonly kind = 'tanh';

  forward(x: Tensor): Tensor {
    return tanh(x);
  }

  derivativeAt(_input: number, output: number): number {
    return 1 - output * output;
  }
}

/**
 * Exponential linear unit (Clevert, Unterthiner & Hochreiter, 2016):
 * y = x for x > 0, alpha (e^x - 1) for x <= 0; derivative 1, or alpha e^x.
 * Units saturate at -alpha for very negative inputs.
 * Shape: any -> same.
 *
 * @example
 * new ELU().forward(tensor([-1, 2])).toArray(); // [-0.63212055, 2]
 */
export class ELU extends Activation {
  readonly kind = 'elu';
  readonly alpha: number;

  constructor(options: { alpha?: number } = {}) {
    super();
    const alpha = options.alpha ?? 1;
    if (!(Number.isFinite(alpha) && alpha > 0)) throw new Error(`ELU: alpha must be a finite number > 0, got ${alpha}`);
    this.alpha = alpha;
  }

  forward(x: Tensor): Tensor {
    return elu(x, this.alpha);
  }

  derivativeAt(input: number): number {
    return eluDerivative(input, this.alpha);
  }

  override describe(): string {
    return `alpha=${this.alpha}`;
  }
}

/**
 * Scaled ELU (Klambauer et al., 2017): y = lambda · ELU(x; alpha) with
 * lambda ≈ 1.0507 and alpha ≈ 1.6733; saturates at ≈ -1.7581.
 * Shape: any -> same.
 *
 * @example
 * new SELU().forward(tensor([1])).toArray(); // [1.050701]
 */
export class SELU extends ElementwiseActivation {
  readonly kind = 'selu';
  protected readonly op = selu;
  protected readonly derivative = seluDerivative;
}

/**
 * Gaussian error linear unit (Hendrycks & Gimpel, 2016), exact form:
 * y = x Φ(x); derivative Φ(x) + x φ(x).
 * Shape: any -> same.
 *
 * @example
 * new GELU().forward(tensor([1])).toArray(); // [0.8413447]
 */
export class GELU extends ElementwiseActivation {
  readonly kind = 'gelu';
  protected readonly op = gelu;
  protected readonly derivative = geluDerivative;
}

/**
 * Sigmoid linear unit, or Swish (Elfwing et al., 2018): y = x σ(x);
 * derivative σ(x) (1 + x (1 - σ(x))).
 * Shape: any -> same.
 *
 * @example
 * new SiLU().forward(tensor([1])).toArray(); // [0.7310586]
 */
export class SiLU extends ElementwiseActivation {
  readonly kind = 'silu';
  protected readonly op = silu;
  protected readonly derivative = siluDerivative;
}

/**
 * Softplus (Dugas et al., 2001): y = log(1 + e^x), a smooth ReLU (the
 * identity above x = 20); derivative σ(x).
 * Shape: any -> same.
 *
 * @example
 * new Softplus().forward(tensor([0])).toArray(); // [0.6931472]
 */
export class Softplus extends ElementwiseActivation {
  readonly kind = 'softplus';
  protected readonly op = softplus;
  protected readonly derivative = softplusDerivative;
}
