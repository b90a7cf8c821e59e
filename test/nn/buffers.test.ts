import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Generator, Tensor, tensor, zeros } from '@gradlab/core';
import { Dense, Module, SGD, Sequential, load, save } from '@gradlab/nn';

const directory = mkdtempSync(join(tmpdir(), 'gradlab-buffers-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** A module with a parameter and two buffers: it counts its calls and remembers the last input's mean. */
class Tracker extends Module {
  scale = tensor([2], { requiresGrad: true });
  readonly #calls = this.registerBuffer('calls', zeros([1]));
  readonly #lastMean = this.registerBuffer('lastMean', zeros([3]));

  forward(x: Tensor): Tensor {
    this.#calls.data[0]! += 1;
    const rows = x.shape[0]!;
    for (let j = 0; j < 3; j++) {
      let total = 0;
      for (let i = 0; i < rows; i++) total += x.data[i * 3 + j]!;
      this.#lastMean.data[j] = total / rows;
    }
    return x.mul(this.scale);
  }
}

const model = () => new Sequential(new Tracker(), new Dense(3, 3, { generator: new Generator(0) }));

describe('Module buffers (registerBuffer)', () => {
  it('puts buffers in stateDict after the parameters, with dotted names, and not in parameters()', () => {
    const net = model();
    expect(Object.keys(net.stateDict())).toEqual(['layers.0.scale', 'layers.1.weight', 'layers.1.bias', 'layers.0.calls', 'layers.0.lastMean']);
    expect(net.namedBuffers().map(([name]) => name)).toEqual(['layers.0.calls', 'layers.0.lastMean']);
    expect(net.parameters()).toHaveLength(3);
    expect(net.numParameters()).toBe(9 + 3 + 1);
    expect(net.buffers().every((buffer) => !buffer.requiresGrad)).toBe(true);
  });

  it('is not touched by an optimizer step', () => {
    const net = model();
    const x = tensor([[1, 2, 3], [3, 4, 5]]);
    const optimizer = new SGD(net.parameters(), { lr: 0.1 });
    net.forward(x).sum().backward();
    optimizer.step();
    expect(Array.from(net.stateDict()['layers.0.calls']!.data)).toEqual([1]);
    expect(Array.from(net.stateDict()['layers.0.lastMean']!.data)).toEqual([2, 3, 4]);
  });

  it('loadStateDict copies buffers in, and refuses a state without them', () => {
    const trained = model();
    trained.forward(tensor([[1, 2, 3]]));
    trained.forward(tensor([[7, 8, 9]]));
    const fresh = model();
    fresh.loadStateDict(trained.stateDict());
    expect(Array.from(fresh.stateDict()['layers.0.calls']!.data)).toEqual([2]);
    expect(Array.from(fresh.stateDict()['layers.0.lastMean']!.data)).toEqual([7, 8, 9]);
    const withoutBuffers = { ...trained.stateDict() };
    delete withoutBuffers['layers.0.calls'];
    expect(() => fresh.loadStateDict(withoutBuffers)).toThrow("loadStateDict: Sequential: missing keys 'layers.0.calls'");
  });

  it('survives a checkpoint round trip (save/load) bit for bit', () => {
    const trained = model();
    trained.forward(tensor([[0.1, 0.2, 0.3], [0.4, 0.5, 0.65]]));
    const path = join(directory, 'tracker.safetensors');
    save(trained, path);
    const fresh = model();
    load(fresh, path);
    const after = fresh.stateDict();
    for (const [name, value] of Object.entries(trained.stateDict())) {
      expect(Array.from(after[name]!.data), name).toEqual(Array.from(value.data));
    }
    expect(Array.from(after['layers.0.lastMean']!.data)).toEqual(Array.from(Float32Array.from([0.25, 0.35, 0.475])));
  });

  it('refuses bad names, duplicates, non-tensors and tensors that require grad', () => {
    class Bad extends Module {
      forward(x: Tensor): Tensor { return x; }
    }
    const bad = new Bad();
    bad.registerBuffer('ok', zeros([1]));
    expect(() => bad.registerBuffer('ok', zeros([1]))).toThrow("registerBuffer: Bad: 'ok' is already a buffer or a property of this module");
    expect(() => bad.registerBuffer('a.b', zeros([1]))).toThrow('registerBuffer: Bad: a buffer name must be an identifier without dots, got "a.b"');
    expect(() => bad.registerBuffer('w', tensor([1], { requiresGrad: true }))).toThrow("registerBuffer: Bad: buffer 'w' requires grad");
    expect(() => bad.registerBuffer('n', 3 as unknown as Tensor)).toThrow("registerBuffer: Bad: buffer 'n' must be a Tensor, got number");
    expect(() => bad.registerBuffer('training', zeros([1]))).toThrow("'training' is already a buffer or a property");
  });
});
