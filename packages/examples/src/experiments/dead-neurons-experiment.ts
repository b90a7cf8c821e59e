/**
 * `gradlab dead-neurons`, declared for the runner (runner/experiment.ts):
 * the flagship experiment (experiments/dead-neurons.ts) and its report
 * folder (report/dead-neurons.ts).
 *
 * One job per network (an activation and a seed). The networks are
 * independent, so they train side by side, each in a worker thread, all at
 * once unless `--workers` says how many; with `--workers 1` they train one
 * after another in the command's thread. The results are the same bits
 * either way.
 *
 * Each network has a checkpoint file of its own,
 * `<out>/checkpoint/<activation>-seed<seed>.safetensors` (the runner's
 * checkpoint store, runner/stores.ts), replaced atomically after every
 * measurement: the weights, optimizer state and batch order
 * (experiments/checkpoint.ts) and the measurements so far. When the network
 * is done its final weights go to `<out>/models/<activation>-seed<seed>.safetensors`,
 * and its checkpoint then records the finished run, so that `--resume` does
 * not train it again; the finished run's files are byte-identical to those
 * of a run that never stopped.
 */
import { dirname, join } from 'node:path';
import { ACTIVATION_KINDS, save as saveWeights, type ActivationKind } from '@gradlab/nn';
import { CHECKPOINT_FILE, resultFlags, trainingRunFlags } from '../cli/checkpoints.js';
import { formatDuration } from '../cli/progress.js';
import { ACTIVATION_CHOICES, checkNetworkSize, dataFlags, dataOptions, dataSourceName, INIT_CHOICES, loadDataFor, OPTIMIZER_CHOICES } from '../cli/shared-flags.js';
import { batchCount } from '../data/batches.js';
import { firstImages, type Dataset } from '../data/dataset.js';
import { createFolder } from '../io/atomic.js';
import { arrayField, booleanField, choiceField, FieldError, integerField, measuredField, numberField, objectField } from '../io/fields.js';
import { formatInterval, writeDeadNeuronsReport } from '../report/dead-neurons.js';
import { percent } from '../report/format.js';
import { defineExperiment, type JobContext } from '../runner/experiment.js';
import { checkpointStore, loadCheckpoint, saveCheckpoint, type JobStore } from '../runner/stores.js';
import { restoreTraining, type ProgressCheck, type SavedTraining } from './checkpoint.js';
import {
  deadNeuronsResults, networksOf, runOneActivation, startNetwork, validateConfig,
  type ActivationRun, type DeadNeuronsConfig, type EpochSnapshot, type NetworkInProgress,
} from './dead-neurons.js';
import type { InitialGradient } from './gradient-flow.js';
import type { LifetimeMeasurement } from './lifetimes.js';
import { inputWidth, type TrainingState } from './training.js';

/** What a network's checkpoint holds besides its tensors. */
export interface NetworkCheckpoint {
  readonly activation: ActivationKind;
  readonly seed: number;
  /** The measurements so far: epoch 0 (initialisation), then each finished epoch. */
  readonly epochs: readonly EpochSnapshot[];
  /** The lifetime measurements so far. */
  readonly lifetimeMeasurements: readonly LifetimeMeasurement[];
  /** Measured before training. */
  readonly initialGradient: InitialGradient | null;
  /** The whole run once the network is done (its weights are then in models/), else null. */
  readonly finished: ActivationRun | null;
  /** Wall-clock seconds spent on this network so far, for timing.json. */
  readonly seconds: number;
}

/**
 * Checks a network's checkpoint record field by field (FieldError otherwise):
 * one measurement per epoch from 0 to training.epochsDone while the network
 * trains, the lifetime measurements in step order, the initial gradient
 * while it trains; a finished run of the same activation and seed once it is done.
 */
