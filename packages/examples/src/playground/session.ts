/**
 * The playground's training runs, the same in the page's Web Worker and in
 * Node: a run is `gradlab dead-neurons`' own network generator
 * (`networkSteps`, experiments/dead-neurons.ts) for one activation and one
 * seed, on the same split of the embedded digits, with the command's default
 * measurement settings, so that a page showing step N shows the numbers
 * `gradlab dead-neurons` computes at step N (`commandLine` gives the command).
 * Only @gradlab/core, @gradlab/nn and isomorphic modules are imported here:
 * no files, no threads.
 */
import { noGrad, Tensor } from '@gradlab/core';
import { INIT_NAMES, type ActivationKind, type InitName } from '@gradlab/nn';
import { firstImages, pixelsPerImage, subset, type Dataset } from '../data/dataset.js';
import { DEFAULT_TEST_SIZE, DEFAULT_TRAIN_SIZE, splitGenerator, stratifiedSplit, type TrainTestSplit } from '../data/split.js';
import { networkSteps, startNetwork, type ActivationRun, type DeadNeuronsConfig, type NetworkStep } from '../experiments/dead-neurons.js';
import { epochSteps, type OptimizerName } from '../experiments/training.js';

/** What the page lets one choose. */
export interface PlaygroundSettings {
  /** Hidden layers. */
  readonly depth: number;
  /** Units per hidden layer. */
  readonly width: number;
  readonly activation: ActivationKind;
  readonly optimizer: OptimizerName;
  readonly lr: number;
  readonly init: InitName | 'default';
  /** Seed of the weights and of the batch order. */
  readonly seed: number;
}

/** The initialisations offered: nn's default for the activation, then every initialiser nn has. */
export const PLAYGROUND_INITS: readonly (InitName | 'default')[] = ['default', ...INIT_NAMES];

/** The page's starting settings: `gradlab dead-neurons`' defaults, ReLU, seed 0. */
export const DEFAULT_SETTINGS: PlaygroundSettings = {
  depth: 10, width: 64, activation: 'relu', optimizer: 'adam', lr: 0.005, init: 'default', seed: 0,
};

/**
 * The rest of a dead-neurons config, as `gradlab dead-neurons` has them by
 * default (test/examples/playground.test.ts runs the command to check).
 */
const FIXED = {
  momentum: 0, epochs: 10, batchSize: 64, alpha: 0.01, saturationEps: 0.01, measureSize: 2000, measureEvery: 25,
} as const;

/**
 * The dead-neurons config of a playground run of these settings, for the given activations.
 *
 * @example
 * playgroundConfig(DEFAULT_SETTINGS, ['relu']).measureEvery; // 25
 */
export function playgroundConfig(settings: PlaygroundSettings, activations: readonly ActivationKind[]): DeadNeuronsConfig {
  return {
    activations, depth: settings.depth, width: settings.width, optimizer: settings.optimizer, lr: settings.lr,
    init: settings.init, seeds: [settings.seed], ...FIXED,
  };
}

/**
 * The `gradlab dead-neurons` command that trains the same networks (the
 * activations to compare, from the same seed) and reports the same numbers.
 *
 * @example
 * commandLine(DEFAULT_SETTINGS, ['relu', 'leaky-relu']);
 * // 'gradlab dead-neurons --activations relu,leaky-relu --seeds 0 --depth 10 --width 64 --optimizer adam --lr 0.005 --init default'
 */
export function commandLine(settings: PlaygroundSettings, activations: readonly ActivationKind[]): string {
  return `gradlab dead-neurons --activations ${activations.join(',')} --seeds ${settings.seed} --depth ${settings.depth} ` +
    `--width ${settings.width} --optimizer ${settings.optimizer} --lr ${settings.lr} --init ${settings.init}`;
}

/**
 * The command line's default split of the embedded digits (`loadData({})`):
 * 8,000 training and 2,000 test images, split with seed 0.
 *
 * @example
 * const { train, test } = splitDigits(unpackDigits(bytes));
 */
