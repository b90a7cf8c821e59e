import { describe, expect, it } from 'vitest';
import { Generator, Tensor, tensor } from '@gradlab/core';
import {
  Activation, Dense, ELU, GELU, LeakyReLU, Module, PReLU, ReLU, SELU, Sequential, Sigmoid, SiLU, Softplus, Tanh, crossEntropy,
  flatLeftTailEnd, measureActivations, mlp, type ActivationKind, type ActivationReport,
} from '@gradlab/nn';

/** The activations whose units saturate in their flat left tail (nn's saturatedLeftTail rule). */
const LEFT_TAIL_KINDS: readonly ActivationKind[] = ['elu', 'selu', 'gelu', 'silu', 'softplus'];

// Every network here is built by hand, so which units are dead, dead-like or
// saturated is known exactly, and so are the fractions, means and spreads.

/** A Dense layer with the given weight ([inFeatures][outFeatures]) and bias. */
function dense(weight: number[][], bias: number[]): Dense {
  const layer = new Dense(weight.length, bias.length);
  layer.weight.data.set(weight.flat());
  layer.bias!.data.set(bias);
  return layer;
}

/** Four inputs on the axes: [1,0], [0,1], [-1,0], [0,-1]. */
const X = tensor([[1, 0], [0, 1], [-1, 0], [0, -1]]);

/**
 * Layer 0 pre-activations over X (unit: formula -> values):
 *   0: x0            -> [1, 0, -1, 0]        alive
 *   1: -1            -> [-1, -1, -1, -1]     dead
 *   2: x0 + x1 - 10  -> all <= -9            dead
 *   3: x1 + 0.5      -> [0.5, 1.5, 0.5, -0.5] alive
 */
const firstLayer = () => dense([[1, 0, 1, 0], [0, 0, 1, 1]], [0, -1, -10, 0.5]);

/**
 * ReLU network. Layer 1 sees h = relu(layer 0) = columns h0 = [1,0,0,0], h1 = h2 = 0, h3 = [0.5,1.5,0.5,0]:
 *   0: h0              -> [1, 0, 0, 0]           alive
 *   1: -h0 - h3        -> [-1.5, -1.5, -0.5, 0]  dead (0 is not positive)
 *   2: 5 h1 + 5 h2 - 0.1 -> -0.1 always          dead (fed only by dead units)
 * Output: g0 + g1 + g2 = [1, 0, 0, 0].
 */
function reluNetwork(): Sequential {
  return new Sequential(
    firstLayer(), new ReLU(),
    dense([[1, -1, 0], [0, 0, 5], [0, 0, 5], [0, -1, 0]], [0, 0, -0.1]), new ReLU(),
    dense([[1], [1], [1]], [0]),
  );
}

