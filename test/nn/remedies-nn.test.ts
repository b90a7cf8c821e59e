/**
 * The pieces nn gives the remedies experiment: randomized asymmetric
 * initialization (Lu et al. 2019), mlp's BatchNorm and residual variants,
 * and the Dense layer feeding each activation inside them.
 */
import { describe, expect, it } from 'vitest';
import { Generator, zeros } from '@gradlab/core';
import {
  BatchNorm1d, Dense, Dropout, GradientActivity, RAI_SIGMA, ReLU, Residual, Sequential, crossEntropy, incomingDenseLayers, measureActivations, mlp,
  randomizedAsymmetric,
} from '@gradlab/nn';

/** Unit j's incoming vector (W[:, j], b[j]) of a Dense layer. */
function incoming(layer: Dense, unit: number): number[] {
  const weights = Array.from({ length: layer.inFeatures }, (_, input) => layer.weight.data[input * layer.outFeatures + unit]!);
  return layer.bias === null ? weights : [...weights, layer.bias.data[unit]!];
}

describe('randomizedAsymmetric (RAI, Lu et al. 2019)', () => {
  it('draws the symmetric part N(0, 0.6007²/fanIn) and one Beta(2, 1) entry per unit', () => {
    const layer = new Dense(3, 4000);
    randomizedAsymmetric(layer.weight, layer.bias, { generator: new Generator(3) });
    const units = layer.outFeatures;
    let sumOfUnitSums = 0;
    let symmetricSquares = 0;
    let symmetricCount = 0;
    for (let unit = 0; unit < units; unit++) {
      const entries = incoming(layer, unit);
      sumOfUnitSums += entries.reduce((a, b) => a + b, 0);
      expect(entries.filter((value) => value > 0 && value <= 1).length).toBeGreaterThanOrEqual(1);
      // Leave out the largest entry (most often the Beta draw) for the variance estimate.
      const largest = Math.max(...entries);
      for (const value of entries) if (value !== largest) { symmetricSquares += value * value; symmetricCount++; }
    }
    // E[sum] = E[Beta(2,1)] = 2/3; the symmetric entries contribute mean 0.
    expect(sumOfUnitSums / units).toBeGreaterThan(0.6);
    expect(sumOfUnitSums / units).toBeLessThan(0.73);
    expect(Math.sqrt(symmetricSquares / symmetricCount)).toBeLessThan(RAI_SIGMA / Math.sqrt(3));
    expect(Math.sqrt(symmetricSquares / symmetricCount)).toBeGreaterThan(0.7 * RAI_SIGMA / Math.sqrt(3));
  });

  it('replaces exactly one entry per unit, chosen uniformly among the weights and the bias, by a Beta(2, 1) draw', () => {
    // A tiny sigma makes the symmetric entries vanish beside the Beta draw, which is then the one entry above 1e-3.
    const layer = new Dense(4, 20000);
    randomizedAsymmetric(layer.weight, layer.bias, { sigma: 1e-7, generator: new Generator(11) });
    const chosenCounts = new Array<number>(5).fill(0);
    let sum = 0;
    let sumOfSquares = 0;
    for (let unit = 0; unit < layer.outFeatures; unit++) {
      const entries = incoming(layer, unit);
      const large = entries.flatMap((value, index) => (Math.abs(value) > 1e-3 ? [index] : []));
      expect(large.length).toBeLessThanOrEqual(1);
      // √u is 0 only for u = 0; below 1e-3 only with probability 1e-6 per unit, so every unit has its entry.
      expect(large.length).toBe(1);
      const positive = entries[large[0]!]!;
      expect(positive).toBeGreaterThan(0);
      expect(positive).toBeLessThanOrEqual(1);
      chosenCounts[large[0]!]!++;
      sum += positive;
      sumOfSquares += positive * positive;
    }
    const n = layer.outFeatures;
    // Beta(2, 1): mean 2/3, variance 1/18. Standard errors: 0.0017 and about 0.0006.
    expect(sum / n).toBeCloseTo(2 / 3, 2);
    expect(sumOfSquares / n - (sum / n) ** 2).toBeCloseTo(1 / 18, 2);
    // Uniform over 5 entries: 4000 each, standard deviation about 57.
    for (const count of chosenCounts) expect(Math.abs(count - n / 5)).toBeLessThan(300);
  });

  it('never chooses a bias that is not there, and repeats its draws for the same seed', () => {
    const layer = new Dense(2, 3000, { bias: false });
    randomizedAsymmetric(layer.weight, null, { sigma: 1e-7, generator: new Generator(5) });
    for (let unit = 0; unit < layer.outFeatures; unit++) {
      expect(incoming(layer, unit).filter((value) => value > 1e-3).length).toBe(1);
    }
    const again = new Dense(2, 3000, { bias: false });
    randomizedAsymmetric(again.weight, null, { sigma: 1e-7, generator: new Generator(5) });
    expect(Array.from(again.weight.data)).toEqual(Array.from(layer.weight.data));
  });

  it('keeps deep narrow ReLU networks from being born dead far more often than He does', () => {
    // Lu et al.'s Figure: width 2, depth 20, 1-D inputs on [-√3, √3].
    const inputs = zeros([50, 1]);
    for (let i = 0; i < 50; i++) inputs.data[i] = -Math.sqrt(3) + (2 * Math.sqrt(3) * i) / 49;
    const bornDead = (rai: boolean): number => {
      let dead = 0;
      for (let network = 0; network < 200; network++) {
        const generator = new Generator(`rai-test:${network}:${rai}`);
        const model = mlp({ inputs: 1, hidden: new Array<number>(20).fill(2), outputs: 1, activation: 'relu', generator });
        if (rai) for (const layer of incomingDenseLayers(model)) randomizedAsymmetric(layer.weight, layer.bias, { generator });
        if (measureActivations(model, [inputs]).outputConstant) dead++;
      }
      return dead / 200;
    };
    const he = bornDead(false);
    const rai = bornDead(true);
    expect(he).toBeGreaterThan(0.9);
    expect(rai).toBeLessThan(he - 0.3);
  });

  it('refuses a bias of the wrong shape and a sigma that is not positive, naming itself', () => {
    const layer = new Dense(3, 4);
    expect(() => randomizedAsymmetric(layer.weight, zeros([3]))).toThrow(/randomizedAsymmetric: the bias must be \[4\]/);
    expect(() => randomizedAsymmetric(layer.weight, layer.bias, { sigma: 0 })).toThrow(/randomizedAsymmetric: sigma must be a finite number > 0, got 0/);
    expect(() => randomizedAsymmetric(zeros([3]), null)).toThrow(/randomizedAsymmetric: expects a 2-D weight/);
  });
});

