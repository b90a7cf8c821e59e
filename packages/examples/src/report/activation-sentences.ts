/**
 * What the dead-neuron report says about each activation, keyed by nn's
 * ActivationKind: the type `{ [K in ActivationKind]: … }` makes a new
 * activation without its sentences a compile error here, next to its entry in
 * nn's activation table (which owns its op, module, init, slope, inactivity
 * rule, label and colour).
 */
import { ACTIVATIONS, flatLeftTailEnd, type ActivationKind } from '@gradlab/nn';

/** The settings a sentence may quote. */
export interface SentenceContext {
  /** The negative slope (LeakyReLU's alpha, PReLU's initial slope). */
  readonly alpha: number;
  /** The saturation threshold of the measurement. */
  readonly saturationEps: number;
  /** Hidden layers. */
  readonly depth: number;
  /** Training images the units are measured on. */
  readonly measuredImages: number;
}

/** One activation's sentences. */
export interface ActivationSentences {
  /** Why an inactive unit matters, in the reading of the result (lower case, no final stop). */
  readonly meaning: (context: SentenceContext) => string;
  /** The Definitions entry of report.md (one Markdown list item, without the dash). */
  readonly definition: (context: SentenceContext) => string;
  /** The heatmap's one-line reminder of what inactive means. */
  readonly chartNote: (context: SentenceContext) => string;
  /**
   * Said after its test accuracy when it ends more than 20 points behind the
   * best activation of the run, or null to say nothing more.
   */
  readonly farBehind: ((context: SentenceContext) => string) | null;
}

const deadLikeDefinition = (name: string) => (context: SentenceContext): string =>
  `**Dead-like (${name}):** a unit whose input is never positive on any measured image. It still outputs alpha · x and passes alpha (${context.alpha}) times the gradient.`;

/**
 * The sentences of an activation whose units saturate in their flat left
 * tail (nn's saturatedLeftTail rule): the tail's end is computed from the
 * activation's own derivative at the run's eps, not quoted from a paper.
 */
function leftTailSentences(kind: ActivationKind, limit: string): ActivationSentences {
  const { label } = ACTIVATIONS[kind];
  const tailEnd = (context: SentenceContext): string =>
    flatLeftTailEnd(ACTIVATIONS[kind].module({ negativeSlope: 0, units: 1, perUnit: false }), context.saturationEps).toFixed(2);
  return {
    meaning: (context) =>
      `a saturated unit's input stays below ${tailEnd(context)}, where ${label}'s derivative is under ${context.saturationEps} in size, so its output sits near ${limit} and almost no gradient passes`,
    definition: (context) =>
      `**Saturated (${label}):** a unit whose input is below ${tailEnd(context)} for every measured image: left of that point |f'(x)| < ${context.saturationEps} and the output is near its lower limit ${limit}.`,
    chartNote: (context) => `${label}: saturated (input < ${tailEnd(context)})`,
    farBehind: null,
  };
}

/**
 * The sentences of each activation.
 *
 * @example
 * REPORT_SENTENCES.relu.meaning({ alpha: 0.01, saturationEps: 0.01, depth: 10, measuredImages: 2000 });
 * // 'a dead unit outputs exactly 0 on every measured image, …'
 */
export const REPORT_SENTENCES: { readonly [K in ActivationKind]: ActivationSentences } = {
  relu: {
    meaning: (context) =>
      `a dead unit outputs exactly 0 on every measured image, so those images send no gradient to its weights; it can still come back when the layers below it change what it sees, or when training images outside the measured ${context.measuredImages} make it fire`,
    definition: () => '**Dead (ReLU):** a unit whose output is 0 for every measured image. Those images give its incoming weights and bias a gradient of exactly 0.',
    chartNote: () => 'ReLU: dead (output 0 on every image)',
    farBehind: null,
  },
  'leaky-relu': {
    meaning: (context) => `a dead-like unit gets no positive input on any measured image, but it still passes ${context.alpha} × the gradient`,
    definition: deadLikeDefinition('LeakyReLU'),
    chartNote: () => 'LeakyReLU: dead-like (input never > 0)',
    farBehind: null,
  },
  prelu: {
    meaning: (context) => `a dead-like unit gets no positive input on any measured image, but it still passes its learned slope (${context.alpha} at initialisation) × the gradient`,
    definition: (context) =>
      `**Dead-like (PReLU):** a unit whose input is never positive on any measured image. It still outputs a · x, with a learned slope a that starts at ${context.alpha}, and passes a times the gradient (none once a reaches exactly 0).`,
    chartNote: () => 'PReLU: dead-like (input never > 0)',
    farBehind: null,
  },
  sigmoid: {
    meaning: (context) => `a saturated unit's output stays within ${context.saturationEps} of 0 or 1 on every measured image, where its derivative is below ${(context.saturationEps * (1 - context.saturationEps)).toFixed(4)}`,
    definition: (context) =>
      `**Saturated (Sigmoid):** a unit whose output is below ${context.saturationEps} or above ${1 - context.saturationEps} for every measured image, where the derivative y(1 - y) is below ${(context.saturationEps * (1 - context.saturationEps)).toFixed(4)}.`,
    chartNote: () => 'Sigmoid: saturated',
    farBehind: (context) => `sigmoid's derivative is at most 0.25, and the gradient shrinks on its way back through the ${context.depth} layers (the gradient shrink column gives the factor measured per layer)`,
  },
  tanh: {
    meaning: (context) => `a saturated unit's output stays within ${context.saturationEps} of -1 or 1 on every measured image, where its derivative is below ${(context.saturationEps * (2 - context.saturationEps)).toFixed(4)}`,
    definition: (context) =>
      `**Saturated (Tanh):** a unit whose output is below ${-(1 - context.saturationEps)} or above ${1 - context.saturationEps} for every measured image, where the derivative 1 - y² is below ${(context.saturationEps * (2 - context.saturationEps)).toFixed(4)}.`,
    chartNote: () => 'Tanh: saturated (|output| near 1)',
    farBehind: null,
  },
  elu: leftTailSentences('elu', '-1'),
  selu: leftTailSentences('selu', '-1.7581'),
  gelu: leftTailSentences('gelu', '0'),
  silu: leftTailSentences('silu', '0'),
  softplus: leftTailSentences('softplus', '0'),
};
