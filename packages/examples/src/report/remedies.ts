/**
 * The report folder of `gradlab remedies`: results.json, seeds.csv, three
 * charts (SVG + PNG) and report.md. Every number and every verdict in
 * report.md is formatted from the results object that results.json
 * serialises, and from the training times of timing.json (which vary from
 * run to run, so they stay out of results.json).
 */
import { ACTIVATIONS } from '@gradlab/nn';
import {
  BASELINE, REMEDIES, REMEDY_METRICS, remedyFigures,
  type CheckedClaim, type ClaimMetric, type RemediesResults, type RemedyMetric, type RemedyName, type RemedyRun, type RemedySummary,
} from '../experiments/remedies.js';
import { resultsJson } from '../experiments/dead-neurons.js';
import type { MetricSummary } from '../experiments/seed-summary.js';
import { reportFolder } from '../io/atomic.js';
import { REPORT_SENTENCES } from './activation-sentences.js';
import { writeChart, type ChartSpec } from './charts.js';
import { toCsv } from './csv.js';
import { formatInterval } from './dead-neurons.js';
import { fixed, percent } from './format.js';
import { markdownTable } from './markdown.js';
import { meanInterval, type MeanInterval, type PairedComparison } from './statistics.js';

/** Wall-clock training seconds per network, keyed `<remedy> seed <seed>` (timing.json's record). */
export type TrainingSeconds = Readonly<Record<string, number | undefined>>;

/** A remedy's label with what "inactive" means for its activation: "LeakyReLU α = 0.1 (dead-like)". */
export function remedyLabel(summary: Pick<RemedySummary, 'remedy' | 'inactiveMeaning'>): string {
  return `${REMEDIES[summary.remedy].label} (${summary.inactiveMeaning})`;
}

/** The remedies' colour scale, labelled as remedyLabel does. */
function colorScale(results: RemediesResults): { domain: string[]; range: string[] } {
  const summaries = results.summary.remedies;
  return { domain: summaries.map(remedyLabel), range: summaries.map((summary) => REMEDIES[summary.remedy].color) };
}

function seedsText(seeds: readonly number[]): string {
  return seeds.length === 1 ? `seed ${seeds[0]}` : `seeds ${seeds.join(', ')}`;
}

/** The charts' subtitle: the network, the training and the seeds. */
function subtitle(results: RemediesResults): string {
  const { config } = results;
  const optimizer = config.optimizer === 'adam' ? `Adam lr ${config.lr}` : `SGD lr ${config.lr}${config.momentum ? ` momentum ${config.momentum}` : ''}`;
  return `784 → ${config.depth} × ${config.width} → 10 MLP, ${optimizer}, ${config.epochs} epochs, batch ${config.batchSize}, ${seedsText(config.seeds)}; ` +
    `measured on ${results.data.measuredImages} training images`;
}

/** A summary's value with its interval as chart data (the interval collapses to the mean without one). */
function intervalValues(value: MetricSummary): { mean: number; low: number; high: number } | null {
  if (value === null) return null;
  return { mean: value.mean, low: Math.max(0, value.low ?? value.mean), high: Math.min(1, value.high ?? value.mean) };
}

/** The remedies sorted by a metric's mean (remedies without a value last, in table order). */
function rankBy(results: RemediesResults, metric: RemedyMetric, direction: 'ascending' | 'descending'): RemedySummary[] {
  const sign = direction === 'ascending' ? 1 : -1;
  return [...results.summary.remedies].sort((a, b) => {
    const x = a.metrics[metric]?.mean;
    const y = b.metrics[metric]?.mean;
    if (x === undefined || y === undefined) return (x === undefined ? 1 : 0) - (y === undefined ? 1 : 0);
    return sign * (x - y);
  });
}

