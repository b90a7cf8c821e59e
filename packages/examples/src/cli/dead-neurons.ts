/**
 * `gradlab dead-neurons`: the flagship experiment (experiments/dead-neurons.ts)
 * and its report folder (report/dead-neurons.ts).
 *
 * The networks (one per activation and seed) are independent, so they train
 * side by side, each in a worker thread of its own (dead-neurons-worker.ts),
 * all at once unless `--workers` says how many; with `--workers 1` they train
 * one after another in this thread. The results are the same bits either way.
 *
 * After every epoch each network saves a resumable checkpoint to
 * `<out>/checkpoint/<activation>-seed<seed>.safetensors` (dead-neurons-network.ts);
 * `--resume` continues from them, and the finished run's files are
 * byte-identical to those of a run that never stopped. Each network's final
 * weights go to `<out>/models/<activation>-seed<seed>.safetensors`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ACTIVATION_KINDS, removeLeftoverTemporaries, type ActivationKind } from '@gradlab/nn';
import { batchCount } from '../data/batches.js';
import type { Checkpoint } from '../experiments/checkpoint.js';
import { deadNeuronsResults, networksOf, validateConfig, type ActivationRun, type DeadNeuronsConfig } from '../experiments/dead-neurons.js';
import { createFolder, writeOutputFile } from '../io/atomic.js';
import { formatInterval, writeDeadNeuronsReport } from '../report/dead-neurons.js';
import { percent } from '../report/format.js';
import { commandLine } from '../report/markdown.js';
import { UsageError } from './args.js';
import { CHECKPOINT_FILE, CheckpointFile, readCheckpointForResume, resultFlags, trainingRunFlags, withAnomalyDetection } from './checkpoints.js';
import { defineCommand } from './command.js';
import { lockForThisCommand } from './files.js';
import { checkNetworkProgress, networkCheckpointPath, networkFileName, trainNetwork, type NetworkCheckpoint, type NetworkEvent, type NetworkJob } from './dead-neurons-network.js';
import type { WorkerInput } from './dead-neurons-worker.js';
import { formatDuration, Progress } from './progress.js';
import { ACTIVATION_CHOICES, checkNetworkSize, dataFlags, dataOptions, dataSourceName, INIT_CHOICES, loadDataFor, OPTIMIZER_CHOICES } from './shared-flags.js';
import { jobFailed, runInWorkerThreads } from './worker-threads.js';

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

/** The flag values of a default run, for writing the reproducing command line. */
const DEFAULTS: Record<string, unknown> = Object.fromEntries(
  Object.entries(flags).map(([key, flag]) => [key, 'default' in flag ? flag.default : undefined]),
);

