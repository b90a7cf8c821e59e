/**
 * "Born dead" ReLU networks, after Lu, Shin, Su & Karniadakis (2019),
 * "Dying ReLU and Initialization: Theory and Numerical Examples"
 * (arXiv:1903.06733).
 *
 * A ReLU network is born dead when, at initialisation, it computes a constant
 * function: some layer passes nothing that depends on the input, so no
 * gradient can ever reach the layers before it. Lu et al. prove that with a
 * symmetric initialisation (such as He's) the probability of being born dead
 * tends to 1 as the network gets deeper, faster the narrower it is, and
 * propose a randomized asymmetric initialization (RAI) that keeps it low.
 *
 * For every (initialisation, width, depth) cell this module initialises many
 * networks, each from its own seed, and measures over a set of inputs:
 *   (a) whether the output is constant over the inputs (born dead);
 *   (b) the fraction of inputs at which some hidden layer is entirely zero.
 */
import { Generator, noGrad, Tensor } from '@gradlab/core';
import { Dense, ReLU, mlp, randomizedAsymmetric, type Sequential } from '@gradlab/nn';

/** The initialisations compared. */
export const BORN_DEAD_INITS = ['he', 'rai'] as const;
export type BornDeadInit = (typeof BORN_DEAD_INITS)[number];

/** What defines a born-dead study; stored verbatim in results.json. */
export interface BornDeadConfig {
  readonly widths: readonly number[];
  /** Numbers of hidden layers. */
  readonly depths: readonly number[];
  /** Networks initialised per (init, width, depth) cell. */
  readonly networks: number;
  readonly inits: readonly BornDeadInit[];
  /** 'grid': 1-D inputs evenly spaced on [-√3, √3] (as in the paper); 'mnist': MNIST images. */
  readonly inputs: 'grid' | 'mnist';
  /** Number of inputs (grid points or images). */
  readonly inputCount: number;
  readonly seed: number;
}

/** One (init, width, depth) cell. */
export interface BornDeadCell {
  readonly init: BornDeadInit;
  readonly width: number;
  readonly depth: number;
  readonly networks: number;
  /** Networks whose output was the same for every input. */
  readonly bornDead: number;
  readonly bornDeadFraction: number;
  /** Mean over networks of the fraction of inputs at which some hidden layer was entirely 0. */
  readonly zeroLayerInputFraction: number;
}

/** The whole study, as written to results.json. */
export interface BornDeadResults {
  readonly experiment: 'born-dead';
  readonly formatVersion: 1;
  readonly config: BornDeadConfig;
  readonly cells: readonly BornDeadCell[];
}

/**
 * A ReLU MLP `inputs → depth × width → 1` initialised with He (normal,
 * biases 0) or RAI (nn's `randomizedAsymmetric` on every hidden layer; the
 * output layer keeps He, which cannot change whether the output is constant).
 */
export function bornDeadNetwork(init: BornDeadInit, inputs: number, width: number, depth: number, generator: Generator): Sequential {
  const model = mlp({ inputs, hidden: Array.from({ length: depth }, () => width), outputs: 1, activation: 'relu', init: 'he-normal', generator });
  if (init === 'rai') {
    const dense = model.layers.filter((layer): layer is Dense => layer instanceof Dense);
    for (const layer of dense.slice(0, -1)) randomizedAsymmetric(layer.weight, layer.bias, { generator });
  }
  return model;
}

/**
 * Measures one network on `inputs` ([count, features]): whether its output is
 * constant, and at how many inputs some hidden layer is entirely zero.
 * Stops early once a layer is zero for every input: the output is then
 * constant whatever the remaining layers do.
 */
export function measureBornDead(model: Sequential, inputs: Tensor): { outputConstant: boolean; zeroLayerInputs: number } {
  const count = inputs.shape[0]!;
  const zeroLayerAt = new Uint8Array(count);
  let zeroLayerInputs = 0;
  return noGrad(() => {
    let x = inputs;
    for (const layer of model.layers) {
      x = layer.forward(x);
      if (!(layer instanceof ReLU)) continue;
      const width = x.shape[1]!;
      for (let row = 0; row < count; row++) {
        if (zeroLayerAt[row]) continue;
        let allZero = true;
        for (let unit = 0; unit < width && allZero; unit++) if (x.data[row * width + unit] !== 0) allZero = false;
        if (allZero) {
          zeroLayerAt[row] = 1;
          zeroLayerInputs++;
        }
      }
      if (zeroLayerInputs === count) return { outputConstant: true, zeroLayerInputs };
    }
    let outputConstant = true;
    for (let row = 1; row < count && outputConstant; row++) if (x.data[row] !== x.data[0]) outputConstant = false;
    return { outputConstant, zeroLayerInputs };
  });
}