/** Permanently inactive fraction per remedy, lowest first: bar at the mean, whisker at the 95% interval. */
export function permanentlyDeadChart(results: RemediesResults): ChartSpec {
  const order = rankBy(results, 'permanentlyDead', 'ascending');
  const values = order.flatMap((summary) => {
    const value = intervalValues(summary.metrics.permanentlyDead);
    return value === null ? [] : [{ label: remedyLabel(summary), ...value }];
  });
  const y = { field: 'label', type: 'nominal', title: null, sort: order.map(remedyLabel), axis: { labelLimit: 320 } };
  const color = { field: 'label', type: 'nominal', scale: colorScale(results), legend: null };
  return {
    title: {
      text: 'What keeps ReLU units alive? Permanently inactive hidden units per remedy',
      subtitle: [subtitle(results), 'bar: mean over seeds; whisker: 95% confidence interval; inactive = dead (ReLU), dead-like (leaky), saturated (smooth)'],
    },
    width: 460,
    height: Math.max(120, 24 * values.length),
    data: { values },
    layer: [
      { mark: 'bar', encoding: { y, x: { field: 'mean', type: 'quantitative', title: 'permanently inactive / all hidden units', axis: { format: '.1%' } }, color } },
      { mark: { type: 'rule', color: 'black' }, encoding: { y, x: { field: 'low', type: 'quantitative' }, x2: { field: 'high' } } },
      { mark: { type: 'text', align: 'left', dx: 4, fontSize: 10 }, encoding: { y, x: { field: 'high', type: 'quantitative' }, text: { field: 'mean', type: 'quantitative', format: '.1%' } } },
    ],
  } as ChartSpec;
}

/** Test accuracy against permanently inactive fraction, one point per remedy, with both 95% intervals as error bars. */
export function accuracyVsDeadChart(results: RemediesResults): ChartSpec {
  const values = results.summary.remedies.flatMap((summary) => {
    const dead = intervalValues(summary.metrics.permanentlyDead);
    const accuracy = intervalValues(summary.metrics.testAccuracy);
    if (dead === null || accuracy === null) return [];
    return [{
      label: remedyLabel(summary), name: REMEDIES[summary.remedy].label,
      dead: dead.mean, deadLow: dead.low, deadHigh: dead.high, accuracy: accuracy.mean, accuracyLow: accuracy.low, accuracyHigh: accuracy.high,
    }];
  });
  const x = { field: 'dead', type: 'quantitative', title: 'permanently inactive / all hidden units', axis: { format: '.1%' }, scale: { zero: true } };
  const y = { field: 'accuracy', type: 'quantitative', title: 'test accuracy', axis: { format: '.1%' }, scale: { zero: false } };
  const color = { field: 'label', type: 'nominal', title: 'remedy (inactive means)', scale: colorScale(results), legend: { labelLimit: 320, titleLimit: 320 } };
  return {
    title: { text: 'Accuracy against permanently inactive units, per remedy', subtitle: [subtitle(results), 'point: mean over seeds; error bars: 95% confidence intervals of both'] },
    width: 460,
    height: 320,
    data: { values },
    layer: [
      { mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { x: { field: 'deadLow', type: 'quantitative' }, x2: { field: 'deadHigh' }, y, color } },
      { mark: { type: 'rule', strokeWidth: 1.5 }, encoding: { x, y: { field: 'accuracyLow', type: 'quantitative' }, y2: { field: 'accuracyHigh' }, color } },
      { mark: { type: 'point', filled: true, size: 70 }, encoding: { x, y, color } },
      { mark: { type: 'text', align: 'left', dx: 6, dy: -6, fontSize: 9 }, encoding: { x, y, text: { field: 'name' } } },
    ],
  } as ChartSpec;
}