export function checkNetworkProgress(value: unknown, training: SavedTraining | null): NetworkCheckpoint {
  const progress = objectField(value, 'progress');
  const activation = choiceField(progress['activation'], 'progress.activation', ACTIVATION_KINDS);
  const seconds = numberField(progress['seconds'], 'progress.seconds', 0);
  const finished = progress['finished'] === null ? null : objectField(progress['finished'], 'progress.finished');
  if (training === null && finished === null) throw new FieldError('progress.finished', 'is null, but so is training: the checkpoint holds neither a network in training nor a finished run');
  const count = training === null ? undefined : training.epochsDone + 1;
  const epochs = arrayField(progress['epochs'], 'progress.epochs', count ?? 1, count ?? 10001).map((item, index) => {
    const snapshot = objectField(item, `progress.epochs[${index}]`);
    integerField(snapshot['epoch'], `progress.epochs[${index}].epoch`, index, index);
    for (const key of ['trainLoss', 'testLoss', 'testAccuracy', 'inactive', 'inactiveFraction'] as const) measuredField(snapshot[key], `progress.epochs[${index}].${key}`);
    booleanField(snapshot['outputConstant'], `progress.epochs[${index}].outputConstant`);
    arrayField(snapshot['layers'], `progress.epochs[${index}].layers`, 0, 10000).forEach((layer, l) => objectField(layer, `progress.epochs[${index}].layers[${l}]`));
    return snapshot as unknown as EpochSnapshot;
  });
  const seed = integerField(progress['seed'], 'progress.seed', 0, Number.MAX_SAFE_INTEGER);
  if (finished !== null) {
    choiceField(finished['activation'], 'progress.finished.activation', [activation]);
    integerField(finished['seed'], 'progress.finished.seed', seed, seed);
    arrayField(finished['epochs'], 'progress.finished.epochs', epochs.length, epochs.length);
  }
  const unitLists = (item: unknown, field: string): number[][] =>
    arrayField(item, field, 0, 10000).map((list, layer) => arrayField(list, `${field}[${layer}]`).map((unit, i) => integerField(unit, `${field}[${layer}][${i}]`, 0, 1e9)));
  let lastStep = -1;
  const lifetimeMeasurements = arrayField(progress['lifetimeMeasurements'], 'progress.lifetimeMeasurements').map((item, index): LifetimeMeasurement => {
    const field = `progress.lifetimeMeasurements[${index}]`;
    const measurement = objectField(item, field);
    const step = integerField(measurement['step'], `${field}.step`, lastStep + 1, Number.MAX_SAFE_INTEGER);
    lastStep = step;
    const optional = (key: 'frozen' | 'unmoved'): number[][] | null => {
      if (index === 0 && measurement[key] === null) return null;
      return unitLists(measurement[key], `${field}.${key}`);
    };
    return { step, inactive: unitLists(measurement['inactive'], `${field}.inactive`), frozen: optional('frozen'), unmoved: optional('unmoved') };
  });
  let initialGradient: InitialGradient | null = null;
  if (progress['initialGradient'] !== null) {
    const gradient = objectField(progress['initialGradient'], 'progress.initialGradient');
    initialGradient = {
      images: integerField(gradient['images'], 'progress.initialGradient.images', 1, Number.MAX_SAFE_INTEGER),
      biasGradientNorms: arrayField(gradient['biasGradientNorms'], 'progress.initialGradient.biasGradientNorms', 0, 10000)
        .map((norm, i) => numberField(norm, `progress.initialGradient.biasGradientNorms[${i}]`, 0)),
      shrinkPerLayer: gradient['shrinkPerLayer'] === null ? null : numberField(gradient['shrinkPerLayer'], 'progress.initialGradient.shrinkPerLayer', 0),
    };
  }
  if (training !== null && initialGradient === null) throw new FieldError('progress.initialGradient', 'is null, but the network is in training: it is measured before the first step');
  return { activation, seed, epochs, lifetimeMeasurements, initialGradient, finished: finished as unknown as ActivationRun | null, seconds };
}

