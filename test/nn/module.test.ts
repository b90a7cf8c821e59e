import { describe, expect, it } from 'vitest';
import { Generator, Tensor, tensor, zeros } from '@gradlab/core';
import { Dense, LeakyReLU, Linear, Module, PReLU, ReLU, Sequential, Sigmoid, mlp } from '@gradlab/nn';

/** A custom model written the way a user would: children in properties, one in an array. */
class TwoTower extends Module {
  encoder = new Dense(3, 4, { generator: new Generator(1) });
  activation = new ReLU();
  heads = [new Dense(4, 2, { generator: new Generator(2) }), new Dense(4, 1, { bias: false, generator: new Generator(3) })];
  scale = 2; // a plain number: neither a child nor a parameter
  #cache: Tensor | null = tensor([1]); // a private field: invisible to the walk

  forward(x: Tensor): Tensor {
    this.#cache = x;
    return this.heads[0]!.forward(this.activation.forward(this.encoder.forward(x)));
  }
}

describe('Module: children and parameters are found by walking properties', () => {
  it('names parameters with dotted paths, array elements by index', () => {
    const model = new TwoTower();
    expect(model.namedParameters().map(([name]) => name)).toEqual([
      'encoder.weight', 'encoder.bias', 'heads.0.weight', 'heads.0.bias', 'heads.1.weight',
    ]);
    expect(model.parameters().map((p) => p.shape)).toEqual([[3, 4], [4], [4, 2], [2], [4, 1]]);
    expect(model.numParameters()).toBe(12 + 4 + 8 + 2 + 4);
  });

  it('lists children and all modules depth first', () => {
    const model = new TwoTower();
    expect(model.namedChildren().map(([name]) => name)).toEqual(['encoder', 'activation', 'heads.0', 'heads.1']);
    expect(model.children()).toHaveLength(4);
    expect(model.namedModules().map(([name, module]) => `${name}:${module.constructor.name}`)).toEqual([
      ':TwoTower', 'encoder:Dense', 'activation:ReLU', 'heads.0:Dense', 'heads.1:Dense',
    ]);
  });

  it('gives Sequential the names layers.0, layers.1, … and mlp the PyTorch-like keys', () => {
    const model = mlp({ inputs: 2, hidden: [3, 3], outputs: 1, activation: 'relu', generator: new Generator(0) });
    expect(model.namedModules().map(([name]) => name)).toEqual(['', 'layers.0', 'layers.1', 'layers.2', 'layers.3', 'layers.4']);
    expect(Object.keys(model.stateDict())).toEqual([
      'layers.0.weight', 'layers.0.bias', 'layers.2.weight', 'layers.2.bias', 'layers.4.weight', 'layers.4.bias',
    ]);
  });

  it('lists a shared module and a shared parameter once', () => {
    const shared = new Dense(2, 2, { generator: new Generator(0) });
    const model = new Sequential(shared, new ReLU(), shared);
    expect(model.namedParameters().map(([name]) => name)).toEqual(['layers.0.weight', 'layers.0.bias']);
    expect(model.namedModules().map(([name]) => name)).toEqual(['', 'layers.0', 'layers.1']);
  });

  it('finds a PReLU slope as a parameter', () => {
    const model = mlp({ inputs: 2, hidden: [4], outputs: 1, activation: 'prelu', preluPerUnit: true, generator: new Generator(0) });
    expect(model.namedParameters().map(([name, p]) => `${name}${JSON.stringify(p.shape)}`)).toEqual([
      'layers.0.weight[2,4]', 'layers.0.bias[4]', 'layers.1.negativeSlope[4]', 'layers.2.weight[4,1]', 'layers.2.bias[1]',
    ]);
  });

  it('describes its architecture in one line', () => {
    const model = mlp({ inputs: 2, hidden: [8], outputs: 3, activation: 'leaky-relu', generator: new Generator(0) });
    expect(model.toString()).toBe('Sequential(Dense(2, 8), LeakyReLU(negativeSlope=0.01), Dense(8, 3))');
    expect(new TwoTower().toString()).toBe('TwoTower(Dense(3, 4), ReLU(), Dense(4, 2), Dense(4, 1, bias=false))');
  });

  it('Linear is Dense under PyTorch\'s name', () => {
    const layer = new Linear(3, 2, { generator: new Generator(0) });
    expect(layer).toBeInstanceOf(Dense);
    expect(layer.weight.shape).toEqual([3, 2]);
  });
});

describe('Module: modes and gradients', () => {
  it('train() and eval() reach every descendant', () => {
    const model = new TwoTower();
    expect(model.eval()).toBe(model);
    expect(model.namedModules().every(([, module]) => module.training === false)).toBe(true);
    model.train();
    expect(model.namedModules().every(([, module]) => module.training === true)).toBe(true);
  });

  it('zeroGrad clears every parameter gradient', () => {
    const model = new TwoTower();
    model.forward(tensor([[1, -2, 3]])).sum().backward();
    expect(model.encoder.weight.grad).not.toBeNull();
    model.zeroGrad();
    expect(model.parameters().every((p) => p.grad === null)).toBe(true);
  });
});

