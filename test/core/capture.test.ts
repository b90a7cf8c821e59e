/**
 * captureStep: a captured training step gives the bits of the eager step
 * (losses, parameters, gradients, optimizer state), over several shapes of
 * batch, optimizers and activations; it lives in one arena whose size it
 * reports; and what it cannot replay stays eager, with the reason.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Generator, Tensor, captureStep, detectAnomaly, withReferenceKernels, type CapturedStep } from '@gradlab/core';
import {
  ACTIVATION_KINDS, Adam, DivergedError, RMSprop, SGD, clipGradNorm, crossEntropy, mlp, type ActivationKind, type Optimizer,
} from '@gradlab/nn';
import { loadData, startTraining, trainEpoch } from 'gradlab';

/** The usual training step of a model and its optimizer, as a function to capture. */
function stepOf(model: { forward(x: Tensor): Tensor }, optimizer: Optimizer) {
  return (x: Tensor, labels: Int32Array): Tensor => {
    optimizer.zeroGrad();
    const loss = crossEntropy(model.forward(x), labels);
    loss.backward();
    optimizer.step();
    return loss;
  };
}

type OptimizerKind = 'adam' | 'adamw' | 'sgd' | 'sgd-momentum' | 'rmsprop';

function makeOptimizer(kind: OptimizerKind, params: Tensor[]): Optimizer {
  if (kind === 'adam') return new Adam(params, { lr: 0.005 });
  if (kind === 'adamw') return new Adam(params, { lr: 0.005, weightDecay: 0.01, decoupled: true });
  if (kind === 'sgd') return new SGD(params, { lr: 0.05 });
  if (kind === 'sgd-momentum') return new SGD(params, { lr: 0.05, momentum: 0.9, weightDecay: 1e-4 });
  return new RMSprop(params, { lr: 0.001 });
}

interface Run {
  hash: string;
  losses: number[];
  step: CapturedStep<[Tensor, Int32Array], Tensor> | null;
}

/**
 * Trains a 784 → 3×32 → 10 MLP for `steps` steps on seeded random batches
 * whose sizes cycle through `batches`, eagerly or through captureStep, and
 * hashes every loss, parameter, gradient and the optimizer's state.
 */
function train(options: { capture: boolean; activation?: ActivationKind; optimizer?: OptimizerKind; batches?: number[]; steps?: number;
  between?: (step: number, optimizer: Optimizer) => void }): Run {
  const { capture, activation = 'relu', optimizer: kind = 'adam', batches = [32, 32, 32, 7], steps = 12 } = options;
  const data = new Generator(11);
  const model = mlp({ inputs: 784, hidden: [32, 32, 32], outputs: 10, activation, generator: new Generator(5) });
  const optimizer = makeOptimizer(kind, model.parameters());
  const body = stepOf(model, optimizer);
  const step = capture ? captureStep(body) : null;
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    options.between?.(s, optimizer);
    const rows = batches[s % batches.length]!;
    const x = new Tensor(Float32Array.from({ length: rows * 784 }, () => data.uniform()), [rows, 784]);
    const labels = Int32Array.from({ length: rows }, () => data.integer(10));
    losses.push((step ?? body)(x, labels).item());
  }
  const hash = createHash('sha256');
  hash.update(new Float64Array(losses));
  for (const parameter of model.parameters()) {
    hash.update(parameter.data);
    hash.update(parameter.grad!.data);
  }
  hash.update(JSON.stringify(optimizer.stateDict()));
  return { hash: hash.digest('hex'), losses, step };
}

