/**
 * The report folder of `gradlab dead-neurons`: results.json, layers.csv,
 * four charts (SVG + PNG) and report.md. Every number in report.md is
 * formatted from the same results object that results.json serialises.
 */
import { ACTIVATIONS } from '@gradlab/nn';
import type { ActivationRun, DeadNeuronsResults } from '../experiments/dead-neurons.js';
import { reportFolder } from '../io/atomic.js';
import { DEATH_COMPARISON, REPORT_SENTENCES, type SentenceContext } from './activation-sentences.js';
import { activationColor, writeChart, type ChartSpec } from './charts.js';
import { toCsv } from './csv.js';
import { fixed, percent } from './format.js';
import { markdownTable } from './markdown.js';

/** Display name of an activation with what its "inactive" count means, e.g. "ReLU (dead)". */
export function runLabel(run: Pick<ActivationRun, 'activation' | 'inactiveMeaning'>): string {
  return `${ACTIVATIONS[run.activation].label} (${run.inactiveMeaning})`;
}

/** "198/640 (30.9%)": a count of units with its fraction. */
export function unitsCell(count: number, units: number): string {
  return `${count}/${units} (${percent(units === 0 ? 0 : count / units)})`;
}

/** The long-format CSV: one row per activation, epoch and hidden layer. */
export function deadNeuronsCsv(results: DeadNeuronsResults): string {
  const rows = results.runs.flatMap((run) =>
    run.epochs.flatMap((epoch) =>
      epoch.layers.map((layer) => ({
        activation: run.activation,
        inactiveMeaning: run.inactiveMeaning,
        epoch: epoch.epoch,
        ...layer, // the column list below fixes the order
        trainLoss: epoch.trainLoss,
        testLoss: epoch.testLoss,
        testAccuracy: epoch.testAccuracy,
      }))));
  return toCsv(rows, [
    'activation', 'inactiveMeaning', 'epoch', 'layer', 'units', 'inactive', 'inactiveFraction', 'dead', 'deadLike', 'saturated',
    'mean', 'std', 'zeroGradFraction', 'trainLoss', 'testLoss', 'testAccuracy',
  ]);
}

function colorScale(results: DeadNeuronsResults) {
  const labels = results.runs.map(runLabel);
  return { domain: labels, range: results.runs.map((run) => activationColor(run.activation)) };
}

function subtitle(results: DeadNeuronsResults): string {
  const { config } = results;
  const optimizer = config.optimizer === 'adam' ? `Adam lr ${config.lr}` : `SGD lr ${config.lr}${config.momentum ? ` momentum ${config.momentum}` : ''}`;
  return `784 → ${config.depth} × ${config.width} → 10 MLP, ${optimizer}, batch ${config.batchSize}, seed ${config.seed}; measured on ${results.data.measuredImages} training images`;
}

/** Total inactive fraction per activation over the epochs: the headline chart. */
export function inactiveOverEpochsChart(results: DeadNeuronsResults): ChartSpec {
  const values = results.runs.flatMap((run) => run.epochs.map((epoch) => ({ label: runLabel(run), epoch: epoch.epoch, fraction: epoch.inactiveFraction, inactive: epoch.inactive })));
  return {
    title: { text: 'Inactive hidden units during training', subtitle: subtitle(results) },
    width: 520,
    height: 300,
    data: { values },
    mark: { type: 'line', point: true, strokeWidth: 2.5 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch (0 = at initialisation)', axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'fraction', type: 'quantitative', title: 'fraction of hidden units', axis: { format: '.0%' } },
      color: { field: 'label', type: 'nominal', title: 'activation (inactive means)', scale: colorScale(results), legend: { labelLimit: 300, titleLimit: 300, orient: 'right' } },
    },
  } as ChartSpec;
}

