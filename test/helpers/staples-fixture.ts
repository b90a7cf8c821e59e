/**
 * test/fixtures/torch/staples.json (written by scripts/torch-fixtures/staples.py) and the
 * comparison rule every staples test uses: |gradlab - torch| <= max(1e-5 |torch|, 1e-6).
 */
import { readFileSync } from 'node:fs';
import { Tensor, tensor } from '@gradlab/core';

export interface TensorJson { shape: number[]; data: number[] }

export const RELATIVE = 1e-5;
export const ABSOLUTE_FLOOR = 1e-6;

// The JSON is typed where each test reads it.
export const staples = JSON.parse(readFileSync(new URL('../fixtures/torch/staples.json', import.meta.url), 'utf8')) as any;

/** A tensor from the fixture's {shape, data}. */
export function fromJson(json: TensorJson, requiresGrad = false): Tensor {
  return tensor(Float32Array.from(json.data), { shape: json.shape, requiresGrad });
}

/** Every element outside the tolerance, described with both values; empty when all agree. */
export function mismatches(label: string, actual: Tensor | Float32Array | null, expected: TensorJson): string[] {
  if (actual === null) return [`${label}: no value (no gradient was computed?)`];
  if (actual instanceof Tensor && JSON.stringify(actual.shape) !== JSON.stringify(expected.shape)) {
    return [`${label}: shape [${actual.shape.join(',')}], expected [${expected.shape.join(',')}]`];
  }
  const data = actual instanceof Tensor ? actual.data : actual;
  if (data.length !== expected.data.length) return [`${label}: ${data.length} values, expected ${expected.data.length}`];
  const found: string[] = [];
  expected.data.forEach((want, i) => {
    const got = data[i]!;
    const allowed = Math.max(RELATIVE * Math.abs(want), ABSOLUTE_FLOOR);
    if (!(Math.abs(got - want) <= allowed)) found.push(`${label}[${i}]: gradlab ${got}, torch ${want}`);
  });
  return found;
}
