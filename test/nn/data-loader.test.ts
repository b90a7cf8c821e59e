/**
 * TensorDataset and DataLoader: batch sizes, drop-last, labels, and the
 * shuffled order for a seed against a permutation worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import { Generator, arange, tensor } from '@gradlab/core';
import { DataLoader, TensorDataset } from '@gradlab/nn';

// Six examples whose input row is [i, 10 i] and whose label is i, so a batch shows which examples it holds.
const inputs = tensor(Array.from({ length: 6 }, (_, i) => [i, 10 * i]));
const data = new TensorDataset(inputs, [0, 1, 2, 3, 4, 5]);
const labelsOf = (loader: DataLoader<number[]>) => [...loader].map(([, labels]) => Array.from(labels));

describe('DataLoader', () => {
  it('without shuffle: stored order, the last batch smaller, or dropped with dropLast', () => {
    const loader = new DataLoader(data, { batchSize: 4 });
    const batches = [...loader];
    expect(loader.length).toBe(2);
    expect(batches.map(([x]) => x.shape)).toEqual([[4, 2], [2, 2]]);
    expect(batches[1]![0].toArray()).toEqual([[4, 40], [5, 50]]);
    expect(batches[1]![1]).toEqual(Int32Array.from([4, 5]));
    const dropping = new DataLoader(data, { batchSize: 4, dropLast: true });
    expect(dropping.length).toBe(1);
    expect(labelsOf(dropping)).toEqual([[0, 1, 2, 3]]);
    expect(labelsOf(new DataLoader(data))).toEqual([[0], [1], [2], [3], [4], [5]]);
  });

  it('shuffles in the order worked out by hand for seed 0', () => {
    // new Generator(0).uniform() gives 0.5945…, 0.8066…, 0.1298…, 0.6747…, 0.4793…
    // Fisher-Yates over [0,1,2,3,4,5], swapping position i with j = floor(u · (i + 1)):
    //   i=5: j=floor(0.5945·6)=3 -> [0,1,2,5,4,3]
    //   i=4: j=floor(0.8066·5)=4 -> unchanged
    //   i=3: j=floor(0.1298·4)=0 -> [5,1,2,0,4,3]
    //   i=2: j=floor(0.6747·3)=2 -> unchanged
    //   i=1: j=floor(0.4793·2)=0 -> [1,5,2,0,4,3]
    const generator = new Generator(0);
    const draws = Array.from({ length: 5 }, () => generator.uniform());
    expect(draws.map((u) => u.toFixed(4))).toEqual(['0.5945', '0.8066', '0.1298', '0.6747', '0.4793']);
    const loader = new DataLoader(data, { batchSize: 4, shuffle: true, generator: new Generator(0) });
    const [first, second] = [...loader];
    const [firstInputs, firstLabels] = first!;
    const [secondInputs, secondLabels] = second!;
    expect(Array.from(firstLabels!)).toEqual([1, 5, 2, 0]);
    expect(Array.from(secondLabels!)).toEqual([4, 3]);
    expect(firstInputs!.toArray()).toEqual([[1, 10], [5, 50], [2, 20], [0, 0]]);
    expect(secondInputs!.shape).toEqual([2, 2]);
  });

  it('draws a fresh order every pass, the same passes for the same seed, and resumes from a saved generator state', () => {
    const passes = (generator: Generator, count: number) => {
      const loader = new DataLoader(data, { batchSize: 6, shuffle: true, generator });
      return Array.from({ length: count }, () => labelsOf(loader)[0]);
    };
    const [first, second, third] = passes(new Generator(5), 3);
    expect(first).not.toEqual(second);
    expect(passes(new Generator(5), 3)).toEqual([first, second, third]);
    const generator = new Generator(5);
    passes(generator, 1);
    const resumed = Generator.fromState(JSON.parse(JSON.stringify(generator.state())));
    expect(passes(resumed, 2)).toEqual([second, third]);
  });

  it('batches a tensor of targets as a tensor, row by row', () => {
    const targets = arange(12).reshape([6, 2]);
    const loader = new DataLoader(new TensorDataset(inputs, targets), { batchSize: 4, shuffle: true, generator: new Generator(0) });
    const [, labels] = [...loader][0]!;
    expect(labels.toArray()).toEqual([[2, 3], [10, 11], [4, 5], [0, 1]]);
  });

  it('refuses mismatched lengths, fractional class labels and bad batch sizes', () => {
    expect(() => new TensorDataset(inputs, [0, 1])).toThrow('TensorDataset: inputs of shape [6,2] hold 6 examples but got 2 labels');
    expect(() => new TensorDataset(inputs, arange(5))).toThrow('TensorDataset: inputs of shape [6,2] hold 6 examples but got labels of shape [5]');
    expect(() => new TensorDataset(inputs, [0, 1, 2, 3, 4, 0.5])).toThrow('TensorDataset: class labels must be integers (pass a Tensor for real-valued targets)');
    expect(() => new DataLoader(data, { batchSize: 0 })).toThrow('DataLoader: batchSize must be a positive integer, got 0');
  });
});