/** Heatmap per activation: layer × epoch, coloured by the layer's inactive fraction. */
export function deadFractionByLayerChart(results: DeadNeuronsResults): ChartSpec {
  const maxEpochs = Math.max(...results.runs.map((run) => run.epochs.length - 1));
  const maxLayers = Math.max(...results.runs.flatMap((run) => run.epochs.map((epoch) => epoch.layers.length)));
  const values = results.runs.flatMap((run) =>
    run.epochs.flatMap((epoch) => epoch.layers.map((layer) => ({
      label: runLabel(run), epoch: epoch.epoch, layer: layer.layer, fraction: layer.inactiveFraction, inactive: layer.inactive,
    }))));
  return {
    title: {
      text: 'Inactive units per hidden layer and epoch',
      subtitle: ['Cell: number of inactive units; layer 1 is nearest the input.', results.runs.map((run) => REPORT_SENTENCES[run.activation].chartNote(sentenceContext(results))).join(' · ')],
    },
    data: { values },
    facet: { column: { field: 'label', type: 'nominal', title: null, sort: results.runs.map(runLabel), header: { labelFontSize: 13, labelLimit: 400 } } },
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
          mark: { type: 'text', fontSize: 9 },
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

/** Training loss and test accuracy per epoch, side by side. */
export function lossAccuracyChart(results: DeadNeuronsResults): ChartSpec {
  const values = results.runs.flatMap((run) => run.epochs.map((epoch) => ({
    label: runLabel(run), epoch: epoch.epoch, trainLoss: epoch.trainLoss, testAccuracy: epoch.testAccuracy,
  })));
  const color = { field: 'label', type: 'nominal', title: 'activation', scale: colorScale(results), legend: { labelLimit: 300 } };
  const x = { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } };
  return {
    title: { text: 'Training loss and test accuracy', subtitle: subtitle(results) },
    data: { values },
    hconcat: [
      { width: 300, height: 240, mark: { type: 'line', point: true }, encoding: { x, y: { field: 'trainLoss', type: 'quantitative', title: 'training loss (cross-entropy)' }, color } },
      { width: 300, height: 240, mark: { type: 'line', point: true }, encoding: { x, y: { field: 'testAccuracy', type: 'quantitative', title: 'test accuracy', axis: { format: '.0%' }, scale: { domain: [0, 1] } }, color } },
    ],
  } as ChartSpec;
}

/** The last epoch, layer by layer, activations side by side. */
export function finalLayersChart(results: DeadNeuronsResults): ChartSpec {
  const values = results.runs.flatMap((run) => {
    const last = run.epochs[run.epochs.length - 1]!;
    return last.layers.map((layer) => ({ label: runLabel(run), layer: layer.layer, fraction: layer.inactiveFraction, epoch: last.epoch }));
  });
  return {
    title: { text: 'After the last epoch: inactive units per layer', subtitle: subtitle(results) },
    width: 520,
    height: 260,
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field: 'layer', type: 'ordinal', title: 'hidden layer (1 = nearest the input)', axis: { labelAngle: 0 } },
      xOffset: { field: 'label', type: 'nominal', sort: results.runs.map(runLabel) },
      y: { field: 'fraction', type: 'quantitative', title: 'fraction of the layer\'s units', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
      color: { field: 'label', type: 'nominal', title: 'activation', scale: colorScale(results), legend: { labelLimit: 300 } },
    },
  } as ChartSpec;
}

/** The chart files of the report, by base name. */
export const DEAD_NEURON_CHARTS = {
  'inactive-over-epochs': inactiveOverEpochsChart,
  'dead-fraction-by-layer': deadFractionByLayerChart,
  'loss-accuracy': lossAccuracyChart,
  'final-layers': finalLayersChart,
} as const;

function sentenceContext(results: DeadNeuronsResults): SentenceContext {
  return { alpha: results.config.alpha, saturationEps: results.config.saturationEps, depth: results.config.depth };
}

/** A plain-language paragraph about the result, built from the numbers. */
export function readingOfResult(results: DeadNeuronsResults): string {
  const sentences: string[] = [];
  const context = sentenceContext(results);
  for (const run of results.runs) {
    const first = run.epochs[0]!;
    const last = run.epochs[run.epochs.length - 1]!;
    const title = ACTIVATIONS[run.activation].label;
    const { meaning: meaningOf, farBehind } = REPORT_SENTENCES[run.activation];
    const units = last.layers.reduce((total, layer) => total + layer.units, 0);
    const worst = [...last.layers].sort((a, b) => b.inactiveFraction - a.inactiveFraction || a.layer - b.layer)[0];
    const where = worst && worst.inactive > 0 ? ` The worst layer is layer ${worst.layer} with ${unitsCell(worst.inactive, worst.units)}.` : '';
    const divergence = run.diverged ? ` Training diverged (loss ${run.diverged.loss}) at epoch ${run.diverged.epoch}, step ${run.diverged.step}; the figures are from epoch ${last.epoch}.` : '';
    const bestAccuracy = Math.max(...results.runs.map((other) => other.epochs[other.epochs.length - 1]!.testAccuracy));
    let chance = last.testAccuracy < 0.2 ? ' — no better than guessing, so this network did not learn' : '';
    if (!chance && farBehind !== null && last.testAccuracy < bestAccuracy - 0.2) {
      chance = ` — far behind the best activation (${percent(bestAccuracy)}): ${farBehind(context)}`;
    }
    const meaning = meaningOf(context);
    const amount = last.inactive === 0 ? 'none' : `${percent(last.inactiveFraction)} (${last.inactive})`;
    const verb = last.inactive === 1 ? 'is' : 'are';
    sentences.push(
      `**${title}:** after epoch ${last.epoch}, ${amount} of the ${units} hidden units ${verb} ${run.inactiveMeaning}, ` +
      `against ${percent(first.inactiveFraction)} at initialisation. ${meaning[0]!.toUpperCase()}${meaning.slice(1)}. ` +
      `Test accuracy: ${percent(last.testAccuracy)}${chance}.${where}${divergence}`,
    );

  }
  const relu = results.runs.find((run) => run.activation === DEATH_COMPARISON.dies);
  const leaky = results.runs.find((run) => run.activation === DEATH_COMPARISON.recovers);
  if (relu && leaky) {
    const reluLast = relu.epochs[relu.epochs.length - 1]!;
    const leakyLast = leaky.epochs[leaky.epochs.length - 1]!;
    const verdict = reluLast.inactiveFraction > leakyLast.inactiveFraction
      ? `ReLU ends with ${percent(reluLast.inactiveFraction)} of its units dead against ${percent(leakyLast.inactiveFraction)} dead-like for LeakyReLU, from the same seed and the same batches in the same order; only the activation differs.`
      : `In this run ReLU did not lose more units than LeakyReLU (${percent(reluLast.inactiveFraction)} against ${percent(leakyLast.inactiveFraction)}); try a larger learning rate or a deeper network.`;
    sentences.push(verdict);
  }
  return sentences.join('\n\n');
}

