/**
 * What every optimizer shares: the parameters it updates, the learning rate,
 * zeroGrad, and the checks its options and saved states go through.
 * The update rules themselves live in sgd.ts and adam.ts.
 */
import { Tensor } from '@gradlab/core';

/**
 * An optimizer's saved state: plain numbers and arrays, ready for
 * JSON.stringify. `state[i]` belongs to the i-th parameter (null before its
 * first update). Float32 values survive the trip through JSON exactly, so
 * training continued from a restored state is bit-identical.
 */
export interface OptimizerStateDict {
  /** 'SGD' or 'Adam'. */
  optimizer: string;
  /** The hyperparameters; restored too, so a changed learning rate is kept. */
  options: Record<string, number | boolean | number[]>;
  /** Per parameter: its buffers as number arrays, or null if it has none yet. */
  state: Array<Record<string, number | number[]> | null>;
}

/** The base class of SGD and Adam. */
export abstract class Optimizer {
  /** The tensors updated in place by `step()`, in the order given. */
  readonly params: readonly Tensor[];
  /** The learning rate; assign to it to schedule. */
  lr: number;

  constructor(name: string, params: Iterable<Tensor>, lr: number) {
    if (typeof (params as { [Symbol.iterator]?: unknown } | null | undefined)?.[Symbol.iterator] !== 'function') {
      throw new Error(`${name}: expected the parameters to optimize, e.g. new ${name}(model.parameters(), …), got ${params === null ? 'null' : typeof params}`);
    }
    const list = [...params];
    if (list.length === 0) throw new Error(`${name}: got an empty parameter list`);
    list.forEach((param, index) => {
      if (!(param instanceof Tensor)) throw new Error(`${name}: parameter ${index} is not a Tensor`);
      if (list.indexOf(param) !== index) throw new Error(`${name}: parameter ${index} appears twice in the list`);
    });
    checkNumber(name, 'lr', lr, { positive: true });
    this.params = list;
    this.lr = lr;
  }

  /** Applies one update to every parameter that has a gradient. */
  abstract step(): void;

  /** The optimizer's buffers and options as plain JSON-ready data. */
  abstract stateDict(): OptimizerStateDict;

  /** Restores a state saved by `stateDict()`; checked in full before anything changes. */
  abstract loadStateDict(state: OptimizerStateDict): void;

  /** Clears the gradient of every parameter (sets `.grad` to null). */
  zeroGrad(): void {
    for (const param of this.params) param.grad = null;
  }
}

/** The rule of a learning rate (`checkNumber(op, 'lr', lr, POSITIVE)`), one object for every step's check. */
export const POSITIVE = Object.freeze({ positive: true });

/**
 * Throws unless `value` is a finite number >= 0 (> 0 with `positive`), and
 * below `below` / at most `atMost` when given. The message names the op, the
 * option, the allowed range and the value: `SGD: lr must be a finite number > 0, got NaN`.
 */
export function checkNumber(
  op: string,
  name: string,
  value: unknown,
  rule: { positive?: boolean; below?: number; atMost?: number } = {},
): asserts value is number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (rule.positive ? value > 0 : value >= 0)
    && (rule.below === undefined || value < rule.below)
    && (rule.atMost === undefined || value <= rule.atMost);
  if (!ok) {
    const upper = rule.below !== undefined ? ` and < ${rule.below}` : rule.atMost !== undefined ? ` and <= ${rule.atMost}` : '';
    const range = `${rule.positive ? '> 0' : '>= 0'}${upper}`;
    throw new Error(`${op}: ${name} must be a finite number ${range}, got ${String(value)}`);
  }
}

/**
 * Checks a saved optimizer state against this optimizer's parameters and
 * returns, per parameter, its buffers as Float32Arrays (or null). Throws,
 * naming the parameter index and buffer, on any mismatch.
 */
export function readSavedBuffers(
  op: string,
  saved: OptimizerStateDict,
  params: readonly Tensor[],
  bufferNames: readonly string[],
): Array<Record<string, Float32Array> | null> {
  if (saved === null || typeof saved !== 'object' || !Array.isArray(saved.state)) {
    throw new Error(`${op}.loadStateDict: expected an object with a 'state' array, got ${JSON.stringify(saved)?.slice(0, 80)}`);
  }
  if (saved.optimizer !== op) {
    throw new Error(`${op}.loadStateDict: the state was saved by ${String(saved.optimizer)}, not ${op}`);
  }
  if (saved.state.length !== params.length) {
    throw new Error(`${op}.loadStateDict: the state has ${saved.state.length} parameters but this optimizer has ${params.length}`);
  }
  return saved.state.map((entry, index) => {
    if (entry === null) return null;
    const buffers: Record<string, Float32Array> = {};
    for (const name of bufferNames) {
      const values = entry[name];
      if (!Array.isArray(values) || values.length !== params[index]!.size) {
        const got = Array.isArray(values) ? `${values.length} values` : String(values);
        throw new Error(`${op}.loadStateDict: parameter ${index} '${name}' should hold ${params[index]!.size} values, got ${got}`);
      }
      if (!values.every((value) => typeof value === 'number')) {
        throw new Error(`${op}.loadStateDict: parameter ${index} '${name}' holds something other than numbers`);
      }
      buffers[name] = Float32Array.from(values);
    }
    return buffers;
  });
}
