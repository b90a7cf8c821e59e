/**
 * @gradlab/core: Float32Array tensors with reverse-mode automatic differentiation.
 *
 * Start reading at tensor.ts (the Tensor), then ops.ts (each op and its
 * backward closure), autograd.ts (the topological sort and backward pass) and
 * broadcast.ts (how broadcasting is undone). docs/autodiff.md is the tour.
 * The fast kernels are a separate entry point, '@gradlab/core/kernels'.
 */
export { Tensor, tensor, zeros, ones, full, arange, rand, randn, MAX_NESTING } from './tensor.js';
export type { NestedArray, TensorOptions, RandomOptions } from './tensor.js';
export {
  add, sub, mul, div, neg, pow, exp, log, sqrt, abs,
  relu, leakyRelu, sigmoid, tanh,
  sum, mean, max,
  matmul, reshape, transpose, softmax, logSoftmax,
} from './ops.js';
export type { TensorLike } from './ops.js';
export { slice, indexSelect, gather, concat, stack } from './ops-indexing.js';
export { argmax, argmin, clamp, where, maximum, minimum } from './ops-compare.js';
export {
  elu, selu, gelu, silu, softplus, erf, erfc,
  eluDerivative, seluDerivative, geluDerivative, siluDerivative, softplusDerivative,
  SELU_SCALE, SELU_ALPHA, SOFTPLUS_THRESHOLD,
} from './ops-activations.js';
export { formatTensor, formatValues } from './format.js';
export { toDot } from './dot.js';
export type { ToDotOptions } from './dot.js';
// Captured steps: record a training step's kernels once, plan one arena, replay (capture.ts).
export { captureStep } from './capture.js';
export type { CapturedStep, CapturePlan, StepArgument } from './capture.js';
export { backward, noGrad, isGradEnabled, detectAnomaly, isAnomalyDetectionEnabled, makeOutput, accumulateGrad, accumulateFreshGrad, topologicalOrder } from './autograd.js';
export { broadcastShapes, broadcastIndex, expandTo, sumToShape } from './broadcast.js';
export { Generator, manualSeed, defaultGenerator } from './random.js';
export type { GeneratorState, AleaState } from './random.js';
export { gradcheck } from './gradcheck.js';
export type { GradcheckOptions, GradcheckResult } from './gradcheck.js';
export { formatShape, sizeOf, sameShape, checkShape, normalizeAxis, MAX_ELEMENTS } from './shape.js';
export type { Shape } from './shape.js';
// The readable mode: every op runs its plain TypeScript loop (docs/autodiff.md, "Reading mode").
export { useReferenceKernels, withReferenceKernels, kernelMode } from './kernels/mode.js';
export type { KernelMode } from './kernels/mode.js';
// The kernels themselves (matmul, the wasm loops, the optimizer updates) are in '@gradlab/core/kernels'.
