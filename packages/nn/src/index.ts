/**
 * @gradlab/nn: what you train networks with.
 *
 * Start reading at module.ts (the Module base class: parameters, children,
 * state dicts and hooks, all found by walking properties), then
 * layers/dense.ts and activations/ (the modules, and the activation table
 * that says everything else about each), functional.ts (the fused ops),
 * losses.ts, optim/, data/ (TensorDataset, DataLoader), checkpoint/ (safetensors files), divergence.ts
 * (stopping on a NaN loss) and analysis/dead-neurons.ts (the dead-neuron
 * instrument). docs/nn.md is the tour.
 *
 * This entry point runs anywhere (Node, a browser, a web worker). In Node,
 * '@gradlab/nn' is node.ts: all of this plus the checkpoint files (save,
 * load), which need node:fs; package.json's `exports` conditions pick it.
 */
export { Module } from './module.js';
export type { ForwardHook, HookHandle } from './module.js';

export { Dense, Linear } from './layers/dense.js';
export type { DenseOptions } from './layers/dense.js';
export { Sequential } from './layers/sequential.js';
export { mlp } from './layers/mlp.js';
export type { MlpOptions } from './layers/mlp.js';
export { Dropout } from './layers/dropout.js';
export type { DropoutOptions } from './layers/dropout.js';
export { BatchNorm1d, LayerNorm } from './layers/normalization.js';
export type { BatchNorm1dOptions, LayerNormOptions } from './layers/normalization.js';
export { Residual } from './layers/residual.js';

export { Activation, ElementwiseActivation, ReLU, LeakyReLU, PReLU, Sigmoid, Tanh, ELU, SELU, GELU, SiLU, Softplus } from './activations/modules.js';
export type { LeakyReLUOptions, PReLUOptions } from './activations/modules.js';
export { ACTIVATIONS, ACTIVATION_KINDS, isActivationKind, activationLabel } from './activations/table.js';
export type { ActivationKind, ActivationSpec, ActivationModuleOptions, SlopeSpec } from './activations/table.js';

export {
  heNormal, heUniform, xavierNormal, xavierUniform, fillZeros, fillConstant, heGain, initialize, INIT_NAMES, randomizedAsymmetric, RAI_SIGMA,
} from './init.js';
export type { InitName, HeOptions, XavierOptions, RandomizedAsymmetricOptions } from './init.js';

export { linear, softmaxCrossEntropy, prelu } from './functional.js';
export { crossEntropy, mseLoss } from './losses.js';
export { accuracy } from './metrics.js';

export { Optimizer } from './optim/optimizer.js';
export type { OptimizerStateDict } from './optim/optimizer.js';
export { SGD } from './optim/sgd.js';
export type { SGDOptions } from './optim/sgd.js';
export { Adam } from './optim/adam.js';
export { adamUpdate, adamUpdateTs, sgdUpdate, sgdUpdateTs } from './optim/update-kernels.js';
export type { AdamCoefficients, SgdCoefficients } from './optim/update-kernels.js';
export type { AdamOptions } from './optim/adam.js';
export { RMSprop } from './optim/rmsprop.js';
export type { RMSpropOptions } from './optim/rmsprop.js';
export { LRScheduler, StepLR, ExponentialLR, CosineAnnealingLR, LinearLR } from './optim/schedulers.js';
export type { SchedulerStateDict } from './optim/schedulers.js';
export { clipGradNorm, clipGradValue } from './optim/clip.js';

export { TensorDataset, DataLoader } from './data/loader.js';
export type { Labels, BatchLabels, DataLoaderOptions } from './data/loader.js';

export { encodeSafetensors, decodeSafetensors, MAX_HEADER_BYTES } from './checkpoint/safetensors.js';
export type { DecodedSafetensors } from './checkpoint/safetensors.js';
// save, load and the other checkpoint files are Node's: '@gradlab/nn' in Node is node.ts, this and those.

export { DivergedError, NonFiniteParameterError, checkFiniteLoss, checkFiniteParameters, findNonFinite } from './divergence.js';
export type { NonFiniteElement, TrainingPosition } from './divergence.js';

export { measureActivations } from './analysis/dead-neurons.js';
export { columnCounts, columnCountsTs, sumAndSquares, sumAndSquaresTs } from './analysis/reductions.js';
export type { ColumnCounts } from './analysis/reductions.js';
export { INACTIVE_COUNT_FIELD, zeroOutput, neverPositiveInput, saturatedOutput, saturatedLeftTail, flatLeftTailEnd } from './analysis/inactivity.js';
export type { InactiveMeaning, InactivityRule, LayerBatch, UnitTally } from './analysis/inactivity.js';
export type { ActivationReport, ActivationTotals, LayerActivationStats, MeasureOptions } from './analysis/dead-neurons.js';
export { UnitLifetimes, GradientActivity, incomingDenseLayers } from './analysis/unit-lifetimes.js';
export type { UnitTimeline, LifetimeLayerSummary, IntervalActivity } from './analysis/unit-lifetimes.js';

export { summary } from './summary.js';

export { VERSION } from './version.js';