/** The summary table's header, shared with the test that reads it back. */
export const SUMMARY_HEADING = '## Summary';

/** report.md, from the results and the files beside it. */
export function deadNeuronsMarkdown(results: DeadNeuronsResults, command: string): string {
  const { config } = results;
  const lastEpoch = (run: ActivationRun) => run.epochs[run.epochs.length - 1]!;
  const summaryRows = results.runs.map((run) => {
    const first = run.epochs[0]!;
    const last = lastEpoch(run);
    return [
      ACTIVATIONS[run.activation].label,
      run.inactiveMeaning,
      unitsCell(first.inactive, first.layers.reduce((t, l) => t + l.units, 0)),
      unitsCell(last.inactive, last.layers.reduce((t, l) => t + l.units, 0)),
      String(last.epoch),
      fixed(last.trainLoss, 4),
      percent(last.testAccuracy),
      run.diverged ? `epoch ${run.diverged.epoch}, step ${run.diverged.step}` : 'no',
    ];
  });
  const depth = Math.max(...results.runs.map((run) => lastEpoch(run).layers.length));
  const layerRows = Array.from({ length: depth }, (_, index) => [
    String(index + 1),
    ...results.runs.map((run) => {
      const layer = lastEpoch(run).layers[index];
      return layer ? unitsCell(layer.inactive, layer.units) : '';
    }),
  ]);
  const optimizer = config.optimizer === 'adam' ? `Adam (lr ${config.lr})` : `SGD (lr ${config.lr}, momentum ${config.momentum})`;
  return [
    '# Dead neurons: ' + results.runs.map((run) => ACTIVATIONS[run.activation].label).join(' vs '),
    '',
    `Made by \`${command}\`. The numbers below are formatted from \`results.json\` in this folder; \`layers.csv\` has every layer at every epoch.`,
    '',
    `- Network: 784 → ${config.depth} hidden layers of ${config.width} → 10, initialisation ${config.init === 'default' ? 'He normal (ReLU family) / Xavier uniform (Sigmoid), biases 0' : config.init}, LeakyReLU alpha ${config.alpha}`,
    `- Training: ${optimizer}, batch ${config.batchSize}, ${config.epochs} epochs, seed ${config.seed}; every activation starts from the same seed and sees the same batches in the same order`,
    `- Data: ${results.data.source}, ${results.data.trainSize} training / ${results.data.testSize} test images; units measured on ${results.data.measuredImages} training images`,
    '',
    '## What happened',
    '',
    readingOfResult(results),
    '',
    SUMMARY_HEADING,
    '',
    markdownTable(
      ['Activation', 'Inactive means', 'Inactive at init', 'Inactive at end', 'Last epoch', 'Train loss', 'Test accuracy', 'Diverged'],
      summaryRows,
    ),
    '',
    '![Inactive hidden units during training](inactive-over-epochs.png)',
    '',
    '## Per layer after the last epoch',
    '',
    markdownTable(['Layer', ...results.runs.map(runLabel)], layerRows),
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
    ...results.runs.map((run) => `- ${REPORT_SENTENCES[run.activation].definition(sentenceContext(results))}`),
    '- Measured with `measureActivations` from @gradlab/nn over the training images, with gradients off, at initialisation (epoch 0) and after every epoch.',
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
  write('results.json', `${JSON.stringify(results, null, 2)}\n`);
  write('layers.csv', deadNeuronsCsv(results));
  for (const [name, build] of Object.entries(DEAD_NEURON_CHARTS)) written.push(...(await writeChart(outDir, name, build(results))));
  write('report.md', deadNeuronsMarkdown(results, command));
  return written;
}
