import { describe, expect, it } from 'vitest';
import { Generator, Tensor } from '@gradlab/core';
import { Adam, accuracy, crossEntropy, measureActivations, mlp } from '@gradlab/nn';

/**
 * Two interleaved spirals, two turns each (Lang & Witbrock's classic problem,
 * smaller): class 0 at r(t) (cos t, sin t), class 1 at the same points
 * reflected through the origin, t in [0.5, 0.5 + 4π), r(t) = t / 2π, plus
 * Gaussian noise of standard deviation 0.05 from the given generator.
 */
function twoSpirals(perClass: number, generator: Generator): { inputs: Tensor; labels: number[] } {
  const data = new Float32Array(perClass * 2 * 2);
  const labels: number[] = [];
  for (let i = 0; i < perClass; i++) {
    const t = 0.5 + (i / perClass) * 4 * Math.PI;
    const radius = t / (2 * Math.PI);
    for (const label of [0, 1]) {
      const sign = label === 0 ? 1 : -1;
      const row = 2 * i + label;
      data[row * 2] = sign * radius * Math.cos(t) + 0.05 * generator.normal();
      data[row * 2 + 1] = sign * radius * Math.sin(t) + 0.05 * generator.normal();
      labels.push(label);
    }
  }
  return { inputs: new Tensor(data, [perClass * 2, 2]), labels };
}

function trainSpirals(steps = 500) {
  const train = twoSpirals(100, new Generator('two spirals: train'));
  const test = twoSpirals(100, new Generator('two spirals: test'));
  const model = mlp({ inputs: 2, hidden: [32, 32], outputs: 2, activation: 'relu', generator: new Generator('two spirals: model') });
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    optimizer.zeroGrad();
    const loss = crossEntropy(model.forward(train.inputs), train.labels);
    loss.backward();
    optimizer.step();
    losses.push(loss.item());
  }
  return { model, train, test, losses };
}

describe('an MLP learns two spirals', () => {
  it('reaches at least 95% accuracy on the training set and on fresh points, from a fixed seed', () => {
    const { model, train, test, losses } = trainSpirals();
    const trainAccuracy = accuracy(model.forward(train.inputs), train.labels);
    const testAccuracy = accuracy(model.forward(test.inputs), test.labels);
    expect(trainAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(testAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(losses[0]!).toBeGreaterThan(0.5); // it starts out knowing nothing …
    expect(losses.at(-1)!).toBeLessThan(0.1); // … and ends confident
    // A linear model cannot do this: the problem really needs the hidden layers.
    const linear = mlp({ inputs: 2, hidden: [], outputs: 2, activation: 'relu', generator: new Generator(0) });
    const linearOptimizer = new Adam(linear.parameters(), { lr: 0.05 });
    for (let step = 0; step < 200; step++) {
      linearOptimizer.zeroGrad();
      crossEntropy(linear.forward(train.inputs), train.labels).backward();
      linearOptimizer.step();
    }
    expect(accuracy(linear.forward(train.inputs), train.labels)).toBeLessThan(0.75);
    // The instrument runs on the trained network; a working classifier is not constant.
    expect(measureActivations(model, [train.inputs]).outputConstant).toBe(false);
  });

  it('is reproducible bit for bit: the same seed gives the same losses', () => {
    const first = trainSpirals(60);
    const again = trainSpirals(60);
    expect(again.losses).toEqual(first.losses);
    expect(again.model.parameters().map((p) => Array.from(p.data))).toEqual(first.model.parameters().map((p) => Array.from(p.data)));
  });
});
