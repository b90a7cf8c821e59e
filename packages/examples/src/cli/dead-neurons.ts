/**
 * `gradlab dead-neurons`: the flagship experiment (experiments/dead-neurons.ts)
 * and its report folder (report/dead-neurons.ts).
 */
import { join } from 'node:path';
import type { ActivationKind, InitName } from '@gradlab/nn';
import { batchCount } from '../data/batches.js';
import { loadData } from '../data/load.js';
import { runDeadNeurons, type DeadNeuronsConfig } from '../experiments/dead-neurons.js';
import type { OptimizerName } from '../experiments/training.js';
import { writeFileAtomic } from '../io/atomic.js';
import { writeDeadNeuronsReport } from '../report/dead-neurons.js';
import { percent } from '../report/format.js';
import { commandLine } from '../report/markdown.js';
import { defineCommand } from './command.js';
import { formatDuration, Progress } from './progress.js';
import { ACTIVATION_CHOICES, dataFlags, dataOptions, dataSourceName, INIT_CHOICES, OPTIMIZER_CHOICES } from './shared-flags.js';

const flags = {
  activations: { kind: 'choice-list', choices: ACTIVATION_CHOICES, default: ['relu', 'leaky-relu', 'sigmoid'], description: 'Activations to compare, each trained from the same seed' },
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
  out: { kind: 'string', default: 'reports/dead-neurons', description: 'Report folder' },
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
    const data = loadData(dataOptions(options));
    context.log(`dead-neurons: ${config.activations.join(', ')}; ${config.depth} × ${config.width} hidden; ${data.train.count} train / ${data.test.count} test images`);
    const steps = config.activations.length * config.epochs * batchCount(data.train.count, config.batchSize);
    const progress = new Progress('dead-neurons', steps, process.stderr, context.showProgress);
    const seconds: Record<string, number> = {};
    let activationStartedAt = Date.now();
    const results = runDeadNeurons(config, data, dataSourceName(options.dataDir), {
      onStep: (activation, epoch, loss) => progress.tick(1, `${activation} epoch ${epoch}/${config.epochs} loss ${loss.toFixed(3)}`),
      onEpoch: (activation, snapshot) => {
        // Updated at every measurement, so a run that diverges early still gets its time.
        if (snapshot.epoch === 0) activationStartedAt = Date.now();
        seconds[activation] = (Date.now() - activationStartedAt) / 1000;
        // One line per measurement, above the bar, so the log tells the story as it happens.
        progress.log(`  ${activation} epoch ${snapshot.epoch}: inactive ${snapshot.inactive} (${percent(snapshot.inactiveFraction)}), train loss ${snapshot.trainLoss.toFixed(4)}, test accuracy ${percent(snapshot.testAccuracy)}`);
      },
    });
    progress.done();
    const command = commandLine('dead-neurons', options, DEFAULTS);
    const files = await writeDeadNeuronsReport(results, options.out, command);
    const totalSeconds = (Date.now() - startedAt) / 1000;
    const timingPath = join(options.out, 'timing.json');
    writeFileAtomic(timingPath, `${JSON.stringify({ totalSeconds, trainingSecondsPerActivation: seconds }, null, 2)}\n`);
    files.push(timingPath);
    const lines = results.runs.map((run) => {
      const last = run.epochs[run.epochs.length - 1]!;
      return `  ${run.activation.padEnd(10)} ${run.inactiveMeaning.padEnd(9)} ${percent(last.inactiveFraction).padStart(6)} of hidden units, test accuracy ${percent(last.testAccuracy)}${run.diverged ? ' (diverged)' : ''}`;
    });
    return { filesWritten: files, summary: [`dead-neurons finished in ${formatDuration(totalSeconds)}. After the last epoch:`, ...lines].join('\n') };
  },
);