/** The 1-D inputs of the paper: `count` points evenly spaced on [-√3, √3] (mean 0, variance ≈ 1), shape [count, 1]. */
export function gridInputs(count: number): Tensor {
  const data = new Float32Array(count);
  const half = Math.sqrt(3);
  for (let i = 0; i < count; i++) data[i] = count === 1 ? 0 : -half + (2 * half * i) / (count - 1);
  return new Tensor(data, [count, 1]);
}

/** One cell of the study's grid: which networks it initialises. */
export interface BornDeadCellKey {
  readonly init: BornDeadInit;
  readonly width: number;
  readonly depth: number;
}

/** The grid's cells in the order of results.json: inits, then widths, then depths. */
export function bornDeadCellKeys(config: BornDeadConfig): BornDeadCellKey[] {
  return config.inits.flatMap((init) => config.widths.flatMap((width) => config.depths.map((depth) => ({ init, width, depth }))));
}

/**
 * Initialises and measures the `config.networks` networks of one cell on
 * `inputs`; `onNetwork` is called after every network. Each network has a
 * generator of its own, seeded from the config's seed and its place in the
 * grid, so a cell gives the same bits on its own, in any order, in any thread.
 *
 * @example
 * const cell = measureBornDeadCell(config, gridInputs(100), { init: 'he', width: 2, depth: 10 });
 * cell.bornDeadFraction; // most deep, narrow He networks are born dead
 */
export function measureBornDeadCell(config: BornDeadConfig, inputs: Tensor, key: BornDeadCellKey, onNetwork?: () => void): BornDeadCell {
  const { init, width, depth } = key;
  let bornDead = 0;
  let zeroLayerFractionSum = 0;
  for (let network = 0; network < config.networks; network++) {
    const generator = new Generator(`born-dead:${config.seed}:${init}:${width}:${depth}:${network}`);
    const model = bornDeadNetwork(init, inputs.shape[1]!, width, depth, generator);
    const measured = measureBornDead(model, inputs);
    if (measured.outputConstant) bornDead++;
    zeroLayerFractionSum += measured.zeroLayerInputs / inputs.shape[0]!;
    onNetwork?.();
  }
  return {
    init, width, depth, networks: config.networks, bornDead,
    bornDeadFraction: bornDead / config.networks,
    zeroLayerInputFraction: zeroLayerFractionSum / config.networks,
  };
}

/**
 * Runs the study in this thread. `inputs` is [count, features] (a grid or
 * MNIST images); `onNetwork` is called after every network (progress bars).
 * `gradlab born-dead` shares the cells among worker threads instead.
 *
 * @example
 * const results = runBornDead({ widths: [2], depths: [2, 10], networks: 100, inits: ['he', 'rai'], inputs: 'grid', inputCount: 100, seed: 0 }, gridInputs(100));
 */
export function runBornDead(config: BornDeadConfig, inputs: Tensor, onNetwork?: () => void): BornDeadResults {
  validateBornDeadConfig(config);
  return bornDeadResults(config, bornDeadCellKeys(config).map((key) => measureBornDeadCell(config, inputs, key, onNetwork)));
}

/**
 * The results.json record of the measured cells, given in the order of
 * `bornDeadCellKeys(config)` (whichever thread measured them).
 *
 * @example
 * const results = bornDeadResults(config, bornDeadCellKeys(config).map((key) => measureBornDeadCell(config, inputs, key)));
 */
export function bornDeadResults(config: BornDeadConfig, cells: readonly BornDeadCell[]): BornDeadResults {
  const keys = bornDeadCellKeys(config);
  const misplaced = keys.findIndex((key, index) => cells[index]?.init !== key.init || cells[index]?.width !== key.width || cells[index]?.depth !== key.depth);
  if (misplaced >= 0 || cells.length !== keys.length) {
    throw new Error(`born-dead: ${cells.length} cells given for the ${keys.length} of the grid, or not in the grid's order (first misplaced: cell ${misplaced})`);
  }
  return { experiment: 'born-dead', formatVersion: 1, config, cells };
}

/** Rejects configs no flag parser would produce (for callers that build configs in code). */
export function validateBornDeadConfig(config: BornDeadConfig): void {
  if (!Number.isInteger(config.networks) || config.networks < 1) throw new Error(`born-dead: networks must be a positive integer, got ${config.networks}`);
}
