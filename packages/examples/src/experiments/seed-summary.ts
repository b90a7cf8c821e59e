/**
 * The dead-neurons experiment over several seeds: per network the figures a
 * reader compares (`seedFigures`), per activation their means with 95%
 * confidence intervals over seeds, and comparisons between activations
 * paired by seed (paired t-test, with the exact Wilcoxon signed-rank p-value
 * beside it). Every network of one seed starts from the same weights stream
 * and sees the same batches whatever its activation, so seed i of ReLU and
 * seed i of LeakyReLU are a pair.
 */
import { ACTIVATIONS, type ActivationKind, type InactiveMeaning } from '@gradlab/nn';
import { meanInterval, pairedComparison, type MeanInterval, type PairedComparison } from '../report/statistics.js';
import type { LifetimeLayer } from './lifetimes.js';

/** The part of a finished network's run that the summary reads. */
export interface SummarizedRun {
  readonly activation: ActivationKind;
  readonly inactiveMeaning: InactiveMeaning;
  readonly seed: number;
  readonly diverged: unknown;
  readonly epochs: ReadonlyArray<{ readonly epoch: number; readonly inactiveFraction: number; readonly testAccuracy: number; readonly trainLoss: number }>;
  readonly lifetimes: { readonly layers: readonly LifetimeLayer[] };
  readonly initialGradient: { readonly shrinkPerLayer: number | null };
}

/** One network's figures (fractions in [0, 1]); null where the ratio has no units to count. */
export interface SeedFigures {
  readonly activation: ActivationKind;
  readonly seed: number;
  readonly diverged: boolean;
  /** Inactive hidden units at initialisation / all hidden units. */
  readonly inactiveAtInit: number;
  /** Inactive hidden units after the last epoch (a snapshot) / all hidden units. */
  readonly inactiveAtEnd: number;
  /** Units inactive from their first inactive measurement to the end / all hidden units. */
  readonly permanentlyDead: number;
  /** Hidden layer 1: units that revived / units ever inactive. */
  readonly revivedFirstLayer: number | null;
  /** Hidden layers 2 and up, pooled: units that revived / units ever inactive. */
  readonly revivedDeeperLayers: number | null;
  /** (unit, interval) pairs inactive at both ends that were frozen / all pairs inactive at both ends. */
  readonly frozenWhenInactive: number | null;
  /** Frozen (unit, interval) pairs whose weights moved anyway / all frozen pairs. */
  readonly movedWhileFrozen: number | null;
  readonly testAccuracy: number;
  readonly trainLoss: number;
  /** By how much the bias gradient shrinks per hidden layer on one batch at initialisation (geometric mean, last layer to first). */
  readonly gradientShrinkPerLayer: number | null;
}

function ratio(count: number, of: number): number | null {
  return of === 0 ? null : count / of;
}

function sumOf(layers: readonly LifetimeLayer[], field: keyof Omit<LifetimeLayer, 'layer'>): number {
  return layers.reduce((total, layer) => total + layer[field], 0);
}

/**
 * The figures of one network.
 *
 * @example
 * seedFigures(run).revivedDeeperLayers; // e.g. 0.3: 30% of the units of layers 2+ that were ever inactive came back
 */
export function seedFigures(run: SummarizedRun): SeedFigures {
  const first = run.epochs[0]!;
  const last = run.epochs[run.epochs.length - 1]!;
  const layers = run.lifetimes.layers;
  const units = sumOf(layers, 'units');
  const deeper = layers.filter((layer) => layer.layer > 1);
  const firstLayer = layers.filter((layer) => layer.layer === 1);
  return {
    activation: run.activation,
    seed: run.seed,
    diverged: run.diverged !== null,
    inactiveAtInit: first.inactiveFraction,
    inactiveAtEnd: last.inactiveFraction,
    permanentlyDead: ratio(sumOf(layers, 'permanentlyDead'), units) ?? 0,
    revivedFirstLayer: ratio(sumOf(firstLayer, 'revived'), sumOf(firstLayer, 'everInactive')),
    revivedDeeperLayers: ratio(sumOf(deeper, 'revived'), sumOf(deeper, 'everInactive')),
    frozenWhenInactive: ratio(sumOf(layers, 'frozenAndInactiveBothEnds'), sumOf(layers, 'inactiveBothEnds')),
    movedWhileFrozen: ratio(sumOf(layers, 'movedWhileFrozen'), sumOf(layers, 'frozen')),
    testAccuracy: last.testAccuracy,
    trainLoss: last.trainLoss,
    gradientShrinkPerLayer: run.initialGradient.shrinkPerLayer,
  };
}

