import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Generator } from '@gradlab/core';
import { DataLoader, Dense, ReLU, Sequential, encodeSafetensors } from '@gradlab/nn';
import {
  activationCurve, aggregate, appendLineDurable, bornDeadCellKeys, bornDeadNetwork, bornDeadResults, deadNeuronsResults, measureBornDeadCell, dropTornTail, expandGrid, gridInputs, linspace, loadData, measureBornDead,
  meanStd, meanInterval, pairedComparison, parseShard, readResultsFile, runBornDead, runOneActivation, selectShard, writeOutputFile,
  CHECKPOINT_KEY, decodeCheckpoint, encodeCheckpoint, evaluate, EvaluationSum, firstFlagMismatch, fromExactJson, restoreTraining, startTraining,
  toExactJson, trainEpoch, tensorDataset, firstImages, toRecord, checkSweepRecord,
  type DeadNeuronsConfig, type SweepRecord, type SweepSettings, type TrainingState,
} from 'gradlab';

describe('activation curves (plot-activation)', () => {
  const grid = Float32Array.from([-2, -1, 0, 1, 2]);

  it('takes LeakyReLU and ReLU derivatives from autodiff, with the spec kink conventions', () => {
    const leaky = activationCurve('leaky-relu', grid, 0.01);
    expect(leaky.map((point) => point.value)).toEqual([-0.02, -0.01, 0, 1, 2].map(Math.fround));
    expect(leaky.map((point) => point.derivative)).toEqual([0.01, 0.01, 1, 1, 1].map(Math.fround));
    const relu = activationCurve('relu', grid, 0.01);
    expect(relu.map((point) => point.derivative)).toEqual([0, 0, 0, 1, 1]);
  });

  it('gives the sigmoid derivative y(1 - y) on [-10, 10]', () => {
    for (const point of activationCurve('sigmoid', linspace(-10, 10, 401), 0.01)) {
      expect(point.derivative).toBeCloseTo(point.value * (1 - point.value), 6);
    }
  });

  it('puts a grid point exactly at 0 with 401 points', () => {
    const points = linspace(-10, 10, 401);
    expect([points[0], points[200], points[400]]).toEqual([-10, 0, 10]);
  });
});

