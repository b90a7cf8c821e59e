/**
 * Laws of @gradlab/nn's state, checked on random models with fast-check:
 * save-then-load is the identity, a stateDict carries everything a model
 * computes, and an optimizer restored from its stateDict (through JSON)
 * continues bit for bit as if it had never stopped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Generator, Tensor, randn } from '@gradlab/core';
import {
  ACTIVATION_KINDS, Adam, SGD, crossEntropy, decodeSafetensors, encodeSafetensors, load, mlp, save,
  type MlpOptions, type Module, type Optimizer, type OptimizerStateDict,
} from '@gradlab/nn';

const directory = mkdtempSync(join(tmpdir(), 'gradlab-properties-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const bits = (tensor: Tensor) => Array.from(new Uint32Array(Float32Array.from(tensor.data).buffer));
const parameterBits = (model: Module) => model.parameters().map(bits);

/** A random MLP architecture: every activation, with and without biases and per-unit PReLU slopes. */
const architecture = fc.record({
  inputs: fc.integer({ min: 1, max: 6 }),
  hidden: fc.array(fc.integer({ min: 1, max: 8 }), { maxLength: 3 }),
  outputs: fc.integer({ min: 1, max: 4 }),
  activation: fc.constantFrom(...ACTIVATION_KINDS),
  preluPerUnit: fc.boolean(),
  bias: fc.boolean(),
});
type Architecture = typeof architecture extends fc.Arbitrary<infer T> ? T : never;
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });

const build = (shape: Architecture, seedValue: number | string): Module =>
  mlp({ ...shape, generator: new Generator(seedValue) } satisfies MlpOptions);

describe('save then load is the identity', () => {
  it('random MLPs: bit-identical parameters and outputs after a trip through a file', () => {
    const path = join(directory, 'model.safetensors');
    fc.assert(fc.property(architecture, seed, (shape, seedValue) => {
      const original = build(shape, seedValue);
      const restored = build(shape, `${seedValue} other`);
      save(original, path, { seed: String(seedValue) });
      const metadata = load(restored, path);
      expect(metadata.seed).toBe(String(seedValue));
      expect(metadata.architecture).toBe(original.toString());
      expect(parameterBits(restored)).toEqual(parameterBits(original));
      const x = randn([3, shape.inputs], { generator: new Generator(seedValue) });
      expect(bits(restored.forward(x))).toEqual(bits(original.forward(x)));
    }), { seed: 11, numRuns: 60 });
  });

  it('any float32 bit pattern (NaN payloads, -0, denormals, infinities) survives encode then decode', () => {
    fc.assert(fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { maxLength: 16 }), { minLength: 1, maxLength: 4 }), (patterns) => {
      const tensors = Object.fromEntries(patterns.map((words, index) => [`t${index}`, new Tensor(new Float32Array(Uint32Array.from(words).buffer), [words.length])]));
      const decoded = decodeSafetensors(encodeSafetensors(tensors));
      for (const [name, tensor] of Object.entries(tensors)) expect(bits(decoded.tensors[name]!)).toEqual(bits(tensor));
    }), { seed: 12, numRuns: 200 });
  });
});

describe('stateDict round trip', () => {
  it('loadStateDict(stateDict()) of one model into another makes them compute the same, bit for bit', () => {
    fc.assert(fc.property(architecture, seed, (shape, seedValue) => {
      const source = build(shape, seedValue);
      const target = build(shape, `${seedValue} other`);
      const state = source.stateDict();
      expect(Object.keys(state)).toEqual(source.namedParameters().map(([name]) => name));
      target.loadStateDict(state);
      expect(parameterBits(target)).toEqual(parameterBits(source));
      // Values are copied, not shared: changing the source afterwards leaves the target alone.
      const before = parameterBits(target);
      for (const parameter of source.parameters()) parameter.data.fill(7);
      expect(parameterBits(target)).toEqual(before);
    }), { seed: 13, numRuns: 100 });
  });

  it('a stateDict of another architecture is refused and changes nothing', () => {
    fc.assert(fc.property(architecture, architecture, seed, (shapeA, shapeB, seedValue) => {
      const a = build(shapeA, seedValue);
      const b = build(shapeB, seedValue);
      const sameLayout = JSON.stringify(a.namedParameters().map(([name, p]) => [name, p.shape]))
        === JSON.stringify(b.namedParameters().map(([name, p]) => [name, p.shape]));
      const before = parameterBits(b);
      if (sameLayout) {
        b.loadStateDict(a.stateDict());
        expect(parameterBits(b)).toEqual(parameterBits(a));
      } else {
        expect(() => b.loadStateDict(a.stateDict())).toThrow(/^loadStateDict: Sequential: /);
        expect(parameterBits(b)).toEqual(before);
      }
    }), { seed: 14, numRuns: 100 });
  });
});

