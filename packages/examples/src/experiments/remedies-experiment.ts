/**
 * `gradlab remedies`, declared for the runner (runner/experiment.ts): what
 * keeps ReLU units alive? The same deep MLP trained under each remedy of
 * experiments/remedies.ts's table, from the same seeds, side by side; the
 * report (report/remedies.ts) ranks the remedies, compares each with the
 * baseline seed by seed and checks each source's claim.
 *
 * One job per network (a remedy and a seed), one worker thread per core by
 * default (sixty-five networks at once would need some 8 GB), the BatchNorm
 * networks first because they are the slowest. Each network has a
 * checkpoint of its own, `<out>/checkpoint/<remedy>-seed<seed>.safetensors`
 * (the runner's checkpoint store), replaced after every measurement: the
 * weights with BatchNorm's running statistics, the optimizer state, the batch
 * order and dead-neurons' progress record. The warm-up's learning rate is a
 * closed form of the steps done, so it needs no record of its own.
 *
 * A job's result is the run and the network's training seconds: the run goes
 * to results.json (byte-identical for the same flags), the seconds to
 * report.md's training-time column.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { resultFlags, trainingRunFlags } from '../cli/checkpoints.js';
import { UsageError } from '../cli/args.js';
import { formatDuration } from '../cli/progress.js';
import { checkNetworkSize, dataFlags, dataOptions, dataSourceName, loadDataFor, OPTIMIZER_CHOICES } from '../cli/shared-flags.js';
import { batchCount } from '../data/batches.js';
import { firstImages, type Dataset } from '../data/dataset.js';
import { choiceField, numberField, objectField } from '../io/fields.js';
import { formatInterval } from '../report/dead-neurons.js';
import { percent } from '../report/format.js';
import { writeRemediesReport } from '../report/remedies.js';
import { defineExperiment, type JobContext } from '../runner/experiment.js';
import { loadCheckpoint, saveCheckpoint } from '../runner/stores.js';
import { restoreTraining, type SavedTraining } from './checkpoint.js';
import type { EpochSnapshot, NetworkInProgress } from './dead-neurons.js';
import { checkNetworkProgress, networkCheckpointStore, type NetworkCheckpoint } from './dead-neurons-experiment.js';
import {
  BASELINE, REMEDIES, REMEDY_NAMES, remediesResults, remedyNetworks, runOneRemedy, startRemedy, validateRemediesConfig,
  type RemediesConfig, type RemedyName, type RemedyRun,
} from './remedies.js';
import { inputWidth, type TrainingState } from './training.js';

/** One network: plain data, posted to its worker thread. */
export interface RemedyJob {
  readonly config: RemediesConfig;
  readonly remedy: RemedyName;
  readonly seed: number;
}

/** A finished network: its run (for results.json) and its training seconds (for report.md). */
export interface RemedyResult {
  readonly run: RemedyRun;
  readonly seconds: number;
}

/** What a remedy network's checkpoint holds besides its tensors: dead-neurons' record, with the remedy and, once done, the result. */
export type RemedyCheckpoint = Omit<NetworkCheckpoint, 'finished'> & { readonly remedy: RemedyName; readonly finished: RemedyResult | null };

/** The datasets, loaded once and given to every worker. */
export interface RemedyData {
  readonly train: Dataset;
  readonly test: Dataset;
}

/** The file name of one network's checkpoint: `<remedy>-seed<seed>.safetensors`. */
export function remedyFileName(remedy: RemedyName, seed: number): string {
  return `${remedy}-seed${seed}.safetensors`;
}

/** Checks a remedy network's checkpoint record: dead-neurons' checks, the remedy's name and its activation. */
export function checkRemedyProgress(value: unknown, training: SavedTraining | null): RemedyCheckpoint {
  const progress = objectField(value, 'progress');
  const finished = progress['finished'] === null ? null : objectField(progress['finished'], 'progress.finished');
  if (finished !== null) numberField(finished['seconds'], 'progress.finished.seconds', 0);
  const checked = checkNetworkProgress({ ...progress, finished: finished === null ? null : finished['run'] }, training);
  const remedy = choiceField(progress['remedy'], 'progress.remedy', REMEDY_NAMES);
  choiceField(checked.activation, 'progress.activation', [REMEDIES[remedy].activation]);
  return { ...checked, remedy, finished: finished as unknown as RemedyResult | null };
}

