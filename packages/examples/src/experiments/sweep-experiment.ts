/**
 * `gradlab sweep`, declared for the runner (runner/experiment.ts): a grid of
 * one-network dead-neuron runs (experiments/sweep.ts), one job per run, in
 * worker threads. Each finished run is appended at once to a JSON-lines
 * results file (the runner's results-file store), so a rerun skips the runs
 * already there; `--shard i/n` runs every n-th run of the grid, and the
 * cluster hooks (cluster/sweep-hooks.ts) add `--status`, Slurm and
 * Kubernetes submission and each shard's sweep.json.
 */
import { dirname } from 'node:path';
import { availableParallelism } from 'node:os';
import { ACTIVATION_CHOICES, checkDataSizesFor, checkNetworkSize, dataFlags, dataOptions, INIT_CHOICES, loadDataFor, OPTIMIZER_CHOICES } from '../cli/shared-flags.js';
import { formatDuration } from '../cli/progress.js';
import { clusterFlags, isSubmission, recordShardManifest, resultsFileOf, shardOption, statusCommand, submitSweep, sweepArguments } from '../cluster/sweep-hooks.js';
import type { Shard } from '../cluster/shards.js';
import { batchCount } from '../data/batches.js';
import { firstImages } from '../data/dataset.js';
import type { TrainTestSplit } from '../data/split.js';
import { quantity } from '../report/format.js';
import { defineExperiment } from '../runner/experiment.js';
import { resultsFileStore } from '../runner/stores.js';
import { runOneActivation } from './dead-neurons.js';
import { expandGrid, readResultsFile, selectShard, toRecord, type SweepRecord, type SweepRun, type SweepSettings } from './sweep.js';

const flags = {
  activations: { kind: 'choice-list', distinct: true, choices: ACTIVATION_CHOICES, default: ['relu', 'leaky-relu'], description: 'Activations' },
  depths: { kind: 'int-list', distinct: true, min: 1, max: 200, default: [4, 10], description: 'Numbers of hidden layers' },
  widths: { kind: 'int-list', distinct: true, min: 1, max: 4096, default: [64], description: 'Hidden layer widths' },
  lrs: { kind: 'number-list', distinct: true, positive: true, default: [0.001, 0.005, 0.01], description: 'Learning rates' },
  alphas: { kind: 'number-list', distinct: true, min: 0, default: [0.01], description: 'Negative slopes: LeakyReLU alpha, PReLU initial slope (only their runs are multiplied by these)' },
  seeds: { kind: 'int-list', distinct: true, min: 0, default: [0, 1, 2], description: 'Seeds (ranges allowed: 0-9)' },
  optimizer: { kind: 'choice', choices: OPTIMIZER_CHOICES, default: 'adam', description: 'Optimizer' },
  momentum: { kind: 'number', min: 0, max: 0.999, default: 0, description: 'SGD momentum' },
  epochs: { kind: 'int', min: 0, max: 10000, default: 5, description: 'Training epochs per run' },
  batchSize: { kind: 'int', min: 1, default: 64, description: 'Mini-batch size' },
  init: { kind: 'choice', choices: INIT_CHOICES, default: 'default', description: 'Weight initialisation' },
  saturationEps: { kind: 'number', min: 1e-9, max: 0.49, default: 0.01, description: 'Sigmoid saturation threshold' },
  measureSize: { kind: 'int', min: 0, default: 0, description: 'Training images used to measure dead units (0 = all)' },
  measureEvery: { kind: 'int', min: 0, default: 0, description: 'Training steps between two measurements of every unit (0: only at the end of each epoch)' },
  ...dataFlags,
  workers: { kind: 'int', min: 1, max: 256, default: availableParallelism(), description: 'Worker threads (default: number of cores; 1: one run after another in this thread)' },
  shard: { kind: 'string', valueName: 'I/N|auto', description: 'Run only shard i of n (1-based, e.g. 2/4), or auto: i and n from a Slurm job array or a Kubernetes Indexed Job' },
  out: { kind: 'string', description: 'Results file, JSON lines (default: results.jsonl in the sweep\'s folder, or results.shard-i-of-n.jsonl with --shard)' },
  detectAnomaly: { kind: 'boolean', description: 'Workers check every op and gradient for NaN/Infinity; the first fails its run, naming the op (slower)' },
  ...clusterFlags,
} as const;

/** A sweep's config: the whole grid, the shard this process runs, and where its results go. */
export interface SweepConfig {
  readonly settings: SweepSettings;
  /** Every run of the grid, in the grid's order. */
  readonly grid: readonly SweepRun[];
  readonly shard: Shard | undefined;
  /** The JSON-lines file this process appends to. */
  readonly resultsPath: string;
}