type OptimizerSettings =
  | { kind: 'sgd'; lr: number; momentum: number; nesterov: boolean; weightDecay: number }
  | { kind: 'adam'; lr: number; betas: [number, number]; weightDecay: number; decoupled: boolean };

/** Random optimizer settings, SGD (with and without momentum, Nesterov, weight decay) or Adam / AdamW. */
const optimizerSettings: fc.Arbitrary<OptimizerSettings> = fc.oneof(
  fc.record({
    kind: fc.constant('sgd' as const),
    lr: fc.double({ min: 1e-3, max: 0.5, noNaN: true }),
    momentum: fc.constantFrom(0, 0.5, 0.9),
    nesterov: fc.boolean(),
    weightDecay: fc.constantFrom(0, 1e-3),
  }),
  fc.record({
    kind: fc.constant('adam' as const),
    lr: fc.double({ min: 1e-4, max: 0.05, noNaN: true }),
    betas: fc.tuple(fc.constantFrom(0, 0.5, 0.9), fc.constantFrom(0.9, 0.999)),
    weightDecay: fc.constantFrom(0, 1e-2),
    decoupled: fc.boolean(),
  }),
);

function makeOptimizer(model: Module, settings: OptimizerSettings): Optimizer {
  if (settings.kind === 'sgd') {
    const nesterov = settings.nesterov && settings.momentum > 0;
    return new SGD(model.parameters(), { lr: settings.lr, momentum: settings.momentum, nesterov, weightDecay: settings.weightDecay });
  }
  return new Adam(model.parameters(), { lr: settings.lr, betas: settings.betas, weightDecay: settings.weightDecay, decoupled: settings.decoupled });
}

/** One step on batch `index` of a fixed, seeded stream of classification batches. */
function trainStep(model: Module, optimizer: Optimizer, shape: Architecture, dataSeed: number, index: number): void {
  const generator = new Generator(`${dataSeed}:${index}`);
  const x = randn([4, shape.inputs], { generator });
  const labels = Array.from({ length: 4 }, () => generator.integer(shape.outputs));
  const loss = crossEntropy(model.forward(x), labels);
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
}

describe('optimizer stateDict round trip', () => {
  it('a model and optimizer restored mid-training (through JSON) continue bit-identically to the uninterrupted run', () => {
    fc.assert(fc.property(architecture, optimizerSettings, seed, fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 4 }), (shape, settings, seedValue, before, after) => {
      const uninterrupted = build(shape, seedValue);
      const uninterruptedOptimizer = makeOptimizer(uninterrupted, settings);
      for (let step = 0; step < before; step++) trainStep(uninterrupted, uninterruptedOptimizer, shape, seedValue, step);

      // Checkpoint: parameters through safetensors bytes, optimizer through JSON text.
      const parameterBytes = encodeSafetensors(uninterrupted.stateDict());
      const optimizerJson = JSON.stringify(uninterruptedOptimizer.stateDict());

      const resumed = build(shape, `${seedValue} fresh`);
      resumed.loadStateDict(decodeSafetensors(parameterBytes).tensors);
      // A fresh optimizer with other settings: everything must come from the saved state.
      const resumedOptimizer = makeOptimizer(resumed, settings.kind === 'sgd'
        ? { kind: 'sgd', lr: 0.123, momentum: 0, nesterov: false, weightDecay: 0 }
        : { kind: 'adam', lr: 0.0042, betas: [0.1, 0.2], weightDecay: 0, decoupled: !settings.decoupled });
      resumedOptimizer.loadStateDict(JSON.parse(optimizerJson) as OptimizerStateDict);
      expect(resumedOptimizer.stateDict()).toEqual(uninterruptedOptimizer.stateDict());

      for (let step = before; step < before + after; step++) {
        trainStep(uninterrupted, uninterruptedOptimizer, shape, seedValue, step);
        trainStep(resumed, resumedOptimizer, shape, seedValue, step);
      }
      expect(parameterBits(resumed)).toEqual(parameterBits(uninterrupted));
      expect(JSON.stringify(resumedOptimizer.stateDict())).toBe(JSON.stringify(uninterruptedOptimizer.stateDict()));
    }), { seed: 15, numRuns: 80 });
  });
});
