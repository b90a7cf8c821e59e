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
