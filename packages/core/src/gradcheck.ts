/**
 * Checking backward() against finite differences.
 */
import { noGrad } from './autograd.js';
import { Generator } from './random.js';
import { formatShape } from './shape.js';
import { Tensor } from './tensor.js';

/** Tolerances for `gradcheck`. */
export interface GradcheckOptions {
  /** Step of the central difference. Default 1e-3: float32 has ~7 digits, so a smaller step drowns in rounding. */
  eps?: number;
  /** Absolute tolerance. Default 1e-3. */
  atol?: number;
  /** Relative tolerance. Default 1e-2. */
  rtol?: number;
  /** Seed of the random weights that turn a non-scalar output into a scalar. Default 0. */
  seed?: number;
}

/** The worst disagreement `gradcheck` found. */
export interface GradcheckResult {
  /** True when every element satisfied |analytic - numeric| <= atol + rtol * |numeric|. */
  passed: boolean;
  /** Largest |analytic - numeric| over all elements of all inputs. */
  maxAbsError: number;
  /** Where the largest error (relative to the tolerance) was found, or null if there were no elements. */
  worst: { input: number; index: number; analytic: number; numeric: number } | null;
  /** A sentence describing the worst element, for test failure messages. */
  message: string;
}

/**
 * Compares the gradients `backward()` computes for `fn` at `inputs` with
 * central finite differences (f(x + eps) - f(x - eps)) / 2eps.
 *
 * A non-scalar output y is reduced to the scalar sum(w * y) with fixed
 * random weights w, which checks the whole vector-Jacobian product. Inputs
 * must require grad; they are restored after every perturbation.
 *
 * Float32 tolerances: with eps = 1e-3 the rounding error of a difference of
 * float32 values is about 1e-7 / 1e-3 = 1e-4 relative, and the truncation
 * error about eps² = 1e-6, so atol = 1e-3, rtol = 1e-2 pass for smooth
 * functions of values near 1 and fail for any real mistake. Stay at least
 * eps away from kinks (relu at 0) or the difference straddles them.
 *
 * @example
 * const x = randn([3, 4], { requiresGrad: true });
 * gradcheck((t) => t.sigmoid().sum(), [x]).passed; // true
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], options: GradcheckOptions = {}): GradcheckResult {
  const eps = options.eps ?? 1e-3;
  const atol = options.atol ?? 1e-3;
  const rtol = options.rtol ?? 1e-2;
  inputs.forEach((input, i) => {
    if (!input.requiresGrad) throw new Error(`gradcheck: input ${i} of shape ${formatShape(input.shape)} does not require grad`);
  });

  const output = fn(...inputs);
  if (!(output instanceof Tensor)) {
    throw new Error(`gradcheck: fn must return a Tensor (the output to differentiate), got ${output === null ? 'null' : typeof output}`);
  }
  const generator = new Generator(options.seed ?? 0);
  const weights = new Float32Array(output.size);
  for (let i = 0; i < weights.length; i++) weights[i] = 2 * generator.uniform() - 1;

  // f(x) = sum(w * fn(x)), evaluated in float64.
  const scalar = (): number => {
    const values = noGrad(() => fn(...inputs)).data;
    let total = 0;
    for (let i = 0; i < values.length; i++) total += weights[i]! * values[i]!;
    return total;
  };

  for (const input of inputs) input.grad = null;
  output.backward(weights);

  let maxAbsError = 0;
  let worstRatio = -1;
  let worst: GradcheckResult['worst'] = null;
  inputs.forEach((input, inputIndex) => {
    const analytic = input.grad?.data ?? new Float32Array(input.size);
    for (let i = 0; i < input.size; i++) {
      const original = input.data[i]!;
      input.data[i] = original + eps;
      const up = input.data[i]!; // the float32 value actually used
      const fUp = scalar();
      input.data[i] = original - eps;
      const down = input.data[i]!;
      const fDown = scalar();
      input.data[i] = original;
      const numeric = (fUp - fDown) / (up - down);
      const error = Math.abs(analytic[i]! - numeric);
      const ratio = error / (atol + rtol * Math.abs(numeric));
      maxAbsError = Math.max(maxAbsError, error);
      if (!(ratio <= worstRatio)) {
        worstRatio = ratio;
        worst = { input: inputIndex, index: i, analytic: analytic[i]!, numeric };
      }
    }
  });

  const passed = worstRatio <= 1;
  const found = worst as GradcheckResult['worst'];
  const message = found === null
    ? 'gradcheck: no elements to check'
    : `gradcheck: ${passed ? 'passed' : 'FAILED'}; worst at input ${found.input}, element ${found.index}: analytic ${found.analytic}, numeric ${found.numeric} (atol ${atol}, rtol ${rtol})`;
  return { passed, maxAbsError, worst: found, message };
}
