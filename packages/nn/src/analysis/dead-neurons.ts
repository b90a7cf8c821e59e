/**
 * The dead-neuron instrument: how many units of each activation layer are
 * dead (ReLU), dead-like (LeakyReLU, PReLU) or saturated (Sigmoid, Tanh)
 * over a dataset, and whether the whole network has collapsed to a constant.
 * Each activation's criterion is its entry's `inactivity` rule in the
 * activation table (rules in inactivity.ts); docs/dead-neurons.md gives each
 * definition and its source.
 *
 * It works on any model: forward hooks are attached to every `Activation`
 * module found by `namedModules()`, the batches are run under `noGrad`, and
 * the hooks see each layer's input (the pre-activation) and output.
 */
import { Tensor, formatShape, noGrad } from '@gradlab/core';
import { sumAndSquares, type ColumnCounts } from './reductions.js';
import { Activation } from '../activations/modules.js';
import { ACTIVATIONS, type ActivationKind } from '../activations/table.js';
import type { InactiveMeaning, InactivityRule, UnitTally } from './inactivity.js';
import type { HookHandle, Module } from '../module.js';

/** Options of `measureActivations`. */
export interface MeasureOptions {
  /**
   * Sigmoid: an output below eps or above 1 - eps counts as saturated;
   * Tanh: |output| above 1 - eps. Default 0.01.
   */
  saturationEps?: number;
  /**
   * The network's output counts as constant when no output coordinate varies
   * by more than this over the dataset. Default 0: exactly constant, which is
   * what a network whose last hidden layer is dead produces (x·W + b with x = 0
   * is b, bit for bit).
   */
  outputTolerance?: number;
  /**
   * Called with the model's output for each batch, in order, right after its
   * forward pass (in eval mode, without gradients), so that a caller can also
   * score that pass (loss, accuracy) instead of running the data through the
   * model a second time.
   */
  onOutput?: (output: Tensor, batchIndex: number) => void;
}

/** The measurements of one activation layer. Fields that do not apply to its kind are 0 (or []). */
export interface LayerActivationStats {
  /** The module's dotted name, e.g. 'layers.1'; a module called k > 1 times per forward pass appears as 'name[0]', 'name[1]', … */
  name: string;
  kind: ActivationKind;
  /** Units per example: the number of features the layer outputs. */
  units: number;
  /** ReLU: units whose output was 0 for every input. */
  dead: number;
  /** dead / units. */
  deadFraction: number;
  /** LeakyReLU, PReLU: units whose pre-activation was never positive (they still pass gradient times alpha). */
  deadLike: number;
  /** deadLike / units. */
  deadLikeFraction: number;
  /** Sigmoid: units with output < eps or > 1 - eps for every input; Tanh: |output| > 1 - eps for every input. */
  saturated: number;
  /** saturated / units. */
  saturatedFraction: number;
  /** Mean of the layer's outputs over every (input, unit) pair. */
  mean: number;
  /** Standard deviation (population) of the layer's outputs over every (input, unit) pair. */
  std: number;
  /**
   * Fraction of (input, unit) pairs whose local derivative is zero (ReLU
   * family), or, for Sigmoid / Tanh, whose output is saturated (derivative
   * below eps(1 - eps) for Sigmoid, below eps(2 - eps) for Tanh).
   */
  zeroGradFraction: number;
  /** ReLU family: fraction of (input, unit) pairs whose pre-activation is not positive. */
  nonPositiveFraction: number;
  /** Indices (0 … units-1) of the dead units. */
  deadUnits: number[];
  /** Indices of the dead-like units. */
  deadLikeUnits: number[];
  /** Indices of the saturated units. */
  saturatedUnits: number[];
}

/** Whole-network totals: counts summed over layers, fractions over all activation units (or all pairs). */
export interface ActivationTotals {
  units: number;
  dead: number;
  deadLike: number;
  saturated: number;
  deadFraction: number;
  deadLikeFraction: number;
  saturatedFraction: number;
  zeroGradFraction: number;
}

/** What `measureActivations` returns: plain numbers, strings and arrays, ready for JSON.stringify. */
export interface ActivationReport {
  /** Number of examples (rows over all batches) measured. */
  examples: number;
  /** The saturation threshold used. */
  saturationEps: number;
  /** One entry per activation layer, in the order the forward pass reached them. */
  layers: LayerActivationStats[];
  totals: ActivationTotals;
  /**
   * True when the network's output was the same for every example (within
   * outputTolerance): the network is "born dead" (at initialisation) or has
   * collapsed (during training), in the sense of Lu et al. (2019).
   */
  outputConstant: boolean;
  /** The largest (max - min) of any output coordinate over the dataset. */
  outputSpread: number;
}

