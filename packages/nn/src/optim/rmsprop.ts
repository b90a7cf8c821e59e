/**
 * RMSprop (Hinton, Coursera lecture 6e, 2012), as PyTorch's torch.optim.RMSprop.
 */
import { Tensor } from '@gradlab/core';
import { unsupported } from '@gradlab/core/kernels';
import { Optimizer, checkNumber, readSavedBuffers, type OptimizerStateDict } from './optimizer.js';

/** Options of `RMSprop`. */
export interface RMSpropOptions {
  /** Learning rate. Default 0.01 (PyTorch's). */
  lr?: number;
  /** Smoothing constant of the squared-gradient average. Default 0.99. */
  alpha?: number;
  /** Added to the denominator for numerical stability. Default 1e-8. */
  eps?: number;
  /** L2 penalty lambda, added to the gradient. Default 0. */
  weightDecay?: number;
  /** Momentum factor. Default 0. */
  momentum?: number;
  /** Divide by an estimate of the gradient's variance instead of its second moment. Default false. */
  centered?: boolean;
}

/** The per-parameter state: v (always), the gradient average (centered), the momentum buffer (momentum > 0). */
interface RMSpropBuffers {
  squareAvg: Float32Array;
  gradAvg: Float32Array;
  momentumBuffer: Float32Array;
}

/**
 * RMSprop. For every parameter p with gradient g:
 *   g ← g + weightDecay · p
 *   v ← alpha · v + (1 - alpha) · g²
 *   centered:  gAvg ← alpha · gAvg + (1 - alpha) · g,  d = sqrt(v - gAvg²) + eps;  else d = sqrt(v) + eps
 *   momentum > 0:  b ← momentum · b + g / d,  p ← p - lr · b;  else  p ← p - lr · g / d
 * exactly as torch.optim.RMSprop (v, gAvg and b start at 0). Parameters without a gradient are skipped.
 *
 * @example
 * const optimizer = new RMSprop(model.parameters(), { lr: 0.001 });
 * optimizer.zeroGrad(); loss.backward(); optimizer.step();
 */
export class RMSprop extends Optimizer {
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  #buffers: Array<RMSpropBuffers | null>;

  constructor(params: Iterable<Tensor>, options: RMSpropOptions = {}) {
    super('RMSprop', params, options.lr ?? 0.01);
    this.alpha = options.alpha ?? 0.99;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    this.momentum = options.momentum ?? 0;
    this.centered = options.centered ?? false;
    checkRMSpropOptions('RMSprop', this);
    this.#buffers = this.params.map(() => null);
  }

  /** One update of every parameter that has a gradient, by the formula above. */
  step(): void {
    checkNumber('RMSprop.step', 'lr', this.lr, { positive: true }); // lr is public: a schedule may have set it
    unsupported('RMSprop.step (its update loop has no captured kernel)');
    const { alpha, eps, weightDecay, momentum, centered, lr } = this;
    this.params.forEach((param, index) => {
      if (param.grad === null) return;
      const p = param.data;
      const grad = param.grad.data;
      const state = this.#buffers[index] ?? { squareAvg: new Float32Array(p.length), gradAvg: new Float32Array(p.length), momentumBuffer: new Float32Array(p.length) };
      this.#buffers[index] = state;
      const { squareAvg, gradAvg, momentumBuffer } = state;
      for (let i = 0; i < p.length; i++) {
        const g = grad[i]! + weightDecay * p[i]!;
        squareAvg[i] = alpha * squareAvg[i]! + (1 - alpha) * g * g;
        let denominator: number;
        if (centered) {
          gradAvg[i] = alpha * gradAvg[i]! + (1 - alpha) * g;
          denominator = Math.sqrt(squareAvg[i]! - gradAvg[i]! * gradAvg[i]!) + eps;
        } else {
          denominator = Math.sqrt(squareAvg[i]!) + eps;
        }
        if (momentum > 0) {
          momentumBuffer[i] = momentum * momentumBuffer[i]! + g / denominator;
          p[i] = p[i]! - lr * momentumBuffer[i]!;
        } else {
          p[i] = p[i]! - (lr * g) / denominator;
        }
      }
    });
  }

  /** The options and per-parameter buffers as plain JSON-ready data (see `OptimizerStateDict`). */
  stateDict(): OptimizerStateDict {
    return {
      optimizer: 'RMSprop',
      options: { lr: this.lr, alpha: this.alpha, eps: this.eps, weightDecay: this.weightDecay, momentum: this.momentum, centered: this.centered },
      state: this.#buffers.map((buffers) => (buffers === null ? null : {
        squareAvg: Array.from(buffers.squareAvg),
        gradAvg: Array.from(buffers.gradAvg),
        momentumBuffer: Array.from(buffers.momentumBuffer),
      })),
    };
  }

  /** Restores a state saved by `stateDict()`; everything is checked before anything changes. */
  loadStateDict(state: OptimizerStateDict): void {
    const buffers = readSavedBuffers('RMSprop', state, this.params, ['squareAvg', 'gradAvg', 'momentumBuffer']);
    const options = state.options ?? {};
    checkNumber('RMSprop.loadStateDict', 'lr', options.lr, { positive: true });
    const checked = checkRMSpropOptions('RMSprop.loadStateDict', options);
    Object.assign(this, { lr: options.lr }, checked);
    this.#buffers = buffers.map((entry) => (entry === null ? null : {
      squareAvg: entry.squareAvg!, gradAvg: entry.gradAvg!, momentumBuffer: entry.momentumBuffer!,
    }));
  }
}

/** Checks RMSprop's options other than lr, and returns them. */
function checkRMSpropOptions(op: string, options: { alpha?: unknown; eps?: unknown; weightDecay?: unknown; momentum?: unknown; centered?: unknown }) {
  const { alpha, eps, weightDecay, momentum, centered } = options;
  checkNumber(op, 'alpha', alpha, { atMost: 1 });
  checkNumber(op, 'eps', eps, { positive: true });
  checkNumber(op, 'weightDecay', weightDecay);
  checkNumber(op, 'momentum', momentum, { below: 1 });
  if (typeof centered !== 'boolean') throw new Error(`${op}: centered must be a boolean, got ${String(centered)}`);
  return { alpha, eps, weightDecay, momentum, centered };
}
