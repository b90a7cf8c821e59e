/**
 * The report folder of `gradlab dead-neurons`: results.json, seeds.csv,
 * layers.csv, units.csv, charts (SVG + PNG) and report.md. Every number in
 * report.md is formatted from the same results object that results.json
 * serialises (units.csv and the unit raster also read the runs' per-unit
 * timelines, which results.json leaves out).
 */
import { ACTIVATIONS, type ActivationKind } from '@gradlab/nn';
import type { ActivationRun, DeadNeuronsResults } from '../experiments/dead-neurons.js';
import { resultsJson } from '../experiments/dead-neurons.js';
import { seedFigures, SEED_METRICS, type ActivationSummary, type LayerSummary, type MetricSummary, type SeedMetric } from '../experiments/seed-summary.js';
import { reportFolder } from '../io/atomic.js';
import { REPORT_SENTENCES, type SentenceContext } from './activation-sentences.js';
import { activationColor, writeChart, type ChartSpec } from './charts.js';
import { toCsv } from './csv.js';
import { fixed, percent } from './format.js';
import { revivalsByLayerChart, unitRasterChart } from './lifetime-charts.js';
import { markdownTable } from './markdown.js';
import type { MeanInterval } from './statistics.js';

/** Display name of an activation with what its "inactive" count means, e.g. "ReLU (dead)". */
export function runLabel(run: Pick<ActivationRun, 'activation' | 'inactiveMeaning'>): string {
  return `${ACTIVATIONS[run.activation].label} (${run.inactiveMeaning})`;
}

/** "198/640 (30.9%)": a count of units with its fraction. */
export function unitsCell(count: number, units: number): string {
  return `${count}/${units} (${percent(units === 0 ? 0 : count / units)})`;
}

/**
 * A mean with its 95% interval as report.md shows it: "16.6% [14.1%, 19.1%]"
 * (fractions, the interval cut at 0% and 100%, which no fraction passes) or
 * "0.1234 [0.1100, 0.1368]"; "16.6% (1 seed)" without an interval, "–" when
 * there is no value. `'difference'` shows a difference of fractions in
 * percentage points, uncut: "-3.2 [-5.0, -1.4] points".
 *
 * @example
 * formatInterval({ n: 5, mean: 0.166, std: 0.02, low: 0.141, high: 0.191 }, 'fraction'); // "16.6% [14.1%, 19.1%]"
 */
export function formatInterval(value: MeanInterval | MetricSummary | null, as: 'fraction' | 'difference' | 'number' | 'factor'): string {
  if (value === null) return '–';
  const show = (number: number): string => {
    if (as === 'fraction') return percent(Math.min(1, Math.max(0, number)));
    if (as === 'factor') return `${fixed(number, 2)}×`;
    return as === 'difference' ? (number * 100).toFixed(1) : fixed(number, 4);
  };
  const unit = as === 'difference' ? ' points' : '';
  if (value.low === null || value.high === null) return `${show(value.mean)}${unit} (${value.n} seed${value.n === 1 ? '' : 's'})`;
  return `${show(value.mean)} [${show(value.low)}, ${show(value.high)}]${unit}`;
}

/** The long-format CSV: one row per activation, seed, epoch and hidden layer. */
export function deadNeuronsCsv(results: DeadNeuronsResults): string {
  const rows = results.runs.flatMap((run) =>
    run.epochs.flatMap((epoch) =>
      epoch.layers.map((layer) => ({
        activation: run.activation,
        seed: run.seed,
        inactiveMeaning: run.inactiveMeaning,
        epoch: epoch.epoch,
        ...layer, // the column list below fixes the order
        trainLoss: epoch.trainLoss,
        testLoss: epoch.testLoss,
        testAccuracy: epoch.testAccuracy,
      }))));
  return toCsv(rows, [
    'activation', 'seed', 'inactiveMeaning', 'epoch', 'layer', 'units', 'inactive', 'inactiveFraction', 'dead', 'deadLike', 'saturated',
    'mean', 'std', 'zeroGradFraction', 'trainLoss', 'testLoss', 'testAccuracy',
  ]);
}

/** seeds.csv: one row per network (activation and seed) with the figures the summary averages. */
export function seedsCsv(results: DeadNeuronsResults): string {
  return toCsv(results.runs.map((run) => ({ ...seedFigures(run) })), ['activation', 'seed', 'diverged', ...SEED_METRICS]);
}

