/**
 * The activation table: everything gradlab knows about each activation, in
 * one typed record. The type `{ [K in ActivationKind]: ActivationSpec }` makes
 * the compiler point here when a kind is added without its entry, and every
 * place that differs by activation (the mlp builder, the dead-neuron
 * instrument, the experiments' flags, charts and reports) reads this table
 * instead of testing names. docs/extending.md shows how to add one.
 */
import { elu, full, gelu, leakyRelu, relu, selu, sigmoid, silu, softplus, tanh, type Tensor } from '@gradlab/core';
import { neverPositiveInput, saturatedLeftTail, saturatedOutput, zeroOutput, type InactivityRule } from '../analysis/inactivity.js';
import { prelu } from '../functional.js';
import type { InitName } from '../init.js';
import { ELU, GELU, LeakyReLU, PReLU, ReLU, SELU, Sigmoid, SiLU, Softplus, Tanh, type Activation } from './modules.js';

/** Every activation gradlab knows, in the order the command lines list them. */
export const ACTIVATION_KINDS = ['relu', 'leaky-relu', 'prelu', 'sigmoid', 'tanh', 'elu', 'selu', 'gelu', 'silu', 'softplus'] as const;

/** The activation functions gradlab knows. */
export type ActivationKind = (typeof ACTIVATION_KINDS)[number];

/** An activation's slope for negative inputs: a constant of the function, or the start of a learned parameter. */
export interface SlopeSpec {
  /** 'fixed': the slope is a constant (LeakyReLU's alpha); 'learned': it is a parameter trained with the weights (PReLU). */
  readonly kind: 'fixed' | 'learned';
  /** The slope (or initial slope) when none is given. */
  readonly default: number;
  /**
   * The experiment flag that sets it: `--alpha` of dead-neurons, train and
   * plot-activation, `--alphas` of sweep (which multiplies only the
   * activations with a slope).
   */
  readonly flag: 'alpha';
}

/** What the mlp builder passes to an activation's module factory. */
export interface ActivationModuleOptions {
  /** The slope for negative inputs (activations with a slope; the others ignore it). */
  readonly negativeSlope: number;
  /** Units of the layer the activation follows. */
  readonly units: number;
  /** PReLU: one learnable slope per unit instead of one per layer. */
  readonly perUnit: boolean;
}

/** One activation's entry in the table. */
export interface ActivationSpec {
  /** The name in charts, tables and reports, e.g. 'Leaky ReLU'. */
  readonly label: string;
  /** The colour of its series in every chart. */
  readonly color: string;
  /** The op, y = f(x); activations without a slope ignore `negativeSlope`. */
  readonly op: (x: Tensor, negativeSlope: number) => Tensor;
  /** The module the mlp builder puts after each hidden Dense layer. */
  readonly module: (options: ActivationModuleOptions) => Activation;
  /** The default initialiser of the Dense layers before it. */
  readonly init: InitName;
  /**
   * The slope a in the He gain sqrt(2 / (1 + a²)) of the Dense layers before
   * it, given the activation's negative slope: that slope for the ReLU
   * family, 1 for SELU (gain 1: the LeCun normal init of Klambauer et al.),
   * 0 (gain sqrt 2) for the others. Xavier initialisers ignore it.
   */
  readonly heGainSlope: (negativeSlope: number) => number;
  /** The slope for negative inputs, or null for activations without one. */
  readonly slope: SlopeSpec | null;
  /** When the dead-neuron instrument calls a unit of this activation inactive, and what it calls it. */
  readonly inactivity: InactivityRule;
}

/**
 * The table itself.
 *
 * @example
 * ACTIVATIONS['leaky-relu'].inactivity.meaning; // 'dead-like'
 * ACTIVATIONS.sigmoid.label;                     // 'Sigmoid'
 */