/**
 * Running sums for one activation layer (one call site of one module). Its
 * activation's inactivity rule (from the activation table; see
 * inactivity.ts) counts each batch; `sumAndSquares` adds the float64 sums of
 * the outputs and their squares, element after element.
 */
class LayerAccumulator {
  readonly rule: InactivityRule;
  readonly tally: UnitTally;
  pairs = 0;
  sum = 0;
  sumOfSquares = 0;

  constructor(
    readonly module: Activation,
    readonly baseName: string,
    readonly callIndex: number,
    readonly units: number,
  ) {
    this.rule = ACTIVATIONS[module.kind].inactivity;
    const countsOf = (): ColumnCounts => ({ below: new Int32Array(units), equal: new Int32Array(units), above: new Int32Array(units) });
    this.tally = { everActive: new Uint8Array(units), zeroGradPairs: 0, nonPositivePairs: 0, counts: countsOf(), countsPastHigh: countsOf() };
  }

  /** Adds one batch: `rows` examples of `units` values each, input (pre-activation) and output alike. */
  add(input: Tensor, output: Tensor, rows: number, saturationEps: number): void {
    const features = output.shape[output.ndim - 1] ?? 1;
    [this.sum, this.sumOfSquares] = sumAndSquares(output.data, this.sum, this.sumOfSquares);
    this.rule.count({ input: input.data, output: output.data, rows, units: this.units, features, module: this.module, saturationEps }, this.tally);
    this.pairs += output.size;
  }

  report(name: string): LayerActivationStats {
    const inactiveUnits: number[] = [];
    this.tally.everActive.forEach((flag, unit) => { if (flag === 0) inactiveUnits.push(unit); });
    const unitsOf = (meaning: InactiveMeaning): number[] => (this.rule.meaning === meaning ? inactiveUnits : []);
    const deadUnits = unitsOf('dead');
    const deadLikeUnits = unitsOf('dead-like');
    const saturatedUnits = unitsOf('saturated');
    const mean = this.sum / this.pairs;
    const variance = Math.max(0, this.sumOfSquares / this.pairs - mean * mean);
    return {
      name,
      kind: this.module.kind,
      units: this.units,
      dead: deadUnits.length,
      deadFraction: deadUnits.length / this.units,
      deadLike: deadLikeUnits.length,
      deadLikeFraction: deadLikeUnits.length / this.units,
      saturated: saturatedUnits.length,
      saturatedFraction: saturatedUnits.length / this.units,
      mean,
      std: Math.sqrt(variance),
      zeroGradFraction: this.tally.zeroGradPairs / this.pairs,
      nonPositiveFraction: this.tally.nonPositivePairs / this.pairs,
      deadUnits,
      deadLikeUnits,
      saturatedUnits,
    };
  }
}

/** Tracks the min and max of every output coordinate over the dataset. */
class OutputRange {
  min: Float64Array | null = null;
  max: Float64Array | null = null;
  sawNaN = false;

  add(output: Tensor): void {
    const rows = output.ndim >= 2 ? output.shape[0]! : 1;
    const width = rows === 0 ? 0 : output.size / rows;
    if (this.min === null) {
      this.min = new Float64Array(width).fill(Infinity);
      this.max = new Float64Array(width).fill(-Infinity);
    } else if (this.min.length !== width) {
      throw new Error(`measureActivations: the model's output changed from ${this.min.length} to ${width} values per example (shape ${formatShape(output.shape)})`);
    }
    for (let i = 0; i < output.size; i++) {
      const value = output.data[i]!;
      if (Number.isNaN(value)) this.sawNaN = true;
      const column = i % width;
      if (value < this.min[column]!) this.min[column] = value;
      if (value > this.max![column]!) this.max![column] = value;
    }
  }

  spread(): number {
    if (this.sawNaN) return NaN;
    let widest = 0;
    for (let i = 0; i < (this.min?.length ?? 0); i++) widest = Math.max(widest, this.max![i]! - this.min![i]!);
    return widest;
  }
}

/**
 * Runs `model` over `batches` (each [batch, ...features]) without recording
 * gradients, and measures every activation layer: dead, dead-like and
 * saturated units, output mean and standard deviation, the fraction of
 * zero-derivative (input, unit) pairs, and whether the network's output is
 * constant. The model is put in eval mode for the measurement and restored
 * afterwards; the hooks are always removed.
 *
 * @example
 * const report = measureActivations(model, [inputs], { saturationEps: 0.01 });
 * report.layers[0].deadFraction; // e.g. 0.25: a quarter of the first ReLU layer is dead
 * report.outputConstant;         // true if the network is born dead
 */
