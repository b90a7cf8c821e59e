/**
 * `gradlab born-dead`: the initialisation study of Lu et al. (2019)
 * (experiments/born-dead.ts) and its report (report/born-dead.ts).
 *
 * The grid's cells are independent, so worker threads share them
 * (born-dead-worker.ts), one thread per core unless `--workers` says
 * otherwise: thread t measures cells t, t + T, t + 2T, … of the T threads,
 * which spreads the deep, slow cells evenly. The results are the same bits
 * with any number of threads.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Tensor } from '@gradlab/core';
import { EMBEDDED_IMAGE_COUNT, loadData } from '../data/load.js';
import {
  BORN_DEAD_INITS, bornDeadCellKeys, bornDeadResults, gridInputs, runBornDead, validateBornDeadConfig, type BornDeadCell, type BornDeadConfig, type BornDeadResults,
} from '../experiments/born-dead.js';
import { writeOutputFile } from '../io/atomic.js';
import { writeBornDeadReport } from '../report/born-dead.js';
import { percent, quantity } from '../report/format.js';
import { commandLine } from '../report/markdown.js';
import { UsageError } from './args.js';
import { defineCommand } from './command.js';
import type { BornDeadWorkerInput, BornDeadWorkerMessage } from './born-dead-worker.js';
import { formatDuration, Progress } from './progress.js';
import { runInWorkerThreads } from './worker-threads.js';

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

const DEFAULTS: Record<string, unknown> = Object.fromEntries(Object.entries(flags).map(([key, flag]) => [key, 'default' in flag ? flag.default : undefined]));

export const bornDeadCommand = defineCommand(
  {
    name: 'born-dead',
    summary:
      'For a grid of widths and depths, initialises many ReLU networks with He and with randomized asymmetric initialisation (RAI) ' +
      'and measures (a) the fraction born dead (output constant over the inputs) and (b) the fraction of inputs at which some hidden layer is all zero. ' +
      'After Lu, Shin, Su & Karniadakis (2019), "Dying ReLU and Initialization".',
    details: 'Writes <out>/results.json, cells.csv, born-dead.svg/.png, report.md and timing.json.\nSmall example: gradlab born-dead --widths 2,4 --depths 2,10 --networks 50',
    flags,
  },
  async (options, _positionals, context) => {
    const startedAt = Date.now();
    const config: BornDeadConfig = {
      widths: options.widths,
      depths: options.depths,
      networks: options.networks,
      inits: options.inits,
      inputs: options.inputs as 'grid' | 'mnist',
      inputCount: options.inputCount,
      seed: options.seed,
    };
    if (config.inputs === 'mnist' && config.inputCount > EMBEDDED_IMAGE_COUNT) {
      throw new UsageError(`born-dead: --input-count must be at most ${EMBEDDED_IMAGE_COUNT} with --inputs mnist (the embedded digits), got '${config.inputCount}'`);
    }
    let inputs: Tensor;
    if (config.inputs === 'grid') {
      inputs = gridInputs(config.inputCount);
    } else {
      const { train } = loadData({ trainSize: config.inputCount, testSize: 0 });
      inputs = new Tensor(train.images, [train.count, train.rows * train.cols]);
    }
    const total = config.inits.length * config.widths.length * config.depths.length * config.networks;
    context.log(`born-dead: ${quantity(total, 'network')} (${config.inits.join(', ')} × widths ${config.widths.join(',')} × ${quantity(config.depths.length, 'depth')} × ${config.networks})`);
    const progress = new Progress('born-dead', total, process.stderr, context.showProgress);
    const cellCount = config.inits.length * config.widths.length * config.depths.length;
    const threads = Math.min(options.workers, cellCount);
    const results = threads > 1 ? await runInThreads(config, inputs, threads, (networks) => progress.tick(networks)) : runBornDead(config, inputs, () => progress.tick());
    progress.done();
    // The command line that reproduces the results: without --workers, which does not change them.
    const { workers: _workers, ...shaping } = options;
    const files = await writeBornDeadReport(results, options.out, commandLine('born-dead', shaping, DEFAULTS));
    const totalSeconds = (Date.now() - startedAt) / 1000;
    const timingPath = join(options.out, 'timing.json');
    writeOutputFile(timingPath, `${JSON.stringify({ totalSeconds, workers: threads }, null, 2)}\n`);
    files.push(timingPath);
    const lines = config.inits.map((init) => {
      const cells = results.cells.filter((cell) => cell.init === init);
      const dead = cells.reduce((sum, cell) => sum + cell.bornDead, 0);
      const networks = cells.reduce((sum, cell) => sum + cell.networks, 0);
      return `  ${init.padEnd(4)} ${dead}/${networks} networks born dead (${percent(dead / networks)})`;
    });
    return { filesWritten: files, summary: [`born-dead finished in ${formatDuration(totalSeconds)}.`, ...lines].join('\n') };
  },
);

/** The study with its cells shared among `threads` worker threads; the same results as runBornDead. */
async function runInThreads(config: BornDeadConfig, inputs: Tensor, threads: number, onNetworks: (count: number) => void): Promise<BornDeadResults> {
  validateBornDeadConfig(config);
  const keys = bornDeadCellKeys(config);
  const shares = Array.from({ length: threads }, (_, thread) => keys.flatMap((key, index) => (index % threads === thread ? [{ index, key }] : [])));
  const cells: BornDeadCell[] = [];
  await runInWorkerThreads<BornDeadWorkerInput['cells'], BornDeadWorkerMessage>(
    new URL('./born-dead-worker.js', import.meta.url),
    shares,
    threads,
    (share): BornDeadWorkerInput => ({ config, inputs: { data: inputs.data, shape: inputs.shape }, cells: share }),
    (message) => {
      if (message.type === 'networks') onNetworks(message.count);
      else if (message.type === 'cell') cells[message.index] = message.cell;
    },
    (share) => `the worker thread of cells ${share.map(({ key }) => `${key.init}:${key.width}:${key.depth}`).slice(0, 3).join(', ')}${share.length > 3 ? ', …' : ''}`,
  );
  return bornDeadResults(config, cells);
}
