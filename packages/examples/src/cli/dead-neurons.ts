/**
 * `gradlab dead-neurons`: the flagship experiment (experiments/dead-neurons.ts)
 * and its report folder (report/dead-neurons.ts).
 *
 * The networks (one per activation) are independent, so they train side by
 * side, each in a worker thread of its own (dead-neurons-worker.ts), all at
 * once unless `--workers` says how many; with `--workers 1` they train one
 * after another in this thread. The results are the same bits either way.
 *
 * After every epoch each network saves a resumable checkpoint to
 * `<out>/checkpoint/<activation>.safetensors` (dead-neurons-network.ts);
 * `--resume` continues from them, and the finished run's files are
 * byte-identical to those of a run that never stopped. Each network's final
 * weights go to `<out>/models/<activation>.safetensors`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ACTIVATION_KINDS, removeLeftoverTemporaries, type ActivationKind } from '@gradlab/nn';
import { batchCount } from '../data/batches.js';
import type { Checkpoint } from '../experiments/checkpoint.js';
import { deadNeuronsResults, validateConfig, type ActivationRun, type DeadNeuronsConfig } from '../experiments/dead-neurons.js';
import { writeOutputFile } from '../io/atomic.js';
import { writeDeadNeuronsReport } from '../report/dead-neurons.js';
import { percent } from '../report/format.js';
import { commandLine } from '../report/markdown.js';
import { UsageError } from './args.js';
import { CHECKPOINT_FILE, CheckpointFile, readCheckpointForResume, resultFlags, trainingRunFlags, withAnomalyDetection } from './checkpoints.js';
import { defineCommand } from './command.js';
import { checkNetworkProgress, networkCheckpointPath, trainNetwork, type NetworkCheckpoint, type NetworkEvent, type NetworkJob } from './dead-neurons-network.js';
import type { WorkerInput } from './dead-neurons-worker.js';
import { formatDuration, Progress } from './progress.js';
import { ACTIVATION_CHOICES, dataFlags, dataOptions, dataSourceName, INIT_CHOICES, loadDataFor, OPTIMIZER_CHOICES } from './shared-flags.js';
import { jobFailed, runInWorkerThreads } from './worker-threads.js';

const flags = {
  activations: { kind: 'choice-list', choices: ACTIVATION_CHOICES, distinct: true, default: ['relu', 'leaky-relu', 'sigmoid'], description: 'Activations to compare, each trained from the same seed' },
  depth: { kind: 'int', min: 1, max: 200, default: 10, description: 'Number of hidden layers' },
  width: { kind: 'int', min: 1, max: 4096, default: 64, description: 'Units per hidden layer' },
  optimizer: { kind: 'choice', choices: OPTIMIZER_CHOICES, default: 'adam', description: 'Optimizer' },
  lr: { kind: 'number', positive: true, default: 0.005, description: 'Learning rate' },
  momentum: { kind: 'number', min: 0, max: 0.999, default: 0, description: 'SGD momentum (ignored by Adam)' },
  epochs: { kind: 'int', min: 0, max: 10000, default: 10, description: 'Training epochs' },
  batchSize: { kind: 'int', min: 1, default: 64, description: 'Mini-batch size' },
  init: { kind: 'choice', choices: INIT_CHOICES, default: 'default', description: 'Weight initialisation (default: He normal for the ReLU family, Xavier uniform for Sigmoid/Tanh)' },
  alpha: { kind: 'number', min: 0, max: 1, default: 0.01, description: 'Negative slope: LeakyReLU alpha (the spec default, 0.01), PReLU initial slope' },
  seed: { kind: 'int', min: 0, default: 0, description: 'Seed of the weights and of the batch order' },
  saturationEps: { kind: 'number', min: 1e-9, max: 0.49, default: 0.01, description: 'Sigmoid: output within eps of 0 or 1 counts as saturated' },
  measureSize: { kind: 'int', min: 0, default: 0, description: 'Training images used to measure dead units (0 = all)' },
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
      'Trains the same deep MLP once per activation (same seed, same batches) and records, at initialisation and after every epoch, ' +
      'the dead (ReLU), dead-like (LeakyReLU) and saturated (Sigmoid) units of every hidden layer, the activation mean and std, ' +
      'the training loss and the test accuracy.',
    details:
      'Writes <out>/results.json (no timestamps: same flags, same bytes), layers.csv, charts (SVG and PNG) and report.md, ' +
      'plus timing.json with the wall-clock durations.\n' +
      'Example: gradlab dead-neurons --depth 6 --width 32 --epochs 3 --optimizer sgd --lr 0.5',
    flags,
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
      seed: options.seed,
      saturationEps: options.saturationEps,
      measureSize: options.measureSize,
    };
    validateConfig(config);
    const folder = join(options.out, 'checkpoint');
    const shaping = resultFlags(options);
    const saved = options.resume ? readSavedNetworks(config.activations, folder, shaping) : new Map<ActivationKind, Checkpoint<NetworkCheckpoint>>();
    const data = loadDataFor('dead-neurons', dataOptions(options));
    if (options.resume) {
      const states = config.activations.map((activation) => {
        const network = saved.get(activation);
        if (network === undefined) return `${activation} not started`;
        return network.progress.finished ? `${activation} finished` : `${activation} after epoch ${network.training?.epochsDone ?? 0}`;
      });
      context.log(`dead-neurons: resuming from ${folder}: ${states.join(', ')}`);
      const leftovers = config.activations.reduce((sum, activation) => sum + removeLeftoverTemporaries(networkCheckpointPath(folder, activation)), 0);
      if (leftovers > 0) context.log(`dead-neurons: removed temporary files of an interrupted checkpoint write in ${folder}`);
    } else {
      // A fresh run starts over: checkpoints of an earlier run (and their temporary files) must not mix with this one's.
      removeCheckpoints(folder);
    }
    context.log(`dead-neurons: ${config.activations.join(', ')}; ${config.depth} × ${config.width} hidden; ${data.train.count} train / ${data.test.count} test images`);

    const modelPath = (activation: ActivationKind): string => join(options.out, 'models', `${activation}.safetensors`);
    const runs = new Map<ActivationKind, ActivationRun>();
    const seconds = new Map<ActivationKind, number>();
    const jobs: NetworkJob[] = [];
    for (const activation of config.activations) {
      const network = saved.get(activation);
      if (network?.progress.finished) {
        runs.set(activation, network.progress.finished);
        seconds.set(activation, network.progress.seconds);
      } else {
        jobs.push({ config, activation, flags: shaping, checkpointPath: networkCheckpointPath(folder, activation), modelPath: modelPath(activation), resume: network !== undefined });
      }
    }

    const batches = batchCount(data.train.count, config.batchSize);
    const progress = new Progress('dead-neurons', config.activations.length * config.epochs * batches, process.stderr, context.showProgress);
    const epochsDone = [...saved.values()].reduce((sum, network) => sum + (network.progress.finished ? config.epochs : network.training?.epochsDone ?? 0), 0);
    progress.tick(epochsDone * batches);
    // What the bar shows beside it: the epoch and loss of every network in training.
    const barNotes = new Map<ActivationKind, string>();
    const onEvent = (event: NetworkEvent): void => {
      const { activation } = event;
      if (event.type === 'steps') {
        barNotes.set(activation, `${activation} epoch ${event.epoch}/${config.epochs} loss ${event.loss.toFixed(3)}`);
        progress.tick(event.steps, [...barNotes.values()].join(', '));
      } else if (event.type === 'measured') {
        // One line per measurement, above the bar, so the log tells the story as it happens.
        const { snapshot } = event;
        progress.log(`  ${activation} epoch ${snapshot.epoch}: inactive ${snapshot.inactive} (${percent(snapshot.inactiveFraction)}), train loss ${snapshot.trainLoss.toFixed(4)}, test accuracy ${percent(snapshot.testAccuracy)}`);
      } else {
        barNotes.delete(activation);
        const { diverged } = event.run;
        if (diverged) progress.log(`  ${activation} diverged: loss is ${diverged.loss} at epoch ${diverged.epoch}, step ${diverged.step}; recorded as a result`);
        runs.set(activation, event.run);
        seconds.set(activation, event.seconds);
      }
    };
    // All networks at once by default, even beyond the number of cores: the system then shares
    // the cores among them to the end, where a pool of one per core would leave cores idle while
    // the last networks train (3 networks on 2 cores: 1.11-1.85x faster than 2 at a time, docs/performance.md).
    const workers = Math.min(options.workers ?? jobs.length, jobs.length);
    if (workers > 1) {
      const script = new URL('./dead-neurons-worker.js', import.meta.url);
      const input = (job: NetworkJob): WorkerInput => ({ job, data, detectAnomaly: options.detectAnomaly });
      await runInWorkerThreads(script, jobs, workers, input, onEvent, (job) => networkName(job.activation));
    } else {
      withAnomalyDetection(options.detectAnomaly, () => {
        for (const job of jobs) {
          try {
            trainNetwork(job, data, onEvent);
          } catch (error) {
            throw new Error(jobFailed(networkName(job.activation), (error as Error).message), { cause: error });
          }
        }
      });
    }
    progress.done();

    const results = deadNeuronsResults(config, data, dataSourceName(options.dataDir), config.activations.map((activation) => runs.get(activation)!));
    // The command line that reproduces the results: without --resume, --detect-anomaly and --workers, which do not change them.
    const command = commandLine('dead-neurons', { ...shaping, out: options.out }, DEFAULTS);
    const files = await writeDeadNeuronsReport(results, options.out, command);
    files.push(...config.activations.map(modelPath));
    const totalSeconds = (Date.now() - startedAt) / 1000;
    const timingPath = join(options.out, 'timing.json');
    const trainingSecondsPerActivation = Object.fromEntries(config.activations.map((activation) => [activation, seconds.get(activation)]));
    writeOutputFile(timingPath, `${JSON.stringify({ totalSeconds, trainingSecondsPerActivation, workers, resumed: options.resume }, null, 2)}\n`);
    files.push(timingPath);
    // Only now are the final files complete; until here a kill leaves the checkpoints to resume from.
    removeCheckpoints(folder);
    const lines = results.runs.map((run) => {
      const last = run.epochs[run.epochs.length - 1]!;
      const diverged = run.diverged ? ` (diverged: loss ${run.diverged.loss} at epoch ${run.diverged.epoch}, step ${run.diverged.step})` : '';
      return `  ${run.activation.padEnd(10)} ${run.inactiveMeaning.padEnd(9)} ${percent(last.inactiveFraction).padStart(6)} of hidden units, test accuracy ${percent(last.testAccuracy)}${diverged}`;
    });
    return { filesWritten: files, summary: [`dead-neurons finished in ${formatDuration(totalSeconds)}. After the last epoch:`, ...lines].join('\n') };
  },
);

/**
 * The saved networks for `--resume`, by activation. Every checkpoint must
 * have been made with this run's flags (readCheckpointForResume says which
 * flag differs); a network without one has not started.
 */