describe('ReLU: dead units', () => {
  const report = measureActivations(reluNetwork(), [X]);

  it('finds exactly the dead units of each layer', () => {
    expect(report.layers.map((layer) => [layer.name, layer.kind, layer.units, layer.deadUnits])).toEqual([
      ['layers.1', 'relu', 4, [1, 2]],
      ['layers.3', 'relu', 3, [1, 2]],
    ]);
    expect(report.layers.map((layer) => [layer.dead, layer.deadFraction])).toEqual([[2, 0.5], [2, 2 / 3]]);
  });

  it('reports exact fractions, means and standard deviations', () => {
    const [first, second] = report.layers as [ActivationReport['layers'][0], ActivationReport['layers'][0]];
    // Non-positive pre-activations: layer 0 has 3 + 4 + 4 + 1 = 12 of 16, layer 1 has 3 + 4 + 4 = 11 of 12.
    expect(first.zeroGradFraction).toBe(12 / 16);
    expect(first.nonPositiveFraction).toBe(12 / 16);
    expect(second.zeroGradFraction).toBe(11 / 12);
    // Layer 0 outputs: 1, 0.5, 1.5, 0.5 and twelve zeros.
    const mean = 3.5 / 16;
    expect(first.mean).toBeCloseTo(mean, 12);
    expect(first.std).toBeCloseTo(Math.sqrt(3.75 / 16 - mean * mean), 12);
    expect(second.mean).toBeCloseTo(1 / 12, 12);
    // Fields that belong to other kinds are zero.
    expect([first.deadLike, first.deadLikeFraction, first.saturated, first.saturatedFraction]).toEqual([0, 0, 0, 0]);
    expect(first.deadLikeUnits).toEqual([]);
  });

  it('totals the network and sees that the output varies', () => {
    expect(report.examples).toBe(4);
    expect(report.totals).toEqual({
      units: 7, dead: 4, deadLike: 0, saturated: 0,
      deadFraction: 4 / 7, deadLikeFraction: 0, saturatedFraction: 0,
      zeroGradFraction: 23 / 28,
    });
    expect(report.outputConstant).toBe(false);
    expect(report.outputSpread).toBe(1);
  });

  it('is what the gradient sees: a dead unit\'s incoming weights get exactly zero gradient', () => {
    const model = reluNetwork();
    crossEntropy(new Sequential(...model.layers, dense([[1, -1]], [0, 0])).forward(X), [0, 1, 0, 1]).backward();
    const weightGrad = (model.layers[0] as Dense).weight.grad!.data;
    const column = (unit: number) => [weightGrad[unit]!, weightGrad[4 + unit]!];
    expect(column(1)).toEqual([0, 0]);
    expect(column(2)).toEqual([0, 0]);
    expect(column(0).some((g) => g !== 0)).toBe(true);
  });

  it('gives the same report for the data split into batches', () => {
    const split = measureActivations(reluNetwork(), [tensor([[1, 0]]), tensor([[0, 1], [-1, 0], [0, -1]])]);
    expect(split).toEqual(report);
  });

  it('is plain JSON', () => {
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});

describe('outputConstant: a network whose last hidden layer is entirely dead', () => {
  // Layer 1: every unit gets -(h0 + h1 + h2 + h3) - 0.5 < 0, so the output is the output bias for every input.
  const collapsed = () => new Sequential(
    firstLayer(), new ReLU(),
    dense([[-1, -1], [-1, -1], [-1, -1], [-1, -1]], [-0.5, -0.5]), new ReLU(),
    dense([[3], [-2]], [0.7]),
  );

  it('is flagged constant, with spread exactly 0, although the first layer is half alive', () => {
    const report = measureActivations(collapsed(), [X, tensor([[5, 5], [-3, 2]])]);
    expect(report.outputConstant).toBe(true);
    expect(report.outputSpread).toBe(0);
    expect(report.layers[1]!.deadFraction).toBe(1);
    // Unit 2 (x0 + x1 - 10) reaches exactly 0 at [5,5]: not positive, so still dead.
    expect(report.layers[0]!.deadUnits).toEqual([1, 2]);
  });

  it('the same architecture with a live last layer is not constant', () => {
    const model = collapsed();
    (model.layers[2] as Dense).bias!.data.set([0.5, -0.5]);
    const report = measureActivations(model, [X]);
    expect(report.outputConstant).toBe(false);
    expect(report.layers[1]!.deadUnits).toEqual([1]);
  });

  it('a born-dead mlp: every hidden bias very negative makes the output constant at initialisation', () => {
    const model = mlp({ inputs: 2, hidden: [8, 8], outputs: 3, activation: 'relu', biasInit: -100 });
    const report = measureActivations(model, [X]);
    expect(report.totals.deadFraction).toBe(1);
    expect(report.outputConstant).toBe(true);
  });
});

describe('LeakyReLU and PReLU: dead-like units', () => {
  it('counts units whose pre-activation is never positive, separately from dead ones', () => {
    // Units: 0: -1 (never positive), 1: x0 (positive once), 2: x0 + x1 - 10 (never positive).
    const model = new Sequential(dense([[0, 1, 1], [0, 0, 1]], [-1, 0, -10]), new LeakyReLU({ negativeSlope: 0.1 }));
    const report = measureActivations(model, [X]);
    const [layer] = report.layers;
    expect(layer!.kind).toBe('leaky-relu');
    expect(layer!.deadLikeUnits).toEqual([0, 2]);
    expect([layer!.deadLike, layer!.deadLikeFraction, layer!.dead, layer!.deadFraction]).toEqual([2, 2 / 3, 0, 0]);
    // The slope 0.1 is never zero, so no pair has zero derivative, though 11 of 12 are not positive.
    expect(layer!.zeroGradFraction).toBe(0);
    expect(layer!.nonPositiveFraction).toBe(11 / 12);
    expect(report.totals.deadLike).toBe(2);
    expect(report.totals.dead).toBe(0);
  });

  it('PReLU: a per-unit slope learned down to 0 makes its negative pairs zero-gradient', () => {
    const activation = new PReLU({ numParameters: 2 });
    activation.negativeSlope.data.set([0.25, 0]);
    // Units: 0: x0 (negative once, slope 0.25), 1: x1 - 1 (never positive, slope 0).
    const model = new Sequential(dense([[1, 0], [0, 1]], [0, -1]), activation);
    const [layer] = measureActivations(model, [X]).layers;
    expect(layer!.kind).toBe('prelu');
    expect(layer!.deadLikeUnits).toEqual([1]);
    // Unit 1's pairs at -1, -1, -2 (at exactly 0 the derivative is 1); unit 0's slope is 0.25.
    expect(layer!.zeroGradFraction).toBe(3 / 8);
    expect(layer!.nonPositiveFraction).toBe(7 / 8);
  });
});

describe('Sigmoid and Tanh: saturated units', () => {
  // Units: 0: sigmoid(10) = 0.99995 always; 1: sigmoid(0) = 0.5; 2: sigmoid(20 x0), saturated only when x0 ≠ 0;
  // 3: sigmoid(20 (x0 + x1)) = sigmoid(±20): saturated at both ends, for every input.
  const sigmoidNetwork = () => new Sequential(dense([[0, 0, 20, 20], [0, 0, 0, 20]], [10, 0, 0, 0]), new Sigmoid());

  it('counts a unit saturated when every output is below eps or above 1 - eps', () => {
    const [layer] = measureActivations(sigmoidNetwork(), [X]).layers;
    expect(layer!.saturatedUnits).toEqual([0, 3]);
    expect([layer!.saturated, layer!.saturatedFraction]).toEqual([2, 0.5]);
    // Saturated pairs: unit 0: 4, unit 2: 2, unit 3: 4 -> 10 of 16.
    expect(layer!.zeroGradFraction).toBe(10 / 16);
    expect([layer!.dead, layer!.deadLike, layer!.nonPositiveFraction]).toEqual([0, 0, 0]);
  });

  it('honours saturationEps', () => {
    const report = measureActivations(sigmoidNetwork(), [X], { saturationEps: 1e-5 });
    expect(report.saturationEps).toBe(1e-5);
    // sigmoid(10) = 1 - 4.5e-5 is no longer saturated; sigmoid(±20) is within 2.1e-9 of 0 or 1.
    expect(report.layers[0]!.saturatedUnits).toEqual([3]);
  });

  it('Tanh: |output| above 1 - eps for every input', () => {
    const model = new Sequential(dense([[0, 0, 1]], [5, 0, 0]), new Tanh());
    const [layer] = measureActivations(model, [tensor([[1], [-1], [0.5]])]).layers;
    expect(layer!.kind).toBe('tanh');
    expect(layer!.saturatedUnits).toEqual([0]); // tanh(5) = 0.99991
    expect(layer!.zeroGradFraction).toBe(3 / 9);
  });
});

describe('the flat left tail of the smooth activations', () => {
  const eps = 0.01;
  it.each([
    ['ELU: ln(eps / alpha)', new ELU(), Math.log(eps)],
    ['ELU alpha 0.5', new ELU({ alpha: 0.5 }), Math.log(eps / 0.5)],
    ['SELU: ln(eps / (lambda alpha))', new SELU(), Math.log(eps / (1.0507009873554805 * 1.6732632423543772))],
    ['Softplus: ln(eps / (1 - eps))', new Softplus(), Math.log(eps / (1 - eps))],
  ] as const)('%s', (_, activation, end) => {
    expect(flatLeftTailEnd(activation, eps)).toBeCloseTo(end, 9);
  });

  it.each([['GELU', -3.07, new GELU()], ['SiLU', -6.26, new SiLU()]] as [string, number, Activation][])('%s: |derivative| < eps left of the end (%s), not just right of it', (_, about, activation) => {
    const end = flatLeftTailEnd(activation, eps);
    expect(end).toBeCloseTo(about, 2);
    for (let t = -64; t < end; t += 1 / 256) expect(Math.abs(activation.derivativeAt(t, NaN, 0))).toBeLessThan(eps);
    expect(Math.abs(activation.derivativeAt(end + 1e-9, NaN, 0))).toBeGreaterThanOrEqual(eps);
  });
});

describe('the counts per unit equal the definition pair by pair', () => {
  // measureActivations counts a batch per unit with core's kernels (columnCounts, sumAndSquares).
  // Here every per-pair definition of docs/dead-neurons.md is restated as the plain loop it
  // replaced, and both run on awkward activations: NaN, ±0, ±Infinity, values at and next to
  // every threshold, every kind, a batch over WASM_MIN_LENGTH and one below it, more than one
  // chunk of rows, a unit count that is no multiple of 4, and PReLU on [rows, 3, 5] inputs
  // with per-channel slopes, one of them 0.

  /** What measureActivations reported for a layer, restated pair by pair over (input, output) batches. */
  function definition(activation: Activation, pairs: [Tensor, Tensor][], eps: number) {
    const units = pairs[0]![1].size / pairs[0]![1].shape[0]!;
    const features = pairs[0]![1].shape.at(-1)!;
    const everPositive = new Array<boolean>(units).fill(false);
    const everNonZero = new Array<boolean>(units).fill(false);
    const everUnsaturated = new Array<boolean>(units).fill(false);
    let count = 0, zeroGrad = 0, nonPositive = 0, sum = 0, squares = 0;
    const tailEnd = flatLeftTailEnd(activation, eps);
    for (const [input, output] of pairs) {
      for (let i = 0; i < output.size; i++) {
        const unit = i % units;
        const x = input.data[i]!;
        const y = output.data[i]!;
        count++;
        sum += y;
        squares += y * y;
        if (LEFT_TAIL_KINDS.includes(activation.kind)) {
          // Saturated in the flat left tail: left of the point below which |f'| < eps (pinned below).
          if (x < tailEnd) zeroGrad++;
          else everUnsaturated[unit] = true;
        } else if (activation.kind === 'sigmoid' || activation.kind === 'tanh') {
          const saturated = activation.kind === 'sigmoid' ? y < eps || y > 1 - eps : Math.abs(y) > 1 - eps;
          if (saturated) zeroGrad++;
          else everUnsaturated[unit] = true;
        } else {
          if (x > 0) everPositive[unit] = true;
          else nonPositive++;
          if (y !== 0) everNonZero[unit] = true;
          if (activation.derivativeAt(x, y, unit % features) === 0) zeroGrad++;
        }
      }
    }
    const never = (flags: boolean[]) => flags.flatMap((flag, unit) => (flag ? [] : [unit]));
    const mean = sum / count;
    return {
      deadUnits: activation.kind === 'relu' ? never(everNonZero) : [],
      deadLikeUnits: activation.kind === 'leaky-relu' || activation.kind === 'prelu' ? never(everPositive) : [],
      saturatedUnits: activation.kind === 'sigmoid' || activation.kind === 'tanh' || LEFT_TAIL_KINDS.includes(activation.kind) ? never(everUnsaturated) : [],
      mean,
      std: Math.sqrt(Math.max(0, squares / count - mean * mean)),
      zeroGradFraction: zeroGrad / count,
      nonPositiveFraction: nonPositive / count,
    };
  }

  const generator = new Generator('dead-neuron counts');
  const eps = 0.01;
  /** Inputs that put the activation's outputs at and around its thresholds. */
  const special = [0, -0, NaN, Infinity, -Infinity, 1e-45, -1e-45, 0.01, 0.99, -0.99, 20, -20,
    Math.log(eps / (1 - eps)), -Math.log(eps / (1 - eps)), Math.atanh(1 - eps), -Math.atanh(1 - eps)];
  /** Random inputs, with every `every`-th one special, and some units kept negative throughout. */
  function inputs(shape: number[], every: number): Tensor {
    const units = shape.slice(1).reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: units * shape[0]! }, (_, i) => {
      if (i % units < 3) return -8 - 20 * generator.uniform(); // dead, dead-like or saturated throughout
      if (i % every === 0) return special[(i / every) % special.length]!;
      return (generator.uniform() * 2 - 1) * 6;
    });
    return new Tensor(data, shape);
  }

  const prelu = () => {
    const activation = new PReLU({ numParameters: 5 });
    activation.negativeSlope.data.set([0.25, 0, 0.1, 0, 0.5]);
    return activation;
  };
  const cases: [string, () => Activation, number[]][] = [
    ['ReLU', () => new ReLU(), [1000, 37]],
    ['LeakyReLU', () => new LeakyReLU(), [1000, 37]],
    ['LeakyReLU with slope 0', () => new LeakyReLU({ negativeSlope: 0 }), [40, 7]],
    ['PReLU, [rows, 3, 5]', prelu, [900, 3, 5]],
    ['Sigmoid', () => new Sigmoid(), [1000, 37]],
    ['Tanh', () => new Tanh(), [40, 7]],
    ['ELU', () => new ELU(), [1000, 37]],
    ['ELU alpha 0.5', () => new ELU({ alpha: 0.5 }), [40, 7]],
    ['SELU', () => new SELU(), [40, 7]],
    ['GELU', () => new GELU(), [1000, 37]],
    ['SiLU', () => new SiLU(), [40, 7]],
    ['Softplus', () => new Softplus(), [40, 7]],
  ];

  it.each(cases)('%s', (name, makeActivation, shape) => {
    const activation = makeActivation();
    const batches = [inputs(shape, 5), inputs([3, ...shape.slice(1)], 2), inputs(shape, 11)];
    const pairs = batches.map((x): [Tensor, Tensor] => [x, activation.forward(x)]);
    const [layer] = measureActivations(activation, batches, { saturationEps: eps }).layers;
    const expected = definition(activation, pairs, eps);
    expect({
      deadUnits: layer!.deadUnits, deadLikeUnits: layer!.deadLikeUnits, saturatedUnits: layer!.saturatedUnits,
      mean: layer!.mean, std: layer!.std, zeroGradFraction: layer!.zeroGradFraction, nonPositiveFraction: layer!.nonPositiveFraction,
    }).toEqual(expected);
    // The data reach what is being counted: units die or saturate, and pairs pass no gradient
    // (except under LeakyReLU's slope 0.01, which passes some everywhere).
    expect(expected.deadUnits.length + expected.deadLikeUnits.length + expected.saturatedUnits.length).toBeGreaterThanOrEqual(3);
    expect(expected.zeroGradFraction > 0).toBe(name !== 'LeakyReLU');
  });
});

