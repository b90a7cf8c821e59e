/**
 * `gradlab report`: aggregates sweep records over seeds (mean, standard
 * deviation and 95% confidence interval) into summary.json, summary.csv,
 * charts and report.md, and compares the activations of each grid point seed
 * by seed (paired t-test, exact Wilcoxon signed-rank p beside it), as the
 * dead-neurons report does.
 */
import { ACTIVATIONS, activationLabel, isActivationKind } from '@gradlab/nn';
import type { SweepRecord } from '../experiments/sweep.js';
import { reportFolder } from '../io/atomic.js';
import { activationColor, writeChart, type ChartSpec } from './charts.js';
import { toCsv } from './csv.js';
import { formatInterval } from './dead-neurons.js';
import { fixed } from './format.js';
import { markdownTable } from './markdown.js';
import { meanInterval, pairedComparison, type MeanInterval, type PairedComparison } from './statistics.js';

/** A metric over a group's seeds: mean, sample std and 95% t-interval (NaN mean and null ends when no seed finished). */
export type SweepMetric = MeanInterval;

function metricOver(values: readonly number[]): SweepMetric {
  return values.length === 0 ? { n: 0, mean: NaN, std: NaN, low: null, high: null } : meanInterval(values);
}

/** One grid point with its seeds pooled. */
export interface SweepGroup {
  readonly activation: string;
  readonly depth: number;
  readonly width: number;
  readonly lr: number;
  /** LeakyReLU/PReLU slope; null for activations without one. */
  readonly alpha: number | null;
  /** Seeds that finished without diverging. */
  readonly seeds: number[];
  /** Seeds whose training diverged (their numbers are left out of the means). */
  readonly divergedSeeds: number[];
  readonly inactiveMeaning: string;
  readonly inactiveFraction: SweepMetric;
  readonly testAccuracy: SweepMetric;
  readonly trainLoss: SweepMetric;
}

/** Two activations of one grid point (same depth, width, lr and settings) compared seed by seed: b − a. */
export interface SweepComparison {
  readonly depth: number;
  readonly width: number;
  readonly lr: number;
  /** groupLabel of each side, e.g. "ReLU" and "Leaky ReLU α=0.01". */
  readonly a: string;
  readonly b: string;
  readonly metric: 'inactiveFraction' | 'testAccuracy';
  /** Seeds where both finished. */
  readonly seeds: readonly number[];
  /** Null with fewer than two pairs. */
  readonly test: PairedComparison | null;
}

/**
 * Removes repeated ids (the same run in two files) keeping the first, and
 * groups by grid point without the seed, in a stable order.
 */