/** One network of the experiment: plain data, posted to its worker thread. */
export interface NetworkJob {
  readonly config: DeadNeuronsConfig;
  readonly activation: ActivationKind;
  readonly seed: number;
  /** Where its final weights go: `<out>/models/<activation>-seed<seed>.safetensors`. */
  readonly modelPath: string;
}

/** What a running network posts besides its progress: each measurement, already saved in its checkpoint. */
export interface NetworkMeasured {
  readonly snapshot: EpochSnapshot;
}

/** The datasets, loaded once and given to every worker. */
export interface NetworkData {
  readonly train: Dataset;
  readonly test: Dataset;
}

/** The file name of one network's checkpoint or final weights: `<activation>-seed<seed>.safetensors`. */
export function networkFileName(activation: ActivationKind, seed: number): string {
  return `${activation}-seed${seed}.safetensors`;
}

/** A network's earlier checkpoint, read back to continue it. */
function resumeFromCheckpoint(job: NetworkJob, data: NetworkData, context: JobContext<NetworkMeasured>): { network: NetworkInProgress; secondsBefore: number } | undefined {
  const { checkpoint } = context;
  if (checkpoint === null || !checkpoint.resume) return undefined;
  const { config, activation, seed } = job;
  const saved = loadCheckpoint(checkpoint, checkNetworkProgress);
  if (saved.training === null || saved.progress.activation !== activation || saved.progress.seed !== seed || saved.progress.initialGradient === null) {
    throw new Error(`${checkpoint.path} does not hold a ${activation} network of seed ${seed} in training`);
  }
  const training = restoreTraining(startNetwork(config, activation, seed, inputWidth(data.train)), saved.training, saved.tensors, checkpoint.path);
  return {
    network: { activation, seed, training, epochs: [...saved.progress.epochs], initialGradient: saved.progress.initialGradient, lifetimeMeasurements: [...saved.progress.lifetimeMeasurements] },
    secondsBefore: saved.progress.seconds,
  };
}

/**
 * Trains and measures one network (experiments/dead-neurons.ts's
 * `runOneActivation`), saving its checkpoint after every measurement and its
 * final weights at the end; one progress unit per training step. Returns the run.
 */
export function trainNetwork(job: NetworkJob, data: NetworkData, context: JobContext<NetworkMeasured>): ActivationRun {
  const { config, activation, seed } = job;
  const resumed = resumeFromCheckpoint(job, data, context);
  const startedAt = Date.now();
  const seconds = (): number => (resumed?.secondsBefore ?? 0) + (Date.now() - startedAt) / 1000;
  const save = (network: Pick<NetworkInProgress, 'epochs' | 'lifetimeMeasurements' | 'initialGradient'> | null, training: TrainingState | null, finished: ActivationRun | null): void => {
    if (context.checkpoint === null) return;
    const progress: NetworkCheckpoint = {
      activation, seed, epochs: network?.epochs ?? finished?.epochs ?? [], lifetimeMeasurements: network?.lifetimeMeasurements ?? [],
      initialGradient: network?.initialGradient ?? null, finished, seconds: seconds(),
    };
    saveCheckpoint(context.checkpoint, training, progress);
  };
  const measured = firstImages(data.train, config.measureSize);
  return runOneActivation(config, activation, seed, data.train, data.test, measured, {
    onStep: () => context.progress(1),
    onMeasured: (network) => {
      // Saved before it is reported: a measurement on the screen is one a resume keeps.
      save(network, network.training, null);
      context.post({ snapshot: network.epochs[network.epochs.length - 1]! });
    },
    onNetworkDone: (done, model) => {
      createFolder(dirname(job.modelPath));
      saveWeights(model, job.modelPath, { 'gradlab.activation': activation, 'gradlab.seed': String(seed), 'gradlab.epochs': String(done.epochs[done.epochs.length - 1]!.epoch) });
      // Only once the weights are written does the checkpoint call the network finished (its lifetimes are in the run).
      save(null, null, done);
    },
  }, resumed?.network);
}

