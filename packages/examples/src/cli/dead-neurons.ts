/**
 * `gradlab dead-neurons`: the flagship experiment (experiments/dead-neurons.ts)
 * and its report folder (report/dead-neurons.ts).
 *
 * After every epoch of every network it saves a resumable checkpoint to
 * `<out>/checkpoint/last.safetensors`; `--resume` continues from it, and the
 * finished run's files are byte-identical to those of a run that never
 * stopped. Each network's final weights go to `<out>/models/<activation>.safetensors`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { save, type ActivationKind, type InitName } from '@gradlab/nn';
import { batchCount } from '../data/batches.js';
import { encodeCheckpoint, restoreTraining } from '../experiments/checkpoint.js';
import {
  runDeadNeurons, startNetwork, type ActivationRun, type DeadNeuronsConfig, type DeadNeuronsProgress, type EpochSnapshot,
} from '../experiments/dead-neurons.js';
import { inputWidth, type OptimizerName } from '../experiments/training.js';
import { writeOutputFile } from '../io/atomic.js';
import { writeDeadNeuronsReport } from '../report/dead-neurons.js';
import { percent } from '../report/format.js';
import { commandLine } from '../report/markdown.js';
import { CheckpointFile, readCheckpointForResume, resultFlags, trainingRunFlags, withAnomalyDetection } from './checkpoints.js';
import { defineCommand } from './command.js';
import { formatDuration, Progress } from './progress.js';
import { ACTIVATION_CHOICES, dataFlags, dataOptions, dataSourceName, INIT_CHOICES, loadDataFor, OPTIMIZER_CHOICES } from './shared-flags.js';

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
  alpha: { kind: 'number', min: 0, max: 1, default: 0.01, description: 'LeakyReLU negative slope (the spec default, 0.01)' },
  seed: { kind: 'int', min: 0, default: 0, description: 'Seed of the weights and of the batch order' },
  saturationEps: { kind: 'number', min: 1e-9, max: 0.49, default: 0.01, description: 'Sigmoid: output within eps of 0 or 1 counts as saturated' },
  measureSize: { kind: 'int', min: 0, default: 0, description: 'Training images used to measure dead units (0 = all)' },
  ...dataFlags,
  out: { kind: 'string', default: 'reports/dead-neurons', description: 'Report folder (the checkpoint goes to <out>/checkpoint/ while the run lasts)' },
  ...trainingRunFlags,
} as const;

/** The flag values of a default run, for writing the reproducing command line. */
const DEFAULTS: Record<string, unknown> = Object.fromEntries(
  Object.entries(flags).map(([key, flag]) => [key, 'default' in flag ? flag.default : undefined]),
);

