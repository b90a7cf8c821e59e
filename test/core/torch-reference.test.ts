import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Tensor, tensor, zeros,
  add, sub, mul, div, neg, pow, exp, log, sqrt, abs,
  relu, leakyRelu, sigmoid, tanh,
  sum, mean, max,
  matmul, reshape, transpose, softmax, logSoftmax,
} from '@gradlab/core';

// Checks @gradlab/core against PyTorch 1.13. The reference values come from
// scripts/torch-fixtures/core.py (run by hand; see its README), committed as
// test/fixtures/torch/core.json with the inputs included, so nothing here
// depends on Python's random numbers.

interface TensorJson { shape: number[]; data: number[] }
interface OpArgs {
  exponent?: number;
  negativeSlope?: number;
  axes?: number | number[];
  keepDims?: boolean;
  shape?: number[];
  dim0?: number;
  dim1?: number;
  axis?: number;
}
/** What every fixture entry holds: an op applied to inputs, and the weights w of the scalar sum(w * output). */
interface FixtureCase {
  name: string;
  op: string;
  args: OpArgs;
  inputs: TensorJson[];
  weight: TensorJson;
  output: TensorJson;
}
interface OpCase extends FixtureCase {
  grads: TensorJson[];
}
interface KinkCase extends FixtureCase {
  torchGrad: TensorJson;
  gradlabGrad: TensorJson;
  agrees: boolean;
  note: string;
}
interface LayerJson { weight: TensorJson; bias: TensorJson; weightGrad: TensorJson; biasGrad: TensorJson }
interface Fixture {
  tolerance: { relative: number; absoluteFloor: number };
  ops: OpCase[];
  kinks: KinkCase[];
  mlp: { sizes: number[]; inputs: TensorJson; labels: number[]; layers: LayerJson[]; loss: number };
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/torch/core.json', import.meta.url), 'utf8')) as Fixture;

// Tolerance rule: an element passes when |gradlab - torch| <= max(1e-5 * |torch|, 1e-6).
// 1e-5 relative is about 100 float32 ulps, room for a different summation
// order; the 1e-6 absolute floor covers values that cancel to nearly zero,
// whose relative error is meaningless. The script checked that PyTorch's
// float32 answers agree with float64 to a quarter of this tolerance.
const RELATIVE = 1e-5;
const ABSOLUTE_FLOOR = 1e-6;

/** Every element outside the tolerance, described with both values; empty when all agree. */
function mismatches(label: string, actual: Tensor | null, expected: TensorJson): string[] {
  if (actual === null) return [`${label}: no gradient was computed`];
  if (JSON.stringify(actual.shape) !== JSON.stringify(expected.shape)) {
    return [`${label}: shape [${actual.shape.join(',')}], expected [${expected.shape.join(',')}]`];
  }
  const found: string[] = [];
  expected.data.forEach((want, i) => {
    const got = actual.data[i]!;
    const allowed = Math.max(RELATIVE * Math.abs(want), ABSOLUTE_FLOOR);
    if (!(Math.abs(got - want) <= allowed)) found.push(`${label}[${i}]: gradlab ${got}, torch ${want}`);
  });
  return found;
}

function fromJson(json: TensorJson, requiresGrad = false): Tensor {
  return tensor(Float32Array.from(json.data), { shape: json.shape, requiresGrad });
}

// Each op called the way a user would, with the fixture's arguments.
const OPS: Record<string, (inputs: Tensor[], args: OpArgs) => Tensor> = {
  add: ([a, b]) => add(a!, b!),
  sub: ([a, b]) => sub(a!, b!),
  mul: ([a, b]) => mul(a!, b!),
  div: ([a, b]) => div(a!, b!),
  neg: ([x]) => neg(x!),
  pow: ([x], args) => pow(x!, args.exponent!),
  exp: ([x]) => exp(x!),
  log: ([x]) => log(x!),
  sqrt: ([x]) => sqrt(x!),
  abs: ([x]) => abs(x!),
  relu: ([x]) => relu(x!),
  leakyRelu: ([x], args) => leakyRelu(x!, args.negativeSlope),
  sigmoid: ([x]) => sigmoid(x!),
  tanh: ([x]) => tanh(x!),
  sum: ([x], args) => sum(x!, args.axes, args.keepDims),
  mean: ([x], args) => mean(x!, args.axes, args.keepDims),
  max: ([x], args) => max(x!, args.axes, args.keepDims),
  matmul: ([a, b]) => matmul(a!, b!),
  reshape: ([x], args) => reshape(x!, args.shape!),
  transpose: ([x], args) => transpose(x!, args.dim0, args.dim1),
  softmax: ([x], args) => softmax(x!, args.axis),
  logSoftmax: ([x], args) => logSoftmax(x!, args.axis),
};

/** Runs one case: output, then backward with upstream gradient w, i.e. the gradient of sum(output * w). */
function evaluate(entry: { op: string; args: OpArgs; inputs: TensorJson[]; weight: TensorJson }) {
  const inputs = entry.inputs.map((input) => fromJson(input, true));
  const output = OPS[entry.op]!(inputs, entry.args);
  output.backward(fromJson(entry.weight));
  return { inputs, output };
}

describe('PyTorch reference: fixture', () => {
  it('uses the tolerance this test states', () => {
    expect(fixture.tolerance).toEqual({ relative: RELATIVE, absoluteFloor: ABSOLUTE_FLOOR });
  });

  it('has a case for every op in the table, and only those', () => {
    expect(new Set(fixture.ops.map((entry) => entry.op))).toEqual(new Set(Object.keys(OPS)));
  });
});

describe('PyTorch reference: op outputs and gradients of sum(output * w)', () => {
  it.each(fixture.ops.map((entry) => [entry.name, entry] as const))('%s', (_name, entry) => {
    const { inputs, output } = evaluate(entry);
    const problems = [
      ...mismatches('output', output, entry.output),
      ...inputs.flatMap((input, i) => mismatches(`grad of input ${i}`, input.grad, entry.grads[i]!)),
    ];
    expect(problems).toEqual([]);
  });
});

describe('PyTorch reference: derivatives at kinks', () => {
  it.each(fixture.kinks.map((entry) => [entry.name, entry] as const))('%s', (_name, entry) => {
    const { inputs, output } = evaluate(entry);
    expect(mismatches('output', output, entry.output)).toEqual([]);
    // gradlab's stated convention, which is PyTorch's except where `agrees` is
    // false: leakyRelu'(0) is 1 by the gradlab spec (PyTorch gives
    // negativeSlope), and max sends a tie's gradient to the first maximal
    // element (PyTorch splits it evenly). See each entry's note.
    expect(mismatches('grad', inputs[0]!.grad, entry.gradlabGrad)).toEqual([]);
    expect(entry.agrees).toBe(JSON.stringify(entry.torchGrad.data) === JSON.stringify(entry.gradlabGrad.data));
  });

  it('records PyTorch agreeing on relu and abs at 0 and differing on leakyRelu at 0', () => {
    const agreement = Object.fromEntries(fixture.kinks.map((entry) => [entry.name, entry.agrees]));
    expect(agreement['relu at 0']).toBe(true);
    expect(agreement['abs at 0']).toBe(true);
    expect(agreement['leakyRelu at 0, slope 0.01']).toBe(false);
  });
});

describe('PyTorch reference: 3-layer MLP', () => {
  it('matches the loss and every parameter gradient', () => {
    const { mlp } = fixture;
    const layers = mlp.layers.map((layer) => ({ weight: fromJson(layer.weight, true), bias: fromJson(layer.bias, true) }));

    let activation = fromJson(mlp.inputs);
    layers.forEach((layer, index) => {
      activation = add(matmul(activation, layer.weight), layer.bias);
      if (index < layers.length - 1) activation = relu(activation);
    });
    const logProbabilities = logSoftmax(activation, -1);

    // NLL loss from core ops: pick each row's label entry with a one-hot mask.
    const batchSize = mlp.labels.length;
    const classes = mlp.sizes[mlp.sizes.length - 1]!;
    const oneHot = zeros([batchSize, classes]);
    mlp.labels.forEach((label, row) => { oneHot.data[row * classes + label] = 1; });
    const loss = neg(div(sum(mul(logProbabilities, oneHot)), batchSize));
    loss.backward();

    const problems = [
      ...mismatches('loss', loss, { shape: [], data: [mlp.loss] }),
      ...layers.flatMap((layer, i) => [
        ...mismatches(`layer ${i + 1} weight grad`, layer.weight.grad, mlp.layers[i]!.weightGrad),
        ...mismatches(`layer ${i + 1} bias grad`, layer.bias.grad, mlp.layers[i]!.biasGrad),
      ]),
    ];
    expect(problems).toEqual([]);
  });
});
