/**
 * `gradlab report`: aggregates sweep records over seeds (mean ± standard
 * deviation) into summary.json, summary.csv, charts and report.md.
 */
import { ACTIVATIONS, activationLabel, isActivationKind } from '@gradlab/nn';
import type { SweepRecord } from '../experiments/sweep.js';
import { reportFolder } from '../io/atomic.js';
import { activationColor, writeChart, type ChartSpec } from './charts.js';
import { toCsv } from './csv.js';
import { fixed, percent } from './format.js';
import { markdownTable } from './markdown.js';
import { meanStd, type MeanStd } from './statistics.js';

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
  readonly inactiveFraction: MeanStd;
  readonly testAccuracy: MeanStd;
  readonly trainLoss: MeanStd;
}

/**
 * Removes repeated ids (the same run in two files) keeping the first, and
 * groups by grid point without the seed, in a stable order.
 */
export function aggregate(records: readonly SweepRecord[]): { groups: SweepGroup[]; runs: number; duplicates: number } {
  const unique = new Map<string, SweepRecord>();
  let duplicates = 0;
  for (const record of records) {
    if (unique.has(record.id)) duplicates++;
    else unique.set(record.id, record);
  }
  const byPoint = new Map<string, SweepRecord[]>();
  for (const record of unique.values()) {
    const hasAlpha = hasSlope(record.activation);
    // The id's hash covers everything but the seed only through the config; group on the visible grid axes plus the shared settings.
    const { seed: _seed, ...configWithoutSeed } = record.config;
    const key = JSON.stringify([record.activation, record.depth, record.width, record.lr, hasAlpha ? record.alpha : null, configWithoutSeed.epochs, configWithoutSeed.optimizer, configWithoutSeed.batchSize, configWithoutSeed.init, record.data]);
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
      inactiveFraction: meanStd(finished.map((record) => record.final.inactiveFraction)),
      testAccuracy: meanStd(finished.map((record) => record.final.testAccuracy)),
      trainLoss: meanStd(finished.map((record) => record.final.trainLoss)),
    };
  });
  groups.sort((a, b) =>
    a.activation.localeCompare(b.activation) || a.depth - b.depth || a.width - b.width || a.lr - b.lr || (a.alpha ?? 0) - (b.alpha ?? 0));
  return { groups, runs: unique.size, duplicates };
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

/** Mean ± std as report.md shows it: percentages for fractions, 4 decimals for losses. */
export function formatMeanStd(value: MeanStd, asPercent: boolean): string {
  if (Number.isNaN(value.mean)) return '–';
  return asPercent ? `${percent(value.mean)} ± ${percent(value.std)}` : `${fixed(value.mean, 4)} ± ${fixed(value.std, 4)}`;
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
    low: Math.max(0, group[metric].mean - group[metric].std),
    high: Math.min(1, group[metric].mean + group[metric].std),
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
    title: { text: title, subtitle: 'mean ± standard deviation over seeds; diverged runs left out' },
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
export const SWEEP_TABLE_HEADING = '## Mean ± std over seeds';

/** report.md of a sweep. */
export function sweepMarkdown(groups: readonly SweepGroup[], sources: readonly string[], runs: number, duplicates: number): string {
  const rows = groups.map((group) => [
    groupLabel(group),
    String(group.depth),
    String(group.width),
    String(group.lr),
    `${group.seeds.length}`,
    group.divergedSeeds.length === 0 ? '0' : `${group.divergedSeeds.length} (seeds ${group.divergedSeeds.join(', ')})`,
    `${group.inactiveMeaning} ${formatMeanStd(group.inactiveFraction, true)}`,
    formatMeanStd(group.testAccuracy, true),
    formatMeanStd(group.trainLoss, false),
  ]);
  return [
    '# Sweep report',
    '',
    `Aggregated by \`gradlab report\` from ${sources.map((source) => `\`${source}\``).join(', ')}: ${runs} runs` +
      (duplicates > 0 ? ` (${duplicates} repeated lines ignored)` : '') + '. Numbers are after the last epoch of each run, pooled over seeds.',
    '',
    'Inactive means dead units for ReLU, dead-like units for LeakyReLU and saturated units for Sigmoid (see docs/experiments.md).',
    '',
    SWEEP_TABLE_HEADING,
    '',
    markdownTable(['Activation', 'Depth', 'Width', 'LR', 'Seeds', 'Diverged', 'Inactive (mean ± std)', 'Test accuracy', 'Train loss'], rows),
    '',
    '![Inactive units against learning rate](sweep-inactive.png)',
    '',
    '![Test accuracy against learning rate](sweep-accuracy.png)',
    '',
  ].join('\n');
}

/** Writes summary.json, summary.csv, two charts and report.md into `outDir`. */
export async function writeSweepReport(records: readonly SweepRecord[], sources: readonly string[], outDir: string): Promise<string[]> {
  const { groups, runs, duplicates } = aggregate(records);
  const { written, write } = reportFolder(outDir);
  write('summary.json', `${JSON.stringify({ runs, duplicates, groups }, null, 2)}\n`);
  write('summary.csv', toCsv(groups.map((group) => ({
    activation: group.activation, depth: group.depth, width: group.width, lr: group.lr, alpha: group.alpha,
    seeds: group.seeds.length, diverged: group.divergedSeeds.length, inactiveMeaning: group.inactiveMeaning,
    inactiveFractionMean: group.inactiveFraction.mean, inactiveFractionStd: group.inactiveFraction.std,
    testAccuracyMean: group.testAccuracy.mean, testAccuracyStd: group.testAccuracy.std,
    trainLossMean: group.trainLoss.mean, trainLossStd: group.trainLoss.std,
  })), ['activation', 'depth', 'width', 'lr', 'alpha', 'seeds', 'diverged', 'inactiveMeaning', 'inactiveFractionMean', 'inactiveFractionStd', 'testAccuracyMean', 'testAccuracyStd', 'trainLossMean', 'trainLossStd']));
  written.push(...(await writeChart(outDir, 'sweep-inactive', metricChart(groups, 'inactiveFraction', 'Inactive hidden units after training', 'inactive fraction'))));
  written.push(...(await writeChart(outDir, 'sweep-accuracy', metricChart(groups, 'testAccuracy', 'Test accuracy after training', 'test accuracy'))));
  write('report.md', sweepMarkdown(groups, sources, runs, duplicates));
  return written;
}
