/**
 * Stochastic gradient descent with momentum, as PyTorch's torch.optim.SGD.
 */
import { Tensor } from '@gradlab/core';
import { axpy, recordBinding, recordGuard, recordHost } from '@gradlab/core/kernels';
import { sgdUpdate } from './update-kernels.js';
import { Optimizer, POSITIVE, checkNumber, readSavedBuffers, type OptimizerStateDict } from './optimizer.js';

/** Options of `SGD`. */
export interface SGDOptions {
  /** Learning rate. */
  lr: number;
  /** Momentum factor mu. Default 0 (plain gradient descent). */
  momentum?: number;
  /** Dampening tau of the momentum. Default 0. */
  dampening?: number;
  /** Nesterov momentum. Default false. Needs momentum > 0 and dampening 0. */
  nesterov?: boolean;
  /** L2 penalty lambda, added to the gradient. Default 0. */
  weightDecay?: number;
}

/**
 * Stochastic gradient descent. For every parameter p with gradient g:
 *   g ← g + weightDecay · p
 *   b ← g on the first step, else momentum · b + (1 - dampening) · g
 *   g ← g + momentum · b  (nesterov)  or  g ← b  (otherwise, when momentum > 0)
 *   p ← p - lr · g
 * exactly as torch.optim.SGD. Parameters without a gradient are skipped.
 *
 * @example
 * const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * optimizer.zeroGrad(); loss.backward(); optimizer.step();
 */
export class SGD extends Optimizer {
  momentum: number;
  dampening: number;
  nesterov: boolean;
  weightDecay: number;
  /** The momentum buffer b of each parameter; null until its first step. */
  #momentumBuffers: Array<Float32Array | null>;

  constructor(params: Iterable<Tensor>, options: SGDOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new Error(`SGD: expected options with a learning rate, e.g. new SGD(model.parameters(), { lr: 0.1 }), got ${options === null ? 'null' : typeof options}`);
    }
    super('SGD', params, options.lr);
    this.momentum = options.momentum ?? 0;
    this.dampening = options.dampening ?? 0;
    this.nesterov = options.nesterov ?? false;
    this.weightDecay = options.weightDecay ?? 0;
    checkSGDOptions('SGD', this);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new Error(`SGD: nesterov needs momentum > 0 and dampening 0, got momentum ${this.momentum}, dampening ${this.dampening}`);
    }
    this.#momentumBuffers = this.params.map(() => null);
  }

  /** One update of every parameter that has a gradient, by the formula above. */
  step(): void {
    const checkLr = (): void => checkNumber('SGD.step', 'lr', this.lr, POSITIVE); // lr is public: a schedule may have set it
    checkLr();
    recordHost('SGD lr check', checkLr);
    // A captured step (captureStep) replays the updates with these numbers: it records again when one changes.
    const { lr, momentum, dampening, nesterov, weightDecay } = this;
    recordGuard(() => this.lr === lr && this.momentum === momentum && this.dampening === dampening && this.nesterov === nesterov && this.weightDecay === weightDecay);
    this.params.forEach((param, index) => {
      if (param.grad === null) return;
      const p = param.data;
      const grad = param.grad.data;
      recordBinding(p, { get: () => param.data, set: (view) => { param.data = view as Float32Array; } });
      if (this.momentum === 0 && this.weightDecay === 0) {
        // Plain SGD, p ← p - lr · g, is a BLAS axpy: one SIMD kernel call (float32, as PyTorch's add_).
        axpy(-this.lr, grad, p);
        return;
      }
      let buffer = this.#momentumBuffers[index] ?? null;
      const firstStep = buffer === null;
      if (this.momentum !== 0 && buffer === null) {
        buffer = new Float32Array(p.length);
        this.#momentumBuffers[index] = buffer;
      }
      // The first step starts the buffer as the gradient: a step captured then is recorded again at the next.
      recordGuard(() => (this.#momentumBuffers[index] === null) === firstStep);
      if (buffer !== null) {
        recordBinding(buffer, { get: () => this.#momentumBuffers[index] ?? null, set: (view) => { this.#momentumBuffers[index] = view as Float32Array; } });
      }
      // The loop over the elements is core's sgdUpdate (kernels/elementwise.ts:
      // sgdUpdateTs is the plain version, the wasm one gives the same bits).
      sgdUpdate(p, grad, buffer, {
        lr: this.lr,
        weightDecay: this.weightDecay,
        momentum: this.momentum,
        dampening: this.dampening,
        nesterov: this.nesterov,
        firstStep,
      });
    });
  }

  /** The options and per-parameter buffers as plain JSON-ready data (see `OptimizerStateDict`). */
  stateDict(): OptimizerStateDict {
    return {
      optimizer: 'SGD',
      options: { lr: this.lr, momentum: this.momentum, dampening: this.dampening, nesterov: this.nesterov, weightDecay: this.weightDecay },
      state: this.#momentumBuffers.map((buffer) => (buffer === null ? null : { momentumBuffer: Array.from(buffer) })),
    };
  }

  /** Restores a state saved by `stateDict()`; everything is checked before anything changes. */
  loadStateDict(state: OptimizerStateDict): void {
    const buffers = readSavedBuffers('SGD', state, this.params, ['momentumBuffer']);
    const { lr, nesterov } = state.options ?? {};
    checkNumber('SGD.loadStateDict', 'lr', lr, { positive: true });
    const { momentum, dampening, weightDecay } = checkSGDOptions('SGD.loadStateDict', state.options ?? {});
    if (typeof nesterov !== 'boolean') throw new Error(`SGD.loadStateDict: nesterov must be a boolean, got ${String(nesterov)}`);
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      throw new Error(`SGD.loadStateDict: nesterov needs momentum > 0 and dampening 0, got momentum ${momentum}, dampening ${dampening}`);
    }
    Object.assign(this, { lr, momentum, dampening, nesterov, weightDecay });
    this.#momentumBuffers = buffers.map((entry) => entry?.momentumBuffer ?? null);
  }
}

/** Checks SGD's options other than lr and nesterov, and returns them. */
function checkSGDOptions(op: string, options: { momentum?: unknown; dampening?: unknown; weightDecay?: unknown }) {
  const { momentum, dampening, weightDecay } = options;
  checkNumber(op, 'momentum', momentum);
  // At 1 or more, old gradients never fade from the buffer and the steps grow without bound.
  if (momentum >= 1) throw new Error(`${op}: momentum must be < 1 (allowed: [0, 1)), got ${momentum}`);
  // Above 1, the factor (1 - dampening) would turn the gradient around.
  checkNumber(op, 'dampening', dampening, { atMost: 1 });
  checkNumber(op, 'weightDecay', weightDecay);
  return { momentum, dampening, weightDecay };
}