describe('measureActivations on any model', () => {
  it('names each call of an activation module that is used twice', () => {
    class Shared extends Module {
      first = dense([[1, -1, 0]], [0, 0, -1]);
      second = dense([[1, 0], [1, 0], [1, 0]], [0, -1]);
      activation = new ReLU();
      forward(x: Tensor): Tensor {
        return this.activation.forward(this.second.forward(this.activation.forward(this.first.forward(x))));
      }
    }
    const report = measureActivations(new Shared(), [tensor([[1], [-1]])]);
    expect(report.layers.map((layer) => [layer.name, layer.units, layer.deadUnits])).toEqual([
      ['activation[0]', 3, [2]],
      ['activation[1]', 2, [1]],
    ]);
  });

  it('runs without recording gradients, in eval mode, and restores the model afterwards', () => {
    const model = reluNetwork();
    model.layers[1]!.train(true);
    const seen: boolean[] = [];
    const handle = model.layers[1]!.registerForwardHook((module, _input, output) => seen.push(output.requiresGrad, module.training));
    measureActivations(model, [X]);
    expect(seen).toEqual([false, false]);
    expect(model.namedModules().every(([, module]) => module.training)).toBe(true);
    handle.remove();
    // Its own hooks are gone too: a normal forward pass afterwards builds a graph as usual.
    expect(model.forward(X).requiresGrad).toBe(true);
  });

  it('hands each batch\'s output to onOutput, in order, as the model computes it in eval mode', () => {
    const model = reluNetwork();
    const batches = [X, tensor([[2, 3], [-4, 1]]), tensor([[0.5, -0.5]])];
    const seen: Array<[number[][], number, boolean]> = [];
    measureActivations(model, batches, {
      onOutput: (output, batchIndex) => seen.push([output.toArray() as number[][], batchIndex, output.requiresGrad]),
    });
    model.eval();
    const expected = batches.map((batch, index) => [model.forward(batch).toArray(), index, false]);
    model.train();
    expect(seen).toEqual(expected);
  });

  it('rejects an empty dataset and a nonsense threshold', () => {
    expect(() => measureActivations(reluNetwork(), [])).toThrow('measureActivations: no examples: the batches were empty');
    expect(() => measureActivations(reluNetwork(), [X], { saturationEps: 0.7 })).toThrow('measureActivations: saturationEps must be in (0, 0.5), got 0.7');
  });
});