export function aggregate(records: readonly SweepRecord[]): { groups: SweepGroup[]; comparisons: SweepComparison[]; runs: number; duplicates: number } {
  const unique = new Map<string, SweepRecord>();
  let duplicates = 0;
  for (const record of records) {
    if (unique.has(record.id)) duplicates++;
    else unique.set(record.id, record);
  }
  const byPoint = new Map<string, SweepRecord[]>();
  // The settings shared by the groups of one grid point, whose activations are compared.
  const sharedKey = (record: SweepRecord): string => {
    const { config } = record;
    return JSON.stringify([record.depth, record.width, record.lr, config.epochs, config.optimizer, config.batchSize, config.init, record.data]);
  };
  for (const record of unique.values()) {
    const hasAlpha = hasSlope(record.activation);
    // The id's hash covers everything but the seed only through the config; group on the visible grid axes plus the shared settings.
    const key = JSON.stringify([record.activation, hasAlpha ? record.alpha : null, sharedKey(record)]);
    const list = byPoint.get(key) ?? [];
    list.push(record);
    byPoint.set(key, list);
  }
  const groups = [...byPoint.values()].map((list): SweepGroup => {
    const first = list[0]!;
    const hasAlpha = hasSlope(first.activation);
    const finished = list.filter((record) => record.diverged === null).sort((a, b) => a.seed - b.seed);
    return {
      activation: first.activation,
      depth: first.depth,
      width: first.width,
      lr: first.lr,
      alpha: hasAlpha ? first.alpha : null,
      seeds: finished.map((record) => record.seed),
      divergedSeeds: list.filter((record) => record.diverged !== null).map((record) => record.seed).sort((a, b) => a - b),
      inactiveMeaning: first.inactiveMeaning,
      inactiveFraction: metricOver(finished.map((record) => record.final.inactiveFraction)),
      testAccuracy: metricOver(finished.map((record) => record.final.testAccuracy)),
      trainLoss: metricOver(finished.map((record) => record.final.trainLoss)),
    };
  });
  groups.sort((a, b) =>
    a.activation.localeCompare(b.activation) || a.depth - b.depth || a.width - b.width || a.lr - b.lr || (a.alpha ?? 0) - (b.alpha ?? 0));

  // Pairs of groups at one grid point, in the groups' order, compared on the seeds both finished.
  const lists = [...byPoint.values()].map((list) => list.filter((record) => record.diverged === null));
  const labelOf = (record: SweepRecord): string => groupLabel({ activation: record.activation, alpha: record.activation === 'leaky-relu' || record.activation === 'prelu' ? record.alpha : null });
  const ordered = groups.map((group) => lists.find((list) => list.length > 0 && labelOf(list[0]!) === groupLabel(group) && list[0]!.depth === group.depth && list[0]!.width === group.width && list[0]!.lr === group.lr) ?? []);
  const comparisons: SweepComparison[] = [];
  ordered.forEach((first, i) => ordered.slice(i + 1).forEach((second) => {
    if (first.length === 0 || second.length === 0 || sharedKey(first[0]!) !== sharedKey(second[0]!)) return;
    for (const metric of ['inactiveFraction', 'testAccuracy'] as const) {
      const pairs = first.flatMap((record) => {
        const other = second.find((candidate) => candidate.seed === record.seed);
        return other === undefined ? [] : [{ seed: record.seed, a: record.final[metric], b: other.final[metric] }];
      }).sort((x, y) => x.seed - y.seed);
      comparisons.push({
        depth: first[0]!.depth, width: first[0]!.width, lr: first[0]!.lr, a: labelOf(first[0]!), b: labelOf(second[0]!), metric,
        seeds: pairs.map((pair) => pair.seed),
        test: pairs.length < 2 ? null : pairedComparison(pairs.map((pair) => pair.a), pairs.map((pair) => pair.b)),
      });
    }
  }));
  return { groups, comparisons, runs: unique.size, duplicates };
}

/** Whether the records of this activation are told apart by alpha (activations with a slope in the activation table). */
function hasSlope(activation: string): boolean {
  return isActivationKind(activation) && ACTIVATIONS[activation].slope !== null;
}

/** "ReLU" or "Leaky ReLU α=0.1": the series name in charts and tables. */
export function groupLabel(group: Pick<SweepGroup, 'activation' | 'alpha'>): string {
  const title = activationLabel(group.activation);
  return group.alpha === null ? title : `${title} α=${group.alpha}`;
}

/**
 * A group's metric as report.md shows it: mean [95% interval] (formatInterval), "–" when no seed finished.
 *
 * @example
 * formatSweepMetric(group.inactiveFraction, true); // "16.6% [14.1%, 19.1%]"
 */
export function formatSweepMetric(value: SweepMetric, asPercent: boolean): string {
  return value.n === 0 ? '–' : formatInterval(value, asPercent ? 'fraction' : 'number');
}