const flags = {
  activations: { kind: 'choice-list', choices: ACTIVATION_CHOICES, distinct: true, default: ['relu', 'leaky-relu', 'sigmoid'], description: 'Activations to compare, each trained from every seed' },
  depth: { kind: 'int', min: 1, max: 200, default: 10, description: 'Number of hidden layers' },
  width: { kind: 'int', min: 1, max: 4096, default: 64, description: 'Units per hidden layer' },
  optimizer: { kind: 'choice', choices: OPTIMIZER_CHOICES, default: 'adam', description: 'Optimizer' },
  lr: { kind: 'number', positive: true, default: 0.005, description: 'Learning rate' },
  momentum: { kind: 'number', min: 0, max: 0.999, default: 0, description: 'SGD momentum (ignored by Adam)' },
  epochs: { kind: 'int', min: 0, max: 10000, default: 10, description: 'Training epochs' },
  batchSize: { kind: 'int', min: 1, default: 64, description: 'Mini-batch size' },
  init: { kind: 'choice', choices: INIT_CHOICES, default: 'default', description: 'Weight initialisation (default: He normal for the ReLU family, Xavier uniform for Sigmoid/Tanh)' },
  alpha: { kind: 'number', min: 0, max: 1, default: 0.01, description: 'Negative slope: LeakyReLU alpha (the spec default, 0.01), PReLU initial slope' },
  seeds: { kind: 'int-list', distinct: true, min: 0, default: [0, 1, 2, 3, 4], description: 'Seeds of the weights and of the batch order: every activation is trained once per seed (ranges allowed: 0-4)' },
  saturationEps: { kind: 'number', min: 1e-9, max: 0.49, default: 0.01, description: 'Sigmoid: output within eps of 0 or 1 counts as saturated' },
  measureSize: { kind: 'int', min: 0, default: 2000, description: 'Training images (the first ones) on which inactive units are measured (0 = all)' },
  measureEvery: { kind: 'int', min: 1, default: 25, description: 'Training steps between two measurements of every unit (each epoch\'s end is measured too)' },
  ...dataFlags,
  workers: { kind: 'int', min: 1, max: 64, description: 'Networks trained at once, each in a worker thread (default: all of them; 1: one after another in this thread)' },
  out: { kind: 'string', default: 'reports/dead-neurons', description: 'Report folder (the checkpoints go to <out>/checkpoint/ while the run lasts)' },
  ...trainingRunFlags,
} as const;

/** What every network's checkpoint records beside its own fields (dead-neurons', remedies'). */
interface NetworkProgress<Result> {
  readonly seed: number;
  readonly finished: Result | null;
  readonly seconds: number;
}

/**
 * The checkpoint store of an experiment that trains one network per job and
 * saves it after every epoch (dead-neurons, remedies): one file per network
 * in `<out>/checkpoint`, replaced by a fresh run, and refused on `--resume`
 * when it holds another network than its job's (a renamed file, say).
 *
 * @example
 * store: (options, config, data) => networkCheckpointStore({
 *   command: 'dead-neurons', options, epochs: config.epochs,
 *   stepsPerEpoch: batchCount(data.train.count, config.batchSize),
 *   check: checkNetworkProgress, fileName: (job) => networkFileName(job.activation, job.seed),
 *   network: (job) => job.activation, savedNetwork: (progress) => String(progress.activation),
 * }),
 */
