/**
 * Learning-rate schedules, as PyTorch's torch.optim.lr_scheduler: call
 * `scheduler.step()` once per epoch, after the optimizer's steps, and the
 * optimizer's `lr` is set for the next epoch.
 *
 * Every schedule here is a closed form lr(epoch) of the initial learning
 * rate, so its whole state is two numbers (`stateDict()`): a run restored from
 * them sets exactly the learning rates of a run never interrupted.
 */
import { checkNumber, type Optimizer } from './optimizer.js';

/** A schedule's saved state: plain JSON. */
export interface SchedulerStateDict {
  /** The class that saved it, e.g. 'CosineAnnealingLR'. */
  scheduler: string;
  /** The learning rate at epoch 0. */
  baseLr: number;
  /** Epochs stepped so far. */
  epoch: number;
}

/** The base class of the schedules: owns the epoch count and sets `optimizer.lr`. */
export abstract class LRScheduler {
  readonly optimizer: Optimizer;
  /** The optimizer's learning rate when the scheduler was made. */
  baseLr: number;
  /** Epochs stepped so far (0 at the start). */
  epoch = 0;

  constructor(optimizer: Optimizer) {
    this.optimizer = optimizer;
    this.baseLr = optimizer.lr;
  }

  /** The learning rate of `epoch` (0, 1, …). */
  abstract lrAt(epoch: number): number;

  /** Ends an epoch: epoch += 1 and optimizer.lr = lrAt(epoch). Returns the new learning rate. */
  step(): number {
    this.epoch++;
    this.optimizer.lr = this.lrAt(this.epoch);
    return this.optimizer.lr;
  }

  /** The epoch count and initial learning rate, JSON-ready. */
  stateDict(): SchedulerStateDict {
    return { scheduler: this.constructor.name, baseLr: this.baseLr, epoch: this.epoch };
  }

  /** Restores a state saved by `stateDict()` and sets the optimizer's learning rate to match it. */
  loadStateDict(state: SchedulerStateDict): void {
    const name = this.constructor.name;
    if (state === null || typeof state !== 'object' || state.scheduler !== name) {
      throw new Error(`${name}.loadStateDict: the state was saved by ${String(state?.scheduler)}, not ${name}`);
    }
    checkNumber(`${name}.loadStateDict`, 'baseLr', state.baseLr, { positive: true });
    if (!Number.isInteger(state.epoch) || state.epoch < 0) {
      throw new Error(`${name}.loadStateDict: epoch must be an integer >= 0, got ${String(state.epoch)}`);
    }
    this.baseLr = state.baseLr;
    this.epoch = state.epoch;
    this.optimizer.lr = this.lrAt(this.epoch);
  }
}

/**
 * Multiplies the learning rate by gamma every stepSize epochs (StepLR):
 * lr(e) = baseLr · gamma^floor(e / stepSize).
 *
 * @example
 * const scheduler = new StepLR(optimizer, { stepSize: 30, gamma: 0.1 }); // 0.1 → 0.01 at epoch 30
 */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: { stepSize: number; gamma?: number }) {
    super(optimizer);
    checkPositiveInteger('StepLR', 'stepSize', options.stepSize);
    this.stepSize = options.stepSize;
    this.gamma = options.gamma ?? 0.1;
    checkNumber('StepLR', 'gamma', this.gamma, { positive: true });
  }

  lrAt(epoch: number): number {
    return this.baseLr * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}

/**
 * Multiplies the learning rate by gamma every epoch (ExponentialLR):
 * lr(e) = baseLr · gamma^e.
 *
 * @example
 * const scheduler = new ExponentialLR(optimizer, { gamma: 0.95 });
 */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: { gamma: number }) {
    super(optimizer);
    this.gamma = options.gamma;
    checkNumber('ExponentialLR', 'gamma', this.gamma, { positive: true });
  }

  lrAt(epoch: number): number {
    return this.baseLr * this.gamma ** epoch;
  }
}

/**
 * Cosine annealing without restarts (Loshchilov & Hutter 2017; CosineAnnealingLR):
 * lr(e) = etaMin + (baseLr - etaMin) · (1 + cos(π e / tMax)) / 2,
 * from baseLr at epoch 0 down to etaMin at epoch tMax (and back up after it, as PyTorch's closed form).
 *
 * @example
 * const scheduler = new CosineAnnealingLR(optimizer, { tMax: 10 }); // lr reaches 0 after 10 epochs
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: Optimizer, options: { tMax: number; etaMin?: number }) {
    super(optimizer);
    checkPositiveInteger('CosineAnnealingLR', 'tMax', options.tMax);
    this.tMax = options.tMax;
    this.etaMin = options.etaMin ?? 0;
    checkNumber('CosineAnnealingLR', 'etaMin', this.etaMin);
  }

  lrAt(epoch: number): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}

/**
 * Linear warm-up (LinearLR): the factor goes linearly from startFactor to
 * endFactor over totalIters epochs, then stays:
 * lr(e) = baseLr · (startFactor + (endFactor - startFactor) · min(e, totalIters) / totalIters).
 *
 * @example
 * const warmUp = new LinearLR(optimizer, { startFactor: 0.1, totalIters: 5 }); // 10% → 100% in 5 epochs
 */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(optimizer: Optimizer, options: { startFactor?: number; endFactor?: number; totalIters?: number } = {}) {
    super(optimizer);
    this.startFactor = options.startFactor ?? 1 / 3;
    this.endFactor = options.endFactor ?? 1;
    this.totalIters = options.totalIters ?? 5;
    checkNumber('LinearLR', 'startFactor', this.startFactor, { positive: true, atMost: 1 });
    checkNumber('LinearLR', 'endFactor', this.endFactor, { atMost: 1 });
    checkPositiveInteger('LinearLR', 'totalIters', this.totalIters);
    optimizer.lr = this.lrAt(0);
  }

  lrAt(epoch: number): number {
    return this.baseLr * (this.startFactor + ((this.endFactor - this.startFactor) * Math.min(epoch, this.totalIters)) / this.totalIters);
  }
}

/** Throws unless `value` is an integer >= 1, naming the schedule and the option. */
function checkPositiveInteger(op: string, name: string, value: unknown): void {
  if (!Number.isInteger(value) || (value as number) < 1) throw new Error(`${op}: ${name} must be a positive integer, got ${String(value)}`);
}
