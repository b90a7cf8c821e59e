/**
 * The training loop every experiment shares: build a seeded MLP, run one
 * epoch of mini-batch gradient descent, evaluate loss and accuracy.
 *
 * Two generators keep runs comparable: the weights come from
 * `init:<seed>` and the batch order from `data:<seed>`. Networks with
 * different activations therefore start from weights drawn from the same
 * stream and see exactly the same batches in the same order.
 *
 * A step whose loss is NaN or ±Infinity throws nn's `DivergedError` (epoch,
 * step, loss) before its update: `gradlab train` stops with that message,
 * while the experiments catch it and record the run as diverged, a result
 * rather than a crash.
 *
 * Everything that changes from one epoch to the next is in a `TrainingState`
 * (the model, the optimizer, the batch-order generator, the epoch count);
 * experiments/checkpoint.ts saves and restores it bit for bit.
 */
import { Generator, captureStep, noGrad, type CapturedStep, type Tensor } from '@gradlab/core';
import { recordHost } from '@gradlab/core/kernels';
import {
  ACTIVATIONS, Adam, DataLoader, SGD, accuracy, checkFiniteLoss, checkFiniteParameters, crossEntropy, mlp,
  type ActivationKind, type DivergedError, type InitName, type Optimizer, type Sequential,
} from '@gradlab/nn';
import { tensorDataset } from '../data/batches.js';
import { pixelsPerImage, type Dataset } from '../data/dataset.js';