describe('Module: state dicts', () => {
  it('stateDict holds the live parameter tensors', () => {
    const model = new TwoTower();
    const state = model.stateDict();
    expect(state['encoder.weight']).toBe(model.encoder.weight);
    state['heads.0.bias']!.data[1] = 7;
    expect(model.heads[0]!.bias!.data[1]).toBe(7);
  });

  it('loadStateDict copies values in, so two models compute the same function', () => {
    const source = mlp({ inputs: 3, hidden: [5], outputs: 2, activation: 'tanh', generator: new Generator(1) });
    const target = mlp({ inputs: 3, hidden: [5], outputs: 2, activation: 'tanh', generator: new Generator(2) });
    const x = tensor([[0.5, -1, 2], [3, 0.25, -0.75]]);
    expect(target.forward(x).data).not.toEqual(source.forward(x).data);
    target.loadStateDict(source.stateDict());
    expect(target.forward(x).data).toEqual(source.forward(x).data);
    // Copied, not shared: changing the source later leaves the target alone.
    expect(target.stateDict()['layers.0.weight']).not.toBe(source.stateDict()['layers.0.weight']);
  });

  const makeModel = () => mlp({ inputs: 2, hidden: [3], outputs: 1, activation: 'relu', generator: new Generator(5) });
  const snapshot = (model: Module) => model.parameters().map((p) => Array.from(p.data));

  it.each([
    ['a missing key', (state: Record<string, Tensor>) => { delete state['layers.2.bias']; }, /missing keys 'layers\.2\.bias'/],
    ['an extra key', (state: Record<string, Tensor>) => { state['layers.9.weight'] = zeros([1]); }, /unexpected keys 'layers\.9\.weight'/],
    ['a wrong shape', (state: Record<string, Tensor>) => { state['layers.0.weight'] = zeros([3, 2]); },
      /'layers\.0\.weight' has shape \[3,2\] but the model's is \[2,3\]/],
  ])('refuses %s, names the key, and leaves the model untouched', (_, corrupt, message) => {
    const model = makeModel();
    const before = snapshot(model);
    // Every other entry is valid and different, so a half-done load would show.
    const state: Record<string, Tensor> = {};
    for (const [key, value] of Object.entries(model.stateDict())) state[key] = new Tensor(value.data.map((v) => v + 1), value.shape);
    corrupt(state);
    expect(() => model.loadStateDict(state)).toThrow(message);
    expect(snapshot(model)).toEqual(before);
  });
});

describe('Module: forward hooks', () => {
  it('fires with (module, input, output) when a parent calls child.forward', () => {
    const model = new TwoTower();
    const seen: Array<[Module, Tensor, Tensor]> = [];
    model.activation.registerForwardHook((module, input, output) => seen.push([module, input, output]));
    const x = tensor([[1, -2, 3]]);
    model.forward(x);
    expect(seen).toHaveLength(1);
    const [module, input, output] = seen[0]!;
    expect(module).toBe(model.activation);
    expect(input.data).toEqual(model.encoder.forward(x).data);
    expect(Array.from(output.data)).toEqual(Array.from(input.data).map((v) => Math.max(v, 0)));
  });

  it('fires on the top-level module too, and stops after remove()', () => {
    const model = new Sequential(new Dense(2, 2, { generator: new Generator(0) }), new Sigmoid());
    let calls = 0;
    const handle = model.registerForwardHook(() => calls++);
    model.forward(tensor([[1, 2]]));
    model.forward(tensor([[1, 2]]));
    expect(calls).toBe(2);
    handle.remove();
    handle.remove(); // removing twice is harmless
    model.forward(tensor([[1, 2]]));
    expect(calls).toBe(2);
  });

  it('runs several hooks in registration order and leaves the output unchanged', () => {
    const activation = new LeakyReLU();
    const order: string[] = [];
    const first = activation.registerForwardHook(() => order.push('first'));
    activation.registerForwardHook(() => order.push('second'));
    const y = activation.forward(tensor([-1, 2]));
    expect(order).toEqual(['first', 'second']);
    expect(Array.from(y.data)).toEqual([Math.fround(-0.01), 2]);
    first.remove();
    activation.forward(tensor([1]));
    expect(order).toEqual(['first', 'second', 'second']);
  });

  it('is not mistaken for a child or parameter and keeps gradients flowing', () => {
    const model = new Sequential(new Dense(2, 2, { generator: new Generator(0) }), new PReLU());
    model.layers[1]!.registerForwardHook(() => undefined);
    expect(model.namedParameters().map(([name]) => name)).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.1.negativeSlope']);
    model.forward(tensor([[1, -3]])).sum().backward();
    expect(model.parameters().every((p) => p.grad !== null)).toBe(true);
  });
});