function metricChart(groups: readonly SweepGroup[], metric: 'inactiveFraction' | 'testAccuracy', title: string, yTitle: string): ChartSpec {
  const values = groups.filter((group) => !Number.isNaN(group[metric].mean)).map((group) => ({
    label: groupLabel(group),
    activation: group.activation,
    lr: group.lr,
    depth: `depth ${group.depth}`,
    depthOrder: group.depth,
    width: `width ${group.width}`,
    widthOrder: group.width,
    mean: group[metric].mean,
    low: Math.max(0, group[metric].low ?? group[metric].mean),
    high: Math.min(1, group[metric].high ?? group[metric].mean),
  }));
  const labels = [...new Set(values.map((value) => value.label))];
  const colors = labels.map((label) => {
    const group = groups.find((entry) => groupLabel(entry) === label)!;
    return activationColor(group.activation);
  });
  const multipleAlphas = new Set(groups.filter((group) => group.alpha !== null).map((group) => group.alpha)).size > 1;
  const color = { field: 'label', type: 'nominal', title: 'activation', scale: { domain: labels, ...(multipleAlphas ? {} : { range: colors }) }, legend: { labelLimit: 300 } };
  const x = { field: 'lr', type: 'quantitative', title: 'learning rate', scale: { type: 'log' } };
  const depths = [...new Set(groups.map((group) => group.depth))].sort((a, b) => a - b).map((depth) => `depth ${depth}`);
  const widths = [...new Set(groups.map((group) => group.width))].sort((a, b) => a - b).map((width) => `width ${width}`);
  return {
    title: { text: title, subtitle: 'mean over seeds with its 95% confidence interval (Student\'s t); diverged runs left out' },
    data: { values },
    facet: {
      column: { field: 'depth', type: 'nominal', sort: depths, title: null, header: { labelFontSize: 12 } },
      row: { field: 'width', type: 'nominal', sort: widths, title: null, header: { labelFontSize: 12 } },
    },
    spec: {
      width: 220,
      height: 170,
      layer: [
        { mark: { type: 'line', point: true }, encoding: { x, y: { field: 'mean', type: 'quantitative', title: yTitle, axis: { format: '.0%' }, scale: { domain: [0, 1] } }, color } },
        { mark: { type: 'errorbar', ticks: true }, encoding: { x, y: { field: 'low', type: 'quantitative', title: yTitle }, y2: { field: 'high' }, color } },
      ],
    },
  } as ChartSpec;
}

/** The heading above the summary table; tests read the table back. */
export const SWEEP_TABLE_HEADING = '## Mean [95% confidence interval] over seeds';

/** The heading above the comparisons table. */
export const SWEEP_COMPARISONS_HEADING = '## Activations compared, paired by seed';

/** The runs a sweep's folder lacks, for report.md: how many its grid has, and each missing one with its shard. */
export interface MissingRuns {
  readonly gridRuns: number;
  readonly lines: readonly string[];
}

/** The heading above the list of missing runs (only when some are missing). */
export const SWEEP_MISSING_HEADING = '## Missing runs';

