import { describe, expect, it } from 'vitest';
import * as core from '@gradlab/core';
import { Generator, manualSeed, noGrad, tensor } from '@gradlab/core';

const f32 = (values: number[]) => values.map(Math.fround);

describe('creating tensors', () => {
  it('infers shapes from nested arrays and round-trips toArray', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tensor(7).shape).toEqual([]);
    expect(tensor(7).item()).toBe(7);
  });

  it('takes a flat Float32Array with a shape, sharing it', () => {
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    const t = tensor(data, { shape: [3, 2] });
    expect(t.data).toBe(data);
    expect(t.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
  });

  it('makes zeros, ones, full and arange', () => {
    expect(core.zeros([2, 2]).toArray()).toEqual([[0, 0], [0, 0]]);
    expect(core.ones([3]).toArray()).toEqual([1, 1, 1]);
    expect(core.full([2], 2.5).toArray()).toEqual([2.5, 2.5]);
    expect(core.arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(core.arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(core.arange(3, 0, -1).toArray()).toEqual([3, 2, 1]);
  });

  it('draws rand in [low, high) and randn with the right moments', () => {
    const u = core.rand([10000], { generator: new Generator(1), low: -1, high: 3 });
    expect(Math.min(...u.data)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...u.data)).toBeLessThan(3);
    expect(u.mean().item()).toBeCloseTo(1, 1);
    const n = core.randn([20000], { generator: new Generator(2), mean: 3, std: 2 });
    const mean = n.mean().item();
    const std = Math.sqrt(n.sub(mean).pow(2).mean().item());
    expect(mean).toBeCloseTo(3, 1);
    expect(std).toBeCloseTo(2, 1);
  });
});

describe('same seed, same bits', () => {
  it('manualSeed makes rand and randn reproducible', () => {
    manualSeed(123);
    const a = [core.rand([50]).data, core.randn([50]).data];
    manualSeed(123);
    const b = [core.rand([50]).data, core.randn([50]).data];
    expect(Buffer.from(a[0]!.buffer).equals(Buffer.from(b[0]!.buffer))).toBe(true);
    expect(Buffer.from(a[1]!.buffer).equals(Buffer.from(b[1]!.buffer))).toBe(true);
    manualSeed(124);
    expect(Array.from(core.rand([50]).data)).not.toEqual(Array.from(a[0]!));
  });

  it('a generator restored from its state continues the same stream', () => {
    const generator = new Generator('resume');
    core.randn([7], { generator });
    const saved = JSON.parse(JSON.stringify(generator.state()));
    const expected = core.randn([100], { generator }).data;
    const restored = Generator.fromState(saved);
    expect(Array.from(core.randn([100], { generator: restored }).data)).toEqual(Array.from(expected));
  });

  it('permutation is a seeded shuffle of 0..n-1', () => {
    const p = new Generator(9).permutation(10);
    expect(Array.from(p).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(new Generator(9).permutation(10))).toEqual(Array.from(p));
  });

  it('training a tiny model twice from the same seed gives identical bits', () => {
    const run = () => {
      const generator = new Generator(7);
      const w = core.randn([4, 3], { generator, requiresGrad: true });
      const x = core.randn([8, 4], { generator });
      for (let step = 0; step < 5; step++) {
        w.grad = null;
        x.matmul(w).tanh().logSoftmax().mean().neg().backward();
        for (let i = 0; i < w.size; i++) w.data[i]! -= 0.1 * w.grad!.data[i]!;
      }
      return Buffer.from(w.data.buffer);
    };
    expect(run().equals(run())).toBe(true);
  });
});