/**
 * units.csv: one row per hidden unit of every network, its life as state
 * changes: the steps at which it flipped between active and inactive
 * (space-separated), and the measurement intervals in which it was frozen
 * ("first-last" runs of interval indices).
 */
export function unitsCsv(results: DeadNeuronsResults): string {
  const rows = results.runs.flatMap((run) => run.units.map((unit) => ({
    activation: run.activation,
    seed: run.seed,
    layer: unit.layer + 1,
    unit: unit.unit,
    initiallyInactive: unit.initiallyInactive,
    changeSteps: unit.changes.join(' '),
    firstInactiveStep: unit.firstInactiveStep,
    revivals: unit.revivals,
    inactiveAtEnd: unit.inactiveAtEnd,
    permanentlyDead: unit.permanentlyDead,
    frozenIntervals: unit.frozenIntervals.map(([from, to]) => `${from}-${to}`).join(' '),
  })));
  return toCsv(rows, ['activation', 'seed', 'layer', 'unit', 'initiallyInactive', 'changeSteps', 'firstInactiveStep', 'revivals', 'inactiveAtEnd', 'permanentlyDead', 'frozenIntervals']);
}

/** The colour scale of the activations, labelled as runLabel does. */
export function colorScale(results: DeadNeuronsResults): { domain: string[]; range: string[] } {
  const summaries = results.summary.activations;
  return { domain: summaries.map(runLabel), range: summaries.map((summary) => activationColor(summary.activation)) };
}

function seedsText(seeds: readonly number[]): string {
  return seeds.length === 1 ? `seed ${seeds[0]}` : `seeds ${seeds.join(', ')}`;
}

/** The charts' subtitle: the network, the training and the seeds. */
export function subtitle(results: DeadNeuronsResults): string {
  const { config } = results;
  const optimizer = config.optimizer === 'adam' ? `Adam lr ${config.lr}` : `SGD lr ${config.lr}${config.momentum ? ` momentum ${config.momentum}` : ''}`;
  return `784 → ${config.depth} × ${config.width} → 10 MLP, ${optimizer}, batch ${config.batchSize}, ${seedsText(config.seeds)}; measured on ${results.data.measuredImages} training images`;
}

/** Total inactive fraction per activation over the epochs: one thin line per seed, the mean bold. */
export function inactiveOverEpochsChart(results: DeadNeuronsResults): ChartSpec {
  const values = results.runs.flatMap((run) => run.epochs.map((epoch) => ({ label: runLabel(run), seed: run.seed, epoch: epoch.epoch, fraction: epoch.inactiveFraction })));
  const x = { field: 'epoch', type: 'quantitative', title: 'epoch (0 = at initialisation)', axis: { tickMinStep: 1, format: 'd' } };
  const color = { field: 'label', type: 'nominal', title: 'activation (inactive means)', scale: colorScale(results), legend: { labelLimit: 300, titleLimit: 300, orient: 'right' } };
  return {
    title: { text: 'Inactive hidden units during training', subtitle: [subtitle(results), 'thin lines: each seed; bold line: mean over seeds'] },
    width: 520,
    height: 300,
    data: { values },
    layer: [
      { mark: { type: 'line', strokeWidth: 1, opacity: 0.45 }, encoding: { x, y: { field: 'fraction', type: 'quantitative', title: 'fraction of hidden units', axis: { format: '.0%' } }, color, detail: { field: 'seed', type: 'nominal' } } },
      { mark: { type: 'line', point: true, strokeWidth: 3 }, encoding: { x, y: { aggregate: 'mean', field: 'fraction', type: 'quantitative' }, color } },
    ],
  } as ChartSpec;
}

