/**
 * `gradlab train`, declared for the runner (runner/experiment.ts): trains
 * one MLP on MNIST and saves a checkpoint whose metadata records everything
 * `gradlab eval` needs to rebuild the network and the very same test split.
 *
 * One job, run in a worker thread. After every epoch it saves a resumable
 * checkpoint to `<out>.checkpoint/last.safetensors` (the runner's checkpoint
 * store); `--resume` continues from it, and the finished run's files are
 * byte-identical to those of a run that never stopped. A loss that becomes
 * NaN or Infinity stops the run with exit code 1.
 */
import { basename, dirname, join } from 'node:path';
import { DivergedError, NonFiniteParameterError, save, type ActivationKind, type InitName } from '@gradlab/nn';
import { MAX_LIST_LENGTH } from '../cli/args.js';
import { resultFlags, trainingRunFlags } from '../cli/checkpoints.js';
import { formatDuration } from '../cli/progress.js';
import { ACTIVATION_CHOICES, checkNetworkSize, dataFlags, dataOptions, INIT_CHOICES, loadDataFor, OPTIMIZER_CHOICES } from '../cli/shared-flags.js';
import { batchCount } from '../data/batches.js';
import type { TrainTestSplit } from '../data/split.js';
import { createFolder, writeOutputFile } from '../io/atomic.js';
import {
  arrayField, choiceField, FieldError, integerField, measuredField, numberField, objectField, optionalField, stringField,
} from '../io/fields.js';
import { percent, quantity } from '../report/format.js';
import { defineExperiment, type JobContext } from '../runner/experiment.js';
import { checkpointStore, loadCheckpoint, saveCheckpoint } from '../runner/stores.js';
import { restoreTraining, type SavedTraining } from './checkpoint.js';
import { evaluate, inputWidth, startTraining, trainEpoch, type OptimizerName } from './training.js';

/** The metadata key under which the training config is stored in the checkpoint. */
export const TRAIN_CONFIG_KEY = 'gradlab.train';

/** What a checkpoint remembers about how it was made. */
export interface TrainConfig {
  readonly hidden: number[];
  readonly activation: ActivationKind;
  readonly alpha: number;
  readonly init: InitName | 'default';
  readonly optimizer: OptimizerName;
  readonly lr: number;
  readonly momentum: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly dataDir?: string;
  readonly trainSize?: number;
  readonly testSize?: number;
  readonly splitSeed: number;
}

/**
 * Checks the `gradlab.train` metadata of a checkpoint field by field against
 * the limits of train's own flags (FieldError naming the field otherwise),
 * before `gradlab eval` builds anything from it.
 */
export function checkTrainConfig(value: unknown): TrainConfig {
  const config = objectField(value, 'config');
  const hidden = arrayField(config['hidden'], 'hidden', 0, MAX_LIST_LENGTH).map((width, i) => integerField(width, `hidden[${i}]`, 1, flags.hidden.max));
  const dataDir = optionalField(config['dataDir'], (dir) => stringField(dir, 'dataDir'));
  return {
    hidden,
    activation: choiceField(config['activation'], 'activation', ACTIVATION_CHOICES),
    alpha: numberField(config['alpha'], 'alpha', flags.alpha.min, flags.alpha.max),
    init: choiceField(config['init'], 'init', INIT_CHOICES),
    optimizer: choiceField(config['optimizer'], 'optimizer', OPTIMIZER_CHOICES),
    lr: numberField(config['lr'], 'lr', Number.MIN_VALUE),
    momentum: numberField(config['momentum'], 'momentum', flags.momentum.min, flags.momentum.max),
    epochs: integerField(config['epochs'], 'epochs', flags.epochs.min, flags.epochs.max),
    batchSize: integerField(config['batchSize'], 'batchSize', 1, Number.MAX_SAFE_INTEGER),
    seed: integerField(config['seed'], 'seed', 0, Number.MAX_SAFE_INTEGER),
    ...(dataDir === undefined ? {} : { dataDir }),
    trainSize: optionalField(config['trainSize'], (size) => integerField(size, 'trainSize', 1, Number.MAX_SAFE_INTEGER)),
    testSize: optionalField(config['testSize'], (size) => integerField(size, 'testSize', 1, Number.MAX_SAFE_INTEGER)),
    splitSeed: integerField(config['splitSeed'], 'splitSeed', 0, Number.MAX_SAFE_INTEGER),
  };
}

