import { describe, expect, it } from 'vitest';
import { Generator, Tensor, manualSeed, tensor, zeros } from '@gradlab/core';
import {
  Dense, ELU, GELU, LeakyReLU, PReLU, ReLU, SELU, Sequential, Sigmoid, SiLU, Softplus, Tanh, mlp,
  heNormal, heUniform, xavierNormal, xavierUniform, fillZeros, fillConstant, heGain, initialize,
} from '@gradlab/nn';

const f32 = (values: number[]) => values.map(Math.fround);

/** Sample mean and standard deviation of a tensor's elements. */
function moments(t: Tensor): { mean: number; std: number } {
  let sum = 0;
  let sumSq = 0;
  for (const v of t.data) { sum += v; sumSq += v * v; }
  const mean = sum / t.size;
  return { mean, std: Math.sqrt(sumSq / t.size - mean * mean) };
}

function maxAbs(t: Tensor): number {
  return t.data.reduce((largest, v) => Math.max(largest, Math.abs(v)), 0);
}

describe('Dense', () => {
  it('computes x·W + b with weight [inFeatures, outFeatures]', () => {
    const layer = new Dense(2, 3);
    layer.weight.data.set([1, 0, 2, 0, 1, -1]); // [[1,0,2],[0,1,-1]]
    layer.bias!.data.set([0.5, 0, 10]);
    expect(layer.forward(tensor([[1, 2], [3, -1]])).toArray()).toEqual([[1.5, 2, 10], [3.5, -1, 17]]);
  });

  it('accepts any leading dimensions and a bias-free layer', () => {
    const layer = new Dense(2, 1, { bias: false, generator: new Generator(0) });
    expect(layer.bias).toBeNull();
    layer.weight.data.set([2, 3]);
    const y = layer.forward(tensor([[[1, 1]], [[0, 2]]]));
    expect(y.shape).toEqual([2, 1, 1]);
    expect(Array.from(y.data)).toEqual([5, 6]);
  });

  it('defaults to He-normal weights (std sqrt(2/in)) and a zero bias', () => {
    const layer = new Dense(400, 300, { generator: new Generator(3) });
    const { mean, std } = moments(layer.weight);
    expect(Math.abs(mean)).toBeLessThan(0.003);
    expect(std).toBeCloseTo(Math.sqrt(2 / 400), 3);
    expect(Array.from(layer.bias!.data).every((v) => v === 0)).toBe(true);
    expect(new Dense(3, 2, { biasInit: 0.1 }).bias!.data[1]).toBe(Math.fround(0.1));
  });

  it('draws from the given generator, or from core\'s default generator (manualSeed)', () => {
    const a = new Dense(4, 4, { generator: new Generator(9) });
    const b = new Dense(4, 4, { generator: new Generator(9) });
    expect(a.weight.data).toEqual(b.weight.data);
    manualSeed(123);
    const c = new Dense(4, 4);
    manualSeed(123);
    const d = new Dense(4, 4);
    expect(c.weight.data).toEqual(d.weight.data);
    expect(c.weight.data).not.toEqual(a.weight.data);
  });

  it('takes an initialiser by name or as a function', () => {
    expect(Array.from(new Dense(2, 2, { init: 'zeros' }).weight.data)).toEqual([0, 0, 0, 0]);
    const custom = new Dense(2, 2, { init: (w) => fillConstant(w, 0.5) });
    expect(Array.from(custom.weight.data)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('rejects bad sizes and inputs with the layer and the shapes in the message', () => {
    expect(() => new Dense(0, 3)).toThrow('Dense: inFeatures must be a positive integer, got 0');
    expect(() => new Dense(2, 1.5)).toThrow('Dense: outFeatures must be a positive integer, got 1.5');
    expect(() => new Dense(4, 3).forward(zeros([2, 5]))).toThrow('Dense(4, 3): input of shape [2,5] does not end in 4 features');
  });
});

describe('activation modules', () => {
  const x = tensor([-2, -0.5, 0, 0.5, 2]);
  it.each([
    ['ReLU', new ReLU(), [0, 0, 0, 0.5, 2]],
    ['LeakyReLU (default 0.01)', new LeakyReLU(), [-0.02, -0.005, 0, 0.5, 2]],
    ['LeakyReLU 0.2', new LeakyReLU({ negativeSlope: 0.2 }), [-0.4, -0.1, 0, 0.5, 2]],
    ['PReLU (default 0.25)', new PReLU(), [-0.5, -0.125, 0, 0.5, 2]],
    ['Sigmoid', new Sigmoid(), [-2, -0.5, 0, 0.5, 2].map((v) => 1 / (1 + Math.exp(-v)))],
    ['Tanh', new Tanh(), [-2, -0.5, 0, 0.5, 2].map(Math.tanh)],
    ['ELU', new ELU(), [-2, -0.5, 0, 0.5, 2].map((v) => (v > 0 ? v : Math.expm1(v)))],
    ['SELU', new SELU(), [-2, -0.5, 0, 0.5, 2].map((v) => 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * Math.expm1(v)))],
    ['GELU', new GELU(), [-0.04550026389635842, -0.15426876936299347, 0, 0.34573123063700656, 1.9544997361036416]],
    ['SiLU', new SiLU(), [-2, -0.5, 0, 0.5, 2].map((v) => v / (1 + Math.exp(-v)))],
    ['Softplus', new Softplus(), [-2, -0.5, 0, 0.5, 2].map((v) => Math.log1p(Math.exp(v)))],
  ])('%s computes its function', (_, module, expected) => {
    const y = Array.from(module.forward(x).data);
    y.forEach((value, i) => expect(value).toBeCloseTo(Math.fround(expected[i]!), 6));
  });

  it('derivativeAt states the derivative the backward pass uses', () => {
    const input = tensor([-2, -0.5, 0, 0.5, 2]);
    for (const module of [new ReLU(), new LeakyReLU({ negativeSlope: 0.1 }), new PReLU({ init: 0.3 }), new Sigmoid(), new Tanh(), new ELU(), new SELU(), new GELU(), new SiLU(), new Softplus()]) {
      const leaf = new Tensor(Float32Array.from(input.data), input.shape, { requiresGrad: true });
      const y = module.forward(leaf);
      y.sum().backward();
      const stated = Array.from(input.data, (v, i) => Math.fround(module.derivativeAt(v, y.data[i]!, 0)));
      expect(Array.from(leaf.grad!.data), module.kind).toEqual(stated);
    }
  });

  it('PReLU learns one slope per unit when asked', () => {
    const act = new PReLU({ numParameters: 2, init: 0.1 });
    act.negativeSlope.data.set([0.1, 0.5]);
    const input = tensor([[-1, -1], [-2, 4]], { requiresGrad: true });
    const y = act.forward(input);
    expect(Array.from(y.data)).toEqual(f32([-0.1, -0.5, -0.2, 4]));
    y.sum().backward();
    // d y/d slope_j = sum of the negative inputs of unit j
    expect(Array.from(act.negativeSlope.grad!.data)).toEqual([-3, -1]);
    expect(() => act.forward(zeros([2, 3]))).toThrow('prelu: slope [2] must be [1] or [3] for input [2,3]');
  });

  it('rejects nonsense options', () => {
    expect(() => new LeakyReLU({ negativeSlope: NaN })).toThrow('LeakyReLU: negativeSlope must be a finite number, got NaN');
    expect(() => new PReLU({ numParameters: 0 })).toThrow('PReLU: numParameters must be a positive integer, got 0');
  });
});

describe('initialisers', () => {
  const big = () => zeros([500, 400]);

  it('heGain is sqrt(2 / (1 + negativeSlope²))', () => {
    expect(heGain()).toBe(Math.SQRT2);
    expect(heGain(1)).toBe(1);
    expect(heGain(0.01)).toBeCloseTo(Math.sqrt(2 / 1.0001), 12);
  });

  it('heNormal has std gain / sqrt(fanIn), fanIn = shape[0]', () => {
    expect(moments(heNormal(big(), { generator: new Generator(1) })).std).toBeCloseTo(Math.sqrt(2 / 500), 3);
    expect(moments(heNormal(big(), { negativeSlope: 1, generator: new Generator(1) })).std).toBeCloseTo(Math.sqrt(1 / 500), 3);
  });

  it('heUniform stays within gain * sqrt(3 / fanIn) and has the He variance', () => {
    const w = heUniform(big(), { negativeSlope: 0.25, generator: new Generator(2) });
    const bound = heGain(0.25) * Math.sqrt(3 / 500);
    expect(maxAbs(w)).toBeLessThanOrEqual(bound);
    expect(moments(w).std).toBeCloseTo(heGain(0.25) / Math.sqrt(500), 3);
  });

  it('xavierNormal and xavierUniform have variance gain² * 2 / (fanIn + fanOut)', () => {
    const target = Math.sqrt(2 / 900);
    expect(moments(xavierNormal(big(), { generator: new Generator(3) })).std).toBeCloseTo(target, 3);
    const uniform = xavierUniform(big(), { generator: new Generator(4) });
    expect(moments(uniform).std).toBeCloseTo(target, 3);
    expect(maxAbs(uniform)).toBeLessThanOrEqual(Math.sqrt(6 / 900));
    expect(moments(xavierNormal(big(), { gain: 2, generator: new Generator(3) })).std).toBeCloseTo(2 * target, 3);
  });

  it('fills in place, reproducibly, and checks its input', () => {
    const w = zeros([3, 2]);
    expect(heNormal(w, { generator: new Generator(7) })).toBe(w);
    expect(w.data).toEqual(heNormal(zeros([3, 2]), { generator: new Generator(7) }).data);
    expect(Array.from(fillZeros(w).data)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(fillConstant(zeros([2]), 3).data)).toEqual([3, 3]);
    expect(() => heNormal(zeros([5]))).toThrow('heNormal: expects a 2-D weight [inFeatures, outFeatures], got [5]');
    expect(() => initialize(zeros([2, 2]), 'orthogonal' as never)).toThrow("initialize: unknown initialiser 'orthogonal'");
  });
});

describe('mlp', () => {
  it('builds Dense, activation, …, Dense with no activation at the end', () => {
    const model = mlp({ inputs: 3, hidden: [5, 4], outputs: 2, activation: 'sigmoid', generator: new Generator(0) });
    expect(model).toBeInstanceOf(Sequential);
    expect(model.toString()).toBe('Sequential(Dense(3, 5), Sigmoid(), Dense(5, 4), Sigmoid(), Dense(4, 2))');
    expect(model.forward(zeros([7, 3])).shape).toEqual([7, 2]);
    expect(mlp({ inputs: 3, hidden: [], outputs: 2, activation: 'relu' }).toString()).toBe('Sequential(Dense(3, 2))');
  });

  it('picks He-normal (leaky gain) for the ReLU family and Xavier-uniform for sigmoid / tanh; biases start at 0', () => {
    const widths = { inputs: 30, hidden: [30], outputs: 30 };
    const leaky = mlp({ ...widths, activation: 'leaky-relu', negativeSlope: 0.5, generator: new Generator(1) });
    const leakyWeight = (leaky.layers[0] as Dense).weight;
    // Same generator, same draws: He-normal with gain sqrt(2 / 1.25).
    expect(leakyWeight.data).toEqual(heNormal(zeros([30, 30]), { negativeSlope: 0.5, generator: new Generator(1) }).data);
    const tanhModel = mlp({ ...widths, activation: 'tanh', generator: new Generator(1) });
    expect((tanhModel.layers[0] as Dense).weight.data).toEqual(xavierUniform(zeros([30, 30]), { generator: new Generator(1) }).data);
    const chosen = mlp({ ...widths, activation: 'sigmoid', init: 'he-uniform', generator: new Generator(1) });
    expect((chosen.layers[0] as Dense).weight.data).toEqual(heUniform(zeros([30, 30]), { generator: new Generator(1) }).data);
    for (const model of [leaky, tanhModel, chosen]) {
      expect(model.parameters().filter((p) => p.ndim === 1).every((b) => b.data.every((v) => v === 0))).toBe(true);
    }
    const warm = mlp({ inputs: 2, hidden: [3], outputs: 1, activation: 'relu', biasInit: 0.01 });
    expect(Array.from((warm.layers[0] as Dense).bias!.data)).toEqual(f32([0.01, 0.01, 0.01]));
  });

  it('passes the activation options through', () => {
    const leaky = mlp({ inputs: 2, hidden: [3], outputs: 1, activation: 'leaky-relu', negativeSlope: 0.2 });
    expect((leaky.layers[1] as LeakyReLU).negativeSlope).toBe(0.2);
    const shared = mlp({ inputs: 2, hidden: [3], outputs: 1, activation: 'prelu' });
    expect(Array.from((shared.layers[1] as PReLU).negativeSlope.data)).toEqual([0.25]);
    const perUnit = mlp({ inputs: 2, hidden: [3], outputs: 1, activation: 'prelu', preluPerUnit: true, negativeSlope: 0.1 });
    expect((perUnit.layers[1] as PReLU).negativeSlope.shape).toEqual([3]);
  });

  it('is reproducible from a seed', () => {
    const build = () => mlp({ inputs: 4, hidden: [8, 8], outputs: 3, activation: 'relu', generator: new Generator('spirals') });
    const a = build().parameters().map((p) => Array.from(p.data));
    expect(build().parameters().map((p) => Array.from(p.data))).toEqual(a);
  });

  it('rejects unknown activations, initialisers and bad widths', () => {
    expect(() => mlp({ inputs: 2, hidden: [3], outputs: 1, activation: 'swish' as never })).toThrow("mlp: unknown activation 'swish'");
    expect(() => mlp({ inputs: 2, hidden: [3], outputs: 1, activation: 'relu', init: 'lecun' as never })).toThrow("mlp: unknown init 'lecun'");
    expect(() => mlp({ inputs: 2, hidden: [0], outputs: 1, activation: 'relu' })).toThrow('mlp: layer widths must be positive integers, got 0 in [2, 0, 1]');
  });
});
