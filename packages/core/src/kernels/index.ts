/**
 * @gradlab/core/kernels: the fast loops behind the ops, for those who want to
 * call or replace them. A learner can skip this folder: every op in ops.ts
 * shows its own math, and `useReferenceKernels()` (or GRADLAB_KERNELS=reference)
 * makes every op run that readable loop instead.
 *
 * - matmul.ts: every matrix product goes through `matmulKernel`; `matmulReference`
 *   is the textbook triple loop, `matmulTiled` a fast TypeScript one, `matmulWasm`
 *   the WebAssembly SIMD default (matmul-wasm.ts, wasm/matmul.wat).
 * - elementwise.ts: the WebAssembly versions of the activation loops
 *   (`activationKernels`), `axpy` and `columnSums` with their plain TypeScript
 *   definitions. (The optimizer updates and dead-neuron reductions are nn's.)
 * - wasm-kernels.ts: `loadWasmKernels`, instantiating a kernel module (its bytes embedded
 *   by the build in wasm/name.bytes.ts, `base64Bytes` decodes them) and running
 *   it over Float32Arrays in chunks; core's kernels and nn's run through it.
 * - recording.ts: how a kernel call records itself while a step is captured
 *   (`captureStep`, in ../capture.ts), to be replayed over the step's arena.
 * - mode.ts: the readable-mode switch.
 */
export {
  matmulKernel, matmulReference, matmulTiled, matmulWasm, matmulWasmSimd128, wasmMatmulInstructions,
  setMatmulKernel, activeMatmulKernelName, matmulThreads,
} from './matmul.js';
export type { MatmulKernel } from './matmul.js';
export type { WasmInstructions } from './matmul-wasm.js';
export {
  activationKernels, axpy, axpyTs, columnSums, columnSumsTs, elementwiseWasmAvailable, WASM_MIN_LENGTH, CHUNK_FLOATS,
} from './elementwise.js';
export type { ActivationKernels } from './elementwise.js';
// The hook libraries on top of core run their own wasm kernels with (nn's optimizer updates and dead-neuron reductions).
export { loadWasmKernels, base64Bytes } from './wasm-kernels.js';
export type { WasmKernels, Operand } from './wasm-kernels.js';
// How a kernel records itself for a captured step (core's captureStep; nn's optimizers and fused ops use it too).
export { recordCall, recordHost, recordBinding, recordGuard, recording, unsupported } from './recording.js';
export type { CaptureArray, CapturedCall, CapturedOperand, OperandUse, ReplayContext, Binding } from './recording.js';
export { useReferenceKernels, withReferenceKernels, kernelMode, kernelModeFromEnvironment, KERNEL_MODES } from './mode.js';
export type { KernelMode } from './mode.js';