/** Heatmap per activation: layer × epoch, coloured by the layer's inactive fraction averaged over seeds. */
export function deadFractionByLayerChart(results: DeadNeuronsResults): ChartSpec {
  const maxEpochs = Math.max(...results.runs.map((run) => run.epochs.length - 1));
  const maxLayers = Math.max(...results.runs.flatMap((run) => run.epochs.map((epoch) => epoch.layers.length)));
  const cells = new Map<string, { label: string; epoch: number; layer: number; fractions: number[]; counts: number[] }>();
  for (const run of results.runs) {
    for (const epoch of run.epochs) {
      for (const layer of epoch.layers) {
        const key = `${run.activation}/${epoch.epoch}/${layer.layer}`;
        const cell = cells.get(key) ?? { label: runLabel(run), epoch: epoch.epoch, layer: layer.layer, fractions: [], counts: [] };
        cell.fractions.push(layer.inactiveFraction);
        cell.counts.push(layer.inactive);
        cells.set(key, cell);
      }
    }
  }
  const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
  const values = [...cells.values()].map((cell) => ({
    label: cell.label, epoch: cell.epoch, layer: cell.layer, fraction: mean(cell.fractions), inactive: Number(mean(cell.counts).toFixed(1)),
  }));
  return {
    title: {
      text: 'Inactive units per hidden layer and epoch',
      subtitle: [
        `Cell: inactive units, mean over ${seedsText(results.config.seeds)}; layer 1 is nearest the input.`,
        results.summary.activations.map((summary) => REPORT_SENTENCES[summary.activation].chartNote(sentenceContext(results))).join(' · '),
      ],
    },
    data: { values },
    facet: { column: { field: 'label', type: 'nominal', title: null, sort: colorScale(results).domain, header: { labelFontSize: 13, labelLimit: 400 } } },
    spec: {
      // Wide enough for the facet header even when there are only a few epochs.
      width: Math.max(190, 26 * (maxEpochs + 1)),
      height: Math.max(120, 22 * maxLayers),
      layer: [
        {
          mark: 'rect',
          encoding: {
            x: { field: 'epoch', type: 'ordinal', title: 'epoch' },
            y: { field: 'layer', type: 'ordinal', title: 'hidden layer' },
            color: { field: 'fraction', type: 'quantitative', title: 'inactive', scale: { domain: [0, 1], range: ['#ffffff', '#a50f15'], interpolate: 'rgb' }, legend: { format: '.0%' } },
          },
        },
        {
          mark: { type: 'text', fontSize: 8 },
          encoding: {
            x: { field: 'epoch', type: 'ordinal' },
            y: { field: 'layer', type: 'ordinal' },
            text: { field: 'inactive', type: 'quantitative' },
            color: { condition: { test: 'datum.fraction > 0.5', value: 'white' }, value: 'black' },
          },
        },
      ],
    },
    resolve: { scale: { color: 'shared' } },
  } as ChartSpec;
}

/** Training loss and test accuracy per epoch, side by side: each seed thin, the mean bold. */
export function lossAccuracyChart(results: DeadNeuronsResults): ChartSpec {
  const values = results.runs.flatMap((run) => run.epochs.map((epoch) => ({
    label: runLabel(run), seed: run.seed, epoch: epoch.epoch, trainLoss: epoch.trainLoss, testAccuracy: epoch.testAccuracy,
  })));
  const color = { field: 'label', type: 'nominal', title: 'activation', scale: colorScale(results), legend: { labelLimit: 300 } };
  const x = { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } };
  const panel = (field: string, y: Record<string, unknown>) => ({
    width: 300,
    height: 240,
    layer: [
      { mark: { type: 'line', strokeWidth: 1, opacity: 0.45 }, encoding: { x, y: { field, type: 'quantitative', ...y }, color, detail: { field: 'seed', type: 'nominal' } } },
      { mark: { type: 'line', point: true, strokeWidth: 3 }, encoding: { x, y: { field, aggregate: 'mean', type: 'quantitative', ...y }, color } },
    ],
  });
  return {
    title: { text: 'Training loss and test accuracy', subtitle: [subtitle(results), 'thin lines: each seed; bold line: mean over seeds'] },
    data: { values },
    hconcat: [
      panel('trainLoss', { title: 'training loss (cross-entropy)' }),
      panel('testAccuracy', { title: 'test accuracy', axis: { format: '.0%' }, scale: { domain: [0, 1] } }),
    ],
  } as ChartSpec;
}

/**
 * Bars per hidden layer and activation, each the mean over seeds of one of
 * the summary's per-layer figures, with a whisker at its 95% interval.
 *
 * @example
 * layerIntervalChart(results, (layer) => layer.revived, { text: 'Units that came back', note: '…', yTitle: 'revived / ever inactive' });
 */
