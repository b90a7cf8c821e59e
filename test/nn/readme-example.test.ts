/**
 * The training loop the README shows for @gradlab/nn, verbatim between the
 * markers, so it cannot rot: if the API changes, this test fails to compile.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { Generator, tensor } from '@gradlab/core';
import { Adam, DataLoader, TensorDataset, accuracy, crossEntropy, measureActivations, mlp } from '@gradlab/nn';

afterEach(() => vi.restoreAllMocks());

it('runs the README training loop: XOR learned, dead fraction reported', () => {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);

  // --- README snippet begins ---
  const data = new TensorDataset(tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), [0, 1, 1, 0]); // XOR
  const loader = new DataLoader(data, { batchSize: 4 });
  const model = mlp({ inputs: 2, hidden: [16], outputs: 2, activation: 'relu', generator: new Generator(0) });
  const optimizer = new Adam(model.parameters(), { lr: 0.05 });

  for (let epoch = 0; epoch < 200; epoch++) {
    for (const [inputs, labels] of loader) {
      optimizer.zeroGrad();
      const loss = crossEntropy(model.forward(inputs), labels);
      loss.backward();
      optimizer.step();
      if (epoch % 50 === 0) console.log(`epoch ${epoch}: loss ${loss.item().toFixed(4)}`);
    }
  }
  console.log('accuracy', accuracy(model.forward(data.inputs), data.labels)); // 1
  const report = measureActivations(model, [data.inputs]);
  console.log('dead ReLU units', report.totals.dead, 'of', report.totals.units);
  // --- README snippet ends ---

  const lines = log.mock.calls.map((args) => args.join(' '));
  expect(lines).toHaveLength(6);
  expect(lines[0]).toMatch(/^epoch 0: loss \d\.\d{4}$/);
  expect(lines[4]).toBe('accuracy 1');
  expect(lines[5]).toMatch(/^dead ReLU units \d+ of 16$/);
  const firstLoss = Number(lines[0]!.split('loss ')[1]);
  const lastLoss = Number(lines[3]!.split('loss ')[1]);
  expect(lastLoss).toBeLessThan(firstLoss / 10);
  expect(report.totals.dead).toBeLessThan(16);
});