/** Trains and measures one network (runOneRemedy), saving its checkpoint after every measurement; one progress unit per training step. */
export function trainRemedyNetwork(job: RemedyJob, data: RemedyData, context: JobContext<EpochSnapshot>): RemedyResult {
  const { config, remedy, seed } = job;
  const activation = REMEDIES[remedy].activation;
  let resumeFrom: NetworkInProgress | undefined;
  let secondsBefore = 0;
  const { checkpoint } = context;
  if (checkpoint !== null && checkpoint.resume) {
    const saved = loadCheckpoint(checkpoint, checkRemedyProgress);
    if (saved.training === null || saved.progress.remedy !== remedy || saved.progress.seed !== seed || saved.progress.initialGradient === null) {
      throw new Error(`${checkpoint.path} does not hold a ${remedy} network of seed ${seed} in training`);
    }
    const fresh = startRemedy(config, remedy, seed, inputWidth(data.train), data.train.count, saved.training.epochsDone);
    const training = restoreTraining(fresh, saved.training, saved.tensors, checkpoint.path);
    resumeFrom = { activation, seed, training, epochs: [...saved.progress.epochs], initialGradient: saved.progress.initialGradient, lifetimeMeasurements: [...saved.progress.lifetimeMeasurements] };
    secondsBefore = saved.progress.seconds;
  }
  const startedAt = Date.now();
  const seconds = (): number => secondsBefore + (Date.now() - startedAt) / 1000;
  const save = (network: Pick<NetworkInProgress, 'epochs' | 'lifetimeMeasurements' | 'initialGradient'> | null, training: TrainingState | null, finished: RemedyResult | null): void => {
    if (checkpoint === null) return;
    const progress: RemedyCheckpoint = {
      remedy, activation, seed, epochs: network?.epochs ?? finished?.run.epochs ?? [], lifetimeMeasurements: network?.lifetimeMeasurements ?? [],
      initialGradient: network?.initialGradient ?? null, finished, seconds: seconds(),
    };
    saveCheckpoint(checkpoint, training, progress);
  };
  const run = runOneRemedy(config, remedy, seed, data.train, data.test, firstImages(data.train, config.measureSize), {
    onStep: () => context.progress(1),
    onMeasured: (network) => {
      // Saved before it is reported: a measurement on the screen is one a resume keeps.
      save(network, network.training, null);
      context.post(network.epochs[network.epochs.length - 1]!);
    },
  }, resumeFrom);
  const result = { run, seconds: seconds() };
  save(null, null, result);
  return result;
}

const flags = {
  remedies: { kind: 'choice-list', choices: REMEDY_NAMES, distinct: true, default: [...REMEDY_NAMES], description: `Remedies to compare, each trained from every seed; '${BASELINE}' (the baseline) must be among them` },
  depth: { kind: 'int', min: 1, max: 200, default: 10, description: 'Number of hidden layers' },
  width: { kind: 'int', min: 1, max: 4096, default: 64, description: 'Units per hidden layer' },
  optimizer: { kind: 'choice', choices: OPTIMIZER_CHOICES, default: 'adam', description: 'Optimizer' },
  lr: { kind: 'number', positive: true, default: 0.005, description: 'Learning rate of the baseline (lower-lr uses a fifth of it)' },
  momentum: { kind: 'number', min: 0, max: 0.999, default: 0, description: 'SGD momentum (ignored by Adam)' },
  epochs: { kind: 'int', min: 1, max: 10000, default: 10, description: 'Training epochs' },
  batchSize: { kind: 'int', min: 1, default: 64, description: 'Mini-batch size' },
  seeds: { kind: 'int-list', distinct: true, min: 0, default: [0, 1, 2, 3, 4], description: 'Seeds of the weights and of the batch order: every remedy is trained once per seed (ranges allowed: 0-4)' },
  saturationEps: { kind: 'number', min: 1e-9, max: 0.49, default: 0.01, description: 'Saturation threshold of the smooth activations (ELU, SELU, GELU, SiLU)' },
  measureSize: { kind: 'int', min: 0, default: 2000, description: 'Training images (the first ones) on which inactive units are measured (0 = all)' },
  measureEvery: { kind: 'int', min: 1, default: 25, description: 'Training steps between two measurements of every unit (each epoch\'s end is measured too)' },
  ...dataFlags,
  workers: { kind: 'int', min: 1, max: 64, description: 'Networks trained at once, each in a worker thread (default: one per core, at least 2; 1: one after another in this thread)' },
  out: { kind: 'string', default: 'reports/remedies', description: 'Report folder (the checkpoints go to <out>/checkpoint/ while the run lasts)' },
  ...trainingRunFlags,
} as const;

