import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { elu, erf, erfc, gelu, selu, silu, softplus, tensor, type Tensor } from '@gradlab/core';

// Checks core's smooth activations against PyTorch 1.13, and its erf against
// 50-digit values. The reference values come from
// scripts/torch-fixtures/activations.py (run by hand; see its README),
// committed as test/fixtures/torch/activations.json.

interface TensorJson { shape: number[]; data: number[] }
interface OpCase {
  name: string;
  op: string;
  args: { alpha?: number };
  inputs: TensorJson[];
  weight: TensorJson;
  output: TensorJson;
  grads: TensorJson[];
}
interface Fixture {
  ops: OpCase[];
  erf: { x: number[]; erf: number[]; erfc: number[] };
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/torch/activations.json', import.meta.url), 'utf8')) as Fixture;

// The tolerance of torch-reference.test.ts: |gradlab - torch| <= max(1e-5 |torch|, 1e-6).
const RELATIVE = 1e-5;
const ABSOLUTE_FLOOR = 1e-6;

/** Each op called the way a user would, with the fixture's arguments. */
const OPS: Record<string, (x: Tensor, args: OpCase['args']) => Tensor> = {
  elu: (x, args) => elu(x, args.alpha),
  selu: (x) => selu(x),
  gelu: (x) => gelu(x),
  silu: (x) => silu(x),
  softplus: (x) => softplus(x),
};

function mismatches(label: string, actual: Tensor | null, expected: TensorJson): string[] {
  if (actual === null) return [`${label}: no gradient`];
  expect(actual.shape).toEqual(expected.shape);
  return expected.data.flatMap((want, i) => {
    const got = actual.data[i]!;
    return Math.abs(got - want) <= Math.max(RELATIVE * Math.abs(want), ABSOLUTE_FLOOR) ? [] : [`${label}[${i}]: gradlab ${got}, torch ${want}`];
  });
}

describe('smooth activations against PyTorch', () => {
  it('has a case for every op in the table, and only those', () => {
    expect(new Set(fixture.ops.map((entry) => entry.op))).toEqual(new Set(Object.keys(OPS)));
  });

  it.each(fixture.ops.map((entry) => [entry.name, entry] as const))('%s: output and gradient', (_, entry) => {
    const input = entry.inputs[0]!;
    const x = tensor(Float32Array.from(input.data), { shape: input.shape, requiresGrad: true });
    const y = OPS[entry.op]!(x, entry.args);
    y.backward(tensor(Float32Array.from(entry.weight.data), { shape: entry.weight.shape }));
    expect([...mismatches('output', y, entry.output), ...mismatches('grad', x.grad, entry.grads[0]!)]).toEqual([]);
  });
});

describe('erf (a port of fdlibm)', () => {
  it('is within 1 float64 ulp of 1 (1.1e-16 absolute) of the 50-digit erf on 1,001 points of [-8, 8]', () => {
    const worst = Math.max(...fixture.erf.x.map((x, i) => Math.abs(erf(x) - fixture.erf.erf[i]!)));
    expect(worst).toBeLessThanOrEqual(2 ** -53);
  });

  it('gives erfc to a relative 1e-15 even where erfc is tiny (erfc(8) = 1.1e-29)', () => {
    const worst = Math.max(...fixture.erf.x.map((x, i) => Math.abs(erfc(x) - fixture.erf.erfc[i]!) / fixture.erf.erfc[i]!));
    expect(worst).toBeLessThan(1e-15);
  });

  it('is odd, with erf(0) = 0, erf(±∞) = ±1 and erf(NaN) = NaN', () => {
    expect([erf(0), erf(Infinity), erf(-Infinity), erf(1e-300)]).toEqual([0, 1, -1, 1e-300 + 1.28379167095512586316e-01 * 1e-300]);
    for (const x of [0.3, 1, 2.5, 5]) expect(erf(-x)).toBe(-erf(x));
    expect(erf(NaN)).toBeNaN();
    expect(erfc(NaN)).toBeNaN();
  });
});

describe('smooth activations: exact values', () => {
  it('ELU saturates at -alpha, SELU at -lambda alpha', () => {
    expect(Array.from(elu(tensor([-30, 0, 2])).data)).toEqual([-1, 0, 2]);
    expect(Array.from(elu(tensor([-30]), 0.5).data)).toEqual([-0.5]);
    expect(selu(tensor([-30])).data[0]).toBe(Math.fround(-1.0507009873554805 * 1.6732632423543772));
  });

  it('GELU(x) = x Φ(x): 0 at 0, x far right, 0 far left', () => {
    expect(Array.from(gelu(tensor([0, 10, -10])).data)).toEqual([0, 10, Math.fround(-10 * 0.5 * erfc(10 / Math.SQRT2))]);
    expect(gelu(tensor([1])).data[0]).toBe(Math.fround(0.8413447460685429));
  });

  it('SiLU(x) = x σ(x) and Softplus(x) = log(1 + e^x), the identity above 20', () => {
    expect(silu(tensor([1])).data[0]).toBe(Math.fround(1 / (1 + Math.exp(-1))));
    expect(Array.from(softplus(tensor([0, 20.5, -100])).data)).toEqual([Math.fround(Math.LN2), 20.5, Math.fround(Math.exp(-100))]);
  });

  it('refuses an ELU alpha that is not a positive number, naming the op', () => {
    expect(() => elu(tensor([1]), 0)).toThrow('elu: alpha must be a finite number > 0, got 0');
    expect(() => elu(tensor([1]), NaN)).toThrow('elu: alpha must be a finite number > 0, got NaN');
  });
});