const flags = {
  hidden: { kind: 'int-list', min: 1, max: 65536, default: [256, 256], description: 'Hidden layer widths' },
  activation: { kind: 'choice', choices: ACTIVATION_CHOICES, default: 'relu', description: 'Activation of the hidden layers' },
  alpha: { kind: 'number', min: 0, max: 1, default: 0.01, description: 'Negative slope: LeakyReLU alpha, PReLU initial slope' },
  init: { kind: 'choice', choices: INIT_CHOICES, default: 'default', description: 'Weight initialisation' },
  optimizer: { kind: 'choice', choices: OPTIMIZER_CHOICES, default: 'adam', description: 'Optimizer' },
  lr: { kind: 'number', positive: true, default: 0.001, description: 'Learning rate' },
  momentum: { kind: 'number', min: 0, max: 0.999, default: 0.9, description: 'SGD momentum (ignored by Adam)' },
  epochs: { kind: 'int', min: 1, max: 10000, default: 10, description: 'Training epochs' },
  batchSize: { kind: 'int', min: 1, default: 64, description: 'Mini-batch size' },
  seed: { kind: 'int', min: 0, default: 0, description: 'Seed of the weights and the batch order' },
  ...dataFlags,
  out: { kind: 'string', default: 'runs/mnist-mlp.safetensors', description: 'Checkpoint file; a training log is written beside it (<out>.log.json), and the resumable checkpoint to <out>.checkpoint/' },
  ...trainingRunFlags,
} as const;

/** What a train checkpoint remembers besides the network: the log of the finished epochs. */
export interface TrainProgress {
  readonly log: EpochLogEntry[];
}

/** Checks a train checkpoint's progress record: one log entry per finished epoch (FieldError otherwise). */
export function checkTrainProgress(value: unknown, training: SavedTraining | null): TrainProgress {
  if (training === null) throw new FieldError('training', 'is null, but a train checkpoint always holds its network');
  const progress = objectField(value, 'progress');
  const log = arrayField(progress['log'], 'progress.log', training.epochsDone, training.epochsDone).map((item, index) => {
    const entry = objectField(item, `progress.log[${index}]`);
    integerField(entry['epoch'], `progress.log[${index}].epoch`, index + 1, index + 1);
    for (const key of ['meanBatchLoss', 'testLoss', 'testAccuracy'] as const) measuredField(entry[key], `progress.log[${index}].${key}`);
    return entry as unknown as EpochLogEntry;
  });
  return { log };
}

export interface EpochLogEntry {
  readonly epoch: number;
  readonly meanBatchLoss: number;
  readonly testLoss: number;
  readonly testAccuracy: number;
}

/** Runs one epoch; a non-finite loss ends the command (exit code 1) with where it happened and what to try. */
function trainOrStop<T>(epoch: () => T): T {
  try {
    return epoch();
  } catch (error) {
    if (!(error instanceof DivergedError)) throw error;
    const what = error instanceof NonFiniteParameterError
      ? `parameter ${error.parameter} holds ${error.value} at element ${error.index} after epoch ${error.epoch}`
      : `loss is ${error.value} at epoch ${error.epoch}, step ${error.step}`;
    throw new Error(`training diverged: ${what}; ` +
      'rerun with --detect-anomaly to name the op that first produced a NaN or Infinity, or try a smaller --lr');
  }
}

/** The checkpoint folder of a run: `<out>.checkpoint/` beside the output file. */
function checkpointFolder(out: string): string {
  return join(dirname(out), `${basename(out)}.checkpoint`);
}

/** The one job of a train run: the config and where the weights go (plain data, posted to the worker thread). */
export interface TrainJob {
  readonly config: TrainConfig;
  readonly out: string;
}