describe('the training loop of dead-neurons', () => {
  const data = loadData({ trainSize: 300, testSize: 100 });
  const config: DeadNeuronsConfig = {
    activations: ['relu'], depth: 3, width: 16, optimizer: 'adam', lr: 0.01, momentum: 0, epochs: 3, batchSize: 32,
    init: 'default', alpha: 0.1, seeds: [5], saturationEps: 0.01, measureSize: 0, measureEvery: 4,
  };

  it('learns, measures every layer at every epoch, and is bit-for-bit repeatable', () => {
    const first = runOneActivation(config, 'relu', 5, data.train, data.test, data.train);
    expect(first.epochs.map((epoch) => epoch.epoch)).toEqual([0, 1, 2, 3]);
    expect(first.epochs[3]!.trainLoss).toBeLessThan(first.epochs[0]!.trainLoss * 0.8);
    for (const epoch of first.epochs) {
      expect(epoch.layers.map((layer) => layer.units)).toEqual([16, 16, 16]);
      expect(epoch.inactive).toBe(epoch.layers.reduce((sum, layer) => sum + layer.dead, 0));
      expect(epoch.inactiveFraction).toBeCloseTo(epoch.inactive / 48, 12);
    }
    const second = runOneActivation(config, 'relu', 5, data.train, data.test, data.train);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
  });

  it('measures every unit every measureEvery steps and at each epoch\'s end, agreeing with the epoch snapshots', () => {
    // 300 images in batches of 32: 10 steps per epoch, so measurements at steps 0, 4, 8, 10, 12, 16, 20, 24, 28, 30.
    const run = runOneActivation(config, 'relu', 5, data.train, data.test, data.train);
    expect(run.lifetimes.steps).toEqual([0, 4, 8, 10, 12, 16, 20, 24, 28, 30]);
    expect(run.lifetimes.measureEvery).toBe(4);
    // At the epochs' ends (steps 0, 10, 20, 30) the lifetime measurement is the epoch's snapshot.
    for (const [epoch, step] of [[0, 0], [1, 10], [2, 20], [3, 30]] as const) {
      const index = run.lifetimes.steps.indexOf(step);
      expect(run.lifetimes.inactiveCounts[index], `epoch ${epoch}`).toEqual(run.epochs[epoch]!.layers.map((layer) => layer.inactive));
    }
    // Every unit's timeline agrees with the per-layer totals and with the last snapshot.
    expect(run.units.length).toBe(48);
    run.lifetimes.layers.forEach((layer, index) => {
      const own = run.units.filter((unit) => unit.layer === index);
      expect(layer.layer).toBe(index + 1);
      expect(layer.inactiveAtEnd).toBe(run.epochs[3]!.layers[index]!.inactive);
      expect(layer.inactiveAtEnd).toBe(own.filter((unit) => unit.inactiveAtEnd).length);
      expect(layer.permanentlyDead).toBe(own.filter((unit) => unit.permanentlyDead).length);
      expect(layer.unitIntervals).toBe(16 * 9);
      expect(layer.frozenAndInactiveBothEnds).toBeLessThanOrEqual(Math.min(layer.frozen, layer.inactiveBothEnds));
    });
  });

  it('lists the runs in results.json in the order of --activations, and refuses any other', () => {
    const both: DeadNeuronsConfig = { ...config, activations: ['relu', 'sigmoid'], epochs: 1 };
    const [relu, sigmoid] = both.activations.map((activation) => runOneActivation(both, activation, 5, data.train, data.test, data.train));
    const results = deadNeuronsResults(both, data, 'test digits', [relu!, sigmoid!]);
    expect(results.runs).toEqual([relu, sigmoid]);
    expect(results.data).toEqual({ source: 'test digits', trainSize: 300, testSize: 100, measuredImages: 300 });
    expect(() => deadNeuronsResults(both, data, 'test digits', [sigmoid!, relu!]))
      .toThrow('dead-neurons: the runs (sigmoid seed 5, relu seed 5) are not those of the config (relu seed 5, sigmoid seed 5)');
    expect(() => deadNeuronsResults(both, data, 'test digits', [relu!])).toThrow('dead-neurons: the runs (relu seed 5) are not those of the config (relu seed 5, sigmoid seed 5)');
  });

  it('takes the training loss from the measurement\'s forward pass, with the bits evaluate() gives', () => {
    // Measuring every training image (measureSize 0) scores that pass; measuring fewer evaluates the training set apart.
    // 1,100 training images make three batches of evaluate()'s 500.
    const { train, test } = loadData({ trainSize: 1100, testSize: 100 });
    for (const measureSize of [0, 700]) {
      let finalModel: Parameters<typeof evaluate>[0] | null = null;
      const measured = measureSize === 0 ? train : firstImages(train, measureSize);
      const run = runOneActivation({ ...config, measureSize, epochs: 2 }, 'relu', 5, train, test, measured, {
        onNetworkDone: (_run, model) => { finalModel = model; },
      });
      expect(run.epochs[2]!.trainLoss, `measureSize ${measureSize}`).toBe(evaluate(finalModel!, train).loss);
      expect(run.epochs[2]!.testAccuracy, `measureSize ${measureSize}`).toBe(evaluate(finalModel!, test).accuracy);
    }
  });

  it('EvaluationSum over evaluate()\'s batches is evaluate()', () => {
    const { model } = startTraining({ hidden: [16, 16], activation: 'relu', negativeSlope: 0.01, init: 'default' }, config, 784, 3);
    const score = new EvaluationSum();
    for (const [inputs, labels] of new DataLoader(tensorDataset(data.test), { batchSize: 500 })) score.add(model.forward(inputs), labels);
    const expected = evaluate(model, data.test);
    expect(score.result()).toEqual(expected);
    expect(expected.accuracy).toBeGreaterThan(0);
    expect(expected.loss).toBeGreaterThan(1);
  });

  it('records a run whose loss becomes NaN or infinite as diverged instead of crashing', () => {
    const run = runOneActivation({ ...config, optimizer: 'sgd', lr: 1e6, epochs: 2 }, 'relu', 5, data.train, data.test, data.train);
    expect(run.diverged).not.toBeNull();
    expect(run.diverged!.epoch).toBe(1);
    expect(['NaN', 'Infinity']).toContain(run.diverged!.loss);
    expect(run.epochs.length).toBe(1);
  });
});

