/**
 * The inactivity criteria of the dead-neuron instrument: when is a unit of an
 * activation layer "inactive" over a dataset? Each activation's entry in the
 * activation table (activations/table.ts) names one of these rules; the
 * instrument (dead-neurons.ts) runs the rule of each layer it finds, batch by
 * batch. docs/dead-neurons.md gives each definition and its source.
 *
 * A rule sees one batch of one layer (its inputs, the pre-activations, and
 * its outputs, both [rows, units] row-major) and
 *  - marks the units that were active on at least one row of the batch;
 *  - counts the (row, unit) pairs whose local derivative is zero (or, for the
 *    saturating rules, below the saturation threshold);
 *  - counts the pairs whose input is not positive (the ReLU family only).
 * A unit never marked active over the whole dataset is inactive, and is
 * reported under the rule's meaning: dead, dead-like or saturated.
 *
 * Each batch is counted per unit by `columnCounts` (how many values of each
 * unit's column are below, equal to or above a threshold). A loop over the
 * pairs with one branch per test gives the same numbers but ran at 19-33 ns
 * per pair (the kernel: 3-6), most of it mispredicted branches on
 * activations of random sign.
 */
import { columnCounts, type ColumnCounts } from './reductions.js';
import type { Activation } from '../activations/modules.js';

/** What an inactive unit is called; each meaning has its own count in the instrument's report. */
export type InactiveMeaning = 'dead' | 'dead-like' | 'saturated';

/** The report field that counts the inactive units of each meaning. */
export const INACTIVE_COUNT_FIELD = {
  dead: 'dead',
  'dead-like': 'deadLike',
  saturated: 'saturated',
} as const satisfies { readonly [M in InactiveMeaning]: string };

/** One batch of one activation layer, as a rule sees it. */
export interface LayerBatch {
  /** The pre-activations, [rows, units] row-major. */
  readonly input: Float32Array;
  /** The outputs, [rows, units] row-major. */
  readonly output: Float32Array;
  readonly rows: number;
  readonly units: number;
  /** The layer's last dimension (units = features for 2-D batches): unit u is channel u % features. */
  readonly features: number;
  /** The module, whose `derivativeAt` states its local derivative. */
  readonly module: Activation;
  /** The saturation threshold eps of `measureActivations`. */
  readonly saturationEps: number;
}

/** The running tallies of one layer, which a rule adds one batch to. */
export interface UnitTally {
  /** 1 for every unit seen active on at least one row so far. */
  readonly everActive: Uint8Array;
  /** (row, unit) pairs with a zero (or below-threshold) local derivative. */
  zeroGradPairs: number;
  /** (row, unit) pairs whose input was not positive (ReLU family; 0 for the others). */
  nonPositivePairs: number;
  /** Scratch counts, [units] each, reused from batch to batch. */
  readonly counts: ColumnCounts;
  /** A second set, for rules with two thresholds. */
  readonly countsPastHigh: ColumnCounts;
}

/** An inactivity criterion: its name, its definition in words, where it comes from, and how a batch is counted. */
export interface InactivityRule {
  readonly meaning: InactiveMeaning;
  /** The criterion in one sentence, as docs/dead-neurons.md states it. */
  readonly criterion: string;
  /** The paper or convention it follows. */
  readonly source: string;
  /** Adds one batch of one layer to its tallies. */
  count(batch: LayerBatch, tally: UnitTally): void;
}

/**
 * The ReLU family's derivative depends only on the side of the kink at 0 the
 * input lies on (and, for PReLU, on the unit's slope), so asking derivativeAt
 * once per side and unit answers it for every pair: -1, 0 and 1 stand for the
 * negative, zero and positive inputs; NaN, counted in none of the three, for
 * itself. (The family's derivativeAt reads the input only; the output passed
 * is a placeholder.) Marks the units with a positive input when `markPositive`.
 */
function countKinkAtZero(batch: LayerBatch, tally: UnitTally, markPositive: boolean): void {
  const { rows, units, features, module } = batch;
  const { below: negative, equal: zero, above: positive } = tally.counts;
  columnCounts(batch.input, rows, units, 0, tally.counts);
  const zeroAt = (x: number, channel: number): number => (module.derivativeAt(x, NaN, channel) === 0 ? 1 : 0);
  for (let unit = 0; unit < units; unit++) {
    const channel = unit % features;
    const notANumber = rows - negative[unit]! - zero[unit]! - positive[unit]!;
    tally.zeroGradPairs += negative[unit]! * zeroAt(-1, channel) + zero[unit]! * zeroAt(0, channel)
      + positive[unit]! * zeroAt(1, channel) + notANumber * zeroAt(NaN, channel);
    tally.nonPositivePairs += rows - positive[unit]!;
    if (markPositive && positive[unit]! > 0) tally.everActive[unit] = 1;
  }
}