export function splitDigits(digits: Dataset): TrainTestSplit {
  return stratifiedSplit(digits, { trainSize: DEFAULT_TRAIN_SIZE, testSize: DEFAULT_TEST_SIZE, generator: splitGenerator(0) });
}

/**
 * One network of the playground: `activation` from the settings' seed,
 * trained one step per `advance()`.
 *
 * @example
 * const run = new PlaygroundRun(DEFAULT_SETTINGS, 'relu', splitDigits(digits));
 * run.advance(); run.current.loss; // the first mini-batch's loss
 */
export class PlaygroundRun {
  private readonly steps: globalThis.Generator<NetworkStep, ActivationRun, void>;
  /** Where the network is: step 0 (measured at initialisation) until the first `advance()`. */
  current: NetworkStep;
  /** The finished run (after the last epoch, or at a divergence); null while training. */
  finished: ActivationRun | null = null;

  constructor(readonly settings: PlaygroundSettings, readonly activation: ActivationKind, readonly data: TrainTestSplit) {
    const config = playgroundConfig(settings, [activation]);
    this.steps = networkSteps(config, activation, settings.seed, data.train, data.test, firstImages(data.train, config.measureSize));
    const first = this.steps.next();
    if (first.done === true) throw new Error('playground: the run ended before it started');
    this.current = first.value;
  }

  /** Training steps in one epoch. */
  get stepsPerEpoch(): number {
    return Math.ceil(this.data.train.count / FIXED.batchSize);
  }

  /** Runs one training step (with its measurements); false, doing nothing, once the run is finished. */
  advance(): boolean {
    if (this.finished !== null) return false;
    const next = this.steps.next();
    if (next.done === true) {
      this.finished = next.value;
      return false;
    }
    this.current = next.value;
    return true;
  }

  /**
   * The predicted digit of each of `images` (a [count, pixels] batch), as
   * `evaluate` scores them: evaluation mode, no gradients.
   */
  predict(images: Dataset): number[] {
    const { model } = this.current.network.training;
    model.eval();
    const logits = noGrad(() => model.forward(new Tensor(images.images, [images.count, pixelsPerImage(images)])));
    model.train();
    const classes = logits.shape[1]!;
    return Array.from({ length: images.count }, (_, row) => {
      let best = 0;
      for (let k = 1; k < classes; k++) if (logits.data[row * classes + k]! > logits.data[row * classes + best]!) best = k;
      return best;
    });
  }

  /** A SHA-256 (hex) of every parameter's float32 bytes in order: equal digests, equal weights. */
  async parameterDigest(): Promise<string> {
    const parameters = this.current.network.training.model.parameters();
    const bytes = new Uint8Array(parameters.reduce((total, parameter) => total + parameter.data.byteLength, 0));
    let at = 0;
    for (const { data } of parameters) {
      bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
      at += data.byteLength;
    }
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
  }
}

/** The first `count` test images, the ones the page shows with their predictions. */
export function shownDigits(test: Dataset, count: number): Dataset {
  return subset(test, Array.from({ length: Math.min(count, test.count) }, (_, i) => i));
}

/**
 * Training steps per second of the settings' network (without the
 * measurements): `steps` optimizer steps of the first epoch, timed with
 * `now` (performance.now in both Node and browsers). The page and the
 * tests report it for the default network, 784→10×64→10, batch 64.
 *
 * @example
 * stepsPerSecond(DEFAULT_SETTINGS, splitDigits(digits).train, 100); // e.g. 300
 */
export function stepsPerSecond(settings: PlaygroundSettings, train: Dataset, steps: number, now: () => number = () => performance.now()): number {
  const config = playgroundConfig(settings, [settings.activation]);
  const state = startNetwork(config, settings.activation, settings.seed, pixelsPerImage(train));
  const epoch = epochSteps(state.model, state.optimizer, train, { batchSize: config.batchSize, dataGenerator: state.dataGenerator, epoch: 1 });
  // One step first, so that one-time costs (the first wasm memory growth) are not timed.
  epoch.next();
  const start = now();
  let done = 0;
  while (done < steps && epoch.next().done !== true) done++;
  return done / ((now() - start) / 1000);
}