describe('born dead (Lu et al. 2019)', () => {
  it('calls a network with an all-zero layer constant, and counts the inputs where a layer is zero', () => {
    const first = new Dense(1, 2);
    first.weight.data.set([1, -1]); // unit 0 = relu(x), unit 1 = relu(-x)
    const dead = new Dense(2, 2);
    dead.weight.data.set([-1, -1, -1, -1]);
    dead.bias!.data.set([-1, -1]); // never positive for non-negative inputs
    const output = new Dense(2, 1);
    const inputs = gridInputs(5); // -√3, -√3/2, 0, √3/2, √3
    const deadNet = new Sequential(first, new ReLU(), dead, new ReLU(), output);
    expect(measureBornDead(deadNet, inputs)).toEqual({ outputConstant: true, zeroLayerInputs: 5 });

    const alive = new Dense(2, 2);
    alive.weight.data.set([1, 0, 0, 1]);
    output.weight.data.set([1, 2]);
    const aliveNet = new Sequential(first, new ReLU(), alive, new ReLU(), output);
    // Only at x = 0 are both relu(x) and relu(-x) zero.
    expect(measureBornDead(aliveNet, inputs)).toEqual({ outputConstant: false, zeroLayerInputs: 1 });
  });

  it('finds deep narrow He networks mostly born dead and RAI ones far less often, repeatably', () => {
    const config = { widths: [2], depths: [2, 20], networks: 200, inits: ['he', 'rai'] as const, inputs: 'grid' as const, inputCount: 50, seed: 0 };
    const results = runBornDead(config, gridInputs(50));
    const cell = (init: string, depth: number) => results.cells.find((entry) => entry.init === init && entry.depth === depth)!;
    expect(cell('he', 20).bornDeadFraction).toBeGreaterThan(0.9);
    expect(cell('he', 20).bornDeadFraction).toBeGreaterThan(cell('he', 2).bornDeadFraction);
    expect(cell('rai', 20).bornDeadFraction).toBeLessThan(cell('he', 20).bornDeadFraction - 0.3);
    // A constant output on the grid means a dead layer at every input, so (b) >= (a) cell by cell.
    for (const entry of results.cells) expect(entry.zeroLayerInputFraction).toBeGreaterThanOrEqual(entry.bornDeadFraction);
    expect(JSON.stringify(runBornDead(config, gridInputs(50)))).toBe(JSON.stringify(results));
    expect(bornDeadNetwork('rai', 1, 3, 4, new Generator(0)).toString()).toBe(
      'Sequential(Dense(1, 3), ReLU(), Dense(3, 3), ReLU(), Dense(3, 3), ReLU(), Dense(3, 3), ReLU(), Dense(3, 1))',
    );
  });

  it('gives the same cells one at a time, in any order, and refuses results out of the grid\'s order', () => {
    const config = { widths: [2, 3], depths: [2, 6], networks: 20, inits: ['he', 'rai'] as const, inputs: 'grid' as const, inputCount: 20, seed: 4 };
    const inputs = gridInputs(20);
    const keys = bornDeadCellKeys(config);
    expect(keys.map((key) => `${key.init}:${key.width}:${key.depth}`)).toEqual(
      ['he:2:2', 'he:2:6', 'he:3:2', 'he:3:6', 'rai:2:2', 'rai:2:6', 'rai:3:2', 'rai:3:6']);
    // Measured last to first, as a thread may: the same bits as runBornDead.
    const cells = [...keys].reverse().map((key) => measureBornDeadCell(config, inputs, key)).reverse();
    expect(JSON.stringify(bornDeadResults(config, cells))).toBe(JSON.stringify(runBornDead(config, inputs)));
    const swapped = [cells[1]!, cells[0]!, ...cells.slice(2)];
    expect(() => bornDeadResults(config, swapped)).toThrow('born-dead: 8 cells given for the 8 of the grid, or not in the grid\'s order (first misplaced: cell 0)');
    expect(() => bornDeadResults(config, cells.slice(0, 7))).toThrow('born-dead: 7 cells given for the 8 of the grid, or not in the grid\'s order (first misplaced: cell 7)');
  });
});

