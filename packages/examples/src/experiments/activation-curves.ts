/**
 * The curves of `gradlab plot-activation`: each activation and its derivative
 * on a grid, the derivative computed by gradlab's reverse-mode autodiff.
 *
 * Because every output element depends only on its own input, the gradient of
 * sum(f(x)) with respect to x is exactly the vector of derivatives f'(x_i):
 * one backward pass gives the whole derivative curve.
 */
import { tensor } from '@gradlab/core';
import { ACTIVATIONS, ACTIVATION_KINDS, type ActivationKind } from '@gradlab/nn';

/** The activations this command can draw: every one of nn's activation table. */
export const CURVE_ACTIVATIONS = ACTIVATION_KINDS;
export type CurveActivation = ActivationKind;

/** One point of a curve. */
export interface CurvePoint {
  readonly activation: CurveActivation;
  readonly x: number;
  readonly value: number;
  readonly derivative: number;
}

/**
 * `points` evenly spaced values from `from` to `to`, both included, as float32.
 *
 * @example
 * linspace(-1, 1, 5); // [-1, -0.5, 0, 0.5, 1]
 */
export function linspace(from: number, to: number, points: number): Float32Array {
  if (!Number.isInteger(points) || points < 2) throw new Error(`linspace: points must be an integer >= 2, got ${points}`);
  const values = new Float32Array(points);
  for (let i = 0; i < points; i++) values[i] = from + ((to - from) * i) / (points - 1);
  return values;
}

/**
 * f(x) and f'(x) on the grid, with f' from autodiff: x requires grad,
 * y = f(x), sum(y).backward(), and x.grad holds f'(x_i) elementwise.
 *
 * @example
 * activationCurve('leaky-relu', Float32Array.from([-2, 0, 2]), 0.01);
 * // values [-0.02, 0, 2], derivatives [0.01, 1, 1]
 */
export function activationCurve(activation: CurveActivation, grid: Float32Array, negativeSlope: number): CurvePoint[] {
  const x = tensor(Float32Array.from(grid), { requiresGrad: true });
  const y = ACTIVATIONS[activation].op(x, negativeSlope);
  y.sum().backward();
  const gradient = x.grad!.data;
  return Array.from(grid, (value, i) => ({ activation, x: value, value: y.data[i]!, derivative: gradient[i]! }));
}