/** Trains the network epoch by epoch, saving a checkpoint after each, then its weights to `job.out`; returns the log. */
function trainJob(job: TrainJob, data: TrainTestSplit, context: JobContext<EpochLogEntry>): EpochLogEntry[] {
  const { config } = job;
  const { train, test } = data;
  let state = startTraining({ hidden: config.hidden, activation: config.activation, negativeSlope: config.alpha, init: config.init }, config, inputWidth(train), config.seed);
  const log: EpochLogEntry[] = [];
  if (context.checkpoint?.resume) {
    const saved = loadCheckpoint(context.checkpoint, checkTrainProgress);
    state = restoreTraining(state, saved.training!, saved.tensors, context.checkpoint.path);
    log.push(...saved.progress.log);
  }
  for (let epoch = state.epochsDone + 1; epoch <= config.epochs; epoch++) {
    const outcome = trainOrStop(() => trainEpoch(state.model, state.optimizer, train, {
      batchSize: config.batchSize,
      dataGenerator: state.dataGenerator,
      epoch,
      onStep: () => context.progress(1),
    }));
    state.epochsDone = epoch;
    const testResult = evaluate(state.model, test);
    const entry = { epoch, meanBatchLoss: outcome.meanBatchLoss, testLoss: testResult.loss, testAccuracy: testResult.accuracy };
    log.push(entry);
    if (context.checkpoint !== null) saveCheckpoint(context.checkpoint, state, { log } satisfies TrainProgress);
    context.post(entry);
  }
  const last = log[log.length - 1]!;
  // nn's save writes atomically but expects the folder to exist.
  createFolder(dirname(job.out));
  save(state.model, job.out, { [TRAIN_CONFIG_KEY]: JSON.stringify(config), 'gradlab.testAccuracy': String(last.testAccuracy) });
  return log;
}

export default defineExperiment({
  command: {
    name: 'train',
    summary: 'Trains an MLP (784-256-256-10 ReLU by default) on MNIST and saves its weights as a safetensors checkpoint.',
    details:
      'After every epoch a resumable checkpoint is saved to <out>.checkpoint/last.safetensors (removed when the run finishes); ' +
      'if the run is interrupted, the same command with --resume continues it, with the same final bytes.\n' +
      'Then: gradlab eval runs/mnist-mlp.safetensors',
    flags,
  },
  module: import.meta.url,

  configure(options): TrainConfig {
    checkNetworkSize('train', `--hidden ${options.hidden.join(',')}`, options.hidden);
    return {
      hidden: options.hidden,
      activation: options.activation,
      alpha: options.alpha,
      init: options.init,
      optimizer: options.optimizer,
      lr: options.lr,
      momentum: options.momentum,
      epochs: options.epochs,
      batchSize: options.batchSize,
      seed: options.seed,
      dataDir: options.dataDir,
      trainSize: options.trainSize,
      testSize: options.testSize,
      splitSeed: options.splitSeed,
    };
  },
  output: (options) => ({ path: options.out, what: `train --out ${options.out}`, inputs: options.dataDir === undefined ? [] : [options.dataDir] }),
  jobs: (config, options): TrainJob[] => [{ config, out: options.out }],
  jobId: () => 'train',
  work: ({ config }, _config, data) => config.epochs * batchCount(data.train.count, config.batchSize),
  shared: (_config, options) => loadDataFor('train', dataOptions(options)),
  store: (options, config, data) => checkpointStore<TrainJob, EpochLogEntry[], TrainProgress>({
    command: 'train',
    folder: checkpointFolder(options.out),
    fileName: () => 'last.safetensors',
    flags: resultFlags(options),
    check: checkTrainProgress,
    // A train checkpoint always holds its network: the run ends by removing it.
    finished: () => null,
    unitsDone: (saved) => (saved.training?.epochsDone ?? 0) * batchCount(data.train.count, config.batchSize),
    seconds: () => 0,
    state: (_job, saved) => `after epoch ${saved?.training?.epochsDone ?? 0} of ${config.epochs}`,
    stale: 'refuse',
  }),
  describe: ({ config, shared: data }) => `train: a ${[inputWidth(data.train), ...config.hidden, 10].join('-')} ${config.activation} MLP on ${data.train.count} images, ${quantity(config.epochs, 'epoch')}`,
  runJob: trainJob,
  onEvent(entry, job, view) {
    view.log(`train: epoch ${entry.epoch}/${job.config.epochs}: test accuracy ${percent(entry.testAccuracy)}; checkpoint saved`);
  },
  async report({ config, jobs, results, shared: data, seconds }) {
    const log = results[0]!;
    const out = jobs[0]!.out;
    const last = log[log.length - 1]!;
    const logPath = join(dirname(out), `${basename(out)}.log.json`);
    writeOutputFile(logPath, `${JSON.stringify({ config, epochs: log }, null, 2)}\n`);
    return {
      filesWritten: [out, logPath],
      summary: `train: test accuracy ${percent(last.testAccuracy)} (${Math.round(last.testAccuracy * data.test.count)}/${data.test.count}) after ${quantity(config.epochs, 'epoch')}, in ${formatDuration(seconds)}`,
    };
  },
});