describe('captureStep gives the eager bits', () => {
  for (const optimizer of ['adam', 'adamw', 'sgd', 'sgd-momentum'] as const) {
    it(`relu, ${optimizer}, batches of 32 and 7 (two plans)`, () => {
      const eager = train({ capture: false, optimizer });
      const captured = train({ capture: true, optimizer });
      expect(captured.step!.eagerReason).toBeNull();
      expect(captured.step!.plans.map((plan) => plan.shapes)).toEqual(['[32, 784], 32 labels', '[7, 784], 7 labels']);
      expect(captured.losses).toEqual(eager.losses);
      expect(captured.hash).toBe(eager.hash);
    });
  }

  it.each(ACTIVATION_KINDS)('%s: the same bits, captured where every op has a captured kernel, eager otherwise', (activation) => {
    const eager = train({ capture: false, activation, steps: 6 });
    const captured = train({ capture: true, activation, steps: 6 });
    expect(captured.hash).toBe(eager.hash);
    const reason = captured.step!.eagerReason;
    if (reason !== null) expect(reason).toMatch(/^the op \w+ \(it has no captured kernel\)$/);
  });

  it('replays the main job\'s activations (relu, leaky-relu, sigmoid) and tanh', () => {
    for (const activation of ['relu', 'leaky-relu', 'sigmoid', 'tanh'] as const) {
      const captured = train({ capture: true, activation, steps: 3, batches: [16] });
      expect(captured.step!.eagerReason, activation).toBeNull();
      expect(captured.step!.plans, activation).toHaveLength(1);
    }
  });

  it('a learning rate changed between steps: Adam reads it at each replay, SGD records its step again', () => {
    const schedule = (step: number, optimizer: Optimizer): void => {
      if (step === 5) optimizer.lr /= 3;
    };
    for (const optimizer of ['adam', 'sgd', 'sgd-momentum'] as const) {
      const eager = train({ capture: false, optimizer, between: schedule });
      const captured = train({ capture: true, optimizer, between: schedule });
      expect(captured.hash, optimizer).toBe(eager.hash);
      expect(captured.step!.eagerReason).toBeNull();
    }
  });

  it('an optimizer state loaded after the capture is copied into the arena', () => {
    const reload = (step: number, optimizer: Optimizer): void => {
      if (step === 6) optimizer.loadStateDict(JSON.parse(JSON.stringify(optimizer.stateDict())));
    };
    const eager = train({ capture: false, between: reload });
    const captured = train({ capture: true, between: reload });
    expect(captured.hash).toBe(eager.hash);
  });
});

describe('the arena', () => {
  it('holds the parameters and gradients, reuses the same objects at every replay, and is no larger than what an eager step allocates', () => {
    const data = new Generator(1);
    const model = mlp({ inputs: 784, hidden: Array(10).fill(64), outputs: 10, activation: 'relu', generator: new Generator(2) });
    const optimizer = new Adam(model.parameters(), { lr: 0.005 });
    const step = captureStep(stepOf(model, optimizer));
    const batch = (): [Tensor, Int32Array] => [
      new Tensor(Float32Array.from({ length: 64 * 784 }, () => data.uniform()), [64, 784]),
      Int32Array.from({ length: 64 }, () => data.integer(10)),
    ];
    const first = step(...batch());
    const [weight] = model.parameters();
    const weightData = weight!.data;
    const weightGrad = weight!.grad;
    for (let i = 0; i < 3; i++) expect(step(...batch())).toBe(first);
    expect(weight!.data).toBe(weightData);
    expect(weight!.grad).toBe(weightGrad);
    const [plan] = step.plans;
    // The parameters, their gradients and Adam's two moments: four arrays of 88,330 floats, each home padded to a cache line.
    const parameters = model.parameters().reduce((total, parameter) => total + parameter.size, 0);
    expect(parameters).toBe(784 * 64 + 64 + 9 * (64 * 64 + 64) + 64 * 10 + 10);
    expect(plan!.persistentBytes).toBeGreaterThanOrEqual(4 * 4 * parameters + 4 * 64 * 784);
    expect(plan!.temporaryBytes).toBeLessThan(plan!.unsharedTemporaryBytes / 1.5);
    expect(plan!.arenaBytes).toBeGreaterThanOrEqual(plan!.persistentBytes + plan!.temporaryBytes + plan!.scratchBytes);
    expect(plan!.arenaBytes).toBeLessThan(plan!.persistentBytes + plan!.temporaryBytes + plan!.scratchBytes + 65536 + 64);
    expect(weight!.data.buffer.byteLength).toBe(plan!.arenaBytes);
  });
});