export const ACTIVATIONS: { readonly [K in ActivationKind]: ActivationSpec } = {
  relu: {
    label: 'ReLU',
    color: '#d62728',
    op: (x) => relu(x),
    module: () => new ReLU(),
    init: 'he-normal',
    heGainSlope: (negativeSlope) => negativeSlope,
    slope: null,
    inactivity: zeroOutput,
  },
  'leaky-relu': {
    label: 'Leaky ReLU',
    color: '#1f77b4',
    op: (x, negativeSlope) => leakyRelu(x, negativeSlope),
    module: ({ negativeSlope }) => new LeakyReLU({ negativeSlope }),
    init: 'he-normal',
    heGainSlope: (negativeSlope) => negativeSlope,
    slope: { kind: 'fixed', default: 0.01, flag: 'alpha' },
    inactivity: neverPositiveInput,
  },
  prelu: {
    label: 'PReLU',
    color: '#ff7f0e',
    op: (x, negativeSlope) => prelu(x, full([1], negativeSlope)),
    module: ({ negativeSlope, units, perUnit }) => new PReLU({ numParameters: perUnit ? units : 1, init: negativeSlope }),
    init: 'he-normal',
    heGainSlope: (negativeSlope) => negativeSlope,
    slope: { kind: 'learned', default: 0.25, flag: 'alpha' },
    inactivity: neverPositiveInput,
  },
  sigmoid: {
    label: 'Sigmoid',
    color: '#2ca02c',
    op: (x) => sigmoid(x),
    module: () => new Sigmoid(),
    init: 'xavier-uniform',
    heGainSlope: () => 0,
    slope: null,
    inactivity: saturatedOutput(
      (eps) => [eps, 1 - eps],
      'output within eps of 0 or 1 on every measured input (derivative y(1 - y) below eps(1 - eps))',
      'Glorot & Bengio (2010), "Understanding the difficulty of training deep feedforward neural networks"',
    ),
  },
  tanh: {
    label: 'Tanh',
    color: '#9467bd',
    op: (x) => tanh(x),
    module: () => new Tanh(),
    init: 'xavier-uniform',
    heGainSlope: () => 0,
    slope: null,
    inactivity: saturatedOutput(
      (eps) => [-(1 - eps), 1 - eps],
      '|output| above 1 - eps on every measured input (derivative 1 - y² below eps(2 - eps))',
      'Glorot & Bengio (2010), "Understanding the difficulty of training deep feedforward neural networks"',
    ),
  },
  elu: {
    label: 'ELU',
    color: '#8c564b',
    op: (x) => elu(x),
    module: () => new ELU(),
    init: 'he-normal',
    heGainSlope: () => 0,
    slope: null,
    inactivity: saturatedLeftTail('Clevert, Unterthiner & Hochreiter (2016), "Fast and accurate deep network learning by exponential linear units": ELUs saturate to -alpha for very negative inputs'),
  },
  selu: {
    label: 'SELU',
    color: '#e377c2',
    op: (x) => selu(x),
    module: () => new SELU(),
    init: 'he-normal',
    heGainSlope: () => 1,
    slope: null,
    inactivity: saturatedLeftTail('Klambauer, Unterthiner, Mayr & Hochreiter (2017), "Self-normalizing neural networks": SELU saturates to -lambda alpha'),
  },
  gelu: {
    label: 'GELU',
    color: '#7f7f7f',
    op: (x) => gelu(x),
    module: () => new GELU(),
    init: 'he-normal',
    heGainSlope: () => 0,
    slope: null,
    inactivity: saturatedLeftTail('Hendrycks & Gimpel (2016), "Gaussian error linear units (GELUs)"; the criterion is gradlab\'s: the ELU paper\'s saturation, at GELU\'s lower limit 0'),
  },
  silu: {
    label: 'SiLU',
    color: '#bcbd22',
    op: (x) => silu(x),
    module: () => new SiLU(),
    init: 'he-normal',
    heGainSlope: () => 0,
    slope: null,
    inactivity: saturatedLeftTail('Elfwing, Uchibe & Doya (2018), "Sigmoid-weighted linear units for neural network function approximation"; the criterion is gradlab\'s: the ELU paper\'s saturation, at SiLU\'s lower limit 0'),
  },
  softplus: {
    label: 'Softplus',
    color: '#17becf',
    op: (x) => softplus(x),
    module: () => new Softplus(),
    init: 'he-normal',
    heGainSlope: () => 0,
    slope: null,
    inactivity: saturatedLeftTail('Dugas, Bengio, Bélisle, Nadeau & Garcia (2001), "Incorporating second-order functional knowledge for better option pricing"; the criterion is gradlab\'s: the ELU paper\'s saturation, at Softplus\'s lower limit 0'),
  },
};

/**
 * Whether a string names an activation of the table (for user input and for
 * records read back from files).
 *
 * @example
 * isActivationKind('relu'); // true
 * isActivationKind('swish'); // false
 */
export function isActivationKind(name: unknown): name is ActivationKind {
  return typeof name === 'string' && Object.hasOwn(ACTIVATIONS, name);
}

/**
 * The label of an activation in charts and reports; a name the table does
 * not know (a record written by another version) is shown as it is.
 *
 * @example
 * activationLabel('leaky-relu'); // 'Leaky ReLU'
 */
export function activationLabel(name: string): string {
  return isActivationKind(name) ? ACTIVATIONS[name].label : name;
}