/** The figures summarized over seeds, in this order everywhere (tables, CSV). */
export const SEED_METRICS = [
  'inactiveAtInit', 'inactiveAtEnd', 'permanentlyDead', 'revivedFirstLayer', 'revivedDeeperLayers',
  'frozenWhenInactive', 'movedWhileFrozen', 'testAccuracy', 'trainLoss', 'gradientShrinkPerLayer',
] as const;
export type SeedMetric = (typeof SEED_METRICS)[number];

/** A metric's mean with its 95% interval over the seeds where it is defined; null where it is defined for none. */
export type MetricSummary = (MeanInterval & { readonly seeds: readonly number[] }) | null;

/** One hidden layer over seeds. */
export interface LayerSummary {
  readonly layer: number;
  /** Inactive units after the last epoch / the layer's units. */
  readonly inactiveAtEnd: MetricSummary;
  readonly permanentlyDead: MetricSummary;
  /** Units that revived / units ever inactive. */
  readonly revived: MetricSummary;
}

/** One activation over its seeds. */
export interface ActivationSummary {
  readonly activation: ActivationKind;
  readonly inactiveMeaning: InactiveMeaning;
  /** Seeds whose training finished (the means are over these). */
  readonly seeds: readonly number[];
  /** Seeds whose training diverged, left out of the means. */
  readonly divergedSeeds: readonly number[];
  readonly metrics: { readonly [M in SeedMetric]: MetricSummary };
  readonly layers: readonly LayerSummary[];
}

/** Activation `b` against activation `a` on one metric, paired by seed (b − a). */
export interface ActivationComparison {
  readonly metric: SeedMetric;
  readonly a: ActivationKind;
  readonly b: ActivationKind;
  /** The seeds where both finished and the metric is defined for both. */
  readonly seeds: readonly number[];
  /** Null with fewer than two pairs. */
  readonly test: PairedComparison | null;
}

/** The metrics compared between activations. */
export const COMPARED_METRICS: readonly SeedMetric[] = ['inactiveAtEnd', 'permanentlyDead', 'testAccuracy'];

/** What results.json holds about the seeds. */
export interface SeedSummary {
  /** The test behind `significant`: two-sided paired t-test at 5%. */
  readonly test: 'paired t-test (two-sided, 5%), exact Wilcoxon signed-rank p beside it';
  readonly activations: readonly ActivationSummary[];
  readonly comparisons: readonly ActivationComparison[];
}

/**
 * The mean with its 95% interval of one figure over the seeds where it is
 * defined (not null); null where it is defined for none.
 *
 * @example
 * summarizeOverSeeds([{ seed: 0, value: 0.1 }, { seed: 1, value: 0.3 }, { seed: 2, value: null }]); // mean 0.2 over seeds 0 and 1
 */
export function summarizeOverSeeds(values: ReadonlyArray<{ seed: number; value: number | null }>): MetricSummary {
  const defined = values.filter((entry): entry is { seed: number; value: number } => entry.value !== null);
  if (defined.length === 0) return null;
  return { ...meanInterval(defined.map((entry) => entry.value)), seeds: defined.map((entry) => entry.seed) };
}

/**
 * Each hidden layer's snapshot-inactive, permanently dead and revived
 * fractions over the finished runs of one group (an activation, a remedy).
 *
 * @example
 * layerSummaries(runs.filter((run) => run.activation === 'relu' && run.diverged === null))[0].permanentlyDead; // hidden layer 1
 */