/**
 * Dead (ReLU): the unit's output is exactly 0 (or -0) on every input; those
 * inputs send no gradient to its weights (it may still revive when earlier
 * layers change what it sees: docs/dead-neurons.md has the measurements). A NaN
 * output counts as non-zero, as y !== 0 says.
 */
export const zeroOutput: InactivityRule = {
  meaning: 'dead',
  criterion: 'output exactly 0 on every measured input',
  source: 'Lu, Shin, Su & Karniadakis (2019), "Dying ReLU and initialization"',
  count(batch, tally) {
    countKinkAtZero(batch, tally, false);
    columnCounts(batch.output, batch.rows, batch.units, 0, tally.counts);
    const zeroOutputs = tally.counts.equal;
    for (let unit = 0; unit < batch.units; unit++) if (zeroOutputs[unit]! < batch.rows) tally.everActive[unit] = 1;
  },
};

/**
 * Dead-like (LeakyReLU, PReLU): the unit's input is never positive; it still
 * passes alpha times the gradient, so it can recover.
 */
export const neverPositiveInput: InactivityRule = {
  meaning: 'dead-like',
  criterion: 'input never positive on any measured input (the unit still passes alpha × the gradient)',
  source: 'Maas, Hannun & Ng (2013) for LeakyReLU; He et al. (2015) for PReLU; gradlab names them apart from ReLU death',
  count(batch, tally) {
    countKinkAtZero(batch, tally, true);
  },
};

/**
 * Saturated output: the output lies below `low(eps)` or above `high(eps)` on
 * every input, where the derivative is almost 0. NaN is neither.
 *
 * @example
 * saturatedOutput((eps) => [eps, 1 - eps], 'Sigmoid …', '…'); // Sigmoid's rule
 */
export function saturatedOutput(bounds: (saturationEps: number) => readonly [low: number, high: number], criterion: string, source: string): InactivityRule {
  return {
    meaning: 'saturated',
    criterion,
    source,
    count(batch, tally) {
      const [low, high] = bounds(batch.saturationEps);
      columnCounts(batch.output, batch.rows, batch.units, low, tally.counts);
      columnCounts(batch.output, batch.rows, batch.units, high, tally.countsPastHigh);
      for (let unit = 0; unit < batch.units; unit++) {
        const saturated = tally.counts.below[unit]! + tally.countsPastHigh.above[unit]!;
        tally.zeroGradPairs += saturated;
        if (saturated < batch.rows) tally.everActive[unit] = 1;
      }
    },
  };
}

/**
 * The input left of which the module's |derivative| stays below eps: scanned
 * rightwards from -64 in steps of 1/16 to the first point where it is not,
 * then refined by bisection within that step. Infinity if there is none.
 */
export function flatLeftTailEnd(module: Activation, saturationEps: number): number {
  const flat = (x: number): boolean => Math.abs(module.derivativeAt(x, NaN, 0)) < saturationEps;
  const step = 1 / 16;
  let left = -64;
  if (!flat(left)) return -Infinity;
  while (flat(left + step)) {
    left += step;
    if (left > 64) return Infinity;
  }
  let right = left + step;
  for (let i = 0; i < 40; i++) {
    const middle = (left + right) / 2;
    if (flat(middle)) left = middle;
    else right = middle;
  }
  return left;
}

/**
 * Saturated in the flat left tail (ELU, SELU, GELU, SiLU, Softplus): every
 * input lies left of the point below which |f'(x)| < eps, where the unit's
 * output is within a hair of its lower limit (-alpha for ELU, -lambda alpha
 * for SELU, 0 for the others) and almost no gradient passes. The point is
 * found from the module's derivativeAt (flatLeftTailEnd): ln(eps) = -4.61 for ELU,
 * -5.17 for SELU, -3.07 for GELU, -6.26 for SiLU and ln(eps / (1 - eps)) = -4.60 for Softplus at the
 * default eps 0.01 (test/nn/dead-neurons.test.ts pins them).
 */
export function saturatedLeftTail(source: string): InactivityRule {
  const tailEnds = new WeakMap<Activation, { eps: number; end: number }>();
  return {
    meaning: 'saturated',
    criterion: 'input left of the point below which |derivative| < eps on every measured input (output at its lower limit)',
    source,
    count(batch, tally) {
      let known = tailEnds.get(batch.module);
      if (known === undefined || known.eps !== batch.saturationEps) {
        known = { eps: batch.saturationEps, end: flatLeftTailEnd(batch.module, batch.saturationEps) };
        tailEnds.set(batch.module, known);
      }
      columnCounts(batch.input, batch.rows, batch.units, known.end, tally.counts);
      for (let unit = 0; unit < batch.units; unit++) {
        const saturated = tally.counts.below[unit]!;
        tally.zeroGradPairs += saturated;
        if (saturated < batch.rows) tally.everActive[unit] = 1;
      }
    },
  };
}