/** Per hidden layer and remedy: inactive after the last epoch and permanently inactive, means over seeds. */
export function deathByLayerChart(results: RemediesResults): ChartSpec {
  const measures = [
    { name: 'inactive after the last epoch', pick: (layer: RemedySummary['layers'][number]) => layer.inactiveAtEnd },
    { name: 'permanently inactive', pick: (layer: RemedySummary['layers'][number]) => layer.permanentlyDead },
  ];
  const values = results.summary.remedies.flatMap((summary) => summary.layers.flatMap((layer) => measures.flatMap((measure) => {
    const value = measure.pick(layer);
    return value === null ? [] : [{ label: remedyLabel(summary), layer: layer.layer, measure: measure.name, fraction: value.mean, shown: percent(value.mean) }];
  })));
  const maxLayers = Math.max(1, ...results.summary.remedies.map((summary) => summary.layers.length));
  const y = { field: 'label', type: 'nominal', title: null, sort: colorScale(results).domain, axis: { labelLimit: 320 } };
  return {
    title: { text: 'Inactive units per hidden layer, per remedy', subtitle: [subtitle(results), `cell: fraction of the layer's units, mean over ${seedsText(results.config.seeds)}; layer 1 is nearest the input`] },
    data: { values },
    facet: { column: { field: 'measure', type: 'nominal', title: null, sort: measures.map((measure) => measure.name), header: { labelFontSize: 13 } } },
    spec: {
      width: Math.max(200, 34 * maxLayers),
      height: 22 * results.summary.remedies.length,
      layer: [
        {
          mark: 'rect',
          encoding: {
            x: { field: 'layer', type: 'ordinal', title: 'hidden layer', axis: { labelAngle: 0 } },
            y,
            color: { field: 'fraction', type: 'quantitative', title: 'fraction', scale: { domain: [0, 0.5], clamp: true, range: ['#ffffff', '#a50f15'], interpolate: 'rgb' }, legend: { format: '.0%' } },
          },
        },
        {
          mark: { type: 'text', fontSize: 7 },
          encoding: {
            x: { field: 'layer', type: 'ordinal' },
            y,
            text: { field: 'shown' },
            color: { condition: { test: 'datum.fraction > 0.3', value: 'white' }, value: 'black' },
          },
        },
      ],
    },
  } as ChartSpec;
}

/** The chart files of the report, by base name. */
export const REMEDY_CHARTS = {
  'remedies-permanently-dead': permanentlyDeadChart,
  'remedies-accuracy-vs-dead': accuracyVsDeadChart,
  'remedies-death-by-layer': deathByLayerChart,
} as const satisfies Record<string, (results: RemediesResults) => ChartSpec>;

/** seeds.csv: one row per network (remedy and seed) with the figures the summary averages. */
export function remediesSeedsCsv(results: RemediesResults): string {
  return toCsv(results.runs.map((run) => ({ ...remedyFigures(run), activation: run.activation })), ['remedy', 'activation', 'seed', 'diverged', ...REMEDY_METRICS]);
}

const METRIC_TITLES: Readonly<Record<RemedyMetric, string>> = {
  inactiveAtEnd: 'inactive after the last epoch',
  permanentlyDead: 'permanently inactive',
  revived: 'revived',
  testAccuracy: 'test accuracy',
  trainLoss: 'training loss',
  testLoss: 'test loss',
};

/** How a metric's values and differences are shown. */
const IS_FRACTION: Readonly<Record<RemedyMetric, boolean>> = {
  inactiveAtEnd: true, permanentlyDead: true, revived: true, testAccuracy: true, trainLoss: false, testLoss: false,
};

/** A paired difference as report.md shows it: "−1.6 [−2.0, −1.2] points, p = 0.0012". */
function differenceText(metric: RemedyMetric, test: PairedComparison): string {
  const p = test.tTestP === null ? 'no p-value: every pair differs by the same amount' : `p = ${fixed(test.tTestP, 4)}`;
  return `${formatInterval(test.difference, IS_FRACTION[metric] ? 'difference' : 'number')}, ${p}`;
}