export function networkCheckpointStore<Job extends { readonly seed: number }, Result, Progress extends NetworkProgress<Result>>(spec: {
  /** The command, recorded in every file. */
  readonly command: string;
  /** The command's flags: `out` names the folder, the flags that shape results are recorded. */
  readonly options: Readonly<Record<string, unknown>> & { readonly out: string };
  /** A network's epochs, and its training steps per epoch (the job's `work` is their product). */
  readonly epochs: number;
  readonly stepsPerEpoch: number;
  readonly check: ProgressCheck<Progress>;
  fileName(job: Job): string;
  /** What the job trains, and what a saved file says it trained ('relu', 'batch-norm'). */
  network(job: Job): string;
  savedNetwork(progress: Progress): string;
  readonly olderFiles?: readonly string[];
}): JobStore<Job, Result> {
  return checkpointStore<Job, Result, Progress>({
    command: spec.command,
    folder: join(spec.options.out, 'checkpoint'),
    fileName: spec.fileName,
    flags: resultFlags(spec.options),
    check: spec.check,
    checkOwner: (saved, job, path) => {
      if (spec.savedNetwork(saved.progress) !== spec.network(job) || saved.progress.seed !== job.seed) {
        throw new Error(`--resume: ${path} holds a ${spec.savedNetwork(saved.progress)} network of seed ${String(saved.progress.seed)}, not ${spec.network(job)} of seed ${job.seed}; delete it, or leave out --resume to start again`);
      }
    },
    finished: (saved) => saved.progress.finished,
    unitsDone: (saved) => (saved.progress.finished ? spec.epochs : saved.training?.epochsDone ?? 0) * spec.stepsPerEpoch,
    seconds: (saved) => saved.progress.seconds,
    state: (job, saved) => {
      const name = `${spec.network(job)} seed ${job.seed}`;
      if (saved === undefined) return `${name} not started`;
      return saved.progress.finished ? `${name} finished` : `${name} after epoch ${saved.training?.epochsDone ?? 0}`;
    },
    stale: 'replace',
    ...(spec.olderFiles === undefined ? {} : { olderFiles: spec.olderFiles }),
  });
}

/** How failures name a network: "the relu network of seed 0". */
function networkName(job: NetworkJob): string {
  return `the ${job.activation} network of seed ${job.seed}`;
}