function readSavedNetworks(
  activations: readonly ActivationKind[],
  folder: string,
  flags: Readonly<Record<string, unknown>>,
): Map<ActivationKind, Checkpoint<NetworkCheckpoint>> {
  const saved = new Map<ActivationKind, Checkpoint<NetworkCheckpoint>>();
  for (const activation of activations) {
    const path = networkCheckpointPath(folder, activation);
    if (!existsSync(path)) continue;
    const checkpoint = readCheckpointForResume('dead-neurons', path, flags, checkNetworkProgress);
    if (checkpoint.progress.activation !== activation) {
      throw new Error(`--resume: ${path} holds a ${String(checkpoint.progress.activation)} network, not ${activation}; delete it, or leave out --resume to start again`);
    }
    saved.set(activation, checkpoint);
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

/** Deletes every network's checkpoint (and an earlier gradlab's last.safetensors) from `folder`, and the folder if that empties it. */
function removeCheckpoints(folder: string): void {
  for (const name of [...ACTIVATION_KINDS.map((activation) => `${activation}.safetensors`), CHECKPOINT_FILE]) {
    new CheckpointFile(folder, name).remove();
  }
}

/** How failures name a network: "the relu network". */
function networkName(activation: ActivationKind): string {
  return `the ${activation} network`;
}
