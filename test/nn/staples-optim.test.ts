/**
 * RMSprop, the learning-rate schedules and gradient clipping against PyTorch
 * (test/fixtures/torch/staples.json), and bit-identical resumption from saved state.
 */
import { describe, expect, it } from 'vitest';
import { Tensor, tensor } from '@gradlab/core';
import {
  CosineAnnealingLR, ExponentialLR, LinearLR, RMSprop, SGD, StepLR, clipGradNorm, clipGradValue,
  type LRScheduler, type Optimizer, type RMSpropOptions,
} from '@gradlab/nn';
import { fromJson, mismatches, staples, type TensorJson } from '../helpers/staples-fixture.js';

const { rmsprop: rmsCases, schedulers, clipping } = staples as {
  rmsprop: Array<{ name: string; options: Required<RMSpropOptions>; after: TensorJson[] }>;
  schedulers: Array<{ name: string; kind: 'step' | 'exponential' | 'cosine' | 'linear'; options: Record<string, number>; lrs: number[] }>;
  clipping: { grads: TensorJson[]; byNorm: { maxNorm: number; totalNorm: number; grads: TensorJson[] }; byValue: { clipValue: number; grads: TensorJson[] } };
};


describe('RMSprop against PyTorch', () => {
  it.each(rmsCases.map((entry) => [entry.name, entry] as const))('%s: the parameter after each of three steps', (_name, entry) => {
    // The fixture's loss: sum(c · (p - t)²), with fixed c and t (see staples.py).
    const start = staples.rmspropProblem as { param: TensorJson; target: TensorJson; coefficient: TensorJson };
    const p = fromJson(start.param, true);
    const c = fromJson(start.coefficient);
    const t = fromJson(start.target);
    const optimizer = new RMSprop([p], entry.options);
    const problems: string[] = [];
    entry.after.forEach((expected, step) => {
      optimizer.zeroGrad();
      c.mul(p.sub(t).pow(2)).sum().backward();
      optimizer.step();
      problems.push(...mismatches(`step ${step + 1}`, p, expected));
    });
    expect(problems).toEqual([]);
  });

  it('resumes bit-identically from its state saved through JSON', () => {
    const run = (resumeAt: number | null) => {
      const p = tensor([[0.5, -1.5, 2]], { requiresGrad: true });
      let optimizer = new RMSprop([p], { lr: 0.01, momentum: 0.9, centered: true, weightDecay: 0.01 });
      for (let step = 0; step < 6; step++) {
        if (step === resumeAt) {
          const saved = JSON.parse(JSON.stringify(optimizer.stateDict()));
          optimizer = new RMSprop([p], { lr: 1 });
          optimizer.loadStateDict(saved);
        }
        optimizer.zeroGrad();
        p.mul(p).mul(p).sum().backward();
        optimizer.step();
      }
      return Array.from(p.data);
    };
    expect(run(3)).toEqual(run(null));
    expect(() => new RMSprop([tensor([1])], { alpha: 1.5 })).toThrow('RMSprop: alpha must be a finite number >= 0 and <= 1, got 1.5');
  });
});

const makeScheduler: Record<string, (optimizer: Optimizer, options: Record<string, number>) => LRScheduler> = {
  step: (optimizer, o) => new StepLR(optimizer, { stepSize: o.stepSize!, gamma: o.gamma }),
  exponential: (optimizer, o) => new ExponentialLR(optimizer, { gamma: o.gamma! }),
  cosine: (optimizer, o) => new CosineAnnealingLR(optimizer, { tMax: o.tMax!, etaMin: o.etaMin }),
  linear: (optimizer, o) => new LinearLR(optimizer, { startFactor: o.startFactor, endFactor: o.endFactor, totalIters: o.totalIters }),
};

describe('learning-rate schedules against PyTorch', () => {
  it.each(schedulers.map((entry) => [entry.name, entry] as const))('%s: the learning rate of epochs 0 to 12', (_name, entry) => {
    const optimizer = new SGD([tensor([0], { requiresGrad: true })], { lr: 0.1 });
    const scheduler = makeScheduler[entry.kind]!(optimizer, entry.options);
    const lrs = [optimizer.lr];
    for (let epoch = 0; epoch < 12; epoch++) lrs.push(scheduler.step());
    lrs.forEach((lr, epoch) => expect(lr, `epoch ${epoch}`).toBeCloseTo(entry.lrs[epoch]!, 12));
  });

  it.each(Object.keys(makeScheduler))('%s: resumes from its saved state with bit-identical learning rates', (kind) => {
    const options = schedulers.find((entry) => entry.kind === kind)!.options;
    const trace = (resumeAt: number | null) => {
      let optimizer = new SGD([tensor([0], { requiresGrad: true })], { lr: 0.1 });
      let scheduler = makeScheduler[kind]!(optimizer, options);
      const lrs: number[] = [];
      for (let epoch = 0; epoch < 10; epoch++) {
        if (epoch === resumeAt) {
          const saved = JSON.parse(JSON.stringify({ optimizer: optimizer.stateDict(), scheduler: scheduler.stateDict() }));
          optimizer = new SGD([tensor([0], { requiresGrad: true })], { lr: 0.1 });
          optimizer.loadStateDict(saved.optimizer);
          scheduler = makeScheduler[kind]!(optimizer, options);
          scheduler.loadStateDict(saved.scheduler);
        }
        lrs.push(optimizer.lr);
        scheduler.step();
      }
      return lrs;
    };
    expect(trace(4)).toEqual(trace(null));
  });

  it('refuses a state saved by another schedule', () => {
    const optimizer = new SGD([tensor([0], { requiresGrad: true })], { lr: 0.1 });
    const saved = new StepLR(optimizer, { stepSize: 2 }).stateDict();
    expect(() => new ExponentialLR(optimizer, { gamma: 0.5 }).loadStateDict(saved)).toThrow('ExponentialLR.loadStateDict: the state was saved by StepLR, not ExponentialLR');
  });
});

describe('gradient clipping against PyTorch', () => {
  const withGrads = () => clipping.grads.map((grad) => {
    const parameter = new Tensor(new Float32Array(grad.data.length), grad.shape, { requiresGrad: true });
    parameter.grad = fromJson(grad);
    return parameter;
  });

  it('clipGradNorm: the total norm it returns and the scaled gradients', () => {
    const parameters = [...withGrads(), tensor([1], { requiresGrad: true })]; // one without a gradient is skipped
    const total = clipGradNorm(parameters, clipping.byNorm.maxNorm);
    expect(Math.abs(total - clipping.byNorm.totalNorm)).toBeLessThanOrEqual(1e-5 * clipping.byNorm.totalNorm);
    expect(parameters.slice(0, 2).flatMap((p, i) => mismatches(`grad ${i}`, p.grad, clipping.byNorm.grads[i]!))).toEqual([]);
    expect(parameters[2]!.grad).toBeNull();
  });

  it('clipGradNorm leaves gradients already inside the ball unchanged', () => {
    const parameters = withGrads();
    const before = parameters.map((p) => Array.from(p.grad!.data));
    clipGradNorm(parameters, 100);
    expect(parameters.map((p) => Array.from(p.grad!.data))).toEqual(before);
  });

  it('clipGradValue clamps every element', () => {
    const parameters = withGrads();
    clipGradValue(parameters, clipping.byValue.clipValue);
    expect(parameters.flatMap((p, i) => mismatches(`grad ${i}`, p.grad, clipping.byValue.grads[i]!))).toEqual([]);
    expect(() => clipGradValue(parameters, -1)).toThrow('clipGradValue: clipValue must be a finite number > 0, got -1');
  });
});
