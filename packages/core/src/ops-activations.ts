/**
 * The smooth activations: ELU, SELU, GELU, SiLU and Softplus. Each is one op
 * with its backward beside it, a plain loop over the Float32Array in float64
 * arithmetic, rounded once to float32 (they are not in any hot path of the
 * default experiments, so they have no wasm kernel). Each derivative is also
 * exported as a scalar function, which the backward loop calls, so that nn's
 * modules can state exactly the derivative the backward pass uses.
 *
 * Conventions follow PyTorch (torch.nn.functional): ELU's derivative at 0 is
 * alpha (the x <= 0 branch), Softplus switches to the identity above
 * x = 20, and GELU is the exact erf form, not the tanh approximation.
 */
import { accumulateFreshGrad, makeOutput } from './autograd.js';
import type { Tensor } from './tensor.js';

/** Applies a scalar function to every element, in float64, rounded once to float32. */
function mapElements(x: Float32Array, f: (value: number) => number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]!);
  return out;
}

/** The backward of an elementwise op: gx[i] = grad[i] · f'(x[i]). */
function chainElements(x: Float32Array, grad: Float32Array, derivative: (value: number) => number): Float32Array {
  const gx = new Float32Array(grad.length);
  for (let i = 0; i < gx.length; i++) gx[i] = grad[i]! * derivative(x[i]!);
  return gx;
}

// ---------------------------------------------------------------------------
// erf: the error function, for GELU
// ---------------------------------------------------------------------------

// fdlibm's s_erf.c (Sun Microsystems, 1993; also glibc's and musl's double
// erf): rational approximations on [0, 0.84375), [0.84375, 1.25),
// [1.25, 1/0.35) and [1/0.35, 6), each with an approximation error below
// 2^-57 by fdlibm's analysis. test/core/activations.test.ts measures this
// port against mpmath's 50-digit erf and erfc on 1,001 points of [-8, 8]
// (test/fixtures/torch/activations.json): erf within 1.1e-16 (2^-53) of the
// true value, erfc within a relative 1e-15 down to erfc(8) = 1.1e-29.
const ERX = 8.45062911510467529297e-01;
const EFX = 1.28379167095512586316e-01;
const PP = [1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02, -5.77027029648944159157e-03, -2.37630166566501626084e-05];
const QQ = [1, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03, 1.32494738004321644526e-04, -3.96022827877536812320e-06];
const PA = [-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01, 3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02, -2.16637559486879084300e-03];
const QA = [1, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02, 1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02];
const RA = [-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01, -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02, -8.12874355063065934246e+01, -9.81432934416914548592e+00];
const SA = [1, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02, 6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02, 6.57024977031928170135e+00, -6.04244152148580987438e-02];
const RB = [-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01, -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03, -4.83519191608651397019e+02];
const SB = [1, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03, 3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02, -2.24409524465858183362e+01];

/** c[0] + c[1] s + c[2] s² + …, by Horner's rule. */
function polynomial(coefficients: readonly number[], s: number): number {
  let value = 0;
  for (let i = coefficients.length - 1; i >= 0; i--) value = value * s + coefficients[i]!;
  return value;
}

const highWord = new Float64Array(1);
const highWordBits = new Uint32Array(highWord.buffer);

/** erfc(a) for a >= 1.25, as r / a (fdlibm: exp(-z² - 0.5625) · exp((z - a)(z + a) + R/S), z = a with its low 32 bits cleared). */
function erfcTail(a: number): number {
  if (a >= 28) return 0;
  const s = 1 / (a * a);
  const ratio = a < 1 / 0.35 ? polynomial(RA, s) / polynomial(SA, s) : polynomial(RB, s) / polynomial(SB, s);
  highWord[0] = a;
  highWordBits[0] = 0; // little-endian: index 0 holds the low 32 bits
  const z = highWord[0];
  return (Math.exp(-z * z - 0.5625) * Math.exp((z - a) * (z + a) + ratio)) / a;
}

/**
 * The error function erf(x) = 2/√π ∫₀ˣ e^(-t²) dt, in float64 (a port of
 * fdlibm's erf; see above for its accuracy).
 *
 * @example
 * erf(1); // 0.8427007929497149
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a < 0.84375) {
    if (a < 2 ** -28) return x + EFX * x;
    const z = x * x;
    return x + x * (polynomial(PP, z) / polynomial(QQ, z));
  }
  const sign = x < 0 ? -1 : 1;
  if (a < 1.25) return sign * (ERX + polynomial(PA, a - 1) / polynomial(QA, a - 1));
  if (a >= 6) return sign;
  return sign * (1 - erfcTail(a));
}

/**
 * The complementary error function erfc(x) = 1 - erf(x), accurate where
 * erf(x) is close to 1 (a port of fdlibm's erfc).
 *
 * @example
 * erfc(5); // 1.5374597944280347e-12
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a < 0.84375) return 1 - erf(x);
  if (a < 1.25) {
    const tail = ERX + polynomial(PA, a - 1) / polynomial(QA, a - 1);
    return x < 0 ? 1 + tail : 1 - tail;
  }
  const tail = erfcTail(a);
  return x < 0 ? 2 - tail : tail;
}

// ---------------------------------------------------------------------------
// The ops
// ---------------------------------------------------------------------------

/**
 * d ELU/dx: 1 for x > 0, alpha · e^x for x <= 0 (PyTorch's branch at 0).
 *
 * @example
 * eluDerivative(-1); // 0.36787944117144233
 */
export function eluDerivative(x: number, alpha = 1): number {
  return x > 0 ? 1 : alpha * Math.exp(x);
}