export function layerSummaries(finished: readonly Pick<SummarizedRun, 'seed' | 'lifetimes'>[]): LayerSummary[] {
  const depth = Math.max(0, ...finished.map((run) => run.lifetimes.layers.length));
  return Array.from({ length: depth }, (_, index): LayerSummary => {
    const at = finished.map((run) => ({ seed: run.seed, layer: run.lifetimes.layers[index]! }));
    return {
      layer: index + 1,
      inactiveAtEnd: summarizeOverSeeds(at.map(({ seed, layer }) => ({ seed, value: layer.inactiveAtEnd / layer.units }))),
      permanentlyDead: summarizeOverSeeds(at.map(({ seed, layer }) => ({ seed, value: layer.permanentlyDead / layer.units }))),
      revived: summarizeOverSeeds(at.map(({ seed, layer }) => ({ seed, value: ratio(layer.revived, layer.everInactive) }))),
    };
  });
}

/** One network's value of a figure, for pairing by seed; null where the figure is undefined. */
export interface SeedValue {
  readonly seed: number;
  readonly diverged: boolean;
  readonly value: number | null;
}

/**
 * Group b against group a on one figure, paired by seed (b − a): the seeds
 * where both finished and the figure is defined for both, and the paired
 * test (null with fewer than two pairs).
 *
 * @example
 * pairBySeed(reluValues, leakyValues).test?.meanDifference; // LeakyReLU − ReLU
 */
export function pairBySeed(a: readonly SeedValue[], b: readonly SeedValue[]): { seeds: number[]; test: PairedComparison | null } {
  const pairs: Array<{ seed: number; a: number; b: number }> = [];
  for (const entry of a) {
    if (entry.diverged || entry.value === null) continue;
    const other = b.find((candidate) => candidate.seed === entry.seed);
    if (other === undefined || other.diverged || other.value === null) continue;
    pairs.push({ seed: entry.seed, a: entry.value, b: other.value });
  }
  return { seeds: pairs.map((pair) => pair.seed), test: pairs.length < 2 ? null : pairedComparison(pairs.map((pair) => pair.a), pairs.map((pair) => pair.b)) };
}

/**
 * Means with 95% intervals per activation, and every pair of activations
 * compared seed by seed. `runs` hold every (activation, seed) network.
 *
 * @example
 * const summary = summarizeSeeds(['relu', 'leaky-relu'], results.runs);
 * summary.activations[0].metrics.permanentlyDead; // { n: 5, mean: 0.12, low: 0.10, high: 0.14, … }
 */
export function summarizeSeeds(activations: readonly ActivationKind[], runs: readonly SummarizedRun[]): SeedSummary {
  const figures = runs.map(seedFigures);
  const summaries = activations.map((activation): ActivationSummary => {
    const own = runs.filter((run) => run.activation === activation);
    const finished = own.filter((run) => run.diverged === null);
    const finishedFigures = figures.filter((figure) => figure.activation === activation && !figure.diverged);
    const metrics = Object.fromEntries(SEED_METRICS.map((metric) =>
      [metric, summarizeOverSeeds(finishedFigures.map((figure) => ({ seed: figure.seed, value: figure[metric] })))])) as ActivationSummary['metrics'];
    const layers = layerSummaries(finished);
    return {
      activation,
      inactiveMeaning: ACTIVATIONS[activation].inactivity.meaning,
      seeds: finished.map((run) => run.seed),
      divergedSeeds: own.filter((run) => run.diverged !== null).map((run) => run.seed),
      metrics,
      layers,
    };
  });
  const comparisons: ActivationComparison[] = [];
  activations.forEach((a, i) => activations.slice(i + 1).forEach((b) => {
    for (const metric of COMPARED_METRICS) {
      const valuesOf = (activation: ActivationKind): SeedValue[] => figures
        .filter((figure) => figure.activation === activation)
        .map((figure) => ({ seed: figure.seed, diverged: figure.diverged, value: figure[metric] }));
      comparisons.push({ metric, a, b, ...pairBySeed(valuesOf(a), valuesOf(b)) });
    }
  }));
  return { test: 'paired t-test (two-sided, 5%), exact Wilcoxon signed-rank p beside it', activations: summaries, comparisons };
}
