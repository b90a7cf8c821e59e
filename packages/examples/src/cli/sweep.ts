/**
 * `gradlab sweep`: a grid of dead-neuron runs in worker processes, appended
 * to a JSON-lines file as they finish; reruns resume, `--shard i/n` splits.
 */
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { batchCount } from '../data/batches.js';
import { DEFAULT_TRAIN_SIZE } from '../data/load.js';
import { runPool } from '../experiments/sweep-pool.js';
import { clusterFlags, isSubmission, prepareRun, resultsFileOf, shardOption, statusCommand, submitSweep, sweepArguments } from '../cluster/sweep-hooks.js';
import { dropTornTail, expandGrid, readResultsFile, selectShard, type SweepSettings } from '../experiments/sweep.js';
import { quantity } from '../report/format.js';
import { defineCommand } from './command.js';
import { formatDuration, Progress } from './progress.js';
import { ACTIVATION_CHOICES, checkDataSizesFor, checkNetworkSize, dataFlags, dataOptions, INIT_CHOICES, OPTIMIZER_CHOICES } from './shared-flags.js';

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
  workers: { kind: 'int', min: 1, max: 256, default: availableParallelism(), description: 'Worker processes (default: number of cores)' },
  shard: { kind: 'string', valueName: 'I/N|auto', description: 'Run only shard i of n (1-based, e.g. 2/4), or auto: i and n from a Slurm job array or a Kubernetes Indexed Job' },
  out: { kind: 'string', description: 'Results file, JSON lines (default: results.jsonl in the sweep\'s folder, or results.shard-i-of-n.jsonl with --shard)' },
  detectAnomaly: { kind: 'boolean', description: 'Workers check every op and gradient for NaN/Infinity; the first fails its run, naming the op (slower)' },
  ...clusterFlags,
} as const;

export const sweepCommand = defineCommand(
  {
    name: 'sweep',
    summary:
      'Runs a grid of dead-neuron trainings (activations × depths × widths × learning rates × alphas × seeds) in parallel worker processes. ' +
      'Each finished run is appended to a JSON-lines file at once, so an interrupted sweep resumes where it stopped: a rerun skips finished runs. ' +
      'A run whose loss becomes NaN or Infinity is recorded as diverged (epoch and step), not as a failure.',
    details: 'Then: gradlab report reports/sweep/results.jsonl\nSmall example: gradlab sweep --depths 3 --lrs 0.01 --seeds 0-1 --epochs 1 --train-size 500 --test-size 200',
    flags,
    interruptHint: 'Finished runs are in the results file; the same command again skips them and runs the rest',
  },
  async (options, _positionals, context) => {
    const startedAt = Date.now();
    if (options.status !== undefined) return statusCommand(options.status);
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
    const runIds = grid.map((run) => run.id);
    if (isSubmission(options)) return submitSweep(flags, options, runIds, context);
    const resultsPath = resultsFileOf(options, shard);
    const lock = prepareRun(options, shard, runIds, sweepArguments(flags, options), resultsPath);
    try {
      const mine = shard ? selectShard(grid, shard) : grid;

      const existing = readResultsFile(resultsPath);
      if (existing.tornTail) context.log(`sweep: ${resultsPath} ends in a line cut short by an interruption; dropping it (that run will be redone)`);
      dropTornTail(resultsPath, existing);
      const done = new Set(existing.records.map((record) => record.id));
      const todo = mine.filter((run) => !done.has(run.id));
      context.log(`sweep: ${quantity(grid.length, 'run')} in the grid${shard ? `, ${mine.length} in shard ${shard.index}/${shard.count}` : ''}; ${mine.length - todo.length} already in ${resultsPath}, ${todo.length} to run on ${quantity(Math.min(options.workers, Math.max(todo.length, 1)), 'worker')}`);

      const trainCount = options.trainSize ?? DEFAULT_TRAIN_SIZE;
      const stepsPerRun = settings.epochs * batchCount(trainCount, settings.batchSize);
      const progress = new Progress('sweep', todo.length * stepsPerRun, process.stderr, context.showProgress);
      let runsDone = 0;
      await runPool(todo, options.workers, resultsPath, {
        onSteps: (steps) => progress.tick(steps, `${runsDone}/${todo.length} runs done`),
        onRunDone: (run) => {
          runsDone++;
          progress.tick(0, `${runsDone}/${todo.length} runs done, last ${run.id}`);
        },
      }, options.detectAnomaly);
      progress.done(`${runsDone}/${todo.length} runs done`);
      const reportDir = dirname(resultsPath);
      return {
        filesWritten: todo.length > 0 ? [resultsPath] : [],
        summary: `sweep: ${quantity(runsDone, 'run')} finished in ${formatDuration((Date.now() - startedAt) / 1000)}, ${mine.length - todo.length} skipped as already done; ` +
          `${resultsPath} holds ${quantity(existing.records.length + runsDone, 'run')}.\nNext: gradlab report ${resultsPath} --out ${reportDir}`,
      };
    } finally {
      lock.release();
    }
  },
);
