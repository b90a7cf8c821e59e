/**
 * Dropout, BatchNorm1d, LayerNorm and Residual: PyTorch fixtures (forward,
 * backward, BatchNorm's running statistics after several steps), gradient
 * checks, train/eval behaviour and a checkpoint round trip with buffers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Generator, Tensor, gradcheck, ones, rand, tensor } from '@gradlab/core';
import { BatchNorm1d, Dense, Dropout, LayerNorm, ReLU, Residual, Sequential, load, mlp, save } from '@gradlab/nn';
import { fromJson, mismatches, staples, type TensorJson } from '../helpers/staples-fixture.js';

const directory = mkdtempSync(join(tmpdir(), 'gradlab-staples-layers-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

interface BatchNormStep {
  input: TensorJson; outputWeight: TensorJson; output: TensorJson; inputGrad: TensorJson;
  weightGrad: TensorJson; biasGrad: TensorJson; runningMean: TensorJson; runningVar: TensorJson;
}
interface BatchNormCase {
  momentum: number | null; eps: number; weight: TensorJson; bias: TensorJson;
  steps: BatchNormStep[]; evalInput: TensorJson; evalOutput: TensorJson;
}

describe('BatchNorm1d against PyTorch', () => {
  it.each((staples.batchnorm as BatchNormCase[]).map((entry) => [String(entry.momentum), entry] as const))(
    'momentum %s: outputs, gradients and running statistics over three training steps, then eval',
    (_name, entry) => {
      const norm = new BatchNorm1d(4, { eps: entry.eps, momentum: entry.momentum });
      norm.weight!.data.set(entry.weight.data);
      norm.bias!.data.set(entry.bias.data);
      const problems: string[] = [];
      entry.steps.forEach((step, index) => {
        norm.zeroGrad();
        const x = fromJson(step.input, true);
        const out = norm.forward(x);
        out.backward(fromJson(step.outputWeight));
        problems.push(
          ...mismatches(`step ${index} output`, out, step.output),
          ...mismatches(`step ${index} input grad`, x.grad, step.inputGrad),
          ...mismatches(`step ${index} weight grad`, norm.weight!.grad, step.weightGrad),
          ...mismatches(`step ${index} bias grad`, norm.bias!.grad, step.biasGrad),
          ...mismatches(`step ${index} runningMean`, norm.runningMean, step.runningMean),
          ...mismatches(`step ${index} runningVar`, norm.runningVar, step.runningVar),
        );
      });
      expect(norm.numBatchesTracked).toBe(3);
      norm.eval();
      problems.push(...mismatches('eval output', norm.forward(fromJson(entry.evalInput)), entry.evalOutput));
      expect(problems).toEqual([]);
    },
  );

  it('passes a gradient check in training mode', () => {
    const norm = new BatchNorm1d(3);
    const generator = new Generator('bn');
    norm.weight!.data.set([1.5, 0.5, -1]);
    const x = rand([5, 3], { generator, low: -2, high: 2, requiresGrad: true });
    const result = gradcheck((input, weight, bias) => {
      norm.weight = weight!;
      norm.bias = bias!;
      return norm.forward(input!);
    }, [x, norm.weight!, norm.bias!]);
    expect(result.passed, result.message).toBe(true);
  });

  it('works as its doc comment says, and refuses what PyTorch refuses', () => {
    const norm = new BatchNorm1d(3);
    const out = norm.forward(tensor([[1, 2, 3], [3, 6, 9]]));
    for (const value of out.data.slice(0, 3)) expect(value).toBeCloseTo(-1, 4);
    expect(Array.from(norm.runningMean.data)).toEqual(Array.from(Float32Array.from([0.2, 0.4, 0.6])));
    expect(() => norm.forward(tensor([[1, 2, 3]]))).toThrow('BatchNorm1d(3): training needs more than 1 row per batch to estimate a variance, got [1,3]');
    expect(() => norm.forward(tensor([[1, 2]]))).toThrow('BatchNorm1d(3): expected input of shape [batch, 3], got [1,2]');
    expect(norm.eval().forward(tensor([[1, 2, 3]])).shape).toEqual([1, 3]); // one row is fine in eval
    expect(() => new BatchNorm1d(3, { momentum: 2 })).toThrow('BatchNorm1d: momentum must be a finite number >= 0 and <= 1, got 2');
    expect(norm.parameters()).toHaveLength(2);
    expect(norm.namedBuffers().map(([name]) => name)).toEqual(['runningMean', 'runningVar', 'numBatchesTracked']);
  });

  it('saves and loads its running statistics with the model, bit for bit', () => {
    const build = () => new Sequential(new Dense(4, 3, { generator: new Generator(1) }), new BatchNorm1d(3), new ReLU(), new Dense(3, 2, { generator: new Generator(2) }));
    const trained = build();
    const generator = new Generator('bn-save');
    for (let step = 0; step < 4; step++) trained.forward(rand([8, 4], { generator }));
    const path = join(directory, 'bn.safetensors');
    save(trained, path);
    const restored = build();
    load(restored, path);
    expect(Object.keys(restored.stateDict())).toEqual([
      'layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias', 'layers.3.weight', 'layers.3.bias',
      'layers.1.runningMean', 'layers.1.runningVar', 'layers.1.numBatchesTracked',
    ]);
    for (const [name, value] of Object.entries(trained.stateDict())) {
      expect(Array.from(restored.stateDict()[name]!.data), name).toEqual(Array.from(value.data));
    }
    const probe = rand([5, 4], { generator });
    expect(Array.from(restored.eval().forward(probe).data)).toEqual(Array.from(trained.eval().forward(probe).data));
  });
});

describe('LayerNorm against PyTorch', () => {
  it('output and gradients of input, weight and bias', () => {
    const entry = staples.layernorm;
    const norm = new LayerNorm(5, { eps: entry.eps });
    norm.weight!.data.set(entry.weight.data);
    norm.bias!.data.set(entry.bias.data);
    const x = fromJson(entry.input, true);
    const out = norm.forward(x);
    out.backward(fromJson(entry.outputWeight));
    expect([
      ...mismatches('output', out, entry.output),
      ...mismatches('input grad', x.grad, entry.inputGrad),
      ...mismatches('weight grad', norm.weight!.grad, entry.weightGrad),
      ...mismatches('bias grad', norm.bias!.grad, entry.biasGrad),
    ]).toEqual([]);
  });

  it('passes a gradient check over two normalised dimensions, and behaves the same in eval', () => {
    const norm = new LayerNorm([2, 3]);
    const x = rand([4, 2, 3], { generator: new Generator('ln'), low: -2, high: 2, requiresGrad: true });
    const result = gradcheck((input) => norm.forward(input!), [x]);
    expect(result.passed, result.message).toBe(true);
    expect(Array.from(norm.eval().forward(x).data)).toEqual(Array.from(norm.train().forward(x).data));
    const doc = new LayerNorm(2).forward(tensor([[1, 3], [10, 0]])).toArray() as number[][];
    expect(doc.flat().map((v) => Math.round(v * 1e4) / 1e4)).toEqual([-1, 1, 1, -1]);
    expect(() => norm.forward(tensor([[1, 2, 3]]))).toThrow('LayerNorm([2,3]): input of shape [1,3] does not end in [2,3]');
  });
});

describe('Residual against PyTorch', () => {
  it('x + Dense(ReLU(Dense(x))): output and every gradient', () => {
    const entry = staples.residual;
    const first = new Dense(3, 5);
    const second = new Dense(5, 3);
    first.weight.data.set(entry.w1.data);
    first.bias!.data.set(entry.b1.data);
    second.weight.data.set(entry.w2.data);
    second.bias!.data.set(entry.b2.data);
    const block = new Residual(new Sequential(first, new ReLU(), second));
    const x = fromJson(entry.input, true);
    const out = block.forward(x);
    out.backward(fromJson(entry.outputWeight));
    const grads = [x.grad, first.weight.grad, first.bias!.grad, second.weight.grad, second.bias!.grad];
    expect([
      ...mismatches('output', out, entry.output),
      ...grads.flatMap((grad, i) => mismatches(`grad ${i}`, grad, entry.grads[i])),
    ]).toEqual([]);
    expect(block.namedParameters().map(([name]) => name)).toEqual(['block.layers.0.weight', 'block.layers.0.bias', 'block.layers.2.weight', 'block.layers.2.bias']);
    expect(() => new Residual(new Dense(3, 2)).forward(ones([1, 3]))).toThrow('Residual: the block turned [1,3] into [1,2]; x + f(x) needs the same shape');
  });

  it('mlp({ residual: true }) wraps each hidden layer as wide as its input, and only those', () => {
    const model = mlp({ inputs: 4, hidden: [8, 8, 8], outputs: 2, activation: 'relu', residual: true, generator: new Generator(0) });
    expect(model.toString()).toBe('Sequential(Dense(4, 8), ReLU(), Residual(Sequential(Dense(8, 8), ReLU())), Residual(Sequential(Dense(8, 8), ReLU())), Dense(8, 2))');
    const plain = mlp({ inputs: 4, hidden: [8, 8, 8], outputs: 2, activation: 'relu', generator: new Generator(0) });
    // Same weights drawn in the same order: only the skip connections differ.
    expect(model.parameters().map((p) => Array.from(p.data))).toEqual(plain.parameters().map((p) => Array.from(p.data)));
    expect(model.forward(ones([3, 4])).shape).toEqual([3, 2]);
  });
});

describe('Dropout', () => {
  it('zeroes about p of the elements and scales the rest by 1 / (1 - p), the same for the same seed', () => {
    const dropout = new Dropout(0.25, { generator: new Generator(7) });
    const out = dropout.forward(ones([100, 100]));
    const values = new Set(out.data);
    expect([...values].sort()).toEqual([0, Math.fround(1 / 0.75)]);
    const zeros = out.data.filter((v) => v === 0).length;
    expect(zeros / out.size).toBeGreaterThan(0.24);
    expect(zeros / out.size).toBeLessThan(0.26);
    const again = new Dropout(0.25, { generator: new Generator(7) }).forward(ones([100, 100]));
    expect(Array.from(again.data)).toEqual(Array.from(out.data));
  });

  it('passes the gradient through the kept elements only, and is the identity in eval mode', () => {
    const dropout = new Dropout(0.5, { generator: new Generator(3) });
    const x = tensor([[1, 2, 3, 4, 5, 6]], { requiresGrad: true });
    const out = dropout.forward(x);
    out.sum().backward();
    expect(Array.from(x.grad!.data)).toEqual(Array.from(out.data).map((v, i) => v / x.data[i]!));
    dropout.eval();
    expect(dropout.forward(x)).toBe(x);
    expect(() => new Dropout(1)).toThrow('Dropout: p must be a probability in [0, 1), got 1');
    expect(new Dropout(0.1).toString()).toBe('Dropout(p=0.1)');
  });
});

// The layers' parameters are the only tensors an optimizer sees.
it('BatchNorm1d and LayerNorm expose weight and bias as parameters, Dropout none', () => {
  const model = new Sequential(new Dense(2, 4), new BatchNorm1d(4), new Dropout(0.5), new LayerNorm(4));
  expect(model.namedParameters().map(([name]) => name)).toEqual([
    'layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias', 'layers.3.weight', 'layers.3.bias',
  ]);
  expect(model.toString()).toBe('Sequential(Dense(2, 4), BatchNorm1d(4), Dropout(p=0.5), LayerNorm(4))');
  expect((model.stateDict()['layers.1.runningVar'] as Tensor).toArray()).toEqual([1, 1, 1, 1]);
});