export default defineExperiment({
  command: {
    name: 'dead-neurons',
    summary:
      'Trains the same deep MLP once per activation and seed (networks of one seed: same weight stream, same batches) and records, ' +
      'every --measure-every steps, which units of every hidden layer are dead (ReLU), dead-like (LeakyReLU) or saturated (Sigmoid), ' +
      'which got no gradient in between, and at every epoch the activation mean and std, the training loss and the test accuracy; ' +
      'it reports means with 95% confidence intervals over seeds and compares activations seed by seed (paired t-test).',
    details:
      'Writes <out>/results.json (no timestamps: same flags, same bytes), seeds.csv, layers.csv, units.csv, charts (SVG and PNG) and report.md, ' +
      'plus timing.json with the wall-clock durations.\n' +
      'Example: gradlab dead-neurons --depth 6 --width 32 --epochs 3 --optimizer sgd --lr 0.5',
    flags,
    presets: {
      quick: {
        description: 'A small run (about 10 s on 2 cores) to try the command',
        values: { depth: 4, width: 32, epochs: 2, trainSize: 1000, testSize: 500, out: 'reports/dead-neurons-quick' },
      },
    },
  },
  module: import.meta.url,

  configure(options): DeadNeuronsConfig {
    const config: DeadNeuronsConfig = {
      activations: options.activations,
      depth: options.depth,
      width: options.width,
      optimizer: options.optimizer,
      lr: options.lr,
      momentum: options.momentum,
      epochs: options.epochs,
      batchSize: options.batchSize,
      init: options.init,
      alpha: options.alpha,
      seeds: options.seeds,
      saturationEps: options.saturationEps,
      measureSize: options.measureSize,
      measureEvery: options.measureEvery,
    };
    validateConfig(config);
    checkNetworkSize('dead-neurons', `--depth ${config.depth} --width ${config.width}`, Array<number>(config.depth).fill(config.width));
    return config;
  },

  output: (options) => ({ path: options.out, what: `dead-neurons --out ${options.out}`, folder: options.out, inputs: options.dataDir === undefined ? [] : [options.dataDir] }),

  jobs: (config, options) => networksOf(config).map(({ activation, seed }): NetworkJob => ({
    config, activation, seed, modelPath: join(options.out, 'models', networkFileName(activation, seed)),
  })),
  jobId: (job) => `${job.activation} seed ${job.seed}`,
  jobName: networkName,
  work: (_job, config, data) => config.epochs * batchCount(data.train.count, config.batchSize),

  store: (options, config, data) => networkCheckpointStore<NetworkJob, ActivationRun, NetworkCheckpoint>({
    command: 'dead-neurons',
    options,
    epochs: config.epochs,
    stepsPerEpoch: batchCount(data.train.count, config.batchSize),
    check: checkNetworkProgress,
    fileName: (job) => networkFileName(job.activation, job.seed),
    network: (job) => job.activation,
    savedNetwork: (progress) => String(progress.activation),
    olderFiles: [CHECKPOINT_FILE, ...ACTIVATION_KINDS.map((activation) => `${activation}.safetensors`)],
  }),

  shared: (_config, options): NetworkData => loadDataFor('dead-neurons', dataOptions(options)),

  describe: ({ config, jobs, shared: data }) =>
    `dead-neurons: ${config.activations.join(', ')}, seeds ${config.seeds.join(', ')} (${jobs.length} networks); ${config.depth} × ${config.width} hidden; ${data.train.count} train / ${data.test.count} test images`,

  // All networks at once by default, even beyond the number of cores: the system then shares
  // the cores among them to the end, where a pool of one per core would leave cores idle while
  // the last networks train (3 networks on 2 cores: 1.11-1.85x faster than 2 at a time, docs/performance.md).
  defaultWorkers: (todo) => todo.length,

  runJob: trainNetwork,

  onEvent({ snapshot }, job, view) {
    // One line per measurement, above the bar, so the log tells the story as it happens.
    view.log(`  ${job.activation} seed ${job.seed} epoch ${snapshot.epoch}: inactive ${snapshot.inactive} (${percent(snapshot.inactiveFraction)}), train loss ${snapshot.trainLoss.toFixed(4)}, test accuracy ${percent(snapshot.testAccuracy)}`);
  },

  onResult(job, run, view) {
    const { diverged } = run;
    if (diverged) view.log(`  ${job.activation} seed ${job.seed} diverged: loss is ${diverged.loss} at epoch ${diverged.epoch}, step ${diverged.step}; recorded as a result`);
  },

  async report({ flags: options, config, shared: data, jobs, results: runs, commandLine, seconds }) {
    const results = deadNeuronsResults(config, data, dataSourceName(options.dataDir), runs);
    const files = await writeDeadNeuronsReport(results, options.out, commandLine);
    files.push(...jobs.map((job) => job.modelPath));
    const lines = results.summary.activations.map((summary) => {
      const { inactiveAtEnd, permanentlyDead, testAccuracy } = summary.metrics;
      const divergedRuns = results.runs.filter((run) => run.activation === summary.activation && run.diverged !== null);
      const diverged = divergedRuns.length === 0 ? '' : ` (diverged: ${divergedRuns.map((run) => `seed ${run.seed} loss ${run.diverged!.loss} at epoch ${run.diverged!.epoch}, step ${run.diverged!.step}`).join('; ')})`;
      return `  ${summary.activation.padEnd(10)} ${summary.inactiveMeaning.padEnd(9)} ${formatInterval(inactiveAtEnd, 'fraction')} of hidden units, ` +
        `permanently ${formatInterval(permanentlyDead, 'fraction')}, test accuracy ${formatInterval(testAccuracy, 'fraction')}${diverged}`;
    });
    return {
      filesWritten: files,
      summary: [`dead-neurons finished in ${formatDuration(seconds)}. After the last epoch, mean [95% interval] over seeds ${config.seeds.join(', ')}:`, ...lines].join('\n'),
    };
  },
});
