/**
 * The README's MNIST snippet, verbatim between the markers: a 784-128-10 MLP
 * with BatchNorm1d, Dropout, Adam and a cosine schedule, trained on the 8,000
 * embedded training digits with the DataLoader and scored on the 2,000 test digits.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { Generator, Tensor, noGrad } from '@gradlab/core';
import {
  Adam, BatchNorm1d, CosineAnnealingLR, DataLoader, Dense, Dropout, ReLU, Sequential, TensorDataset, accuracy, crossEntropy,
} from '@gradlab/nn';
import { loadData } from 'gradlab';

afterEach(() => vi.restoreAllMocks());

it('trains the README\'s MNIST MLP (BatchNorm, Dropout, cosine schedule) to over 94% test accuracy', () => {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);

  // --- README snippet begins ---
  const { train, test } = loadData({}); // the embedded digits, split 8,000 / 2,000
  const pixels = train.rows * train.cols;
  const trainSet = new TensorDataset(new Tensor(train.images, [train.count, pixels]), train.labels);
  const loader = new DataLoader(trainSet, { batchSize: 64, shuffle: true, generator: new Generator(0) });

  const generator = new Generator(1);
  const model = new Sequential(
    new Dense(pixels, 128, { generator }), new BatchNorm1d(128), new ReLU(), new Dropout(0.2, { generator }),
    new Dense(128, 10, { generator }),
  );
  const epochs = 5;
  const optimizer = new Adam(model.parameters(), { lr: 0.003 });
  const schedule = new CosineAnnealingLR(optimizer, { tMax: epochs });

  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    for (const [inputs, labels] of loader) {
      optimizer.zeroGrad();
      crossEntropy(model.forward(inputs), labels).backward();
      optimizer.step();
    }
    schedule.step();
    model.eval();
    const testInputs = new Tensor(test.images, [test.count, pixels]);
    const testAccuracy = noGrad(() => accuracy(model.forward(testInputs), Int32Array.from(test.labels)));
    console.log(`epoch ${epoch}: lr ${optimizer.lr.toFixed(5)}, test accuracy ${(100 * testAccuracy).toFixed(1)}%`);
  }
  // --- README snippet ends ---

  const lines = log.mock.calls.map((args) => args.join(' '));
  expect(lines).toHaveLength(5);
  expect(lines[4]).toMatch(/^epoch 5: lr 0\.00000, test accuracy \d+\.\d%$/);
  const final = Number(/accuracy (\d+\.\d)%/.exec(lines[4]!)![1]);
  expect(final).toBeGreaterThan(94);
});
