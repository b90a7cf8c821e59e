/**
 * The remedies experiment: every remedy builds the network it claims, from
 * the baseline's weights where the architecture allows; the baseline is the
 * dead-neurons ReLU network bit for bit; results.json holds the figures its
 * summary says; a network restored part-way finishes with the same bits.
 */
import { describe, expect, it } from 'vitest';
import { Generator, randn } from '@gradlab/core';
import { ACTIVATIONS, BatchNorm1d, Dense, Residual, Sequential, heGain, incomingDenseLayers, type Module } from '@gradlab/nn';
import {
  BASELINE, REMEDIES, REMEDY_NAMES, claimVerdict, decodeCheckpoint, encodeCheckpoint, freshRemedyNetwork, loadData, meanInterval, measurementConfig,
  pairedComparison, remediesMarkdown, remediesResults, restoreTraining, runOneActivation, runOneRemedy, runRemedies, startRemedy,
  resultsJson, validateRemediesConfig, type NetworkInProgress, type RemediesConfig, type RemedyName, type RemedyRun,
} from 'gradlab';

const data = loadData({ trainSize: 300, testSize: 100 });
const config: RemediesConfig = {
  remedies: [...REMEDY_NAMES], depth: 3, width: 16, optimizer: 'adam', lr: 0.01, momentum: 0, epochs: 3, batchSize: 32,
  seeds: [0, 1, 2], saturationEps: 0.01, measureSize: 0, measureEvery: 4,
};

/** The leaf modules of a model in forward order, by class name (a Residual block shows as 'Residual(…)'). */
function layout(module: Module): string[] {
  if (module instanceof Sequential) return module.layers.flatMap(layout);
  if (module instanceof Residual) return [`Residual(${layout(module.block).join(', ')})`];
  return [module.constructor.name];
}

const weightsOf = (remedy: RemedyName, seed = 0): Float32Array[] =>
  startRemedy(config, remedy, seed, 784, data.train.count).model.parameters().filter((parameter) => parameter.ndim === 2).map((parameter) => parameter.data);

describe('every remedy builds the network it claims', () => {
  it.each(REMEDY_NAMES)('%s: its activation, architecture, learning rate and initial weights', (remedy) => {
    const spec = REMEDIES[remedy];
    const state = startRemedy(config, remedy, 0, 784, data.train.count);
    const activation = ACTIVATIONS[spec.activation].module({ negativeSlope: spec.negativeSlope ?? 0, units: 16, perUnit: false }).constructor.name;
    const hidden = spec.batchNorm ? ['Dense', 'BatchNorm1d', activation] : ['Dense', activation];
    // The first hidden layer (784 → 16) cannot add its input; the others are residual blocks when the remedy says so.
    const expected = [...hidden, ...[1, 2].flatMap(() => (spec.residual ? [`Residual(${hidden.join(', ')})`] : hidden)), 'Dense'];
    expect(layout(state.model)).toEqual(expected);
    expect(incomingDenseLayers(state.model).length).toBe(3);

    const stepsPerEpoch = Math.ceil(data.train.count / config.batchSize);
    const lr = config.lr * spec.lrFactor;
    expect(state.optimizer.lr).toBeCloseTo(spec.warmUpEpochs > 0 ? lr / (spec.warmUpEpochs * stepsPerEpoch) : lr, 15);

    const baseline = weightsOf(BASELINE);
    const own = weightsOf(remedy);
    expect(own.length).toBe(baseline.length);
    if (spec.init === 'rai') {
      // RAI redraws the hidden layers; the output layer keeps the baseline's He weights.
      for (const index of [0, 1, 2]) expect(Array.from(own[index]!)).not.toEqual(Array.from(baseline[index]!));
      expect(Array.from(own[3]!)).toEqual(Array.from(baseline[3]!));
    } else {
      // The same normal draws, scaled by the activation's He gain (1 for ReLU, ELU, GELU, SiLU; the slope's gain for the leaky ones; 1/√2 of it for SELU).
      const scale = heGain(ACTIVATIONS[spec.activation].heGainSlope(spec.negativeSlope ?? 0)) / heGain(0);
      own.forEach((weights, layer) => {
        const reference = baseline[layer]!;
        if (scale === 1) expect(Array.from(weights)).toEqual(Array.from(reference));
        else for (let i = 0; i < weights.length; i += 97) expect(weights[i]!).toBeCloseTo(reference[i]! * scale, 6);
      });
    }
  });

  it('the residual variant adds its input: y = x + relu(Dense(x)), and x itself when the Dense is zeroed', () => {
    const state = startRemedy(config, 'residual', 0, 784, data.train.count);
    const block = (state.model as Sequential).layers.find((layer): layer is Residual => layer instanceof Residual)!;
    const x = randn([4, 16], { generator: new Generator(3) });
    const inner = block.block.forward(x);
    expect(Array.from(block.forward(x).data)).toEqual(Array.from(x.add(inner).data));
    const dense = (block.block as Sequential).layers[0] as Dense;
    dense.weight.data.fill(0);
    expect(Array.from(block.forward(x).data)).toEqual(Array.from(x.data));
  });

  it('BatchNorm sits after each hidden Dense, before the ReLU', () => {
    const state = startRemedy(config, 'batch-norm', 0, 784, data.train.count);
    const layers = (state.model as Sequential).layers;
    layers.forEach((layer, index) => {
      if (layer instanceof BatchNorm1d) {
        expect(layers[index - 1]).toBeInstanceOf(Dense);
        expect(layers[index + 1]!.constructor.name).toBe('ReLU');
        expect(layer.numFeatures).toBe((layers[index - 1] as Dense).outFeatures);
      }
    });
    expect(layers.filter((layer) => layer instanceof BatchNorm1d).length).toBe(3);
  });
});

