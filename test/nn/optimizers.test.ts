import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Generator, Tensor, randn, tensor } from '@gradlab/core';
import { Adam, Dense, SGD, Sequential, crossEntropy, mlp, type Optimizer, type OptimizerStateDict } from '@gradlab/nn';

// Checks SGD and Adam against PyTorch 1.13. The reference values come from
// scripts/torch-fixtures/nn.py (run by hand), committed as
// test/fixtures/torch/nn-optimizers.json with the inputs and the initial
// parameters included, so nothing here depends on Python's random numbers.

interface TensorJson { shape: number[]; data: number[] }
interface LayerJson { weight: TensorJson; bias: TensorJson }
interface OptimizerCase {
  name: string;
  optimizer: 'SGD' | 'Adam';
  options: { lr: number; momentum?: number; nesterov?: boolean; weightDecay: number; betas?: [number, number]; eps?: number; decoupled?: boolean };
  steps: Array<{ lossBefore: number; layersAfter: LayerJson[] }>;
}
interface Fixture {
  tolerance: { relative: number; absoluteFloor: number };
  sizes: number[];
  inputs: TensorJson;
  labels: number[];
  initial: { layers: LayerJson[]; logits: TensorJson; loss: number; grads: LayerJson[] };
  optimizers: OptimizerCase[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/torch/nn-optimizers.json', import.meta.url), 'utf8')) as Fixture;
const { relative, absoluteFloor } = fixture.tolerance;

/** |gradlab - torch| <= max(1e-5 |torch|, 1e-6) for every element. */
function expectMatchesTorch(actual: ArrayLike<number>, expected: TensorJson | number[], what: string): void {
  const values = Array.isArray(expected) ? expected : expected.data;
  expect(actual.length, what).toBe(values.length);
  for (let i = 0; i < values.length; i++) {
    const allowed = Math.max(relative * Math.abs(values[i]!), absoluteFloor);
    expect(Math.abs(actual[i]! - values[i]!), `${what}[${i}]: gradlab ${actual[i]}, torch ${values[i]}`).toBeLessThanOrEqual(allowed);
  }
}

/** The fixture's MLP, built from gradlab layers, with the fixture's exact parameters. */
function fixtureModel(): Sequential {
  const [inputs, hiddenA, hiddenB, outputs] = fixture.sizes as [number, number, number, number];
  const model = mlp({ inputs, hidden: [hiddenA, hiddenB], outputs, activation: 'relu', generator: new Generator(0) });
  const dense = model.layers.filter((layer): layer is Dense => layer instanceof Dense);
  dense.forEach((layer, i) => {
    layer.weight.data.set(fixture.initial.layers[i]!.weight.data);
    layer.bias!.data.set(fixture.initial.layers[i]!.bias.data);
  });
  return model;
}

const inputs = new Tensor(Float32Array.from(fixture.inputs.data), fixture.inputs.shape);
const lossOf = (model: Sequential) => crossEntropy(model.forward(inputs), fixture.labels);

function makeOptimizer(entry: OptimizerCase, params: Tensor[]): Optimizer {
  return entry.optimizer === 'SGD' ? new SGD(params, entry.options) : new Adam(params, entry.options);
}

describe('the fixture MLP matches PyTorch before any step', () => {
  it('has the same logits, loss and parameter gradients', () => {
    const model = fixtureModel();
    const logits = model.forward(inputs);
    expectMatchesTorch(logits.data, fixture.initial.logits, 'logits');
    const loss = crossEntropy(logits, fixture.labels);
    expectMatchesTorch([loss.item()], [fixture.initial.loss], 'loss');
    loss.backward();
    const dense = model.layers.filter((layer): layer is Dense => layer instanceof Dense);
    dense.forEach((layer, i) => {
      expectMatchesTorch(layer.weight.grad!.data, fixture.initial.grads[i]!.weight, `layer ${i} weight grad`);
      expectMatchesTorch(layer.bias!.grad!.data, fixture.initial.grads[i]!.bias, `layer ${i} bias grad`);
    });
  });
});

describe.each(fixture.optimizers)('$name matches PyTorch', (entry) => {
  it('after one and after two steps', () => {
    const model = fixtureModel();
    const optimizer = makeOptimizer(entry, model.parameters());
    const dense = model.layers.filter((layer): layer is Dense => layer instanceof Dense);
    entry.steps.forEach((step, stepIndex) => {
      optimizer.zeroGrad();
      const loss = lossOf(model);
      expectMatchesTorch([loss.item()], [step.lossBefore], `loss before step ${stepIndex + 1}`);
      loss.backward();
      optimizer.step();
      dense.forEach((layer, i) => {
        expectMatchesTorch(layer.weight.data, step.layersAfter[i]!.weight, `step ${stepIndex + 1} layer ${i} weight`);
        expectMatchesTorch(layer.bias!.data, step.layersAfter[i]!.bias, `step ${stepIndex + 1} layer ${i} bias`);
      });
    });
  });
});

describe('optimizer state round trip', () => {
  const data = randn([32, 3], { generator: new Generator('round-trip data') });
  const labels = Array.from({ length: 32 }, (_, i) => (data.data[i * 3]! + data.data[i * 3 + 1]! > 0 ? 1 : 0));
  const build = () => mlp({ inputs: 3, hidden: [8], outputs: 2, activation: 'prelu', generator: new Generator('round-trip model') });
  const train = (model: Sequential, optimizer: Optimizer, steps: number) => {
    for (let i = 0; i < steps; i++) {
      optimizer.zeroGrad();
      crossEntropy(model.forward(data), labels).backward();
      optimizer.step();
    }
  };
  const bits = (model: Sequential) => model.parameters().map((p) => Array.from(new Uint32Array(p.data.buffer, p.data.byteOffset, p.size)));

  it.each([
    ['SGD with Nesterov momentum', (params: Tensor[]) => new SGD(params, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
    ['Adam', (params: Tensor[]) => new Adam(params, { lr: 0.01 })],
    ['AdamW', (params: Tensor[]) => new Adam(params, { lr: 0.01, weightDecay: 0.05, decoupled: true })],
  ])('%s: saving, JSON, and restoring into fresh objects continues bit for bit', (_, create) => {
    const uninterrupted = build();
    train(uninterrupted, create(uninterrupted.parameters()), 10);

    const first = build();
    const firstOptimizer = create(first.parameters());
    train(first, firstOptimizer, 4);
    const savedOptimizer = JSON.parse(JSON.stringify(firstOptimizer.stateDict())) as OptimizerStateDict;
    const savedModel = Object.fromEntries(Object.entries(first.stateDict()).map(([k, t]) => [k, new Tensor(Float32Array.from(t.data), t.shape)]));

    const resumed = mlp({ inputs: 3, hidden: [8], outputs: 2, activation: 'prelu', generator: new Generator('another seed') });
    resumed.loadStateDict(savedModel);
    const resumedOptimizer = create(resumed.parameters());
    resumedOptimizer.lr = 123; // restored from the saved state
    resumedOptimizer.loadStateDict(savedOptimizer);
    expect(resumedOptimizer.lr).toBe(firstOptimizer.lr);
    train(resumed, resumedOptimizer, 6);
    expect(bits(resumed)).toEqual(bits(uninterrupted));
  });

  it('would not be bit-identical without the restored state (the test can fail)', () => {
    const uninterrupted = build();
    train(uninterrupted, new Adam(uninterrupted.parameters(), { lr: 0.01 }), 10);
    const restarted = build();
    train(restarted, new Adam(restarted.parameters(), { lr: 0.01 }), 4);
    train(restarted, new Adam(restarted.parameters(), { lr: 0.01 }), 6);
    expect(bits(restarted)).not.toEqual(bits(uninterrupted));
  });

  it('refuses a state that does not fit, and changes nothing', () => {
    const model = build();
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    train(model, optimizer, 1);
    const good = optimizer.stateDict();
    const sgd = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    expect(() => sgd.loadStateDict(good)).toThrow('SGD.loadStateDict: the state was saved by Adam, not SGD');
    const short = { ...good, state: good.state.slice(1) };
    expect(() => optimizer.loadStateDict(short)).toThrow('Adam.loadStateDict: the state has 4 parameters but this optimizer has 5');
    const truncated = JSON.parse(JSON.stringify(good)) as OptimizerStateDict;
    (truncated.state[0]!.expAvg as number[]).pop();
    truncated.options.lr = 0.5;
    expect(() => optimizer.loadStateDict(truncated)).toThrow("Adam.loadStateDict: parameter 0 'expAvg' should hold 24 values, got 23 values");
    expect(optimizer.lr).toBe(0.01);
    expect(optimizer.stateDict()).toEqual(good);
  });
});

describe('optimizer basics', () => {
  it('SGD without momentum is p ← p - lr (g + weightDecay p)', () => {
    const p = tensor([1, -2], { requiresGrad: true });
    p.grad = tensor([0.5, 0.5]);
    new SGD([p], { lr: 0.1, weightDecay: 0.1 }).step();
    expect(Array.from(p.data)).toEqual([1 - 0.1 * (0.5 + 0.1), -2 - 0.1 * (0.5 - 0.2)].map(Math.fround));
  });

  it('Adam\'s first step moves every parameter by lr against the gradient\'s sign', () => {
    const p = tensor([1, -2, 3], { requiresGrad: true });
    p.grad = tensor([0.3, -4, 1e-3]);
    new Adam([p], { lr: 0.01 }).step();
    // m̂ = g and v̂ = g², so the step is lr g / (|g| + eps).
    expect(Array.from(p.data)).toEqual([1 - 0.01, -2 + 0.01, 3 - 0.01 * (1e-3 / (1e-3 + 1e-8))].map(Math.fround));
  });

  it('skips parameters without a gradient, and zeroGrad clears them', () => {
    const a = tensor([1], { requiresGrad: true });
    const b = tensor([1], { requiresGrad: true });
    a.grad = tensor([1]);
    const optimizer = new SGD([a, b], { lr: 0.5, momentum: 0.9 });
    optimizer.step();
    expect([a.data[0], b.data[0]]).toEqual([0.5, 1]);
    optimizer.zeroGrad();
    expect(a.grad).toBeNull();
    expect(optimizer.stateDict().state[1]).toBeNull();
  });

  it('rejects bad hyperparameters with the option named', () => {
    const params = [tensor([1], { requiresGrad: true })];
    expect(() => new SGD(params, { lr: 0 })).toThrow('SGD: lr must be a finite number > 0, got 0');
    expect(() => new SGD(params, { lr: 0.1, momentum: -1 })).toThrow('SGD: momentum must be a finite number >= 0, got -1');
    expect(() => new SGD(params, { lr: 0.1, nesterov: true })).toThrow('SGD: nesterov needs momentum > 0 and dampening 0');
    expect(() => new Adam(params, { betas: [0.9, 1] })).toThrow('Adam: betas[1] must be a finite number >= 0 and < 1, got 1');
    expect(() => new Adam([], {})).toThrow('Adam: got an empty parameter list');
    expect(() => new Adam([params[0]!, params[0]!])).toThrow('Adam: parameter 1 appears twice in the list');
  });
});
