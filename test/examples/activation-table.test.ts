import { describe, expect, it } from 'vitest';
import { Tensor, noGrad, randn, Generator } from '@gradlab/core';
import { ACTIVATIONS, ACTIVATION_KINDS, Activation, mlp, PReLU } from '@gradlab/nn';
import { expandGrid, startNetwork, type SweepSettings } from 'gradlab';

const settings: SweepSettings = {
  optimizer: 'adam', momentum: 0, epochs: 1, batchSize: 32, init: 'default', saturationEps: 0.01, measureSize: 0, measureEvery: 0, data: { trainSize: 100, testSize: 50 },
};

/** The first hidden activation of a network. */
function firstActivation(model: ReturnType<typeof mlp>): Activation {
  const found = model.namedModules().map(([, module]) => module).find((module): module is Activation => module instanceof Activation);
  if (found === undefined) throw new Error('no activation layer');
  return found;
}

describe('the sweep gives every alpha of an activation with a slope its own network', () => {
  it.each([['prelu'], ['leaky-relu']] as const)('%s --alphas 0.01,0.3: two runs over different networks', (activation) => {
    const runs = expandGrid({ activations: [activation], depths: [2], widths: [8], lrs: [0.01], alphas: [0.01, 0.3], seeds: [0] }, settings);
    expect(runs.map((run) => run.config.alpha)).toEqual([0.01, 0.3]);
    const models = runs.map((run) => startNetwork(run.config, activation, run.config.seeds[0]!, 4).model);
    // The networks start from the same weights (same seed) but with the slope each run records.
    const x = randn([16, 4], { generator: new Generator(7) });
    const outputs = noGrad(() => models.map((model) => Array.from(model.forward(x).data)));
    expect(outputs[0]).not.toEqual(outputs[1]);
    if (activation === 'prelu') {
      const slopes = models.map((model) => (firstActivation(model) as PReLU).negativeSlope.data[0]);
      expect(slopes).toEqual([Math.fround(0.01), Math.fround(0.3)]);
    }
  });

  it('gives activations without a slope one run per grid point, alpha or not', () => {
    const runs = expandGrid({ activations: ['relu', 'sigmoid'], depths: [2], widths: [8], lrs: [0.01], alphas: [0.01, 0.3], seeds: [0] }, settings);
    expect(runs.map((run) => [run.config.activations[0], run.config.alpha])).toEqual([['relu', 0.01], ['sigmoid', 0.01]]);
  });
});

describe('the activation table', () => {
  it('has an entry for every kind, with its own label and colour', () => {
    expect(Object.keys(ACTIVATIONS)).toEqual([...ACTIVATION_KINDS]);
    const labels = ACTIVATION_KINDS.map((kind) => ACTIVATIONS[kind].label);
    const colors = ACTIVATION_KINDS.map((kind) => ACTIVATIONS[kind].color);
    expect(new Set(labels).size).toBe(ACTIVATION_KINDS.length);
    expect(new Set(colors).size).toBe(ACTIVATION_KINDS.length);
    for (const color of colors) expect(color).toMatch(/^#[0-9a-f]{6}$/);
  });

  it.each(ACTIVATION_KINDS.map((kind) => [kind]))('%s: mlp builds its module, and its op is what the module computes', (kind) => {
    const model = mlp({ inputs: 3, hidden: [5], outputs: 2, activation: kind, generator: new Generator(1) });
    const module = firstActivation(model);
    expect(module.kind).toBe(kind);
    const x = randn([4, 5], { generator: new Generator(2) });
    const slope = ACTIVATIONS[kind].slope?.default ?? 0;
    expect(Array.from(ACTIVATIONS[kind].op(x, slope).data)).toEqual(Array.from(module.forward(x).data));
  });

  it('feeds the slope to the module when the activation has one', () => {
    for (const kind of ACTIVATION_KINDS) {
      const model = mlp({ inputs: 3, hidden: [5], outputs: 2, activation: kind, negativeSlope: 0.2, generator: new Generator(1) });
      const module = firstActivation(model);
      const x = new Tensor(Float32Array.from([-1, -1, -1, -1, -1]), [1, 5]);
      const y = module.forward(x).data[0]!;
      if (ACTIVATIONS[kind].slope !== null) expect(y, kind).toBe(Math.fround(-0.2));
      else expect(y, kind).not.toBe(Math.fround(-0.2));
    }
  });
});
