/**
 * `gradlab born-dead`, declared for the runner (runner/experiment.ts): the
 * initialisation study of Lu et al. (2019) (experiments/born-dead.ts) and
 * its report (report/born-dead.ts).
 *
 * One job per (init, width, depth) cell of the grid. The cells are
 * independent, so worker threads share them, one thread per core unless
 * `--workers` says otherwise, each taking the next cell when it is done with
 * one. The results are the same bits with any number of threads: each
 * network's generator is seeded from its place in the grid.
 */
import { availableParallelism } from 'node:os';
import { Tensor } from '@gradlab/core';
import { UsageError } from '../cli/args.js';
import { formatDuration } from '../cli/progress.js';
import { EMBEDDED_IMAGE_COUNT, loadData } from '../data/load.js';
import { writeBornDeadReport } from '../report/born-dead.js';
import { percent, quantity } from '../report/format.js';
import { defineExperiment } from '../runner/experiment.js';
import {
  BORN_DEAD_INITS, bornDeadCellKeys, bornDeadResults, gridInputs, measureBornDeadCell, validateBornDeadConfig,
  type BornDeadCell, type BornDeadCellKey, type BornDeadConfig,
} from './born-dead.js';

const flags = {
  widths: { kind: 'int-list', distinct: true, min: 1, max: 1024, default: [2, 3, 4, 5, 10], description: 'Hidden layer widths' },
  depths: { kind: 'int-list', distinct: true, min: 1, max: 1000, default: Array.from({ length: 19 }, (_, i) => i + 2), description: 'Numbers of hidden layers (ranges allowed: 2-20)' },
  networks: { kind: 'int', min: 1, default: 1000, description: 'Networks initialised per (init, width, depth)' },
  inits: { kind: 'choice-list', distinct: true, choices: BORN_DEAD_INITS, default: [...BORN_DEAD_INITS], description: 'Initialisations to compare' },
  inputs: { kind: 'choice', choices: ['grid', 'mnist'], default: 'grid', description: 'grid: 1-D points on [-√3, √3] as in the paper; mnist: training images' },
  inputCount: { kind: 'int', min: 2, max: 100000, default: 100, description: 'Grid points or MNIST images' },
  seed: { kind: 'int', min: 0, default: 0, description: 'Base seed (each network has its own seed derived from it)' },
  workers: { kind: 'int', min: 1, max: 256, default: availableParallelism(), description: "Worker threads sharing the grid's cells (default: number of cores; 1: all in this thread)" },
  out: { kind: 'string', default: 'reports/born-dead', description: 'Report folder' },
} as const;

/** One cell to measure: plain data, posted to a worker thread. */
export interface CellJob {
  readonly config: BornDeadConfig;
  readonly key: BornDeadCellKey;
}

/** The inputs every network is measured on, as plain data: [count, features]. */
export interface CellInputs {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

export default defineExperiment({
  command: {
    name: 'born-dead',
    summary:
      'For a grid of widths and depths, initialises many ReLU networks with He and with randomized asymmetric initialisation (RAI) ' +
      'and measures (a) the fraction born dead (output constant over the inputs) and (b) the fraction of inputs at which some hidden layer is all zero. ' +
      'After Lu, Shin, Su & Karniadakis (2019), "Dying ReLU and Initialization".',
    details: 'Writes <out>/results.json, cells.csv, born-dead.svg/.png, report.md and timing.json.\nSmall example: gradlab born-dead --widths 2,4 --depths 2,10 --networks 50',
    flags,
  },
  module: import.meta.url,

  configure(options): BornDeadConfig {
    const config: BornDeadConfig = {
      widths: options.widths,
      depths: options.depths,
      networks: options.networks,
      inits: options.inits,
      inputs: options.inputs,
      inputCount: options.inputCount,
      seed: options.seed,
    };
    if (config.inputs === 'mnist' && config.inputCount > EMBEDDED_IMAGE_COUNT) {
      throw new UsageError(`born-dead: --input-count must be at most ${EMBEDDED_IMAGE_COUNT} with --inputs mnist (the embedded digits), got '${config.inputCount}'`);
    }
    validateBornDeadConfig(config);
    return config;
  },
  output: (options) => ({ path: options.out, what: `born-dead --out ${options.out}`, folder: options.out }),
  jobs: (config) => bornDeadCellKeys(config).map((key): CellJob => ({ config, key })),
  jobId: ({ key }) => `${key.init}:${key.width}:${key.depth}`,
  jobName: ({ key }) => `the cell ${key.init}:${key.width}:${key.depth}`,
  work: (_job, config) => config.networks,

  shared(config): CellInputs {
    if (config.inputs === 'grid') {
      const grid = gridInputs(config.inputCount);
      return { data: grid.data, shape: grid.shape };
    }
    const { train } = loadData({ trainSize: config.inputCount, testSize: 0 });
    return { data: train.images, shape: [train.count, train.rows * train.cols] };
  },
  describe: ({ config, jobs }) =>
    `born-dead: ${quantity(jobs.length * config.networks, 'network')} (${config.inits.join(', ')} × widths ${config.widths.join(',')} × ${quantity(config.depths.length, 'depth')} × ${config.networks})`,

  runJob: ({ config, key }, inputs, context): BornDeadCell =>
    measureBornDeadCell(config, new Tensor(inputs.data, inputs.shape), key, () => context.progress(1)),

  async report({ flags: options, config, results: cells, commandLine, seconds }) {
    const results = bornDeadResults(config, cells);
    const files = await writeBornDeadReport(results, options.out, commandLine);
    const lines = config.inits.map((init) => {
      const mine = results.cells.filter((cell) => cell.init === init);
      const dead = mine.reduce((sum, cell) => sum + cell.bornDead, 0);
      const networks = mine.reduce((sum, cell) => sum + cell.networks, 0);
      return `  ${init.padEnd(4)} ${dead}/${networks} networks born dead (${percent(dead / networks)})`;
    });
    return { filesWritten: files, summary: [`born-dead finished in ${formatDuration(seconds)}.`, ...lines].join('\n') };
  },
});
