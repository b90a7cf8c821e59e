/**
 * Adam (Kingma & Ba, 2015) and its decoupled-weight-decay variant AdamW
 * (Loshchilov & Hutter, 2019), as PyTorch's torch.optim.Adam / AdamW.
 */
import { Tensor } from '@gradlab/core';
import { recordBinding, recordHost } from '@gradlab/core/kernels';
import { adamUpdate, type AdamCoefficients } from './update-kernels.js';
import { Optimizer, POSITIVE, checkNumber, readSavedBuffers, type OptimizerStateDict } from './optimizer.js';

/** Options of `Adam`. */
export interface AdamOptions {
  /** Learning rate. Default 0.001. */
  lr?: number;
  /** Decay rates of the first and second moment estimates. Default [0.9, 0.999]. */
  betas?: readonly [number, number];
  /** Added to the denominator for numerical stability. Default 1e-8. */
  eps?: number;
  /** Weight decay lambda. Default 0. */
  weightDecay?: number;
  /**
   * false (default): weight decay is an L2 term added to the gradient (Adam).
   * true: weight decay shrinks the weights directly, p ← p (1 - lr λ), apart
   * from the adaptive step (AdamW).
   */
  decoupled?: boolean;
}

/**
 * Adam. For every parameter p with gradient g, at its step t = 1, 2, …:
 *   decoupled:  p ← p (1 - lr λ)        otherwise:  g ← g + λ p
 *   m ← β1 m + (1 - β1) g
 *   v ← β2 v + (1 - β2) g²
 *   p ← p - (lr / (1 - β1^t)) · m / (sqrt(v) / sqrt(1 - β2^t) + eps)
 * exactly as torch.optim.Adam (decoupled: torch.optim.AdamW).
 *
 * @example
 * const optimizer = new Adam(model.parameters(), { lr: 0.01 });
 * optimizer.zeroGrad(); loss.backward(); optimizer.step();
 */
export class Adam extends Optimizer {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean;
  /** Per parameter: its step count t and moment estimates m, v; null until its first step. */
  #moments: Array<{ step: number; expAvg: Float32Array; expAvgSq: Float32Array } | null>;
  /** Per parameter: the numbers of its current step (one object each, refilled every step). */
  #coefficients: AdamCoefficients[];

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super('Adam', params, options.lr ?? 0.001);
    [this.beta1, this.beta2] = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    this.decoupled = options.decoupled ?? false;
    checkNumber('Adam', 'betas[0]', this.beta1, { below: 1 });
    checkNumber('Adam', 'betas[1]', this.beta2, { below: 1 });
    checkNumber('Adam', 'eps', this.eps, { positive: true });
    checkNumber('Adam', 'weightDecay', this.weightDecay);
    this.#moments = this.params.map(() => null);
    this.#coefficients = this.params.map(() => ({ beta1: 0, beta2: 0, eps: 0, stepSize: 0, biasCorrection2Sqrt: 0, shrink: 1, l2: 0 }));
  }

  /** One update of every parameter that has a gradient, by the formula above. */
  step(): void {
    const checkLr = (): void => checkNumber('Adam.step', 'lr', this.lr, POSITIVE); // lr is public: a schedule may have set it
    checkLr();
    recordHost('Adam lr check', checkLr);
    this.params.forEach((param, index) => {
      if (param.grad === null) return;
      const p = param.data;
      const grad = param.grad.data;
      const state = this.#moments[index] ??= { step: 0, expAvg: new Float32Array(p.length), expAvgSq: new Float32Array(p.length) };
      const c = this.#coefficients[index]!;
      // The step count and the numbers of this step: a captured step (captureStep) runs this again before each replayed update.
      const advance = (): void => {
        const moments = this.#moments[index]!;
        moments.step += 1;
        c.beta1 = this.beta1;
        c.beta2 = this.beta2;
        c.eps = this.eps;
        c.stepSize = this.lr / (1 - this.beta1 ** moments.step);
        c.biasCorrection2Sqrt = Math.sqrt(1 - this.beta2 ** moments.step);
        c.shrink = this.decoupled ? 1 - this.lr * this.weightDecay : 1;
        c.l2 = this.decoupled ? 0 : this.weightDecay;
      };
      advance();
      recordHost('Adam step count', advance);
      recordBinding(p, { get: () => param.data, set: (view) => { param.data = view as Float32Array; } });
      recordBinding(state.expAvg, { get: () => this.#moments[index]?.expAvg ?? null, set: (view) => { this.#moments[index]!.expAvg = view as Float32Array; } });
      recordBinding(state.expAvgSq, { get: () => this.#moments[index]?.expAvgSq ?? null, set: (view) => { this.#moments[index]!.expAvgSq = view as Float32Array; } });
      // The loop over the elements is nn's adamUpdate (update-kernels.ts:
      // adamUpdateTs is the plain version, the wasm one gives the same bits).
      adamUpdate(p, grad, state.expAvg, state.expAvgSq, c);
    });
  }

  /** The options and per-parameter buffers as plain JSON-ready data (see `OptimizerStateDict`). */
  stateDict(): OptimizerStateDict {
    return {
      optimizer: 'Adam',
      options: { lr: this.lr, betas: [this.beta1, this.beta2], eps: this.eps, weightDecay: this.weightDecay, decoupled: this.decoupled },
      state: this.#moments.map((state) => (state === null
        ? null
        : { step: state.step, expAvg: Array.from(state.expAvg), expAvgSq: Array.from(state.expAvgSq) })),
    };
  }

  /** Restores a state saved by `stateDict()`; everything is checked before anything changes. */
  loadStateDict(state: OptimizerStateDict): void {
    const buffers = readSavedBuffers('Adam', state, this.params, ['expAvg', 'expAvgSq']);
    const steps = state.state.map((entry, index) => {
      if (entry === null) return 0;
      const step = entry.step;
      if (typeof step !== 'number' || !Number.isInteger(step) || step < 1) {
        throw new Error(`Adam.loadStateDict: parameter ${index} 'step' must be a positive integer, got ${String(step)}`);
      }
      return step;
    });
    const { lr, betas, eps, weightDecay, decoupled } = state.options ?? {};
    checkNumber('Adam.loadStateDict', 'lr', lr, { positive: true });
    if (!Array.isArray(betas) || betas.length !== 2) throw new Error(`Adam.loadStateDict: betas must be two numbers, got ${String(betas)}`);
    checkNumber('Adam.loadStateDict', 'betas[0]', betas[0], { below: 1 });
    checkNumber('Adam.loadStateDict', 'betas[1]', betas[1], { below: 1 });
    checkNumber('Adam.loadStateDict', 'eps', eps, { positive: true });
    checkNumber('Adam.loadStateDict', 'weightDecay', weightDecay);
    if (typeof decoupled !== 'boolean') throw new Error(`Adam.loadStateDict: decoupled must be a boolean, got ${String(decoupled)}`);
    Object.assign(this, { lr, beta1: betas[0], beta2: betas[1], eps, weightDecay, decoupled });
    this.#moments = buffers.map((entry, index) => (entry === null
      ? null
      : { step: steps[index]!, expAvg: entry.expAvg!, expAvgSq: entry.expAvgSq! }));
  }
}