describe('mlp variants: BatchNorm after each Dense, residual blocks', () => {
  const base = { inputs: 6, hidden: [5, 5, 5], outputs: 3, activation: 'relu' as const };

  it('batchNorm puts a BatchNorm1d between every hidden Dense and its activation, and draws the same Dense weights', () => {
    const plain = mlp({ ...base, generator: new Generator(7) });
    const normalized = mlp({ ...base, batchNorm: true, generator: new Generator(7) });
    expect(normalized.toString()).toBe(
      'Sequential(Dense(6, 5), BatchNorm1d(5), ReLU(), Dense(5, 5), BatchNorm1d(5), ReLU(), Dense(5, 5), BatchNorm1d(5), ReLU(), Dense(5, 3))',
    );
    const denses = (model: Sequential): Dense[] => model.layers.filter((layer): layer is Dense => layer instanceof Dense);
    expect(denses(normalized).map((layer) => Array.from(layer.weight.data))).toEqual(denses(plain).map((layer) => Array.from(layer.weight.data)));
  });

  it('residual with batchNorm wraps Dense, BatchNorm1d and the activation of each hidden layer as wide as its input, and adds the input', () => {
    const model = mlp({ ...base, residual: true, batchNorm: true, generator: new Generator(7) });
    expect(model.layers.map((layer) => layer.constructor.name)).toEqual(['Dense', 'BatchNorm1d', 'ReLU', 'Residual', 'Residual', 'Dense']);
    const block = (model.layers[3] as Residual).block as Sequential;
    expect(block.layers.map((layer) => layer.constructor.name)).toEqual(['Dense', 'BatchNorm1d', 'ReLU']);
    // y = x + f(x): with f's Dense zeroed (and BatchNorm's beta 0) f(x) = relu(0) = 0, so the block returns its input.
    const dense = block.layers[0] as Dense;
    dense.weight.data.fill(0);
    model.eval();
    const x = zeros([2, 5]);
    x.data.set([1, -2, 3, -4, 5, 0.5, 0.25, -1, 2, 7]);
    expect(Array.from((model.layers[3] as Residual).forward(x).data)).toEqual(Array.from(x.data));
  });

  it('finds the Dense feeding each activation through Residual blocks and BatchNorm, and refuses anything else in between', () => {
    const model = mlp({ ...base, residual: true, batchNorm: true, generator: new Generator(1) });
    const found = incomingDenseLayers(model);
    expect(found.length).toBe(3);
    expect(found[1]).toBe(((model.layers[3] as Residual).block as Sequential).layers[0]);
    expect(() => incomingDenseLayers(new Sequential(new Dense(2, 2), new Dropout(0.5), new ReLU()))).toThrow(/activation layer 0 is not preceded by a Dense layer \(it is 'layers.2'\)/);
    expect(incomingDenseLayers(new Sequential(new Dense(2, 3), new BatchNorm1d(3), new ReLU())).map((layer) => layer.outFeatures)).toEqual([3]);
  });

  it('GradientActivity sees the gradients of a residual BatchNorm network', () => {
    const model = mlp({ ...base, residual: true, batchNorm: true, generator: new Generator(2) });
    const activity = new GradientActivity(incomingDenseLayers(model));
    const x = zeros([4, 6]);
    for (let i = 0; i < x.size; i++) x.data[i] = Math.sin(i);
    crossEntropy(model.forward(x), new Int32Array([0, 1, 2, 0])).backward();
    activity.observe();
    const { gotGradient } = activity.takeInterval();
    expect(gotGradient.map((flags) => flags.length)).toEqual([5, 5, 5]);
    expect(gotGradient.every((flags) => flags.some((flag) => flag === 1))).toBe(true);
  });
});