describe('what is not captured runs eagerly, with the reason', () => {
  const tiny = () => {
    const model = mlp({ inputs: 4, hidden: [3], outputs: 2, activation: 'relu', generator: new Generator(0) });
    return { model, x: new Tensor(new Float32Array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]), [2, 4]), labels: new Int32Array([0, 1]) };
  };

  it('RMSprop, gradient clipping, anomaly detection, the readable mode', () => {
    const cases: Array<[string, RegExp]> = [['rmsprop', /RMSprop\.step/], ['clip', /clipGradNorm/], ['anomaly', /anomaly detection/], ['reference', /readable mode/]];
    for (const [what, reason] of cases) {
      const { model, x, labels } = tiny();
      const optimizer = what === 'rmsprop' ? new RMSprop(model.parameters(), { lr: 0.01 }) : new SGD(model.parameters(), { lr: 0.1 });
      const step = captureStep((input: Tensor, y: Int32Array) => {
        optimizer.zeroGrad();
        const loss = crossEntropy(model.forward(input), y);
        loss.backward();
        if (what === 'clip') clipGradNorm(model.parameters(), 1);
        optimizer.step();
        return loss;
      });
      const run = (): void => { step(x, labels); };
      const previous = detectAnomaly(what === 'anomaly');
      try {
        if (what === 'reference') withReferenceKernels(run);
        else run();
      } finally {
        detectAnomaly(previous);
      }
      expect(step.eagerReason, what).toMatch(reason);
      expect(step.plans, what).toHaveLength(0);
    }
  });

  it('labels not in an Int32Array; a bad label at a replay gives the eager error', () => {
    const { model, x, labels } = tiny();
    const optimizer = new SGD(model.parameters(), { lr: 0.1 });
    const plain = captureStep((input: Tensor) => crossEntropy(model.forward(input), [0, 1]));
    plain(x);
    expect(plain.eagerReason).toMatch(/labels not in an Int32Array/);
    const step = captureStep(stepOf(model, optimizer));
    step(x, labels);
    step(x, labels);
    expect(step.eagerReason).toBeNull();
    let eagerError = '';
    try {
      crossEntropy(model.forward(x), new Int32Array([0, 7]));
    } catch (error) {
      eagerError = (error as Error).message;
    }
    expect(eagerError).toMatch(/label 7 at position 1 is not a class index in \[0, 1\]/);
    expect(() => step(x, new Int32Array([0, 7]))).toThrow(eagerError);
  });

  it('refuses arguments that are neither tensors nor Int32Arrays', () => {
    const step = captureStep((value: Tensor) => value);
    expect(() => (step as unknown as (value: number[]) => void)([1, 2])).toThrow(/captureStep: argument 0 must be a Tensor or an Int32Array/);
  });
});

describe('the CLI\'s training loop', () => {
  it('trainEpoch captured and eager: the same bits, and a diverging run stops at the same step before its update', () => {
    const { train: images } = loadData({ trainSize: 300, testSize: 100 });
    const state = (lr: number, optimizer: 'adam' | 'sgd' = 'adam') => startTraining(
      { hidden: [32, 32, 32], activation: 'relu', negativeSlope: 0.01, init: 'default' }, { optimizer, lr, momentum: 0 }, 784, 0);
    const snapshot = (s: ReturnType<typeof state>): string => createHash('sha256')
      .update(JSON.stringify(s.optimizer.stateDict()))
      .update(JSON.stringify(s.model.parameters().map((parameter) => Array.from(parameter.data)))).digest('hex');
    const results = [true, false].map((capture) => {
      const s = state(0.005);
      const losses: number[] = [];
      for (let epoch = 1; epoch <= 2; epoch++) {
        trainEpoch(s.model, s.optimizer, images, { batchSize: 64, dataGenerator: s.dataGenerator, epoch, capture, onStep: (loss) => losses.push(loss) });
      }
      return { losses, hash: snapshot(s) };
    });
    expect(results[0]!.losses).toHaveLength(10);
    expect(results[0]).toEqual(results[1]);

    const diverged = [true, false].map((capture) => {
      const s = state(1e4, 'sgd');
      let error: unknown = null;
      try {
        for (let epoch = 1; epoch <= 3; epoch++) trainEpoch(s.model, s.optimizer, images, { batchSize: 64, dataGenerator: s.dataGenerator, epoch, capture });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(DivergedError);
      const { epoch, step } = error as DivergedError;
      return { epoch, step, hash: snapshot(s) };
    });
    expect(diverged[0]).toEqual(diverged[1]);
    expect(diverged[0]!.step).toBeGreaterThan(1);
  });
});