export default defineExperiment({
  command: {
    name: 'remedies',
    summary:
      'What keeps ReLU units alive? Trains the same deep MLP under each remedy (RAI, BatchNorm, residual, LeakyReLU, PReLU, ELU, SELU, GELU, SiLU, ' +
      'a lower learning rate, warm-up) from the same seeds and batches, and reports snapshot-dead, permanently dead and revived units, accuracy, loss ' +
      'and training time with 95% confidence intervals, each remedy compared with the ReLU baseline seed by seed and checked against its source\'s claim.',
    details:
      'Writes <out>/results.json (no timestamps: same flags, same bytes), seeds.csv, three charts (SVG and PNG), report.md and timing.json.\n' +
      'Example: gradlab remedies --remedies relu,rai,batch-norm --seeds 0-9 --epochs 5',
    flags,
    presets: {
      quick: {
        description: 'A small run (about a minute on 2 cores) to try the command',
        values: { depth: 6, width: 32, epochs: 3, seeds: [0, 1, 2], trainSize: 2000, testSize: 1000, out: 'reports/remedies-quick' },
      },
    },
  },
  module: import.meta.url,

  configure(options): RemediesConfig {
    const config: RemediesConfig = {
      remedies: options.remedies,
      depth: options.depth,
      width: options.width,
      optimizer: options.optimizer,
      lr: options.lr,
      momentum: options.momentum,
      epochs: options.epochs,
      batchSize: options.batchSize,
      seeds: options.seeds,
      saturationEps: options.saturationEps,
      measureSize: options.measureSize,
      measureEvery: options.measureEvery,
    };
    if (!config.remedies.includes(BASELINE)) {
      throw new UsageError(`remedies: --remedies must include '${BASELINE}', the baseline every remedy is compared with seed by seed; got ${config.remedies.join(',')}`);
    }
    validateRemediesConfig(config);
    checkNetworkSize('remedies', `--depth ${config.depth} --width ${config.width}`, Array<number>(config.depth).fill(config.width));
    return config;
  },

  output: (options) => ({ path: options.out, what: `remedies --out ${options.out}`, folder: options.out, inputs: options.dataDir === undefined ? [] : [options.dataDir] }),

  // The BatchNorm networks first: they are the slowest, and would otherwise train alone at the end.
  jobs: (config) => remedyNetworks(config)
    .map(({ remedy, seed }): RemedyJob => ({ config, remedy, seed }))
    .sort((a, b) => Number(REMEDIES[b.remedy].batchNorm) - Number(REMEDIES[a.remedy].batchNorm)),
  jobId: (job) => `${job.remedy} seed ${job.seed}`,
  jobName: (job) => `the ${job.remedy} network of seed ${job.seed}`,
  work: (_job, config, data) => config.epochs * batchCount(data.train.count, config.batchSize),

  store: (options, config, data) => networkCheckpointStore<RemedyJob, RemedyResult, RemedyCheckpoint>({
    command: 'remedies',
    options,
    epochs: config.epochs,
    stepsPerEpoch: batchCount(data.train.count, config.batchSize),
    check: checkRemedyProgress,
    fileName: (job) => remedyFileName(job.remedy, job.seed),
    network: (job) => job.remedy,
    savedNetwork: (progress) => progress.remedy,
  }),

  shared: (_config, options): RemedyData => loadDataFor('remedies', dataOptions(options)),

  describe: ({ config, jobs, shared: data }) =>
    `remedies: ${config.remedies.join(', ')}; seeds ${config.seeds.join(', ')} (${jobs.length} networks); ${config.depth} × ${config.width} hidden; ${data.train.count} train / ${data.test.count} test images`,

  defaultWorkers: (todo) => Math.min(todo.length, Math.max(2, availableParallelism())),

  runJob: trainRemedyNetwork,

  onEvent(snapshot, job, view) {
    view.log(`  ${job.remedy} seed ${job.seed} epoch ${snapshot.epoch}: inactive ${percent(snapshot.inactiveFraction)}, test accuracy ${percent(snapshot.testAccuracy)}`);
  },

  onResult(job, { run }, view) {
    const { diverged } = run;
    if (diverged) view.log(`  ${job.remedy} seed ${job.seed} diverged: loss is ${diverged.loss} at epoch ${diverged.epoch}, step ${diverged.step}; recorded as a result`);
  },

  async report({ flags: options, config, shared: data, jobs, results, commandLine, seconds }) {
    const byNetwork = new Map(jobs.map((job, index) => [`${job.remedy} seed ${job.seed}`, results[index]!]));
    const runs = remedyNetworks(config).map(({ remedy, seed }) => byNetwork.get(`${remedy} seed ${seed}`)!.run);
    const trainingSeconds = Object.fromEntries([...byNetwork].map(([key, result]) => [key, result.seconds]));
    const finished = remediesResults(config, data, dataSourceName(options.dataDir), runs);
    const files = await writeRemediesReport(finished, options.out, commandLine, trainingSeconds);
    const lines = finished.summary.remedies.map((summary) => {
      const { permanentlyDead, testAccuracy } = summary.metrics;
      return `  ${summary.remedy.padEnd(16)} ${summary.inactiveMeaning.padEnd(9)} permanently ${formatInterval(permanentlyDead, 'fraction')}, test accuracy ${formatInterval(testAccuracy, 'fraction')}`;
    });
    const verdicts = finished.summary.claims.map((claim) => `  ${claim.remedy.padEnd(16)} ${claim.verdict}`);
    return {
      filesWritten: files,
      summary: [
        `remedies finished in ${formatDuration(seconds)}. Mean [95% interval] over seeds ${config.seeds.join(', ')}, after the last epoch:`, ...lines,
        'Each source\'s claim against the baseline (report.md says why):', ...verdicts,
      ].join('\n'),
    };
  },
});