describe('sweep bookkeeping', () => {
  const settings: SweepSettings = {
    optimizer: 'adam', momentum: 0, epochs: 1, batchSize: 32, init: 'default', saturationEps: 0.01, measureSize: 0, measureEvery: 0,
    data: { trainSize: 300, testSize: 100, splitSeed: 0 },
  };
  const grid = { activations: ['relu', 'leaky-relu'] as const, depths: [2, 4], widths: [8], lrs: [0.01], alphas: [0.01, 0.1], seeds: [0, 1, 2] };

  it('expands the grid with stable, unique ids; alphas multiply only LeakyReLU runs', () => {
    const runs = expandGrid({ ...grid, activations: [...grid.activations] }, settings);
    expect(runs.length).toBe(2 * 3 + 2 * 2 * 3);
    expect(new Set(runs.map((run) => run.id)).size).toBe(runs.length);
    expect(runs[0]!.id).toMatch(/^relu-d2-w8-lr0\.01-a0\.01-s0-[0-9a-f]{10}$/);
    expect(expandGrid({ ...grid, activations: [...grid.activations] }, settings).map((run) => run.id)).toEqual(runs.map((run) => run.id));
    const otherEpochs = expandGrid({ ...grid, activations: [...grid.activations] }, { ...settings, epochs: 2 });
    expect(otherEpochs[0]!.id).not.toBe(runs[0]!.id);
    expect(() => expandGrid({ ...grid, activations: ['relu'], seeds: [1, 1] }, settings)).toThrow('the grid lists run relu-d2-w8-lr0.01-a0.01-s1-');
  });

  it('splits a grid into disjoint shards that cover it', () => {
    const runs = expandGrid({ ...grid, activations: [...grid.activations] }, settings);
    const shards = [1, 2, 3, 4].map((index) => selectShard(runs, { index, count: 4 }));
    expect(shards.flat().map((run) => run.id).sort()).toEqual(runs.map((run) => run.id).sort());
    expect(shards.map((shard) => shard.length)).toEqual([5, 5, 4, 4]);
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    for (const bad of ['0/4', '5/4', '1/0', 'a/b', '2']) expect(() => parseShard(bad)).toThrow(`--shard must be i/n with 1 <= i <= n, e.g. 2/4, got '${bad}'`);
  });

  it('ignores and then cuts off a last line torn by a kill', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gradlab-sweep-')), 'results.jsonl');
    const record = (id: string, seed: number, inactiveFraction: number) =>
      ({ id, activation: 'relu', depth: 2, width: 8, lr: 0.01, alpha: 0.1, seed, config: { seeds: [seed], epochs: 1 }, data: {}, inactiveMeaning: 'dead',
        final: { epoch: 1, inactive: 0, inactiveFraction, trainLoss: 1, testAccuracy: 0.5, layerInactiveFractions: [inactiveFraction, inactiveFraction] },
        epochs: [{ epoch: 0, inactiveFraction: 0, trainLoss: 2, testAccuracy: 0.1 }, { epoch: 1, inactiveFraction, trainLoss: 1, testAccuracy: 0.5 }], diverged: null }) as unknown as SweepRecord;
    appendLineDurable(path, JSON.stringify(record('a', 0, 0.1)));
    appendLineDurable(path, JSON.stringify(record('b', 1, 0.3)));
    appendFileSync(path, JSON.stringify(record('c', 2, 0.5)).slice(0, 40));
    const read = readResultsFile(path);
    expect(read.records.map((entry) => entry.id)).toEqual(['a', 'b']);
    expect(read.tornTail).toBe(true);
    dropTornTail(path, read);
    expect(readFileSync(path, 'utf8').endsWith('}\n')).toBe(true);
    expect(readResultsFile(path).tornTail).toBe(false);
    writeFileSync(path, 'not json\n');
    expect(() => readResultsFile(path)).toThrow(`${path}:1: not a JSON line`);

    const { groups, runs, duplicates } = aggregate([record('a', 0, 0.1), record('b', 1, 0.3), record('a', 0, 0.1)]);
    expect([runs, duplicates, groups.length]).toEqual([2, 1, 1]);
    expect(groups[0]!.seeds).toEqual([0, 1]);
    expect(groups[0]!.inactiveFraction.mean).toBeCloseTo(0.2, 12);
    expect(groups[0]!.inactiveFraction.std).toBeCloseTo(Math.SQRT2 * 0.1, 12);
  });

  it('gives each grid point 95% intervals and compares its activations seed by seed', () => {
    const record = (activation: string, seed: number, inactiveFraction: number, testAccuracy: number) =>
      ({ id: `${activation}-${seed}`, activation, depth: 2, width: 8, lr: 0.01, alpha: 0.01, seed, config: { seeds: [seed], epochs: 1 }, data: {}, inactiveMeaning: 'dead',
        final: { epoch: 1, inactive: 0, inactiveFraction, trainLoss: 1, testAccuracy, layerInactiveFractions: [] }, epochs: [], diverged: null }) as unknown as SweepRecord;
    const relu = [[0.2, 0.9], [0.3, 0.8], [0.25, 0.85]];
    const leaky = [[0.1, 0.9], [0.15, 0.82], [0.2, 0.8]];
    const { groups, comparisons } = aggregate([
      ...relu.map(([inactive, accuracy], seed) => record('relu', seed, inactive!, accuracy!)),
      ...leaky.map(([inactive, accuracy], seed) => record('leaky-relu', seed, inactive!, accuracy!)),
    ]);
    expect(groups.map((group) => group.activation)).toEqual(['leaky-relu', 'relu']);
    expect(groups[1]!.inactiveFraction).toEqual(meanInterval([0.2, 0.3, 0.25]));
    expect(comparisons.map((comparison) => [comparison.a, comparison.b, comparison.metric, comparison.seeds])).toEqual([
      ['Leaky ReLU α=0.01', 'ReLU', 'inactiveFraction', [0, 1, 2]],
      ['Leaky ReLU α=0.01', 'ReLU', 'testAccuracy', [0, 1, 2]],
    ]);
    expect(comparisons[0]!.test).toEqual(pairedComparison([0.1, 0.15, 0.2], [0.2, 0.3, 0.25]));
  });

  it('records each run\'s lifetime totals, as its units\' timelines count them, and refuses totals of the wrong depth', () => {
    const [run] = expandGrid({ activations: ['relu'], depths: [3], widths: [16], lrs: [0.05], alphas: [0.01], seeds: [0] }, { ...settings, epochs: 2, measureEvery: 3 });
    const { train, test } = loadData(run!.data);
    const result = runOneActivation(run!.config, 'relu', 0, train, test, firstImages(train, run!.config.measureSize));
    const record = toRecord(run!, result);
    const count = (layer: number | null, keep: (unit: (typeof result.units)[number]) => boolean): number =>
      result.units.filter((unit) => (layer === null || unit.layer === layer) && keep(unit)).length;
    expect(record.lifetimes).toEqual({
      permanentlyDead: count(null, (unit) => unit.permanentlyDead),
      permanentlyDeadFraction: count(null, (unit) => unit.permanentlyDead) / 48,
      everInactive: count(null, (unit) => unit.firstInactiveStep !== null),
      revived: count(null, (unit) => unit.revivals > 0),
      layerPermanentlyDead: [0, 1, 2].map((layer) => count(layer, (unit) => unit.permanentlyDead)),
      layerRevived: [0, 1, 2].map((layer) => count(layer, (unit) => unit.revivals > 0)),
    });
    // A learning rate of 0.05 kills ReLU units in 2 epochs: the totals are not trivially zero.
    expect(record.lifetimes!.permanentlyDead).toBeGreaterThan(0);
    const line = JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
    expect(checkSweepRecord(line)).toEqual(line);
    const shallow = { ...line, lifetimes: { ...record.lifetimes, layerRevived: [0, 0] } };
    expect(() => checkSweepRecord(shallow)).toThrow('lifetimes.layerRevived');
  });

  it('computes mean and sample standard deviation', () => {
    expect(meanStd([1, 2, 3])).toEqual({ mean: 2, std: 1 });
    expect(meanStd([4])).toEqual({ mean: 4, std: 0 });
  });
});