export function layerIntervalChart(
  results: DeadNeuronsResults,
  pick: (layer: LayerSummary) => MetricSummary,
  titles: { readonly text: string; readonly note: string; readonly yTitle: string },
): ChartSpec {
  const values = results.summary.activations.flatMap((summary) => summary.layers.flatMap((layer) => {
    const value = pick(layer);
    if (value === null) return [];
    return [{ label: runLabel(summary), layer: layer.layer, mean: value.mean, low: value.low ?? value.mean, high: value.high ?? value.mean, seeds: value.n }];
  }));
  const x = { field: 'layer', type: 'ordinal', title: 'hidden layer (1 = nearest the input)', axis: { labelAngle: 0 } };
  const xOffset = { field: 'label', type: 'nominal', sort: colorScale(results).domain };
  const color = { field: 'label', type: 'nominal', title: 'activation (inactive means)', scale: colorScale(results), legend: { labelLimit: 300 } };
  return {
    title: { text: titles.text, subtitle: [subtitle(results), titles.note] },
    width: 520,
    height: 260,
    data: { values },
    layer: [
      { mark: 'bar', encoding: { x, xOffset, y: { field: 'mean', type: 'quantitative', title: titles.yTitle, axis: { format: '.0%' }, scale: { domain: [0, 1] } }, color } },
      { mark: { type: 'rule', color: 'black' }, encoding: { x, xOffset, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } } },
    ],
  } as ChartSpec;
}

/** The last epoch, layer by layer, activations side by side: mean over seeds with its 95% interval. */
export function finalLayersChart(results: DeadNeuronsResults): ChartSpec {
  return layerIntervalChart(results, (layer) => layer.inactiveAtEnd, {
    text: 'After the last epoch: inactive units per layer', note: 'bar: mean over seeds; whisker: 95% confidence interval', yTitle: 'fraction of the layer\'s units',
  });
}

/** The chart files of the report, by base name. */
export const DEAD_NEURON_CHARTS = {
  'inactive-over-epochs': inactiveOverEpochsChart,
  'dead-fraction-by-layer': deadFractionByLayerChart,
  'loss-accuracy': lossAccuracyChart,
  'final-layers': finalLayersChart,
  'unit-raster': unitRasterChart,
  'revivals-by-layer': revivalsByLayerChart,
} as const;

/** "ReLU" for 'relu'. */
function title(activation: ActivationKind): string {
  return ACTIVATIONS[activation].label;
}

function sentenceContext(results: DeadNeuronsResults): SentenceContext {
  const { config } = results;
  return { alpha: config.alpha, saturationEps: config.saturationEps, depth: config.depth, measuredImages: results.data.measuredImages };
}

/** What an activation's inactivity means, in one sentence, from the activation's entry in REPORT_SENTENCES. */
function meaningSentence(summary: ActivationSummary, results: DeadNeuronsResults): string {
  const meaning = REPORT_SENTENCES[summary.activation].meaning(sentenceContext(results));
  return `${meaning[0]!.toUpperCase()}${meaning.slice(1)}`;
}

function metric(summary: ActivationSummary, name: SeedMetric): MetricSummary {
  return summary.metrics[name];
}

