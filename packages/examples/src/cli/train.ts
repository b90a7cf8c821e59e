/**
 * `gradlab train`: trains one MLP on MNIST and saves a checkpoint whose
 * metadata records everything `gradlab eval` needs to rebuild the network
 * and the very same test split.
 */
import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { save, type ActivationKind, type InitName } from '@gradlab/nn';
import { batchCount } from '../data/batches.js';
import { loadData } from '../data/load.js';
import {
  buildModel, dataOrderGenerator, evaluate, inputWidth, makeOptimizer, trainEpoch, type OptimizerName,
} from '../experiments/training.js';
import { writeFileAtomic } from '../io/atomic.js';
import { percent } from '../report/format.js';
import { defineCommand } from './command.js';
import { formatDuration, Progress } from './progress.js';
import { ACTIVATION_CHOICES, dataFlags, dataOptions, INIT_CHOICES, OPTIMIZER_CHOICES } from './shared-flags.js';

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

const flags = {
  hidden: { kind: 'int-list', min: 1, max: 65536, default: [256, 256], description: 'Hidden layer widths' },
  activation: { kind: 'choice', choices: ACTIVATION_CHOICES, default: 'relu', description: 'Activation of the hidden layers' },
  alpha: { kind: 'number', min: 0, max: 1, default: 0.01, description: 'LeakyReLU negative slope' },
  init: { kind: 'choice', choices: INIT_CHOICES, default: 'default', description: 'Weight initialisation' },
  optimizer: { kind: 'choice', choices: OPTIMIZER_CHOICES, default: 'adam', description: 'Optimizer' },
  lr: { kind: 'number', positive: true, default: 0.001, description: 'Learning rate' },
  momentum: { kind: 'number', min: 0, max: 0.999, default: 0.9, description: 'SGD momentum (ignored by Adam)' },
  epochs: { kind: 'int', min: 1, max: 10000, default: 10, description: 'Training epochs' },
  batchSize: { kind: 'int', min: 1, default: 64, description: 'Mini-batch size' },
  seed: { kind: 'int', min: 0, default: 0, description: 'Seed of the weights and the batch order' },
  ...dataFlags,
  out: { kind: 'string', default: 'runs/mnist-mlp.safetensors', description: 'Checkpoint file; a training log is written beside it (<out>.log.json)' },
} as const;

export const trainCommand = defineCommand(
  {
    name: 'train',
    summary: 'Trains an MLP (784-256-256-10 ReLU by default) on MNIST and saves its weights as a safetensors checkpoint.',
    details: 'Then: gradlab eval runs/mnist-mlp.safetensors',
    flags,
  },
  async (options, _positionals, context) => {
    const startedAt = Date.now();
    const config: TrainConfig = {
      hidden: options.hidden,
      activation: options.activation as ActivationKind,
      alpha: options.alpha,
      init: options.init as InitName | 'default',
      optimizer: options.optimizer as OptimizerName,
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
    const { train, test } = loadData(dataOptions(options));
    const model = buildModel({ hidden: config.hidden, activation: config.activation, negativeSlope: config.alpha, init: config.init }, inputWidth(train), 10, config.seed);
    const optimizer = makeOptimizer(model.parameters(), config);
    const dataGenerator = dataOrderGenerator(config.seed);
    context.log(`train: ${model.toString()} on ${train.count} images, ${config.epochs} epochs`);

    const progress = new Progress('train', config.epochs * batchCount(train.count, config.batchSize), process.stderr, context.showProgress);
    const log: Array<{ epoch: number; meanBatchLoss: number; testLoss: number; testAccuracy: number }> = [];
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      const outcome = trainEpoch(model, optimizer, train, {
        batchSize: config.batchSize,
        dataGenerator,
        epoch,
        onStep: (loss) => progress.tick(1, `epoch ${epoch}/${config.epochs} loss ${loss.toFixed(4)}`),
      });
      if (outcome.diverged) {
        throw new Error(`training diverged: the loss became ${outcome.diverged.loss} at epoch ${outcome.diverged.epoch}, step ${outcome.diverged.step}; try a smaller --lr`);
      }
      const testResult = evaluate(model, test);
      log.push({ epoch, meanBatchLoss: outcome.meanBatchLoss, testLoss: testResult.loss, testAccuracy: testResult.accuracy });
      progress.tick(0, `epoch ${epoch}: test accuracy ${percent(testResult.accuracy)}`);
    }
    progress.done();

    const last = log[log.length - 1]!;
    // nn's save writes atomically but expects the folder to exist.
    mkdirSync(dirname(options.out), { recursive: true });
    save(model, options.out, { [TRAIN_CONFIG_KEY]: JSON.stringify(config), 'gradlab.testAccuracy': String(last.testAccuracy) });
    const logPath = join(dirname(options.out), `${basename(options.out)}.log.json`);
    writeFileAtomic(logPath, `${JSON.stringify({ config, epochs: log }, null, 2)}\n`);
    return {
      filesWritten: [options.out, logPath],
      summary: `train: test accuracy ${percent(last.testAccuracy)} (${Math.round(last.testAccuracy * test.count)}/${test.count}) after ${config.epochs} epochs, in ${formatDuration((Date.now() - startedAt) / 1000)}`,
    };
  },
);