describe('training the remedies', () => {
  it('trains the baseline exactly as dead-neurons trains its ReLU network, bit for bit', () => {
    const remedy = runOneRemedy(config, 'relu', 1, data.train, data.test, data.train);
    const dead = runOneActivation({ ...measurementConfig(config, 'relu'), init: 'default', alpha: 0.01 }, 'relu', 1, data.train, data.test, data.train);
    const { remedy: name, ...run } = remedy;
    expect(name).toBe('relu');
    expect(JSON.stringify(run)).toBe(JSON.stringify(dead));
  });

  it('warms the learning rate up linearly, step by step, over the first epoch, then holds it', () => {
    const stepsPerEpoch = Math.ceil(data.train.count / config.batchSize);
    const network = freshRemedyNetwork(config, 'warm-up', 0, data.train, data.train);
    const rates: number[] = [network.training.optimizer.lr];
    runOneRemedy(config, 'warm-up', 0, data.train, data.test, data.train, { onStep: () => rates.push(network.training.optimizer.lr) }, network);
    expect(rates.length).toBe(3 * stepsPerEpoch + 1);
    // nn's LinearLR from lr/T after 0 steps to lr after T steps (T = one epoch), then lr.
    const T = stepsPerEpoch;
    rates.forEach((rate, step) => expect(rate).toBeCloseTo(config.lr * (1 / T + ((1 - 1 / T) * Math.min(step, T)) / T), 12));
    expect(rates[0]).toBeCloseTo(config.lr / T, 15);
    expect(rates[T]).toBeCloseTo(config.lr, 15);
    expect(rates[rates.length - 1]).toBeCloseTo(config.lr, 15);
  });

  it.each(['batch-norm', 'warm-up', 'prelu', 'rai'] as const)('%s: a network restored after epoch 1 finishes with the bits of one that never stopped', (remedy) => {
    const uninterrupted = runOneRemedy(config, remedy, 2, data.train, data.test, data.train);
    let saved: Uint8Array | null = null;
    let progress: Pick<NetworkInProgress, 'epochs' | 'lifetimeMeasurements' | 'initialGradient'> | null = null;
    const stop = new Error('stopped after epoch 1');
    try {
      runOneRemedy(config, remedy, 2, data.train, data.test, data.train, {
        onMeasured: (network) => {
          if (network.training.epochsDone !== 1) return;
          saved = encodeCheckpoint('remedies', {}, network.training, {});
          progress = structuredClone({ epochs: network.epochs, lifetimeMeasurements: network.lifetimeMeasurements, initialGradient: network.initialGradient });
          throw stop;
        },
      });
    } catch (error) {
      if (error !== stop) throw error;
    }
    const checkpoint = decodeCheckpoint(saved!, 'in-memory', 'remedies');
    const training = restoreTraining(startRemedy(config, remedy, 2, 784, data.train.count, 1), checkpoint.training!, checkpoint.tensors, 'in-memory');
    const resumed = runOneRemedy(config, remedy, 2, data.train, data.test, data.train, {}, {
      activation: REMEDIES[remedy].activation, seed: 2, training, ...progress!, epochs: [...progress!.epochs], lifetimeMeasurements: [...progress!.lifetimeMeasurements],
    });
    expect(JSON.stringify(resumed)).toBe(JSON.stringify(uninterrupted));
  });
});