/** A plain-language paragraph about the result, built from the numbers. */
export function readingOfResult(results: DeadNeuronsResults): string {
  const { config } = results;
  const depth = config.depth;
  const units = depth * config.width;
  const over = `over ${seedsText(config.seeds)}`;
  const sentences: string[] = [
    `Each figure is a mean with its 95% confidence interval ${over} (Student's t); seeds.csv has every seed's value.`,
  ];
  for (const summary of results.summary.activations) {
    const m = (name: SeedMetric) => formatInterval(metric(summary, name), 'fraction');
    const meaning = summary.inactiveMeaning;
    const divergedRuns = results.runs.filter((run) => run.activation === summary.activation && run.diverged !== null);
    const diverged = divergedRuns.length > 0
      ? ` Training diverged for ${divergedRuns.map((run) => `seed ${run.seed} (loss ${run.diverged!.loss} at epoch ${run.diverged!.epoch}, step ${run.diverged!.step})`).join(', ')}; ` +
        `${divergedRuns.length === 1 ? 'that network is' : 'those networks are'} left out of the means.`
      : '';
    const revivals = depth > 1
      ? `Of the units of hidden layer 1 that were ${meaning} at some measurement, ${m('revivedFirstLayer')} became active again later; in layers 2–${depth}, ${m('revivedDeeperLayers')}.`
      : `Of the units that were ${meaning} at some measurement, ${m('revivedFirstLayer')} became active again later.`;
    const frozenWhenInactive = metric(summary, 'frozenWhenInactive');
    const frozen = frozenWhenInactive === null
      ? ''
      : ` Of the (unit, interval) pairs ${meaning} at both ends of an interval between two measurements, ${m('frozenWhenInactive')} got an exactly zero gradient at every training step in between (frozen)` +
        (metric(summary, 'movedWhileFrozen') === null ? '.' : `; ${m('movedWhileFrozen')} of all frozen pairs still had their weights moved by the optimizer.`);
    const shrink = metric(summary, 'gradientShrinkPerLayer');
    const gradient = shrink === null
      ? ''
      : ` At initialisation, on one batch of ${results.runs.find((run) => run.activation === summary.activation)?.initialGradient.images ?? config.batchSize} measured images, ` +
        `the gradient of the hidden layers' biases shrinks by a factor of ${formatInterval(shrink, 'factor')} per layer from layer ${depth} down to layer 1 (geometric mean).`;
    const accuracy = metric(summary, 'testAccuracy');
    const best = Math.max(...results.summary.activations.map((other) => other.metrics.testAccuracy?.mean ?? 0));
    const { farBehind } = REPORT_SENTENCES[summary.activation];
    let chance = accuracy !== null && accuracy.mean < 0.2 ? ' (chance is 10%: these networks did not learn)' : '';
    if (accuracy !== null && farBehind !== null && accuracy.mean < best - 0.2) chance += ` — far behind the best activation (${percent(best)}): ${farBehind(sentenceContext(results))}`;
    sentences.push(
      `**${title(summary.activation)}:** after epoch ${config.epochs}, ${m('inactiveAtEnd')} of the ${units} hidden units are ${meaning} ` +
      `on the ${results.data.measuredImages} measured training images, against ${m('inactiveAtInit')} at initialisation. ` +
      `${meaningSentence(summary, results)}. Permanently ${meaning} (from their first ${meaning} measurement to the end, measured every ${config.measureEvery} steps and at each epoch's end): ${m('permanentlyDead')} of the units. ` +
      `${revivals}${frozen} Test accuracy: ${m('testAccuracy')}${chance}.${gradient}${diverged}`,
    );
  }
  for (const comparison of results.summary.comparisons) {
    if (comparison.metric !== 'inactiveAtEnd' || comparison.test === null) continue;
    const { a, b, test } = comparison;
    sentences.push(
      `Inactive units after the last epoch, ${title(b)} minus ${title(a)}, seed by seed: ${formatInterval(test.difference, 'difference')} ` +
      `(paired t-test over ${comparison.seeds.length} seeds: p = ${fixed(test.tTestP ?? NaN, 4)}, ${test.significant ? 'significant' : 'not significant'} at 5%).`,
    );
  }
  return sentences.join('\n\n');
}

/** The summary table's header, shared with the test that reads it back. */
export const SUMMARY_HEADING = '## Summary';

/** The heading of the comparisons table. */
export const COMPARISONS_HEADING = '## Comparisons, paired by seed';

const METRIC_TITLES: Readonly<Record<SeedMetric, string>> = {
  inactiveAtInit: 'inactive at initialisation',
  inactiveAtEnd: 'inactive after the last epoch',
  permanentlyDead: 'permanently inactive',
  revivedFirstLayer: 'revived, layer 1',
  revivedDeeperLayers: 'revived, layers 2+',
  frozenWhenInactive: 'frozen when inactive at both ends',
  movedWhileFrozen: 'moved while frozen',
  testAccuracy: 'test accuracy',
  trainLoss: 'training loss',
  gradientShrinkPerLayer: 'gradient shrink per layer at initialisation',
};

/** Why a frozen unit's weights may still move, per optimizer. */
const FROZEN_MOVES: Readonly<Record<'adam' | 'sgd' | 'plain-sgd', string>> = {
  adam: 'Its weights can still move: Adam keeps stepping them with the moments stored from earlier gradients ("moved while frozen" counts this).',
  sgd: 'Its weights can still move: SGD\'s momentum keeps stepping them with the velocity stored from earlier gradients ("moved while frozen" counts this).',
  'plain-sgd': 'Plain SGD (no momentum) leaves its weights where they are.',
};