export default defineExperiment({
  command: {
    name: 'sweep',
    summary:
      'Runs a grid of dead-neuron trainings (activations × depths × widths × learning rates × alphas × seeds) in parallel worker threads. ' +
      'Each finished run is appended to a JSON-lines file at once, so an interrupted sweep resumes where it stopped: a rerun skips finished runs. ' +
      'A run whose loss becomes NaN or Infinity is recorded as diverged (epoch and step), not as a failure.',
    details: 'Then: gradlab report reports/sweep/results.jsonl\nSmall example: gradlab sweep --depths 3 --lrs 0.01 --seeds 0-1 --epochs 1 --train-size 500 --test-size 200',
    flags,
    interruptHint: 'Finished runs are in the results file; the same command again skips them and runs the rest',
  },
  module: import.meta.url,

  configure(options): SweepConfig {
    const shard = shardOption(options);
    const deepest = Math.max(...options.depths);
    const widest = Math.max(...options.widths);
    checkNetworkSize('sweep', `--depths ${deepest} --widths ${widest}`, Array<number>(deepest).fill(widest));
    const settings: SweepSettings = {
      optimizer: options.optimizer,
      momentum: options.momentum,
      epochs: options.epochs,
      batchSize: options.batchSize,
      init: options.init,
      saturationEps: options.saturationEps,
      measureSize: options.measureSize,
      measureEvery: options.measureEvery,
      data: dataOptions(options),
    };
    checkDataSizesFor('sweep', settings.data);
    const grid = expandGrid({
      activations: options.activations,
      depths: options.depths,
      widths: options.widths,
      lrs: options.lrs,
      alphas: options.alphas,
      seeds: options.seeds,
    }, settings);
    return { settings, grid, shard, resultsPath: resultsFileOf(options, shard) };
  },

  before(options, config, context) {
    if (options.status !== undefined) return statusCommand(options.status);
    if (isSubmission(options)) return submitSweep(flags, options, config.grid.map((run) => run.id), context);
    return undefined;
  },

  output: (options, config) => ({
    path: config.resultsPath,
    what: config.shard ? `sweep shard ${config.shard.index}/${config.shard.count}` : 'sweep',
    inputs: options.dataDir === undefined ? [] : [options.dataDir],
  }),
  jobs: (config) => (config.shard ? selectShard(config.grid, config.shard) : [...config.grid]),
  jobId: (run) => run.id,
  jobName: (run) => `run ${run.id}`,
  work: (run, _config, data) => run.config.epochs * batchCount(data.train.count, run.config.batchSize),

  shared: (config: SweepConfig): TrainTestSplit => loadDataFor('sweep', config.settings.data),
  store: (options, config, data) => {
    // A shard in a sweep's folder records the grid in the folder's sweep.json, or checks it against the one there.
    recordShardManifest(options, config.shard, config.grid.map((run) => run.id), sweepArguments(flags, options));
    return resultsFileStore<SweepRun, SweepRecord>({
      command: 'sweep',
      path: config.resultsPath,
      read: readResultsFile,
      resultId: (record) => record.id,
      jobId: (run) => run.id,
      work: (run) => run.config.epochs * batchCount(data.train.count, run.config.batchSize),
    });
  },
  describe: ({ config, jobs, todo, workers }) =>
    `sweep: ${quantity(config.grid.length, 'run')} in the grid${config.shard ? `, ${jobs.length} in shard ${config.shard.index}/${config.shard.count}` : ''}; ` +
    `${jobs.length - todo.length} already in ${config.resultsPath}, ${todo.length} to run on ${quantity(workers, 'worker')}`,

  runJob(run, data, context): SweepRecord {
    const measured = firstImages(data.train, run.config.measureSize);
    const result = runOneActivation(run.config, run.config.activations[0]!, run.config.seeds[0]!, data.train, data.test, measured, {
      onStep: () => context.progress(1),
    });
    return toRecord(run, result);
  },

  async report({ config, jobs, jobsRun, seconds }) {
    const { resultsPath } = config;
    return {
      filesWritten: jobsRun > 0 ? [resultsPath] : [],
      summary: `sweep: ${quantity(jobsRun, 'run')} finished in ${formatDuration(seconds)}, ${jobs.length - jobsRun} skipped as already done; ` +
        `${resultsPath} holds ${quantity(readResultsFile(resultsPath).records.length, 'run')}.\nNext: gradlab report ${resultsPath} --out ${dirname(resultsPath)}`,
    };
  },
});