describe('a small run end to end: results.json holds what the runs measured', () => {
  const small: RemediesConfig = { ...config, remedies: ['relu', 'batch-norm', 'leaky-relu-0.1', 'lower-lr'], epochs: 2 };
  const results = runRemedies(small, data, 'embedded MNIST (test subset)');
  const json = JSON.parse(resultsJson(results)) as ReturnType<typeof remediesResults>;

  it('is byte-identical when run again from the same seeds', () => {
    expect(resultsJson(runRemedies(small, data, 'embedded MNIST (test subset)'))).toBe(resultsJson(results));
  });

  it('lists every network in order, with its remedy, activation and lifetimes', () => {
    expect(json.runs.map((run) => `${run.remedy}/${run.activation}/${run.seed}`)).toEqual([
      'relu/relu/0', 'relu/relu/1', 'relu/relu/2', 'batch-norm/relu/0', 'batch-norm/relu/1', 'batch-norm/relu/2',
      'leaky-relu-0.1/leaky-relu/0', 'leaky-relu-0.1/leaky-relu/1', 'leaky-relu-0.1/leaky-relu/2', 'lower-lr/relu/0', 'lower-lr/relu/1', 'lower-lr/relu/2',
    ]);
    for (const run of json.runs) {
      expect(run.epochs.map((epoch) => epoch.epoch)).toEqual([0, 1, 2]);
      expect(run.lifetimes.layers.map((layer) => layer.units)).toEqual([16, 16, 16]);
      expect('units' in run).toBe(false);
    }
    expect(json.config).toEqual(small);
  });

  it('summarizes each remedy from its runs: the means and intervals recomputed here match', () => {
    for (const summary of json.summary.remedies) {
      const runs = json.runs.filter((run) => run.remedy === summary.remedy) as RemedyRun[];
      const total = (run: RemedyRun, field: 'permanentlyDead' | 'inactiveAtEnd' | 'revived' | 'everInactive') => run.lifetimes.layers.reduce((sum, layer) => sum + layer[field], 0);
      const permanent = runs.map((run) => total(run, 'permanentlyDead') / 48);
      expect(summary.metrics.permanentlyDead).toEqual({ ...meanInterval(permanent), seeds: [0, 1, 2] });
      expect(summary.metrics.inactiveAtEnd!.mean).toBeCloseTo(runs.reduce((sum, run) => sum + total(run, 'inactiveAtEnd') / 48, 0) / 3, 12);
      expect(summary.metrics.testAccuracy!.mean).toBeCloseTo(runs.reduce((sum, run) => sum + run.epochs[2]!.testAccuracy, 0) / 3, 12);
      expect(summary.metrics.testLoss!.mean).toBeCloseTo(runs.reduce((sum, run) => sum + run.epochs[2]!.testLoss, 0) / 3, 12);
      const revived = runs.filter((run) => total(run, 'everInactive') > 0).map((run) => total(run, 'revived') / total(run, 'everInactive'));
      expect(summary.metrics.revived?.mean ?? null).toBe(revived.length === 0 ? null : meanInterval(revived).mean);
      summary.layers.forEach((layer, index) => {
        expect(layer.permanentlyDead!.mean).toBeCloseTo(runs.reduce((sum, run) => sum + run.lifetimes.layers[index]!.permanentlyDead / 16, 0) / 3, 12);
      });
      expect(summary.inactiveMeaning).toBe(ACTIVATIONS[REMEDIES[summary.remedy].activation].inactivity.meaning);
    }
    // The networks learn: the baseline beats chance by far after 2 epochs on 300 images.
    expect(json.summary.remedies[0]!.metrics.testAccuracy!.mean).toBeGreaterThan(0.5);
  });

  it('compares every remedy with the baseline seed by seed, and checks each claim from that comparison', () => {
    expect(json.summary.comparisons.map((comparison) => `${comparison.remedy}:${comparison.metric}`).slice(0, 6)).toEqual([
      'batch-norm:inactiveAtEnd', 'batch-norm:permanentlyDead', 'batch-norm:revived', 'batch-norm:testAccuracy', 'batch-norm:trainLoss', 'batch-norm:testLoss',
    ]);
    const accuracy = (remedy: string) => json.runs.filter((run) => run.remedy === remedy).map((run) => run.epochs[2]!.testAccuracy);
    const comparison = json.summary.comparisons.find((entry) => entry.remedy === 'lower-lr' && entry.metric === 'testAccuracy')!;
    expect(comparison.test).toEqual(pairedComparison(accuracy('relu'), accuracy('lower-lr')));
    expect(json.summary.claims.map((claim) => claim.remedy)).toEqual(['batch-norm', 'leaky-relu-0.1', 'lower-lr']);
    for (const claim of json.summary.claims) {
      const test = json.summary.comparisons.find((entry) => entry.remedy === claim.remedy && entry.metric === claim.metric)!.test;
      expect(claim.verdict).toBe(claimVerdict(claim.direction, test));
    }
  });

  it('writes a report whose verdict sentences follow the measured comparison', () => {
    const markdown = remediesMarkdown(results, 'gradlab remedies --quick', {});
    for (const claim of results.summary.claims) {
      const word = { agrees: '**agrees**', disagrees: '**disagrees**', 'no significant difference': '**does not show**', untested: '**cannot test**' }[claim.verdict];
      const line = markdown.split('\n').find((text) => text.startsWith(`- **${REMEDIES[claim.remedy].label}**`))!;
      expect(line).toContain(word);
      expect(line).toContain(REMEDIES[claim.remedy].source.slice(0, 10));
    }
    expect(markdown).toContain('| 1 | ');
  });
});

describe('claim verdicts', () => {
  const test = (differences: number[]) => pairedComparison(differences.map(() => 0), differences);
  it('agrees, disagrees or shows nothing from the paired test alone', () => {
    expect(claimVerdict('lower', test([-0.1, -0.12, -0.09, -0.11]))).toBe('agrees');
    expect(claimVerdict('higher', test([-0.1, -0.12, -0.09, -0.11]))).toBe('disagrees');
    expect(claimVerdict('lower', test([-0.1, 0.12, -0.09, 0.11]))).toBe('no significant difference');
    expect(claimVerdict('lower', null)).toBe('untested');
  });

  it('refuses a config without the baseline, or with a remedy twice', () => {
    expect(() => validateRemediesConfig({ ...config, remedies: ['rai', 'elu'] })).toThrow(/the baseline 'relu' must be among the remedies/);
    expect(() => validateRemediesConfig({ ...config, remedies: ['relu', 'elu', 'elu'] })).toThrow(/the remedies must differ/);
  });
});
