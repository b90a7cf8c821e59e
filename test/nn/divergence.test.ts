/**
 * A training run whose loss becomes NaN or Infinity stops at that step with
 * a clear message (checkFiniteLoss / DivergedError), and with
 * detectAnomaly(true) the error names the op that overflowed instead.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Generator, Tensor, detectAnomaly, randn, tensor } from '@gradlab/core';
import {
  Dense, DivergedError, NonFiniteParameterError, SGD, checkFiniteLoss, checkFiniteParameters, crossEntropy, findNonFinite, mlp, mseLoss, type Module,
} from '@gradlab/nn';

afterEach(() => {
  detectAnomaly(false);
});

describe('checkFiniteLoss', () => {
  it('returns a finite loss as a number, from a tensor or a number', () => {
    expect(checkFiniteLoss(tensor(0.25), { epoch: 0, step: 0 })).toBe(0.25);
    expect(checkFiniteLoss(tensor([[1.5]]), { epoch: 0, step: 0 })).toBe(1.5);
    expect(checkFiniteLoss(-3, { epoch: 0, step: 0 })).toBe(-3);
    expect(checkFiniteLoss(Number.MAX_VALUE, { epoch: 0, step: 0 })).toBe(Number.MAX_VALUE);
  });

  it.each([
    [NaN, 'training diverged: loss is NaN at epoch 3, step 120'],
    [Infinity, 'training diverged: loss is Infinity at epoch 3, step 120'],
    [-Infinity, 'training diverged: loss is -Infinity at epoch 3, step 120'],
  ])('throws a DivergedError for %s, with the epoch, step and value', (value, message) => {
    let thrown: unknown;
    try {
      checkFiniteLoss(tensor([value]), { epoch: 3, step: 120 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DivergedError);
    expect(thrown).toBeInstanceOf(Error);
    const diverged = thrown as DivergedError;
    expect(diverged.name).toBe('DivergedError');
    expect(diverged.message.startsWith(message)).toBe(true);
    expect(diverged.message).toContain('detectAnomaly(true)');
    expect([diverged.epoch, diverged.step]).toEqual([3, 120]);
    expect(Object.is(diverged.value, value)).toBe(true);
    // JSON has no NaN: the record carries the loss as a string.
    expect(JSON.parse(JSON.stringify(diverged))).toEqual({ diverged: true, epoch: 3, step: 120, loss: String(value) });
  });
});

/**
 * A one-weight regression built to overflow on its second step:
 * pred = w x with w = 1, x = 1e19, target 0. Step 1: loss = 1e38 (finite in
 * float32), dL/dw = 2 x² = 2e38, so SGD with lr 1 sets w = 1 - 2e38 = -2e38.
 * Step 2: pred = -2e38 · 1e19 overflows float32 to -Infinity.
 */
function overflowingStep(step: number, model: Dense, optimizer: SGD): number {
  const x = tensor([[1e19]]);
  const loss = mseLoss(model.forward(x), tensor([[0]]));
  const value = checkFiniteLoss(loss, { epoch: 0, step });
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
  return value;
}

function overflowingModel(): { model: Dense; optimizer: SGD } {
  const model = new Dense(1, 1, { bias: false, init: (weight) => weight.data.fill(1) });
  return { model, optimizer: new SGD(model.parameters(), { lr: 1 }) };
}

