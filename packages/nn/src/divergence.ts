/**
 * Stopping a training run whose loss has become NaN or Infinity.
 *
 * Once a loss is not finite, every gradient after it is NaN and the weights
 * are lost, yet nothing in the arithmetic complains: the run would go on
 * printing "loss NaN" all night. A training loop calls `checkFiniteLoss` on
 * every step; the first non-finite loss throws a `DivergedError` carrying the
 * epoch, the step and the value, which an experiment can catch and record as
 * a result ("this configuration diverged at epoch 3, step 120") rather than
 * as a crash. To find the op that produced the first NaN, run the same
 * seed again with core's `detectAnomaly(true)`.
 */
import { Tensor } from '@gradlab/core';

/** Where in training a loss was computed, counted the way your loop counts. */
export interface TrainingPosition {
  readonly epoch: number;
  readonly step: number;
}

/**
 * Thrown by `checkFiniteLoss` when the loss is NaN, Infinity or -Infinity.
 * `JSON.stringify(error)` gives `{ "diverged": true, "epoch": 3, "step": 120, "loss": "NaN" }`
 * (the loss as a string, since JSON has no NaN).
 *
 * @example
 * try { train(); } catch (error) {
 *   if (error instanceof DivergedError) results.push(error.toJSON()); else throw error;
 * }
 */
export class DivergedError extends Error {
  /** The epoch of the step whose loss was not finite. */
  readonly epoch: number;
  /** The step whose loss was not finite. */
  readonly step: number;
  /** The loss: NaN, Infinity or -Infinity. */
  readonly value: number;

  constructor(value: number, position: TrainingPosition) {
    super(`training diverged: loss is ${value} at epoch ${position.epoch}, step ${position.step}`
      + ' (rerun with detectAnomaly(true) to find the op that first produced a NaN or Infinity)');
    this.name = 'DivergedError';
    this.epoch = position.epoch;
    this.step = position.step;
    this.value = value;
  }

  /** A JSON-ready record of the divergence. */
  toJSON(): { diverged: true; epoch: number; step: number; loss: string } {
    return { diverged: true, epoch: this.epoch, step: this.step, loss: String(this.value) };
  }
}

/**
 * Returns the loss as a number, or throws a `DivergedError` if it is NaN or
 * ±Infinity. `loss` is a one-element tensor (what a loss function returns) or
 * a number.
 *
 * @example
 * const loss = crossEntropy(model.forward(x), labels);
 * checkFiniteLoss(loss, { epoch, step }); // Error: training diverged: loss is NaN at epoch 3, step 120 …
 * loss.backward();
 */
export function checkFiniteLoss(loss: Tensor | number, position: TrainingPosition): number {
  let value: number;
  if (typeof loss === 'number') {
    value = loss;
  } else if (loss instanceof Tensor && loss.size === 1) {
    value = loss.item();
  } else {
    const got = loss instanceof Tensor ? `a tensor of shape [${loss.shape.join(',')}]` : String(loss);
    throw new Error(`checkFiniteLoss: the loss must be a number or a one-element tensor, got ${got}`);
  }
  if (!Number.isFinite(value)) throw new DivergedError(value, position);
  return value;
}

/** The first element of a set of named tensors that is NaN or ±Infinity. */
export interface NonFiniteElement {
  /** The tensor's name, e.g. `layers.0.weight`. */
  readonly name: string;
  /** The flat index of the element. */
  readonly index: number;
  /** The element: NaN, Infinity or -Infinity. */
  readonly value: number;
}

/**
 * The first NaN or ±Infinity among `tensors` (name -> tensor), in the order
 * given, or null when every element is finite. One pass over the data, no
 * allocation: cheap enough to run after every epoch.
 *
 * @example
 * findNonFinite(model.stateDict()); // { name: 'layers.0.weight', index: 12, value: NaN } or null
 */
export function findNonFinite(tensors: Readonly<Record<string, Tensor>>): NonFiniteElement | null {
  for (const [name, tensor] of Object.entries(tensors)) {
    const data = tensor.data;
    for (let index = 0; index < data.length; index++) {
      const value = data[index]!;
      // value - value is 0 for every finite value and NaN for NaN and ±Infinity.
      if (value - value !== 0) return { name, index, value };
    }
  }
  return null;
}

/**
 * Thrown by `checkFiniteParameters` when a parameter holds NaN or ±Infinity.
 * It is a `DivergedError` (so an experiment that records divergences records
 * this one too), whose `value` is the parameter's element and `parameter` its name.
 * `JSON.stringify(error)` adds `"parameter": "layers.0.weight"` to DivergedError's record.
 */
export class NonFiniteParameterError extends DivergedError {
  /** The parameter's name in the module's stateDict. */
  readonly parameter: string;
  /** The flat index of the first non-finite element. */
  readonly index: number;

  constructor(found: NonFiniteElement, position: TrainingPosition) {
    super(found.value, position);
    this.name = 'NonFiniteParameterError';
    this.parameter = found.name;
    this.index = found.index;
    this.message = `training diverged: parameter ${found.name} holds ${found.value} at element ${found.index} after epoch ${position.epoch}, step ${position.step}`
      + ' (rerun with detectAnomaly(true) to find the op that first produced a NaN or Infinity)';
  }

  override toJSON(): { diverged: true; epoch: number; step: number; loss: string; parameter: string } {
    return { ...super.toJSON(), parameter: this.parameter };
  }
}

/**
 * Throws a `NonFiniteParameterError` naming the first parameter of `module`
 * that holds NaN or ±Infinity. A loss can stay finite while a weight is not
 * (a ReLU unit that never fires hides its weights from the output), so a
 * training loop calls this after every epoch as well as `checkFiniteLoss` on every step.
 *
 * @example
 * checkFiniteParameters(model, { epoch: 3, step: 938 }); // Error: training diverged: parameter layers.0.weight holds NaN at element 12 …
 */
export function checkFiniteParameters(module: { stateDict(): Record<string, Tensor> }, position: TrainingPosition): void {
  const found = findNonFinite(module.stateDict());
  if (found !== null) throw new NonFiniteParameterError(found, position);
}