/** What a dead-neurons checkpoint remembers besides the network in training. */
interface DeadNeuronsSaved {
  readonly finished: ActivationRun[];
  /** The measurements of the network in training (its weights are the checkpoint's tensors). */
  readonly current: { readonly activation: ActivationKind; readonly epochs: EpochSnapshot[] } | null;
  /** Wall-clock training seconds per activation so far, for timing.json. */
  readonly seconds: Record<string, number>;
}

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
      activations: options.activations as ActivationKind[],
      depth: options.depth,
      width: options.width,
      optimizer: options.optimizer as OptimizerName,
      lr: options.lr,
      momentum: options.momentum,
      epochs: options.epochs,
      batchSize: options.batchSize,
      init: options.init as InitName | 'default',
      alpha: options.alpha,
      seed: options.seed,
      saturationEps: options.saturationEps,
      measureSize: options.measureSize,
    };
    const checkpoint = new CheckpointFile(join(options.out, 'checkpoint'));
    const shaping = resultFlags(options);
    const saved = options.resume ? readCheckpointForResume<DeadNeuronsSaved>('dead-neurons', checkpoint.path, shaping) : undefined;
    const data = loadDataFor('dead-neurons', dataOptions(options));
    const seconds: Record<string, number> = { ...saved?.progress.seconds };
    let resumeFrom: DeadNeuronsProgress | undefined;
    if (saved !== undefined) {
      const { finished, current } = saved.progress;
      resumeFrom = { finished, current: null };
      if (current !== null && saved.training !== null) {
        const training = restoreTraining(startNetwork(config, current.activation, inputWidth(data.train)), saved.training, saved.tensors, checkpoint.path);
        resumeFrom = { finished, current: { activation: current.activation, training, epochs: current.epochs } };
      }
      const where = resumeFrom.current ? `${resumeFrom.current.activation} after epoch ${resumeFrom.current.training.epochsDone}` : 'between two networks';
      context.log(`dead-neurons: resuming from ${checkpoint.path}: ${finished.length} of ${config.activations.length} networks finished, ${where}`);
    }
    if (checkpoint.removeLeftovers() > 0) context.log(`dead-neurons: removed temporary files of an interrupted checkpoint write in ${checkpoint.folder}`);
    context.log(`dead-neurons: ${config.activations.join(', ')}; ${config.depth} × ${config.width} hidden; ${data.train.count} train / ${data.test.count} test images`);

    const stepsPerNetwork = config.epochs * batchCount(data.train.count, config.batchSize);
    const progress = new Progress('dead-neurons', config.activations.length * stepsPerNetwork, process.stderr, context.showProgress);
    const epochsDone = (resumeFrom?.finished.length ?? 0) * config.epochs + (resumeFrom?.current?.training.epochsDone ?? 0);
    progress.tick(epochsDone * batchCount(data.train.count, config.batchSize));
    let activationStartedAt = Date.now() - (resumeFrom?.current ? (seconds[resumeFrom.current.activation] ?? 0) * 1000 : 0);
    // Written when each network's run ends, before the checkpoint records it as finished.
    const modelPath = (activation: ActivationKind): string => join(options.out, 'models', `${activation}.safetensors`);
    const results = withAnomalyDetection(options.detectAnomaly, () => runDeadNeurons(config, data, dataSourceName(options.dataDir), {
      onStep: (activation, epoch, loss) => progress.tick(1, `${activation} epoch ${epoch}/${config.epochs} loss ${loss.toFixed(3)}`),
      onEpoch: (activation, snapshot) => {
        // Updated at every measurement, so a run that diverges early still gets its time.
        if (snapshot.epoch === 0) activationStartedAt = Date.now();
        seconds[activation] = (Date.now() - activationStartedAt) / 1000;
        // One line per measurement, above the bar, so the log tells the story as it happens.
        progress.log(`  ${activation} epoch ${snapshot.epoch}: inactive ${snapshot.inactive} (${percent(snapshot.inactiveFraction)}), train loss ${snapshot.trainLoss.toFixed(4)}, test accuracy ${percent(snapshot.testAccuracy)}`);
      },
      onNetworkDone: (run, model) => {
        if (run.diverged) progress.log(`  ${run.activation} diverged: loss is ${run.diverged.loss} at epoch ${run.diverged.epoch}, step ${run.diverged.step}; recorded as a result`);
        mkdirSync(join(options.out, 'models'), { recursive: true });
        save(model, modelPath(run.activation), { 'gradlab.activation': run.activation, 'gradlab.epochs': String(run.epochs[run.epochs.length - 1]!.epoch) });
      },
      onCheckpoint: ({ finished, current }) => {
        const progressSaved: DeadNeuronsSaved = {
          finished: [...finished],
          current: current ? { activation: current.activation, epochs: current.epochs } : null,
          seconds,
        };
        checkpoint.save(encodeCheckpoint('dead-neurons', shaping, current?.training ?? null, progressSaved));
      },
    }, resumeFrom));
    progress.done();
    // The command line that reproduces the results: without --resume and --detect-anomaly, which do not change them.
    const command = commandLine('dead-neurons', { ...shaping, out: options.out }, DEFAULTS);
    const files = await writeDeadNeuronsReport(results, options.out, command);
    files.push(...results.runs.map((run) => modelPath(run.activation)));
    const totalSeconds = (Date.now() - startedAt) / 1000;
    const timingPath = join(options.out, 'timing.json');
    writeOutputFile(timingPath, `${JSON.stringify({ totalSeconds, trainingSecondsPerActivation: seconds, resumed: saved !== undefined }, null, 2)}\n`);
    files.push(timingPath);
    // Only now are the final files complete; until here a kill leaves the checkpoint to resume from.
    checkpoint.remove();
    const lines = results.runs.map((run) => {
      const last = run.epochs[run.epochs.length - 1]!;
      const diverged = run.diverged ? ` (diverged: loss ${run.diverged.loss} at epoch ${run.diverged.epoch}, step ${run.diverged.step})` : '';
      return `  ${run.activation.padEnd(10)} ${run.inactiveMeaning.padEnd(9)} ${percent(last.inactiveFraction).padStart(6)} of hidden units, test accuracy ${percent(last.testAccuracy)}${diverged}`;
    });
    return { filesWritten: files, summary: [`dead-neurons finished in ${formatDuration(totalSeconds)}. After the last epoch:`, ...lines].join('\n') };
  },
);