/** report.md, from the results and the files beside it. */
export function deadNeuronsMarkdown(results: DeadNeuronsResults, command: string): string {
  const { config } = results;
  const summaries = results.summary.activations;
  const summaryRows = summaries.map((summary) => [
    title(summary.activation),
    summary.inactiveMeaning,
    String(summary.seeds.length),
    formatInterval(summary.metrics.inactiveAtInit, 'fraction'),
    formatInterval(summary.metrics.inactiveAtEnd, 'fraction'),
    formatInterval(summary.metrics.permanentlyDead, 'fraction'),
    formatInterval(summary.metrics.revivedFirstLayer, 'fraction'),
    formatInterval(summary.metrics.revivedDeeperLayers, 'fraction'),
    formatInterval(summary.metrics.testAccuracy, 'fraction'),
    formatInterval(summary.metrics.trainLoss, 'number'),
    formatInterval(summary.metrics.gradientShrinkPerLayer, 'factor'),
    summary.divergedSeeds.length === 0 ? 'none' : seedsText(summary.divergedSeeds),
  ]);
  const comparisonRows = results.summary.comparisons.map((comparison) => {
    const test = comparison.test;
    const asPercent = comparison.metric !== 'trainLoss';
    return [
      `${title(comparison.b)} − ${title(comparison.a)}`,
      METRIC_TITLES[comparison.metric],
      String(comparison.seeds.length),
      test === null ? '–' : formatInterval(test.difference, asPercent ? 'difference' : 'number'),
      test?.t === null || test === null ? '–' : fixed(test.t, 2),
      test?.tTestP === null || test === null ? '–' : fixed(test.tTestP, 4),
      test?.wilcoxonP === null || test === null ? '–' : fixed(test.wilcoxonP, 4),
      test === null ? '–' : test.significant ? 'yes' : 'no',
    ];
  });
  const frozenRows = summaries.map((summary) => [
    title(summary.activation),
    formatInterval(summary.metrics.frozenWhenInactive, 'fraction'),
    formatInterval(summary.metrics.movedWhileFrozen, 'fraction'),
  ]);
  const depth = Math.max(...summaries.map((summary) => summary.layers.length));
  const layerRows = Array.from({ length: depth }, (_, index) => [
    String(index + 1),
    ...summaries.flatMap((summary) => {
      const layer = summary.layers[index];
      return [formatInterval(layer?.inactiveAtEnd ?? null, 'fraction'), formatInterval(layer?.permanentlyDead ?? null, 'fraction'), formatInterval(layer?.revived ?? null, 'fraction')];
    }),
  ]);
  const optimizer = config.optimizer === 'adam' ? `Adam (lr ${config.lr})` : `SGD (lr ${config.lr}, momentum ${config.momentum})`;
  const minimumWilcoxon = 2 / 2 ** config.seeds.length;
  return [
    `# Dead neurons: ${summaries.map((summary) => title(summary.activation)).join(' vs ')}, ${config.seeds.length} seed${config.seeds.length === 1 ? '' : 's'}`,
    '',
    `Made by \`${command}\`. The numbers below are formatted from \`results.json\` in this folder; \`seeds.csv\` has each network's figures, ` +
      '`layers.csv` every layer at every epoch of every network, and `units.csv` every hidden unit\'s state changes.',
    '',
    `- Network: 784 → ${config.depth} hidden layers of ${config.width} → 10, initialisation ${config.init === 'default' ? 'He normal (ReLU family) / Xavier uniform (Sigmoid), biases 0' : config.init}, LeakyReLU alpha ${config.alpha}`,
    `- Training: ${optimizer}, batch ${config.batchSize}, ${config.epochs} epochs, ${seedsText(config.seeds)}; the networks of one seed start from the same weight stream and see the same batches in the same order, so only the activation differs within a seed`,
    `- Data: ${results.data.source}, ${results.data.trainSize} training / ${results.data.testSize} test images; units measured on the first ${results.data.measuredImages} training images, ` +
      (config.measureEvery > 0 ? `every ${config.measureEvery} training steps and at the end of every epoch` : 'at the end of every epoch'),
    `- Statistics: mean [95% confidence interval] over seeds from Student's t distribution with n − 1 degrees of freedom (intervals of fractions cut at 0% and 100%); ` +
      'activations are compared seed by seed (differences in percentage points) with a two-sided paired t-test at 5%, ' +
      `with the exact Wilcoxon signed-rank p-value beside it (with ${config.seeds.length} seeds it cannot go below ${fixed(minimumWilcoxon, 4)})`,
    '',
    '## What happened',
    '',
    readingOfResult(results),
    '',
    SUMMARY_HEADING,
    '',
    markdownTable(
      ['Activation', 'Inactive means', 'Seeds', 'Inactive at init', 'Inactive at end', 'Permanently inactive', 'Revived, layer 1', 'Revived, layers 2+', 'Test accuracy', 'Train loss', 'Gradient shrink per layer at init', 'Diverged'],
      summaryRows,
    ),
    '',
    '![Inactive hidden units during training](inactive-over-epochs.png)',
    '',
    COMPARISONS_HEADING,
    '',
    markdownTable(['Difference', 'Metric', 'Pairs', 'Mean difference [95% CI]', 't', 'p (paired t)', 'p (Wilcoxon, exact)', 'Significant at 5%'], comparisonRows),
    '',
    '## Unit by unit',
    '',
    `Every hidden unit of the first seed's networks, measured every ${config.measureEvery > 0 ? `${config.measureEvery} steps and ` : ''}at each epoch's end: ` +
      'active, inactive while its weights still got a gradient from the training steps that followed, or inactive and frozen.',
    '',
    '![Every unit\'s state over training](unit-raster.png)',
    '',
    '![Revived units per layer](revivals-by-layer.png)',
    '',
    'Inactive at a snapshot against frozen by the training steps (pooled over layers, mean over seeds):',
    '',
    markdownTable(['Activation', 'Inactive at both ends of an interval, and frozen', 'Frozen, yet weights moved'], frozenRows),
    '',
    '## Per layer after the last epoch',
    '',
    markdownTable(['Layer', ...summaries.flatMap((summary) => [`${runLabel(summary)} at end`, 'permanently', 'revived'])], layerRows),
    '',
    '![Inactive units per layer after the last epoch](final-layers.png)',
    '',
    '## Layer by layer, epoch by epoch',
    '',
    '![Inactive fraction per hidden layer and epoch](dead-fraction-by-layer.png)',
    '',
    '## Loss and accuracy',
    '',
    '![Training loss and test accuracy](loss-accuracy.png)',
    '',
    '## Definitions',
    '',
    '- **Inactive at a snapshot**, measured with `measureActivations` from @gradlab/nn on the measured training images with gradients off, for each activation:',
    ...summaries.map((summary) => `  - ${REPORT_SENTENCES[summary.activation].definition(sentenceContext(results))}`),
    '- **Permanently inactive:** inactive at every measurement from its first inactive one to the last of the run.',
    '- **Revived:** inactive at one measurement and active at the next; the revived fraction of a layer is the units that revived at least once over the units ever inactive.',
    '- **Frozen** (for one interval between two measurements): the gradient of the unit\'s incoming weights and bias was exactly 0 at every training step of the interval, as read from the training\'s own backward passes. ' +
      FROZEN_MOVES[config.optimizer === 'sgd' && config.momentum === 0 ? 'plain-sgd' : config.optimizer],
    '',
  ].join('\n');
}

/**
 * Writes the whole report folder and returns the paths written, in order.
 *
 * @example
 * const files = await writeDeadNeuronsReport(results, 'reports/dead-neurons', 'gradlab dead-neurons');
 */
export async function writeDeadNeuronsReport(results: DeadNeuronsResults, outDir: string, command: string): Promise<string[]> {
  const { written, write } = reportFolder(outDir);
  write('results.json', resultsJson(results));
  write('seeds.csv', seedsCsv(results));
  write('layers.csv', deadNeuronsCsv(results));
  write('units.csv', unitsCsv(results));
  for (const [name, build] of Object.entries(DEAD_NEURON_CHARTS)) written.push(...(await writeChart(outDir, name, build(results))));
  write('report.md', deadNeuronsMarkdown(results, command));
  return written;
}