/** A short citation of a source: its authors and year, e.g. "Lu, Shin, Su & Karniadakis (2020)". */
function shortSource(source: string): string {
  const cited = /^([^(]*?) \((\d{4})\)/.exec(source);
  return cited === null ? source : `${cited[1]} ${cited[2]}`;
}

/** What "permanently inactive" is for a remedy's activation, when it is not death. */
function meaningCaveat(summary: RemedySummary): string {
  if (summary.inactiveMeaning === 'dead') return '';
  if (summary.inactiveMeaning === 'dead-like') {
    return ` Its inactive units are dead-like: their input is never positive, yet they pass ${REMEDIES[summary.remedy].negativeSlope} × the gradient, so they are not dead in ReLU's sense.`;
  }
  return ' Its inactive units are saturated in the flat left tail of its activation, where almost no gradient passes; that is not ReLU\'s exact zero.';
}

/** The reading of one checked claim: what the source says, what was measured, and whether they agree. */
export function claimSentence(results: RemediesResults, claim: CheckedClaim): string {
  const summary = results.summary.remedies.find((entry) => entry.remedy === claim.remedy)!;
  const baseline = results.summary.remedies.find((entry) => entry.remedy === BASELINE)!;
  const metric: ClaimMetric = claim.metric;
  const as = IS_FRACTION[metric] ? 'fraction' : 'number';
  const comparison = results.summary.comparisons.find((entry) => entry.remedy === claim.remedy && entry.metric === metric);
  const measured = `${METRIC_TITLES[metric]} ${formatInterval(summary.metrics[metric], as)} against the baseline's ${formatInterval(baseline.metrics[metric], as)}`;
  const difference = comparison?.test ? `; paired by seed, ${differenceText(metric, comparison.test)}` : '';
  const verdict = {
    agrees: `**agrees** with the claim: ${claim.direction} than the baseline, significantly at 5%`,
    disagrees: `**disagrees** with the claim: significantly ${claim.direction === 'lower' ? 'higher' : 'lower'} than the baseline at 5%, the opposite of what it says`,
    'no significant difference': `**does not show** the claim: no significant difference from the baseline at 5% over ${quantitySeeds(comparison?.seeds.length ?? 0)}`,
    untested: '**cannot test** the claim: fewer than two seeds where both finished',
  }[claim.verdict];
  return `**${REMEDIES[claim.remedy].label}** (${shortSource(REMEDIES[claim.remedy].source)}) says ${claim.statement}. ` +
    `Measured: ${measured}${difference}. This run ${verdict}.${metric === 'permanentlyDead' || metric === 'inactiveAtEnd' ? meaningCaveat(summary) : ''}`;
}

function quantitySeeds(count: number): string {
  return `${count} seed${count === 1 ? '' : 's'}`;
}

/** Spearman's rank correlation of two orderings of the same items (1: the same order, −1: reversed). */
function spearman(a: readonly string[], b: readonly string[]): number | null {
  const n = a.length;
  if (n < 2) return null;
  const sumOfSquares = a.reduce((sum, item, index) => sum + (index - b.indexOf(item)) ** 2, 0);
  return 1 - (6 * sumOfSquares) / (n * (n * n - 1));
}

/** The ranking table and the sentence on where the rankings disagree. */
function rankings(results: RemediesResults): { rows: string[][]; reading: string } {
  const byDeath = rankBy(results, 'permanentlyDead', 'ascending').map((summary) => summary.remedy);
  const byAccuracy = rankBy(results, 'testAccuracy', 'descending').map((summary) => summary.remedy);
  const rows = byDeath.map((remedy, index) => {
    const summary = results.summary.remedies.find((entry) => entry.remedy === remedy)!;
    const accuracyRank = byAccuracy.indexOf(remedy) + 1;
    return [
      String(index + 1), remedyLabel(summary), formatInterval(summary.metrics.permanentlyDead, 'fraction'),
      String(accuracyRank), formatInterval(summary.metrics.testAccuracy, 'fraction'), String(accuracyRank - (index + 1)),
    ];
  });
  const apart = byDeath
    .map((remedy, index) => ({ remedy, death: index + 1, accuracy: byAccuracy.indexOf(remedy) + 1 }))
    .filter((entry) => Math.abs(entry.death - entry.accuracy) >= 3);
  const rho = spearman(byDeath, byAccuracy);
  const correlation = rho === null ? '' : `Spearman's rank correlation between the two orders is ${fixed(rho, 2)} (1 would be the same order). `;
  const where = apart.length === 0
    ? 'No remedy is three or more places apart in the two rankings.'
    : `Three or more places apart: ${apart.map((entry) => `${REMEDIES[entry.remedy].label} (${ordinal(entry.death)} on death, ${ordinal(entry.accuracy)} on accuracy)`).join('; ')}.`;
  return { rows, reading: `${correlation}${where} Ranks are by the means, equal means in the table's order; neighbouring ranks whose intervals overlap are not told apart by this many seeds.` };
}

function ordinal(rank: number): string {
  const suffix = rank % 100 >= 11 && rank % 100 <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[rank % 10] ?? 'th';
  return `${rank}${suffix}`;
}

/** Training seconds per remedy over seeds, from timing.json's record; null where none was timed. */
function secondsOf(results: RemediesResults, remedy: RemedyName, seconds: TrainingSeconds): MeanInterval | null {
  const values = results.config.seeds.map((seed) => seconds[`${remedy} seed ${seed}`]).filter((value): value is number => value !== undefined);
  return values.length === 0 ? null : meanInterval(values);
}

/** The heading of the summary table, shared with the tests that read it back. */
export const REMEDIES_SUMMARY_HEADING = '## Summary';

/**
 * report.md, from the results, the training times and the command that made them.
 *
 * @example
 * writeOutputFile('report.md', remediesMarkdown(results, 'gradlab remedies', timing.trainingSecondsPerNetwork));
 */
export function remediesMarkdown(results: RemediesResults, command: string, seconds: TrainingSeconds): string {
  const { config } = results;
  const summaries = results.summary.remedies;
  const context = (remedy: RemedyName) => ({
    alpha: REMEDIES[remedy].negativeSlope ?? 0, saturationEps: config.saturationEps, depth: config.depth, measuredImages: results.data.measuredImages,
  });
  const summaryRows = summaries.map((summary) => [
    REMEDIES[summary.remedy].label,
    summary.inactiveMeaning,
    String(summary.seeds.length),
    formatInterval(summary.metrics.inactiveAtEnd, 'fraction'),
    formatInterval(summary.metrics.permanentlyDead, 'fraction'),
    formatInterval(summary.metrics.revived, 'fraction'),
    formatInterval(summary.metrics.testAccuracy, 'fraction'),
    formatInterval(summary.metrics.trainLoss, 'number'),
    formatInterval(summary.metrics.testLoss, 'number'),
    initialStd(results, summary.remedy),
    formatSeconds(secondsOf(results, summary.remedy, seconds)),
    summary.divergedSeeds.length === 0 ? 'none' : seedsText(summary.divergedSeeds),
  ]);
  const comparisonRows = results.summary.comparisons.map((comparison) => {
    const { test } = comparison;
    return [
      `${REMEDIES[comparison.remedy].label} − baseline`,
      METRIC_TITLES[comparison.metric],
      String(comparison.seeds.length),
      test === null ? '–' : formatInterval(test.difference, IS_FRACTION[comparison.metric] ? 'difference' : 'number'),
      test?.tTestP === null || test === null ? '–' : fixed(test.tTestP, 4),
      test?.wilcoxonP === null || test === null ? '–' : fixed(test.wilcoxonP, 4),
      test === null ? '–' : test.significant ? 'yes' : 'no',
    ];
  });
  const claimRows = results.summary.claims.map((claim) => [REMEDIES[claim.remedy].label, claim.statement, METRIC_TITLES[claim.metric], claim.verdict]);
  const depth = Math.max(0, ...summaries.map((summary) => summary.layers.length));
  const layerRows = summaries.map((summary) => [
    REMEDIES[summary.remedy].label,
    ...Array.from({ length: depth }, (_, index) => {
      const layer = summary.layers[index];
      return layer?.permanentlyDead ? percent(layer.permanentlyDead.mean) : '–';
    }),
  ]);
  const revivedRows = summaries.map((summary) => [
    REMEDIES[summary.remedy].label,
    ...Array.from({ length: depth }, (_, index) => {
      const layer = summary.layers[index];
      return layer?.revived ? percent(layer.revived.mean) : '–';
    }),
  ]);
  const ranking = rankings(results);
  const optimizer = config.optimizer === 'adam' ? `Adam (lr ${config.lr})` : `SGD (lr ${config.lr}, momentum ${config.momentum})`;
  const meanings = [...new Set(summaries.map((summary) => summary.activation))];
  return [
    `# What keeps ReLU units alive? ${summaries.length} remedies side by side, ${quantitySeeds(config.seeds.length)}`,
    '',
    `Made by \`${command}\`. The numbers below are formatted from \`results.json\` in this folder, the training times from \`timing.json\`; ` +
      '`seeds.csv` has each network\'s figures.',
    '',
    `- Network: 784 → ${config.depth} hidden layers of ${config.width} → 10; each remedy changes one thing against the baseline (below)`,
    `- Training: ${optimizer}, batch ${config.batchSize}, ${config.epochs} epochs, ${seedsText(config.seeds)}. The networks of one seed draw their Dense weights from the same stream ` +
      '(the same weights wherever the architecture allows) and see the same batches in the same order',
    `- Data: ${results.data.source}, ${results.data.trainSize} training / ${results.data.testSize} test images; units measured on the first ${results.data.measuredImages} training images, ` +
      (config.measureEvery > 0 ? `every ${config.measureEvery} training steps and at the end of every epoch` : 'at the end of every epoch'),
    '- Statistics: mean [95% confidence interval] over seeds (Student\'s t, n − 1 degrees of freedom; intervals of fractions cut at 0% and 100%); every remedy is compared with the baseline ' +
      'seed by seed (differences in percentage points) with a two-sided paired t-test at 5%, the exact Wilcoxon signed-rank p-value beside it',
    '',
    '## The remedies',
    '',
    markdownTable(['Remedy', 'What changes against the baseline', 'Source'], summaries.map((summary) => [REMEDIES[summary.remedy].label, REMEDIES[summary.remedy].change, REMEDIES[summary.remedy].source])),
    '',
    '## What the measurements say about each claim',
    '',
    ...(results.summary.claims.length === 0 ? ['No remedy with a claim was run.'] : results.summary.claims.map((claim) => `- ${claimSentence(results, claim)}`)),
    '',
    markdownTable(['Remedy', 'Claim', 'Measured by', 'This run'], claimRows),
    '',
    '![Permanently inactive units per remedy](remedies-permanently-dead.png)',
    '',
    '## Rankings',
    '',
    ranking.reading,
    '',
    markdownTable(['Rank by permanently inactive (fewest first)', 'Remedy (inactive means)', 'Permanently inactive', 'Rank by test accuracy', 'Test accuracy', 'Places apart'], ranking.rows),
    '',
    '![Accuracy against permanently inactive units](remedies-accuracy-vs-dead.png)',
    '',
    REMEDIES_SUMMARY_HEADING,
    '',
    markdownTable(
      ['Remedy', 'Inactive means', 'Seeds', 'Inactive at end (snapshot)', 'Permanently inactive', 'Revived', 'Test accuracy', 'Train loss', 'Test loss', 'Activation std at init, layer 1 → last', 'Training time per network', 'Diverged'],
      summaryRows,
    ),
    '',
    `Training time: wall-clock seconds of each network in its worker thread, with the others training beside it on the same cores, so it compares remedies only roughly.`,
    '',
    '## Compared with the baseline, paired by seed',
    '',
    markdownTable(['Difference', 'Metric', 'Pairs', 'Mean difference [95% CI]', 'p (paired t)', 'p (Wilcoxon, exact)', 'Significant at 5%'], comparisonRows),
    '',
    '## Per layer',
    '',
    'Permanently inactive units per hidden layer (layer 1 nearest the input), mean over seeds:',
    '',
    markdownTable(['Remedy', ...Array.from({ length: depth }, (_, index) => `L${index + 1}`)], layerRows),
    '',
    'Revived units per hidden layer (revived / ever inactive), mean over seeds:',
    '',
    markdownTable(['Remedy', ...Array.from({ length: depth }, (_, index) => `L${index + 1}`)], revivedRows),
    '',
    '![Inactive units per hidden layer, per remedy](remedies-death-by-layer.png)',
    '',
    '## Definitions',
    '',
    '- **Inactive at a snapshot**, measured with `measureActivations` from @gradlab/nn on the measured training images with gradients off (BatchNorm with its running statistics):',
    ...meanings.map((activation) => {
      const remedy = summaries.find((summary) => summary.activation === activation)!.remedy;
      return `  - ${REPORT_SENTENCES[activation].definition(context(remedy))}`;
    }),
    '- **Permanently inactive:** inactive at every measurement from its first inactive one to the last of the run. Remedies are ranked on this fraction, whatever their activation calls inactive: read it with the meaning beside it.',
    '- **Revived:** inactive at one measurement and active at a later one; the fraction is the units that revived at least once over the units ever inactive.',
    `- **Verdicts:** a claim "agrees" when the remedy's figure differs from the baseline's in the claimed direction with p < 0.05 (paired t-test over the seeds), "disagrees" when it differs the other way with p < 0.05, and "does not show" otherwise; with ${quantitySeeds(config.seeds.length)} a small effect can go unseen.`,
    `- Activations: ${meanings.map((activation) => ACTIVATIONS[activation].label).join(', ')}, from nn's activation table.`,
    '',
  ].join('\n');
}

/** The std of the first and the last hidden layer's outputs at initialisation, means over seeds: how the signal grows or shrinks with depth. */
function initialStd(results: RemediesResults, remedy: RemedyName): string {
  const runs = results.runs.filter((run) => run.remedy === remedy);
  const meanOf = (pick: (layers: RemedyRun['epochs'][number]['layers']) => number | undefined): number =>
    runs.reduce((sum, run) => sum + (pick(run.epochs[0]!.layers) ?? 0), 0) / Math.max(1, runs.length);
  return `${fixed(meanOf((layers) => layers[0]?.std), 2)} → ${fixed(meanOf((layers) => layers[layers.length - 1]?.std), 2)}`;
}

function formatSeconds(value: MeanInterval | null): string {
  if (value === null) return '–';
  if (value.low === null || value.high === null) return `${value.mean.toFixed(1)} s`;
  return `${value.mean.toFixed(1)} s [${value.low.toFixed(1)}, ${value.high.toFixed(1)}]`;
}

/**
 * Writes the report folder (results.json, seeds.csv, the charts, report.md)
 * and returns the paths written, in order.
 *
 * @example
 * const files = await writeRemediesReport(results, 'reports/remedies', 'gradlab remedies', timing.trainingSecondsPerNetwork);
 */
export async function writeRemediesReport(results: RemediesResults, outDir: string, command: string, seconds: TrainingSeconds): Promise<string[]> {
  const { written, write } = reportFolder(outDir);
  write('results.json', resultsJson(results));
  write('seeds.csv', remediesSeedsCsv(results));
  for (const [name, build] of Object.entries(REMEDY_CHARTS)) written.push(...(await writeChart(outDir, name, build(results))));
  write('report.md', remediesMarkdown(results, command, seconds));
  return written;
}