export const deadNeuronsCommand = defineCommand(
  {
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
  async (options, _positionals, context) => {
    const startedAt = Date.now();
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
    lockForThisCommand(options.out, `dead-neurons --out ${options.out}`);
    createFolder(options.out);
    const folder = join(options.out, 'checkpoint');
    const shaping = resultFlags(options);
    const networks = networksOf(config);
    const saved = options.resume ? readSavedNetworks(networks, folder, shaping) : new Map<string, Checkpoint<NetworkCheckpoint>>();
    const data = loadDataFor('dead-neurons', dataOptions(options));
    if (options.resume) {
      const states = networks.map(({ activation, seed }) => {
        const network = saved.get(networkKey(activation, seed));
        const name = `${activation} seed ${seed}`;
        if (network === undefined) return `${name} not started`;
        return network.progress.finished ? `${name} finished` : `${name} after epoch ${network.training?.epochsDone ?? 0}`;
      });
      context.log(`dead-neurons: resuming from ${folder}: ${states.join(', ')}`);
      const leftovers = networks.reduce((sum, { activation, seed }) => sum + removeLeftoverTemporaries(networkCheckpointPath(folder, activation, seed)), 0);
      if (leftovers > 0) context.log(`dead-neurons: removed temporary files of an interrupted checkpoint write in ${folder}`);
    } else {
      // A fresh run starts over: checkpoints of an earlier run (and their temporary files) must not mix with this one's.
      removeCheckpoints(folder);
    }
    context.log(`dead-neurons: ${config.activations.join(', ')}, seeds ${config.seeds.join(', ')} (${networks.length} networks); ${config.depth} × ${config.width} hidden; ${data.train.count} train / ${data.test.count} test images`);

    const modelPath = (activation: ActivationKind, seed: number): string => join(options.out, 'models', networkFileName(activation, seed));
    const runs = new Map<string, ActivationRun>();
    const seconds = new Map<string, number>();
    const jobs: NetworkJob[] = [];
    for (const { activation, seed } of networks) {
      const key = networkKey(activation, seed);
      const network = saved.get(key);
      if (network?.progress.finished) {
        runs.set(key, network.progress.finished);
        seconds.set(key, network.progress.seconds);
      } else {
        jobs.push({
          config, activation, seed, flags: shaping, checkpointPath: networkCheckpointPath(folder, activation, seed), modelPath: modelPath(activation, seed), resume: network !== undefined,
        });
      }
    }

    const batches = batchCount(data.train.count, config.batchSize);
    const progress = new Progress('dead-neurons', networks.length * config.epochs * batches, process.stderr, context.showProgress);
    const epochsDone = [...saved.values()].reduce((sum, network) => sum + (network.progress.finished ? config.epochs : network.training?.epochsDone ?? 0), 0);
    progress.tick(epochsDone * batches);
    // What the bar shows beside it: the epochs of the networks in training.
    const epochOf = new Map<string, number>();
    const onEvent = (event: NetworkEvent): void => {
      const { activation, seed } = event;
      const key = networkKey(activation, seed);
      if (event.type === 'steps') {
        epochOf.set(key, event.epoch);
        const epochs = [...epochOf.values()];
        progress.tick(event.steps, `${epochOf.size} networks training, epochs ${Math.min(...epochs)}-${Math.max(...epochs)}/${config.epochs}`);
      } else if (event.type === 'measured') {
        // One line per measurement, above the bar, so the log tells the story as it happens.
        const { snapshot } = event;
        progress.log(`  ${activation} seed ${seed} epoch ${snapshot.epoch}: inactive ${snapshot.inactive} (${percent(snapshot.inactiveFraction)}), train loss ${snapshot.trainLoss.toFixed(4)}, test accuracy ${percent(snapshot.testAccuracy)}`);
      } else {
        epochOf.delete(key);
        const { diverged } = event.run;
        if (diverged) progress.log(`  ${activation} seed ${seed} diverged: loss is ${diverged.loss} at epoch ${diverged.epoch}, step ${diverged.step}; recorded as a result`);
        runs.set(key, event.run);
        seconds.set(key, event.seconds);
      }
    };
    // All networks at once by default, even beyond the number of cores: the system then shares
    // the cores among them to the end, where a pool of one per core would leave cores idle while
    // the last networks train (3 networks on 2 cores: 1.11-1.85x faster than 2 at a time, docs/performance.md).
    const workers = Math.min(options.workers ?? jobs.length, jobs.length);
    if (workers > 1) {
      const script = new URL('./dead-neurons-worker.js', import.meta.url);
      const input = (job: NetworkJob): WorkerInput => ({ job, data, detectAnomaly: options.detectAnomaly });
      await runInWorkerThreads(script, jobs, workers, input, onEvent, (job) => networkName(job.activation, job.seed));
    } else {
      withAnomalyDetection(options.detectAnomaly, () => {
        for (const job of jobs) {
          try {
            trainNetwork(job, data, onEvent);
          } catch (error) {
            throw new Error(jobFailed(networkName(job.activation, job.seed), (error as Error).message), { cause: error });
          }
        }
      });
    }
    progress.done();

    const results = deadNeuronsResults(config, data, dataSourceName(options.dataDir), networks.map(({ activation, seed }) => runs.get(networkKey(activation, seed))!));
    // The command line that reproduces the results: without --resume, --detect-anomaly and --workers, which do not change them.
    const command = commandLine('dead-neurons', { ...shaping, out: options.out }, DEFAULTS);
    const files = await writeDeadNeuronsReport(results, options.out, command);
    files.push(...networks.map(({ activation, seed }) => modelPath(activation, seed)));
    const totalSeconds = (Date.now() - startedAt) / 1000;
    const timingPath = join(options.out, 'timing.json');
    const trainingSecondsPerNetwork = Object.fromEntries(networks.map(({ activation, seed }) => [`${activation} seed ${seed}`, seconds.get(networkKey(activation, seed))]));
    writeOutputFile(timingPath, `${JSON.stringify({ totalSeconds, trainingSecondsPerNetwork, workers, resumed: options.resume }, null, 2)}\n`);
    files.push(timingPath);
    // Only now are the final files complete; until here a kill leaves the checkpoints to resume from.
    removeCheckpoints(folder);
    const lines = results.summary.activations.map((summary) => {
      const { inactiveAtEnd, permanentlyDead, testAccuracy } = summary.metrics;
      const divergedRuns = results.runs.filter((run) => run.activation === summary.activation && run.diverged !== null);
      const diverged = divergedRuns.length === 0 ? '' : ` (diverged: ${divergedRuns.map((run) => `seed ${run.seed} loss ${run.diverged!.loss} at epoch ${run.diverged!.epoch}, step ${run.diverged!.step}`).join('; ')})`;
      return `  ${summary.activation.padEnd(10)} ${summary.inactiveMeaning.padEnd(9)} ${formatInterval(inactiveAtEnd, 'fraction')} of hidden units, ` +
        `permanently ${formatInterval(permanentlyDead, 'fraction')}, test accuracy ${formatInterval(testAccuracy, 'fraction')}${diverged}`;
    });
    return {
      filesWritten: files,
      summary: [`dead-neurons finished in ${formatDuration(totalSeconds)}. After the last epoch, mean [95% interval] over seeds ${config.seeds.join(', ')}:`, ...lines].join('\n'),
    };
  },
);

/**
 * The saved networks for `--resume`, by activation. Every checkpoint must
 * have been made with this run's flags (readCheckpointForResume says which
 * flag differs); a network without one has not started.
 */
function readSavedNetworks(
  networks: ReadonlyArray<{ activation: ActivationKind; seed: number }>,
  folder: string,
  flags: Readonly<Record<string, unknown>>,
): Map<string, Checkpoint<NetworkCheckpoint>> {
  const saved = new Map<string, Checkpoint<NetworkCheckpoint>>();
  for (const { activation, seed } of networks) {
    const path = networkCheckpointPath(folder, activation, seed);
    if (!existsSync(path)) continue;
    const checkpoint = readCheckpointForResume('dead-neurons', path, flags, checkNetworkProgress);
    if (checkpoint.progress.activation !== activation || checkpoint.progress.seed !== seed) {
      throw new Error(`--resume: ${path} holds a ${String(checkpoint.progress.activation)} network of seed ${String(checkpoint.progress.seed)}, not ${activation} of seed ${seed}; delete it, or leave out --resume to start again`);
    }
    saved.set(networkKey(activation, seed), checkpoint);
  }
  if (saved.size === 0) {
    const older = join(folder, CHECKPOINT_FILE);
    if (existsSync(older)) {
      throw new UsageError(`dead-neurons: --resume: ${older} was saved by an earlier gradlab, which kept every network in that one file; this one keeps a file per network and cannot read it; leave out --resume to start again`);
    }
    throw new UsageError(`dead-neurons: --resume: there is no checkpoint in ${folder} (a run saves one per network there after every epoch and removes them when it finishes); leave out --resume to start`);
  }
  return saved;
}

/**
 * A network checkpoint's name, `<activation>-seed<seed>.safetensors`, or an
 * earlier gradlab's `<activation>.safetensors`, possibly with the suffix of a
 * temporary file (`.tmp-<pid>-<hex>`); group 1 is the checkpoint's own name.
 */
const NETWORK_CHECKPOINT_NAME = new RegExp(`^((?:${ACTIVATION_KINDS.join('|')})(?:-seed\\d+)?\\.safetensors)(?:\\.tmp-.*)?$`);

/** Deletes every network's checkpoint and its temporaries (and an earlier gradlab's last.safetensors) from `folder`, and the folder if that empties it. */
function removeCheckpoints(folder: string): void {
  const found = existsSync(folder) ? readdirSync(folder).map((name) => NETWORK_CHECKPOINT_NAME.exec(name)?.[1]) : [];
  const names = new Set(found.filter((name): name is string => name !== undefined));
  for (const name of [...names, CHECKPOINT_FILE]) new CheckpointFile(folder, name).remove();
}

/** The key of a network in this command's maps. */
function networkKey(activation: ActivationKind, seed: number): string {
  return `${activation}/${seed}`;
}

/** How failures name a network: "the relu network of seed 0". */
function networkName(activation: ActivationKind, seed: number): string {
  return `the ${activation} network of seed ${seed}`;
}