export function measureActivations(model: Module, batches: Iterable<Tensor>, options: MeasureOptions = {}): ActivationReport {
  const saturationEps = options.saturationEps ?? 0.01;
  const outputTolerance = options.outputTolerance ?? 0;
  if (!(Number.isFinite(saturationEps) && saturationEps > 0 && saturationEps < 0.5)) {
    throw new Error(`measureActivations: saturationEps must be in (0, 0.5), got ${saturationEps}`);
  }
  if (!(Number.isFinite(outputTolerance) && outputTolerance >= 0)) {
    throw new Error(`measureActivations: outputTolerance must be a finite number >= 0, got ${outputTolerance}`);
  }

  const modules = model.namedModules();
  const activations = modules.filter((entry): entry is [string, Activation] => entry[1] instanceof Activation);
  const accumulators = new Map<Activation, LayerAccumulator[]>();
  const inOrder: LayerAccumulator[] = [];
  let callsThisBatch = new Map<Activation, number>();
  let batchIndex = 0;

  const handles: HookHandle[] = activations.map(([name, activation]) =>
    activation.registerForwardHook((_module, input, output) => {
      const callIndex = callsThisBatch.get(activation) ?? 0;
      callsThisBatch.set(activation, callIndex + 1);
      if (output.size === 0) return; // an empty batch says nothing about any unit
      const rows = output.ndim >= 2 ? output.shape[0]! : 1;
      const units = rows === 0 ? 0 : output.size / rows;
      let calls = accumulators.get(activation);
      if (calls === undefined) accumulators.set(activation, (calls = []));
      let accumulator = calls[callIndex];
      if (accumulator === undefined) {
        accumulator = new LayerAccumulator(activation, name, callIndex, units);
        calls[callIndex] = accumulator;
        inOrder.push(accumulator);
      } else if (accumulator.units !== units) {
        throw new Error(`measureActivations: layer '${name}' had ${accumulator.units} units per example, but batch ${batchIndex} gives ${units} (output ${formatShape(output.shape)})`);
      }
      accumulator.add(input, output, rows, saturationEps);
    }));

  const trainingModes = modules.map(([, module]) => module.training);
  const outputRange = new OutputRange();
  let examples = 0;
  try {
    model.eval();
    noGrad(() => {
      for (const batch of batches) {
        if (!(batch instanceof Tensor)) throw new Error(`measureActivations: batch ${batchIndex} is not a Tensor`);
        callsThisBatch = new Map();
        const output = model.forward(batch);
        outputRange.add(output);
        options.onOutput?.(output, batchIndex);
        examples += batch.ndim >= 2 ? batch.shape[0]! : 1;
        batchIndex++;
      }
    });
  } finally {
    for (const handle of handles) handle.remove();
    modules.forEach(([, module], index) => { module.training = trainingModes[index]!; });
  }
  if (examples === 0) throw new Error('measureActivations: no examples: the batches were empty');

  const layers = inOrder.map((accumulator) => {
    const calledMoreThanOnce = accumulators.get(accumulator.module)!.length > 1;
    const name = calledMoreThanOnce ? `${accumulator.baseName}[${accumulator.callIndex}]` : accumulator.baseName;
    return accumulator.report(name);
  });
  const units = layers.reduce((total, layer) => total + layer.units, 0);
  const dead = layers.reduce((total, layer) => total + layer.dead, 0);
  const deadLike = layers.reduce((total, layer) => total + layer.deadLike, 0);
  const saturated = layers.reduce((total, layer) => total + layer.saturated, 0);
  const pairs = inOrder.reduce((total, accumulator) => total + accumulator.pairs, 0);
  const zeroGradPairs = inOrder.reduce((total, accumulator) => total + accumulator.tally.zeroGradPairs, 0);
  const fraction = (count: number, of: number): number => (of === 0 ? 0 : count / of);
  const outputSpread = outputRange.spread();
  return {
    examples,
    saturationEps,
    layers,
    totals: {
      units,
      dead,
      deadLike,
      saturated,
      deadFraction: fraction(dead, units),
      deadLikeFraction: fraction(deadLike, units),
      saturatedFraction: fraction(saturated, units),
      zeroGradFraction: fraction(zeroGradPairs, pairs),
    },
    outputConstant: outputSpread <= outputTolerance,
    outputSpread,
  };
}
