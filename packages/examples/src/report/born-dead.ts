/**
 * The report folder of `gradlab born-dead`: results.json, cells.csv, a chart
 * (born-dead fraction against depth, one line per width, He beside RAI) and
 * report.md.
 */
import type { BornDeadCell, BornDeadResults } from '../experiments/born-dead.js';
import { reportFolder } from '../io/atomic.js';
import { writeChart, type ChartSpec } from './charts.js';
import { toCsv } from './csv.js';
import { percent, quantity } from './format.js';
import { markdownTable } from './markdown.js';

const INIT_TITLES: Record<string, string> = { he: 'He normal (symmetric)', rai: 'RAI (randomized asymmetric)' };

function inputsText(results: BornDeadResults): string {
  return results.config.inputs === 'grid' ? `${results.config.inputCount} points on [-√3, √3]` : `${results.config.inputCount} MNIST images`;
}

/** The two panels of the chart: born-dead fraction, and fraction of inputs with an all-zero layer. */
export function bornDeadChart(results: BornDeadResults): ChartSpec {
  const values = results.cells.flatMap((cell) => [
    { init: INIT_TITLES[cell.init] ?? cell.init, width: `width ${cell.width}`, widthOrder: cell.width, depth: cell.depth, measure: 'born dead (output constant)', value: cell.bornDeadFraction },
    { init: INIT_TITLES[cell.init] ?? cell.init, width: `width ${cell.width}`, widthOrder: cell.width, depth: cell.depth, measure: 'inputs where a hidden layer is all zero', value: cell.zeroLayerInputFraction },
  ]);
  const widthLabels = [...results.config.widths].sort((a, b) => a - b).map((width) => `width ${width}`);
  return {
    title: {
      text: 'ReLU networks born dead: He vs randomized asymmetric initialisation',
      subtitle: `${quantity(results.config.networks, 'network')} per point, inputs: ${inputsText(results)}; after Lu, Shin, Su & Karniadakis (2019)`,
    },
    data: { values },
    facet: {
      row: { field: 'measure', type: 'nominal', title: null, header: { labelFontSize: 12, labelLimit: 400 } },
      column: { field: 'init', type: 'nominal', title: null, header: { labelFontSize: 13, labelLimit: 400 } },
    },
    spec: {
      width: 300,
      height: 200,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'depth', type: 'quantitative', title: 'hidden layers (depth)', axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'value', type: 'quantitative', title: 'fraction', axis: { format: '.0%' }, scale: { domain: [0, 1] } },
        color: { field: 'width', type: 'nominal', title: 'width', sort: widthLabels, scale: { scheme: 'viridis' } },
      },
    },
  } as ChartSpec;
}

/** The heading above the born-dead table; tests read the table back. */
export const BORN_DEAD_TABLE_HEADING = '## Born dead, by width and depth';

/** report.md of the study. */
export function bornDeadMarkdown(results: BornDeadResults, command: string): string {
  const { config } = results;
  const cell = (init: string, width: number, depth: number): BornDeadCell | undefined =>
    results.cells.find((entry) => entry.init === init && entry.width === width && entry.depth === depth);
  const columns = config.widths.flatMap((width) => config.inits.map((init) => ({ width, init })));
  const table = (pick: (entry: BornDeadCell) => string): string => markdownTable(
    ['Depth', ...columns.map(({ width, init }) => `${init === 'he' ? 'He' : 'RAI'} w=${width}`)],
    config.depths.map((depth) => [String(depth), ...columns.map(({ width, init }) => {
      const entry = cell(init, width, depth);
      return entry ? pick(entry) : '';
    })]),
  );
  const summary = config.inits.map((init) => {
    const cells = results.cells.filter((entry) => entry.init === init);
    const total = cells.reduce((sum, entry) => sum + entry.bornDead, 0);
    const networks = cells.reduce((sum, entry) => sum + entry.networks, 0);
    const worst = [...cells].sort((a, b) => b.bornDeadFraction - a.bornDeadFraction || a.width - b.width || b.depth - a.depth)[0];
    return `- **${INIT_TITLES[init] ?? init}:** ${total} of ${networks} networks (${percent(networks === 0 ? 0 : total / networks)}) were born dead; ` +
      (worst ? `the worst cell is width ${worst.width}, depth ${worst.depth} with ${worst.bornDead}/${worst.networks} (${percent(worst.bornDeadFraction)}).` : '');
  });
  return [
    '# Born dead: how many ReLU networks are dead at initialisation',
    '',
    `Made by \`${command}\`. The numbers below are formatted from \`results.json\` in this folder (also in \`cells.csv\`).`,
    '',
    'A ReLU network is **born dead** when at initialisation it computes a constant function: some layer lets nothing',
    'that depends on the input through, so no gradient reaches the layers before it and training cannot start.',
    'Lu, Shin, Su & Karniadakis (2019), "Dying ReLU and Initialization: Theory and Numerical Examples" (arXiv:1903.06733),',
    'prove that with a symmetric initialisation the probability of this tends to 1 as depth grows, faster for narrow',
    'networks, and propose the randomized asymmetric initialization (RAI): each unit\'s weights and bias come from',
    'N(0, 0.6007²/fan-in), except one of them, chosen at random, drawn from Beta(2, 1), which is positive.',
    '',
    `- Networks: inputs → depth × width ReLU → 1, widths ${config.widths.join(', ')}, depths ${config.depths.join(', ')}; ${quantity(config.networks, 'network')} per cell, each from its own seed (base seed ${config.seed})`,
    '- He: weights N(0, 2/fan-in), biases 0. RAI: every hidden layer as above; the output layer keeps He (it cannot change whether the output is constant).',
    `- Inputs: ${inputsText(results)}. "Born dead" means the output was identical for all of them.`,
    '',
    '## What happened',
    '',
    ...summary,
    '',
    '![Born-dead fraction against depth](born-dead.png)',
    '',
    BORN_DEAD_TABLE_HEADING,
    '',
    'Each cell: networks born dead / networks initialised.',
    '',
    table((entry) => `${entry.bornDead}/${entry.networks}`),
    '',
    '## Inputs at which some hidden layer is entirely zero',
    '',
    'Mean over the networks of each cell.',
    '',
    table((entry) => percent(entry.zeroLayerInputFraction)),
    '',
  ].join('\n');
}

/** Writes results.json, cells.csv, the chart and report.md; returns the paths in order. */
export async function writeBornDeadReport(results: BornDeadResults, outDir: string, command: string): Promise<string[]> {
  const { written, write } = reportFolder(outDir);
  write('results.json', `${JSON.stringify(results, null, 2)}\n`);
  write('cells.csv', toCsv(results.cells.map((cell) => ({ ...cell })), ['init', 'width', 'depth', 'networks', 'bornDead', 'bornDeadFraction', 'zeroLayerInputFraction']));
  written.push(...(await writeChart(outDir, 'born-dead', bornDeadChart(results))));
  write('report.md', bornDeadMarkdown(results, command));
  return written;
}