/**
 * Exponential linear unit (Clevert, Unterthiner & Hochreiter, 2016):
 *   ELU(x) = x for x > 0, alpha (e^x - 1) for x <= 0; it saturates at -alpha.
 * Shape: any -> same.
 *
 * @example
 * elu(tensor([-1, 0, 2])).toArray(); // [-0.63212055, 0, 2]
 */
export function elu(x: Tensor, alpha = 1): Tensor {
  if (!(Number.isFinite(alpha) && alpha > 0)) throw new Error(`elu: alpha must be a finite number > 0, got ${alpha}`);
  const out = mapElements(x.data, (v) => (v > 0 ? v : alpha * Math.expm1(v)));
  return makeOutput('elu', out, x.shape, [x], (grad) => {
    // d elu/dx = 1 if x > 0 else alpha e^x
    accumulateFreshGrad(x, chainElements(x.data, grad, (v) => eluDerivative(v, alpha)));
  });
}

/** SELU's scale lambda (Klambauer et al., 2017), as in PyTorch. */
export const SELU_SCALE = 1.0507009873554804934193349852946;
/** SELU's alpha (Klambauer et al., 2017), as in PyTorch. */
export const SELU_ALPHA = 1.6732632423543772848170429916717;

/**
 * d SELU/dx: lambda for x > 0, lambda · alpha · e^x for x <= 0.
 *
 * @example
 * seluDerivative(1); // 1.0507009873554805
 */
export function seluDerivative(x: number): number {
  return SELU_SCALE * eluDerivative(x, SELU_ALPHA);
}

/**
 * Scaled ELU (Klambauer, Unterthiner, Mayr & Hochreiter, 2017):
 *   SELU(x) = lambda · ELU(x; alpha), lambda ≈ 1.0507, alpha ≈ 1.6733;
 * it saturates at -lambda · alpha ≈ -1.7581.
 * Shape: any -> same.
 *
 * @example
 * selu(tensor([-1, 1])).toArray(); // [-1.1113307, 1.0507010]
 */
export function selu(x: Tensor): Tensor {
  const out = mapElements(x.data, (v) => SELU_SCALE * (v > 0 ? v : SELU_ALPHA * Math.expm1(v)));
  return makeOutput('selu', out, x.shape, [x], (grad) => {
    // d selu/dx = lambda if x > 0 else lambda alpha e^x
    accumulateFreshGrad(x, chainElements(x.data, grad, seluDerivative));
  });
}

/** Φ(x), the standard normal distribution function, without cancellation for negative x. */
function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * d GELU/dx = Φ(x) + x φ(x), with φ the standard normal density.
 *
 * @example
 * geluDerivative(0); // 0.5
 */
export function geluDerivative(x: number): number {
  return normalCdf(x) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/**
 * Gaussian error linear unit (Hendrycks & Gimpel, 2016), the exact form:
 *   GELU(x) = x Φ(x) = x/2 · (1 + erf(x / √2)),
 * with erf from fdlibm's rational approximations (see `erf`), not the tanh
 * approximation. Shape: any -> same.
 *
 * @example
 * gelu(tensor([-1, 0, 1])).toArray(); // [-0.15865526, 0, 0.84134474]
 */
export function gelu(x: Tensor): Tensor {
  const out = mapElements(x.data, (v) => v * normalCdf(v));
  return makeOutput('gelu', out, x.shape, [x], (grad) => {
    // d gelu/dx = Φ(x) + x φ(x)
    accumulateFreshGrad(x, chainElements(x.data, grad, geluDerivative));
  });
}

/** The logistic function 1 / (1 + e^-x), without overflow for large |x|. */
function logistic(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * d SiLU/dx = σ(x) (1 + x (1 - σ(x))).
 *
 * @example
 * siluDerivative(0); // 0.5
 */
export function siluDerivative(x: number): number {
  const s = logistic(x);
  return s * (1 + x * (1 - s));
}

/**
 * Sigmoid linear unit, also called Swish (Elfwing, Uchibe & Doya, 2018;
 * Ramachandran, Zoph & Le, 2017): SiLU(x) = x σ(x).
 * Shape: any -> same.
 *
 * @example
 * silu(tensor([-1, 0, 1])).toArray(); // [-0.26894142, 0, 0.7310586]
 */
export function silu(x: Tensor): Tensor {
  const out = mapElements(x.data, (v) => v * logistic(v));
  return makeOutput('silu', out, x.shape, [x], (grad) => {
    // d silu/dx = σ(x) (1 + x (1 - σ(x)))
    accumulateFreshGrad(x, chainElements(x.data, grad, siluDerivative));
  });
}

/** Above this input Softplus is the identity (PyTorch's default threshold). */
export const SOFTPLUS_THRESHOLD = 20;

/**
 * d Softplus/dx = σ(x), and 1 above the threshold 20.
 *
 * @example
 * softplusDerivative(0); // 0.5
 */
export function softplusDerivative(x: number): number {
  return x > SOFTPLUS_THRESHOLD ? 1 : logistic(x);
}

/**
 * Softplus (Dugas et al., 2001): log(1 + e^x), a smooth ReLU; x itself above
 * x = 20 (as PyTorch), where the two differ by less than float32 resolution.
 * Shape: any -> same.
 *
 * @example
 * softplus(tensor([0])).toArray(); // [0.6931472]
 */
export function softplus(x: Tensor): Tensor {
  const out = mapElements(x.data, (v) => (v > SOFTPLUS_THRESHOLD ? v : Math.log1p(Math.exp(v))));
  return makeOutput('softplus', out, x.shape, [x], (grad) => {
    // d softplus/dx = σ(x)
    accumulateFreshGrad(x, chainElements(x.data, grad, softplusDerivative));
  });
}