/** The optimizers the command line offers. */
export const OPTIMIZER_NAMES = ['sgd', 'adam'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** Everything that defines a network and how it is trained. */
export interface ModelConfig {
  /** Width of each hidden layer, e.g. [256, 256]. */
  readonly hidden: readonly number[];
  readonly activation: ActivationKind;
  /**
   * The slope for negative inputs of an activation that has one (its `slope`
   * in the activation table: LeakyReLU's fixed alpha, PReLU's initial
   * learned slope); ignored by the others.
   */
  readonly negativeSlope: number;
  /** Weight initialiser; nn's default for the activation when 'default'. */
  readonly init: InitName | 'default';
  /** Dense → BatchNorm1d → activation in every hidden layer (mlp's `batchNorm`). Default false. */
  readonly batchNorm?: boolean;
  /** Every hidden layer as wide as its input is a residual block x + f(x) (mlp's `residual`). Default false. */
  readonly residual?: boolean;
}

/** How the network is trained. */
export interface OptimizerConfig {
  readonly optimizer: OptimizerName;
  readonly lr: number;
  /** SGD momentum (ignored by Adam). */
  readonly momentum: number;
}

/** Where a run diverged: the first step whose training loss was not finite. */
export interface Divergence {
  /** 1-based epoch. */
  readonly epoch: number;
  /** 1-based step within that epoch. */
  readonly step: number;
  /** The offending loss, as a string ("NaN", "Infinity") so that it survives JSON. */
  readonly loss: string;
  /** When the loss stayed finite but a parameter did not: its name (and `loss` is that parameter's value). */
  readonly parameter?: string;
}

/**
 * The record of a divergence, as results.json and sweep records store it.
 *
 * @example
 * try { trainEpoch(…); } catch (error) { if (error instanceof DivergedError) run.diverged = divergenceOf(error); else throw error; }
 */
export function divergenceOf(error: DivergedError): Divergence {
  const parameter = (error as { parameter?: unknown }).parameter;
  return { epoch: error.epoch, step: error.step, loss: String(error.value), ...(typeof parameter === 'string' ? { parameter } : {}) };
}

/**
 * Builds the MLP `inputs → hidden… → 10` with weights drawn from the
 * generator `init:<seed>`.
 *
 * @example
 * const model = buildModel({ hidden: [64, 64], activation: 'relu', negativeSlope: 0.01, init: 'default' }, 784, 10, 0);
 */
export function buildModel(config: ModelConfig, inputs: number, outputs: number, seed: number): Sequential {
  return mlp({
    inputs,
    hidden: config.hidden,
    outputs,
    activation: config.activation,
    negativeSlope: ACTIVATIONS[config.activation].slope === null ? undefined : config.negativeSlope,
    init: config.init === 'default' ? undefined : config.init,
    batchNorm: config.batchNorm,
    residual: config.residual,
    generator: new Generator(`init:${seed}`),
  });
}

/** The generator of the batch order of a run with this seed. */
export function dataOrderGenerator(seed: number): Generator {
  return new Generator(`data:${seed}`);
}

/**
 * A network in training, between two epochs: everything that changes as it
 * trains. Saving these and restoring them continues the run bit for bit
 * (experiments/checkpoint.ts). Nothing else is random or stateful: the
 * weights were drawn once from `init:<seed>` and the layers keep no state.
 */
export interface TrainingState {
  readonly model: Sequential;
  readonly optimizer: Optimizer;
  /**
   * The batch order: each epoch draws one permutation from it, so its state
   * after epoch E is the data-order position at the start of epoch E + 1.
   */
  readonly dataGenerator: Generator;
  /** Epochs finished (0 before training). */
  epochsDone: number;
}

/**
 * A fresh TrainingState: the seeded model, its optimizer and the batch-order
 * generator of `seed`, before the first epoch.
 *
 * @example
 * const state = startTraining({ hidden: [64], activation: 'relu', negativeSlope: 0.01, init: 'default' }, { optimizer: 'adam', lr: 1e-3, momentum: 0 }, 784, 0);
 */
export function startTraining(model: ModelConfig, optimizer: OptimizerConfig, inputs: number, seed: number): TrainingState {
  const network = buildModel(model, inputs, 10, seed);
  return { model: network, optimizer: makeOptimizer(network.parameters(), optimizer), dataGenerator: dataOrderGenerator(seed), epochsDone: 0 };
}

/**
 * The optimizer named on the command line, over the model's parameters.
 *
 * @example
 * const optimizer = makeOptimizer(model.parameters(), { optimizer: 'sgd', lr: 0.1, momentum: 0.9 });
 */
export function makeOptimizer(parameters: Tensor[], config: OptimizerConfig): Optimizer {
  if (config.optimizer === 'adam') return new Adam(parameters, { lr: config.lr });
  return new SGD(parameters, { lr: config.lr, momentum: config.momentum });
}

/** One training step (zeroGrad, forward, loss check, backward, update) of a model and its optimizer; returns the loss. */
type TrainingStep = ((inputs: Tensor, labels: Int32Array) => Tensor) & Partial<CapturedStep<[Tensor, Int32Array], Tensor>>;

/** The step of each optimizer (and its model), made once and reused by every epoch so that its capture is kept. */
const trainingSteps = new WeakMap<Optimizer, { model: Sequential; capture: boolean; step: TrainingStep; position: { epoch: number; step: number } }>();

/**
 * The training step of `model` and `optimizer`, captured (core's captureStep:
 * recorded once, replayed over one arena, the same bits) unless `capture` is
 * false. The loss is checked between the forward and the backward pass, so a
 * step whose loss is not finite throws before its update, captured or not.
 */
function trainingStep(model: Sequential, optimizer: Optimizer, capture: boolean) {
  const known = trainingSteps.get(optimizer);
  if (known !== undefined && known.model === model && known.capture === capture) return known;
  const position = { epoch: 0, step: 0 };
  const body = (inputs: Tensor, labels: Int32Array): Tensor => {
    optimizer.zeroGrad();
    const loss = crossEntropy(model.forward(inputs), labels);
    const check = (): void => void checkFiniteLoss(loss, position);
    check();
    recordHost('checkFiniteLoss', check);
    loss.backward();
    optimizer.step();
    return loss;
  };
  const entry = { model, capture, step: capture ? captureStep(body) : body, position };
  trainingSteps.set(optimizer, entry);
  return entry;
}

/** What one epoch of training reports. */
export interface EpochOutcome {
  /** Mean training loss over the epoch's mini-batches (before each step's update). */
  readonly meanBatchLoss: number;
  readonly steps: number;
}

/**
 * One pass over the training set in a fresh seeded order, one optimizer step
 * per mini-batch. `onStep` is called after every step (progress bars). The
 * steps are captured (`capture`, default true: see trainingStep above), and
 * give the same bits as eager steps.
 * Throws nn's `DivergedError` (with the epoch and the 1-based step) at the
 * first step whose loss is NaN or ±Infinity, before that step's update, and
 * its `NonFiniteParameterError` (naming the parameter) when the epoch leaves
 * a parameter NaN or ±Infinity.
 *
 * @example
 * const outcome = trainEpoch(model, optimizer, train, { batchSize: 64, dataGenerator, epoch: 1 });
 */
export function trainEpoch(
  model: Sequential,
  optimizer: Optimizer,
  train: Dataset,
  options: { batchSize: number; dataGenerator: Generator; epoch: number; onStep?: (loss: number) => void; capture?: boolean },
): EpochOutcome {
  const steps = epochSteps(model, optimizer, train, options);
  for (;;) {
    const next = steps.next();
    if (next.done === true) return next.value;
    options.onStep?.(next.value);
  }
}

/**
 * `trainEpoch` one step at a time: a generator that runs one optimizer step
 * per `next()`, yields that step's loss, and returns the epoch's outcome
 * after the last. Between two steps the caller may do anything that leaves
 * the model, the optimizer and the data generator alone (measure, draw, wait
 * for a click): the steps are the same, bit for bit, captured (the
 * default) or not. The playground's pause and step buttons are `next()` calls.
 *
 * @example
 * const steps = epochSteps(model, optimizer, train, { batchSize: 64, dataGenerator, epoch: 1 });
 * steps.next().value; // the first mini-batch's loss
 */
export function* epochSteps(
  model: Sequential,
  optimizer: Optimizer,
  train: Dataset,
  options: { batchSize: number; dataGenerator: Generator; epoch: number; capture?: boolean },
): globalThis.Generator<number, EpochOutcome, void> {
  model.train();
  // Each pass of the loader draws one permutation from the data generator: the epoch's order.
  const loader = new DataLoader(tensorDataset(train), { batchSize: options.batchSize, shuffle: true, generator: options.dataGenerator });
  const { step, position } = trainingStep(model, optimizer, options.capture ?? true);
  let lossSum = 0;
  let steps = 0;
  for (const [inputs, labels] of loader) {
    steps++;
    position.epoch = options.epoch;
    position.step = steps;
    const value = step(inputs, labels).item();
    lossSum += value;
    yield value;
  }
  checkFiniteParameters(model, { epoch: options.epoch, step: steps });
  return { meanBatchLoss: lossSum / steps, steps };
}

/**
 * Images per forward pass when evaluating or measuring (no gradients kept). The
 * measurement's batches must be evaluate()'s for its scores to be evaluate()'s,
 * bit for bit, so both take this default.
 */
export const EVALUATION_BATCH = 500;

/** Loss and accuracy of a model on a dataset. */
export interface Evaluation {
  /** Mean cross-entropy. */
  readonly loss: number;
  /** Fraction of images classified correctly, in [0, 1]. */
  readonly accuracy: number;
}

/**
 * Mean cross-entropy and accuracy over a whole dataset, without gradients.
 *
 * @example
 * evaluate(model, test).accuracy; // e.g. 0.962
 */
export function evaluate(model: Sequential, dataset: Dataset, batchSize = EVALUATION_BATCH): Evaluation {
  model.eval();
  const score = new EvaluationSum();
  noGrad(() => {
    for (const [inputs, labels] of new DataLoader(tensorDataset(dataset), { batchSize })) score.add(model.forward(inputs), labels);
  });
  model.train();
  return score.result();
}

/**
 * The loss and accuracy of `evaluate`, summed batch by batch from logits a
 * caller already has (dead-neurons scores the forward pass of its
 * measurement this way instead of running the training set twice).
 *
 * @example
 * const score = new EvaluationSum(); score.add(logits, labels); score.result().accuracy;
 */
export class EvaluationSum {
  private lossSum = 0;
  private correct = 0;
  private count = 0;

  /** Adds one batch: its logits [rows, classes] and labels. */
  add(logits: Tensor, labels: Int32Array): void {
    const rows = labels.length;
    this.lossSum += crossEntropy(logits, labels).item() * rows;
    this.correct += Math.round(accuracy(logits, labels) * rows);
    this.count += rows;
  }

  /** Mean loss and accuracy over every row added. */
  result(): Evaluation {
    return { loss: this.lossSum / this.count, accuracy: this.correct / this.count };
  }
}

/**
 * The [count, pixels] input tensors of a dataset, for measureActivations, in
 * the batches `evaluate` uses. Each batch's labels are pushed onto `labels`
 * as the batch is yielded, so that its outputs can be scored too (EvaluationSum).
 */
export function* inputBatches(dataset: Dataset, labels: Int32Array[] = [], batchSize = EVALUATION_BATCH): IterableIterator<Tensor> {
  for (const [inputs, batchLabels] of new DataLoader(tensorDataset(dataset), { batchSize })) {
    labels.push(batchLabels);
    yield inputs;
  }
}

/** Pixels per image, the network's input width. */
export function inputWidth(dataset: Dataset): number {
  return pixelsPerImage(dataset);
}
