/** summary(model, inputShape): the table, exactly, and a model left as it was. */
import { describe, expect, it } from 'vitest';
import { Generator, ones } from '@gradlab/core';
import { BatchNorm1d, Dense, Dropout, ReLU, Sequential, mlp, summary } from '@gradlab/nn';

describe('summary', () => {
  it('prints layers, output shapes and parameter counts (784·128 + 128 = 100,480 for the first Dense)', () => {
    const model = new Sequential(
      new Dense(784, 128, { generator: new Generator(0) }), new BatchNorm1d(128), new ReLU(), new Dropout(0.2),
      new Dense(128, 10, { generator: new Generator(1) }),
    );
    expect(summary(model, [32, 784])).toBe([
      'Layer (type)             Output shape    Params',
      '===============================================',
      'layers.0 (Dense)         [32, 128]      100,480',
      'layers.1 (BatchNorm1d)   [32, 128]          256',
      'layers.2 (ReLU)          [32, 128]            0',
      'layers.3 (Dropout)       [32, 128]            0',
      'layers.4 (Dense)         [32, 10]         1,290',
      '===============================================',
      'Input shape: [32, 784]   Output shape: [32, 10]',
      'Parameters: 102,026 (398.5 KiB as float32)',
      'Buffers: 257 elements (not trained)',
      '',
    ].join('\n'));
  });

  it('indents the modules inside a residual block', () => {
    const model = mlp({ inputs: 4, hidden: [8, 8], outputs: 2, activation: 'relu', residual: true, generator: new Generator(0) });
    expect(summary(model, [1, 4])).toBe([
      'Layer (type)                          Output shape   Params',
      '===========================================================',
      'layers.0 (Dense)                      [1, 8]             40',
      'layers.1 (ReLU)                       [1, 8]              0',
      'layers.2 (Residual)                   [1, 8]              0',
      '  layers.2.block (Sequential)         [1, 8]              0',
      '    layers.2.block.layers.0 (Dense)   [1, 8]             72',
      '    layers.2.block.layers.1 (ReLU)    [1, 8]              0',
      'layers.3 (Dense)                      [1, 2]             18',
      '===========================================================',
      'Input shape: [1, 4]   Output shape: [1, 2]',
      'Parameters: 130 (0.5 KiB as float32)',
      'Buffers: 0 elements (not trained)',
      '',
    ].join('\n'));
  });

  it('leaves the model as it was: training mode, running statistics, no hooks firing', () => {
    const norm = new BatchNorm1d(3);
    const model = new Sequential(new Dense(2, 3, { generator: new Generator(0) }), norm);
    summary(model, [4, 2]);
    expect(model.training && norm.training).toBe(true);
    expect(norm.numBatchesTracked).toBe(0);
    expect(Array.from(norm.runningMean.data)).toEqual([0, 0, 0]);
    model.forward(ones([4, 2]));
    expect(norm.numBatchesTracked).toBe(1);
  });
});