describe('atomic writes', () => {
  it('replaces a file in one step and leaves no temporary file behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradlab-atomic-'));
    const path = join(dir, 'nested', 'results.json');
    writeOutputFile(path, 'old');
    writeOutputFile(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(readdirSync(join(dir, 'nested'))).toEqual(['results.json']);
    expect(() => appendLineDurable(join(dir, 'log.jsonl'), 'two\nlines')).toThrow('appendLineDurable: a record must be one line');
  });
});

describe('checkpoints (experiments/checkpoint.ts)', () => {
  const data = loadData({ trainSize: 200, testSize: 50 });
  const model = { hidden: [16, 16], activation: 'relu' as const, negativeSlope: 0.01, init: 'default' as const };

  it('keeps NaN, ±Infinity and -0 through JSON, which has none of them', () => {
    const values = [NaN, Infinity, -Infinity, -0, 0, 1.5, 0.1 + 0.2, Number.MIN_VALUE];
    const back = fromExactJson(toExactJson({ values, nested: [{ loss: NaN }] })) as { values: number[]; nested: Array<{ loss: number }> };
    back.values.forEach((value, i) => expect(Object.is(value, values[i])).toBe(true));
    expect(back.nested[0]!.loss).toBeNaN();
    // A record that merely looks tagged is left alone.
    expect(fromExactJson('{"$number":"12"}')).toEqual({ $number: '12' });
  });

  it.each(['adam', 'sgd'] as const)('%s: a restored state continues bit for bit like one that never stopped', (optimizer) => {
    const settings = { optimizer, lr: 0.05, momentum: 0.9 };
    const epoch = (state: TrainingState, number: number) => {
      trainEpoch(state.model, state.optimizer, data.train, { batchSize: 32, dataGenerator: state.dataGenerator, epoch: number });
      state.epochsDone = number;
    };
    const uninterrupted = startTraining(model, settings, 784, 7);
    const interrupted = startTraining(model, settings, 784, 7);
    epoch(uninterrupted, 1);
    epoch(interrupted, 1);
    const bytes = encodeCheckpoint('train', { seed: 7 }, interrupted, { note: 'after epoch 1' });
    // Drawing from the generators of the saved run afterwards must not matter: the checkpoint holds their state.
    interrupted.dataGenerator.permutation(50);
    const checkpoint = decodeCheckpoint<{ note: string }>(bytes, 'in-memory', 'train');
    expect(checkpoint.progress).toEqual({ note: 'after epoch 1' });
    expect(checkpoint.flags).toEqual({ seed: 7 });
    const restored = restoreTraining(startTraining(model, settings, 784, 99), checkpoint.training!, checkpoint.tensors, 'in-memory');
    expect(restored.epochsDone).toBe(1);
    epoch(uninterrupted, 2);
    epoch(restored, 2);
    const bits = (state: TrainingState) => state.model.parameters().map((parameter) => Buffer.from(parameter.data.buffer, parameter.data.byteOffset, parameter.data.byteLength).toString('hex'));
    expect(bits(restored)).toEqual(bits(uninterrupted));
    expect(JSON.stringify(restored.optimizer.stateDict())).toBe(JSON.stringify(uninterrupted.optimizer.stateDict()));
    expect(restored.dataGenerator.state()).toEqual(uninterrupted.dataGenerator.state());
  });

  it('refuses a checkpoint of another network, command or format version, naming the file', () => {
    const state = startTraining(model, { optimizer: 'adam', lr: 0.01, momentum: 0 }, 784, 0);
    const bytes = encodeCheckpoint('train', {}, state, {});
    const checkpoint = decodeCheckpoint(bytes, 'a.safetensors', 'train');
    const wider = startTraining({ ...model, hidden: [32, 16] }, { optimizer: 'adam', lr: 0.01, momentum: 0 }, 784, 0);
    expect(() => restoreTraining(wider, checkpoint.training!, checkpoint.tensors, 'a.safetensors')).toThrow(
      "checkpoint: a.safetensors does not fit this network: loadStateDict: Sequential: 'layers.0.weight' has shape [784,16] but the model's is [784,32]; " +
      "'layers.0.bias' has shape [16] but the model's is [32]; 'layers.2.weight' has shape [16,16] but the model's is [32,16]");
    const sgd = startTraining(model, { optimizer: 'sgd', lr: 0.01, momentum: 0.9 }, 784, 0);
    expect(() => restoreTraining(sgd, checkpoint.training!, checkpoint.tensors, 'a.safetensors')).toThrow(
      'checkpoint: a.safetensors does not fit this network: field training.optimizer.optimizer is "Adam", but this run\'s flags give SGD');
    expect(() => decodeCheckpoint(bytes, 'a.safetensors', 'dead-neurons')).toThrow('checkpoint: a.safetensors was written by gradlab train, not gradlab dead-neurons');
    const newer = encodeSafetensors({}, { [CHECKPOINT_KEY]: JSON.stringify({ command: 'train', formatVersion: 2, flags: {} }) });
    expect(() => decodeCheckpoint(newer, 'b.safetensors', 'train')).toThrow('checkpoint: b.safetensors has format version 2; this gradlab reads version 1');
    expect(() => decodeCheckpoint(encodeSafetensors({}, { format: 'gradlab' }), 'c.safetensors', 'train')).toThrow("checkpoint: c.safetensors has no 'gradlab.checkpoint' metadata; it is not a gradlab checkpoint");
  });

  it('finds the first flag that differs', () => {
    expect(firstFlagMismatch({ depth: 3, hidden: [64, 64], trainSize: undefined }, { depth: 3, hidden: [64, 64] })).toBeNull();
    expect(firstFlagMismatch({ depth: 3, seed: 0 }, { depth: 4, seed: 1 })).toEqual({ key: 'depth', saved: 3, current: 4 });
    expect(firstFlagMismatch({ hidden: [64, 64] }, { hidden: [64, 32] })).toEqual({ key: 'hidden', saved: [64, 64], current: [64, 32] });
    expect(firstFlagMismatch({}, { trainSize: 500 })).toEqual({ key: 'trainSize', saved: undefined, current: 500 });
  });
});