describe('forward values', () => {
  it('computes elementwise ops', () => {
    const x = tensor([1, 2, 4]);
    expect(x.add(1).toArray()).toEqual([2, 3, 5]);
    expect(x.sub(tensor([1, 1, 1])).toArray()).toEqual([0, 1, 3]);
    expect(x.mul(x).toArray()).toEqual([1, 4, 16]);
    expect(x.div(2).toArray()).toEqual([0.5, 1, 2]);
    expect(x.neg().toArray()).toEqual([-1, -2, -4]);
    expect(x.pow(2).toArray()).toEqual([1, 4, 16]);
    expect(x.sqrt().toArray()).toEqual(f32([1, Math.SQRT2, 2]));
    expect(x.log().toArray()).toEqual(f32([0, Math.LN2, Math.log(4)]));
    expect(tensor([0]).exp().toArray()).toEqual([1]);
    expect(tensor([-3, 0, 2]).abs().toArray()).toEqual([3, 0, 2]);
    expect(tensor([-3, 0, 2]).relu().toArray()).toEqual([0, 0, 2]);
    expect(tensor([0]).sigmoid().toArray()).toEqual([0.5]);
    expect(tensor([0]).tanh().toArray()).toEqual([0]);
  });

  it('keeps sigmoid finite and exact at the extremes', () => {
    expect(tensor([-1000, 1000]).sigmoid().toArray()).toEqual([0, 1]);
  });

  it('broadcasts like NumPy', () => {
    const rows = tensor([[1, 2], [3, 4]]);
    expect(rows.add(tensor([10, 20])).toArray()).toEqual([[11, 22], [13, 24]]);
    expect(rows.add(tensor([[10], [20]])).toArray()).toEqual([[11, 12], [23, 24]]);
    expect(tensor([[1], [2]]).mul(tensor([1, 2, 3])).toArray()).toEqual([[1, 2, 3], [2, 4, 6]]);
    expect(core.broadcastShapes('op', [5, 1, 4], [3, 1])).toEqual([5, 3, 4]);
  });

  it('reduces over axes with and without keepDims', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(x.sum().item()).toBe(21);
    expect(x.sum(0).toArray()).toEqual([5, 7, 9]);
    expect(x.sum(1, true).toArray()).toEqual([[6], [15]]);
    expect(x.sum([0, 1], true).toArray()).toEqual([[21]]);
    expect(x.mean(1).toArray()).toEqual([2, 5]);
    expect(x.max().item()).toBe(6);
    expect(x.max(0).toArray()).toEqual([4, 5, 6]);
    expect(x.max(-1, true).toArray()).toEqual([[3], [6]]);
  });

  it('propagates NaN through max', () => {
    expect(Number.isNaN(tensor([1, NaN, 3]).max().item())).toBe(true);
  });

  it('multiplies matrices, batched with broadcasting', () => {
    expect(tensor([[1, 2], [3, 4]]).matmul(tensor([[5, 6], [7, 8]])).toArray()).toEqual([[19, 22], [43, 50]]);
    const batch = tensor([[[1, 0], [0, 1]], [[2, 0], [0, 2]]]);
    expect(batch.matmul(tensor([[1, 2], [3, 4]])).toArray()).toEqual([[[1, 2], [3, 4]], [[2, 4], [6, 8]]]);
  });

  it('reshapes (sharing data) and transposes', () => {
    const x = core.arange(6);
    const r = x.reshape([2, -1]);
    expect(r.shape).toEqual([2, 3]);
    expect(r.data).toBe(x.data);
    expect(r.transpose().toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
    expect(core.arange(24).reshape([2, 3, 4]).transpose(0, 2).shape).toEqual([4, 3, 2]);
    expect(core.arange(24).reshape([2, 3, 4]).transpose(0, 2).toArray()).toEqual(
      [0, 1, 2, 3].map((k) => [0, 1, 2].map((j) => [0, 1].map((i) => i * 12 + j * 4 + k))),
    );
  });

  it('computes softmax rows that sum to 1, stable for logits of ±1e4', () => {
    const p = tensor([[1, 2, 3], [1e4, 0, -1e4]]).softmax();
    const rows = p.sum(1).toArray() as number[];
    expect(rows[0]).toBeCloseTo(1, 6);
    expect(rows[1]).toBe(1);
    expect(p.toArray()).toEqual([f32([0.09003057, 0.24472847, 0.66524096]), [1, 0, 0]]);
    const logp = tensor([[1e4, 0, -1e4]]).logSoftmax();
    expect(logp.toArray()).toEqual([[0, -1e4, -2e4]]);
    expect(tensor([[-1e4, -1e4]]).logSoftmax().toArray()).toEqual([f32([-Math.LN2, -Math.LN2])]);
  });
});

describe('autodiff mechanics', () => {
  it('accumulates into a tensor used twice: d(x*x)/dx = 2x', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    expect(x.grad!.toArray()).toEqual([2, 4, 6]);
  });

  it('accumulates across backward calls on leaves until zeroGrad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    x.mul(3).sum().backward();
    x.mul(3).sum().backward();
    expect(x.grad!.toArray()).toEqual([6, 6]);
    x.zeroGrad();
    expect(x.grad).toBeNull();
  });

  it('a diamond graph adds both paths', () => {
    // y = exp(x) * sin-free path: f = a*b with a = 2x, b = x^2  =>  df/dx = 6x^2
    const x = tensor([2], { requiresGrad: true });
    const a = x.mul(2);
    const b = x.pow(2);
    a.mul(b).backward();
    expect(x.grad!.item()).toBe(24);
  });

  it('takes an explicit upstream gradient for a non-scalar output', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.mul(2).backward(tensor([1, 10, 100]));
    expect(x.grad!.toArray()).toEqual([2, 20, 200]);
  });

  it('undoes broadcasting in the gradient', () => {
    const bias = tensor([0, 0], { requiresGrad: true });
    tensor([[1, 2], [3, 4], [5, 6]]).add(bias).sum().backward();
    expect(bias.grad!.toArray()).toEqual([3, 3]);
  });

  it('records nothing inside noGrad, and detach cuts the graph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.parents).toEqual([]);
    expect(core.isGradEnabled()).toBe(true);
    const d = x.mul(2).detach();
    expect(d.requiresGrad).toBe(false);
    const z = x.mul(d).sum();
    z.backward();
    expect(x.grad!.toArray()).toEqual([2, 4]);
  });

  it('backpropagates through a chain of 100,000 ops without overflowing the stack', () => {
    const x = tensor([1], { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 100_000; i++) y = y.add(1e-5);
    y.backward();
    expect(x.grad!.item()).toBe(1);
    expect(core.topologicalOrder(y).length).toBe(100_001);
  });
});