describe('a training run that overflows', () => {
  it('stops at the first non-finite loss with DivergedError (epoch 0, step 2, loss Infinity)', () => {
    const { model, optimizer } = overflowingModel();
    const x = Math.fround(1e19);
    expect(overflowingStep(1, model, optimizer)).toBe(Math.fround(x * x));
    expect(model.weight.data[0]).toBe(Math.fround(1 - Math.fround(2 * x) * x));
    expect(() => overflowingStep(2, model, optimizer)).toThrow('training diverged: loss is Infinity at epoch 0, step 2');
  });

  it('with detectAnomaly(true), the same step names the op that overflowed and its input shapes', () => {
    const { model, optimizer } = overflowingModel();
    overflowingStep(1, model, optimizer);
    detectAnomaly(true);
    expect(() => overflowingStep(2, model, optimizer))
      .toThrow('linear: produced -Infinity at element 0 of its output of shape [1,1] (inputs of shape [1,1], [1,1]); anomaly detection is on');
  });

  /** Trains a small classifier with a far too large learning rate; returns how it ended. */
  function trainTooFast(): { losses: number[]; error: unknown } {
    const generator = new Generator('diverge');
    const model: Module = mlp({ inputs: 4, hidden: [16, 16], outputs: 3, activation: 'relu', generator });
    const optimizer = new SGD(model.parameters(), { lr: 1e4 });
    const x = randn([32, 4], { generator });
    const labels = Array.from({ length: 32 }, (_, i) => i % 3);
    const losses: number[] = [];
    try {
      for (let epoch = 0; epoch < 50; epoch++) {
        for (let step = 0; step < 4; step++) {
          const loss: Tensor = crossEntropy(model.forward(x), labels);
          losses.push(checkFiniteLoss(loss, { epoch, step }));
          optimizer.zeroGrad();
          loss.backward();
          optimizer.step();
        }
      }
    } catch (error) {
      return { losses, error };
    }
    return { losses, error: null };
  }

  it('a real run with lr 1e4 is stopped at its first non-finite loss, at the same step on every run', () => {
    const first = trainTooFast();
    expect(first.error).toBeInstanceOf(DivergedError);
    const diverged = first.error as DivergedError;
    // Every loss before it was finite, and the step it names is the next one.
    expect(first.losses.every(Number.isFinite)).toBe(true);
    expect(diverged.epoch * 4 + diverged.step).toBe(first.losses.length);
    expect(Number.isFinite(diverged.value)).toBe(false);
    const second = trainTooFast();
    expect((second.error as DivergedError).toJSON()).toEqual(diverged.toJSON());
    expect(second.losses).toEqual(first.losses);
  });

  it('the same run with detectAnomaly(true) names an op, with its input shapes, no later than that step', () => {
    detectAnomaly(true);
    const { losses, error } = trainTooFast();
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(DivergedError);
    expect((error as Error).message).toMatch(/^(backward of )?[a-zA-Z]+: produced (NaN|-?Infinity) .*\(inputs of shape \[[\d,]+\].*anomaly detection is on$/);
    detectAnomaly(false);
    expect(losses.length).toBeLessThanOrEqual(trainTooFast().losses.length);
  });
});

describe('checkFiniteParameters and findNonFinite (issue #18: a NaN weight must not train on silently)', () => {
  it('names the first parameter holding NaN or ±Infinity, its element and the epoch', () => {
    const model = mlp({ inputs: 3, hidden: [4], outputs: 2, activation: 'relu', generator: new Generator(1) });
    expect(findNonFinite(model.stateDict())).toBeNull();
    expect(() => checkFiniteParameters(model, { epoch: 2, step: 10 })).not.toThrow();
    for (const [name, value, index] of [['layers.2.bias', Infinity, 1], ['layers.0.weight', NaN, 7], ['layers.0.bias', -Infinity, 0]] as const) {
      const model2 = mlp({ inputs: 3, hidden: [4], outputs: 2, activation: 'relu', generator: new Generator(1) });
      model2.stateDict()[name]!.data[index] = value;
      expect(findNonFinite(model2.stateDict())).toEqual({ name, index, value });
      const error = (() => { try { checkFiniteParameters(model2, { epoch: 3, step: 120 }); } catch (caught) { return caught; } return null; })();
      expect(error).toBeInstanceOf(NonFiniteParameterError);
      expect(error).toBeInstanceOf(DivergedError);
      expect((error as Error).message).toBe(`training diverged: parameter ${name} holds ${value} at element ${index} after epoch 3, step 120 (rerun with detectAnomaly(true) to find the op that first produced a NaN or Infinity)`);
      expect(JSON.parse(JSON.stringify(error))).toEqual({ diverged: true, epoch: 3, step: 120, loss: String(value), parameter: name });
    }
  });

  it('a NaN weight behind a ReLU makes the loss NaN, so checkFiniteLoss stops the step (relu(NaN) used to be 0)', () => {
    const model = mlp({ inputs: 2, hidden: [3], outputs: 2, activation: 'relu', generator: new Generator(2) });
    model.stateDict()['layers.0.weight']!.data.fill(NaN);
    const loss = crossEntropy(model.forward(tensor([[1, 2]])), [0]);
    expect(() => checkFiniteLoss(loss, { epoch: 1, step: 1 })).toThrow('training diverged: loss is NaN at epoch 1, step 1');
  });

  it('catches a parameter that an update made infinite while the loss of that step was finite', () => {
    // One linear layer: dL/dW = xᵀ(p - y), and this input is confidently classified as 1, so for
    // label 0 the entries are near ±30 and ±20; 1e38·30 overflows float32.
    const model = mlp({ inputs: 2, hidden: [], outputs: 2, activation: 'relu', generator: new Generator(3) });
    const optimizer = new SGD(model.parameters(), { lr: 1e38 });
    const loss = crossEntropy(model.forward(tensor([[30, -20]])), [0]);
    expect(Number.isFinite(checkFiniteLoss(loss, { epoch: 1, step: 1 }))).toBe(true);
    loss.backward();
    optimizer.step();
    expect(() => checkFiniteParameters(model, { epoch: 1, step: 1 })).toThrow(/^training diverged: parameter layers\.0\.weight holds -?Infinity at element 0 after epoch 1, step 1/);
  });
});