/** report.md of a sweep; `missing` lists the runs of the folder's grid that no file holds. */
export function sweepMarkdown(
  groups: readonly SweepGroup[], comparisons: readonly SweepComparison[], sources: readonly string[], runs: number, duplicates: number,
  missing: MissingRuns = { gridRuns: runs, lines: [] },
): string {
  const missingSection = missing.lines.length === 0 ? [] : [
    SWEEP_MISSING_HEADING,
    '',
    `${missing.lines.length} of the ${missing.gridRuns} runs of the folder's grid (sweep.json) are in no results file yet, so the tables below leave them out. ` +
      'Run their shards (`gradlab sweep --status` prints how), then `gradlab report` again.',
    '',
    ...missing.lines.map((line) => `- ${line}`),
    '',
  ];
  const rows = groups.map((group) => [
    groupLabel(group),
    String(group.depth),
    String(group.width),
    String(group.lr),
    `${group.seeds.length}`,
    group.divergedSeeds.length === 0 ? '0' : `${group.divergedSeeds.length} (seeds ${group.divergedSeeds.join(', ')})`,
    `${group.inactiveMeaning} ${formatSweepMetric(group.inactiveFraction, true)}`,
    formatSweepMetric(group.testAccuracy, true),
    formatSweepMetric(group.trainLoss, false),
  ]);
  const comparisonRows = comparisons.map((comparison) => {
    const { test } = comparison;
    return [
      String(comparison.depth), String(comparison.width), String(comparison.lr),
      `${comparison.b} − ${comparison.a}`,
      comparison.metric === 'inactiveFraction' ? 'inactive' : 'test accuracy',
      String(comparison.seeds.length),
      test === null ? '–' : formatInterval(test.difference, 'difference'),
      test === null || test.tTestP === null ? '–' : fixed(test.tTestP, 4),
      test === null || test.wilcoxonP === null ? '–' : fixed(test.wilcoxonP, 4),
      test === null ? '–' : test.significant ? 'yes' : 'no',
    ];
  });
  return [
    '# Sweep report',
    '',
    `Aggregated by \`gradlab report\` from ${sources.map((source) => `\`${source}\``).join(', ')}: ${runs} runs` +
      (duplicates > 0 ? ` (${duplicates} repeated lines ignored)` : '') + '. Numbers are after the last epoch of each run, over seeds: ' +
      'the mean with its 95% confidence interval from Student\'s t distribution (intervals of fractions cut at 0% and 100%; summary.csv also has the standard deviations).',
    '',
    'Inactive means dead units for ReLU, dead-like units for LeakyReLU and saturated units for Sigmoid (see docs/experiments.md).',
    '',
    ...missingSection,
    SWEEP_TABLE_HEADING,
    '',
    markdownTable(['Activation', 'Depth', 'Width', 'LR', 'Seeds', 'Diverged', 'Inactive (mean [95% CI])', 'Test accuracy', 'Train loss'], rows),
    '',
    SWEEP_COMPARISONS_HEADING,
    '',
    'The activations of one grid point, seed by seed (differences in percentage points), with a two-sided paired t-test at 5% and the exact Wilcoxon signed-rank p-value beside it.',
    '',
    comparisonRows.length === 0 ? 'No grid point has two activations to compare.' : markdownTable(
      ['Depth', 'Width', 'LR', 'Difference', 'Metric', 'Pairs', 'Mean difference [95% CI]', 'p (paired t)', 'p (Wilcoxon, exact)', 'Significant at 5%'], comparisonRows),
    '',
    '![Inactive units against learning rate](sweep-inactive.png)',
    '',
    '![Test accuracy against learning rate](sweep-accuracy.png)',
    '',
  ].join('\n');
}

/** The files `writeSweepReport` writes into its folder (gradlab report refuses an input among them). */
export const SWEEP_REPORT_FILES = [
  'summary.json', 'summary.csv', 'sweep-inactive.svg', 'sweep-inactive.png', 'sweep-accuracy.svg', 'sweep-accuracy.png', 'report.md',
] as const;

/** Writes summary.json, summary.csv, two charts and report.md into `outDir` (SWEEP_REPORT_FILES); report.md lists `missing` runs. */
export async function writeSweepReport(records: readonly SweepRecord[], sources: readonly string[], outDir: string, missing?: MissingRuns): Promise<string[]> {
  const { groups, comparisons, runs, duplicates } = aggregate(records);
  const { written, write } = reportFolder(outDir);
  write('summary.json', `${JSON.stringify({ runs, duplicates, groups, comparisons }, null, 2)}\n`);
  write('summary.csv', toCsv(groups.map((group) => ({
    activation: group.activation, depth: group.depth, width: group.width, lr: group.lr, alpha: group.alpha,
    seeds: group.seeds.length, diverged: group.divergedSeeds.length, inactiveMeaning: group.inactiveMeaning,
    inactiveFractionMean: group.inactiveFraction.mean, inactiveFractionStd: group.inactiveFraction.std,
    inactiveFractionLow: group.inactiveFraction.low, inactiveFractionHigh: group.inactiveFraction.high,
    testAccuracyMean: group.testAccuracy.mean, testAccuracyStd: group.testAccuracy.std,
    testAccuracyLow: group.testAccuracy.low, testAccuracyHigh: group.testAccuracy.high,
    trainLossMean: group.trainLoss.mean, trainLossStd: group.trainLoss.std,
    trainLossLow: group.trainLoss.low, trainLossHigh: group.trainLoss.high,
  })), [
    'activation', 'depth', 'width', 'lr', 'alpha', 'seeds', 'diverged', 'inactiveMeaning', 'inactiveFractionMean', 'inactiveFractionStd', 'inactiveFractionLow', 'inactiveFractionHigh',
    'testAccuracyMean', 'testAccuracyStd', 'testAccuracyLow', 'testAccuracyHigh', 'trainLossMean', 'trainLossStd', 'trainLossLow', 'trainLossHigh',
  ]));
  written.push(...(await writeChart(outDir, 'sweep-inactive', metricChart(groups, 'inactiveFraction', 'Inactive hidden units after training', 'inactive fraction'))));
  written.push(...(await writeChart(outDir, 'sweep-accuracy', metricChart(groups, 'testAccuracy', 'Test accuracy after training', 'test accuracy'))));
  write('report.md', sweepMarkdown(groups, comparisons, sources, runs, duplicates, missing));
  return written;
}
