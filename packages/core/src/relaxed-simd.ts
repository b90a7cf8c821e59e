/**
 * Lets the WebAssembly matmul kernel use fused multiply-adds on Node 20.
 *
 *   import '@gradlab/core/relaxed-simd';   // first, before anything that loads @gradlab/core
 *
 * The kernel is built twice (kernels/wasm/matmul.wat): with `f32x4.relaxed_madd`
 * (one fused multiply-add, about 1.4× the matmul speed) and with plain SIMD128
 * (a multiply, then an add). @gradlab/core loads the first build the runtime
 * accepts, when it is first imported. Node 22 accepts relaxed SIMD as it is;
 * Node 20 (V8 11.3) only with V8's --experimental-wasm-relaxed-simd. Importing
 * this module sets that flag for the whole process, which V8 allows before any
 * WebAssembly is compiled; ES modules run in import order, so it must be the
 * first import of the program's entry file. Running `node
 * --experimental-wasm-relaxed-simd` does the same from the command line.
 *
 * The gradlab CLI and its sweep workers import it. Check the outcome with
 * `wasmMatmulInstructions()` ('relaxed-simd' or 'simd128').
 *
 * Fused and unfused results differ in the last bit of some sums. Each is the
 * same run after run on one machine; for bit-identical results across machines
 * with and without FMA, install `matmulWasmSimd128()` with `setMatmulKernel`.
 */
import { setFlagsFromString } from 'node:v8';
import { v8HasRelaxedSimd } from './kernels/matmul-wasm.js';

if (!v8HasRelaxedSimd()) setFlagsFromString('--experimental-wasm-relaxed-simd');
