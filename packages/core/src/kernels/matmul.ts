/**
 * Matrix-multiply kernels. Every matmul in gradlab, forward and backward, goes
 * through `matmulKernel`, a plain function on Float32Arrays, so a faster kernel
 * can replace it (see `setMatmulKernel`) without touching the autodiff code.
 *
 * All kernels compute  C (m×n) = op(A) (m×k) · op(B) (k×n)  where
 *   op(A) = A  with A stored m×k row-major, or Aᵀ with A stored k×m when transposeA;
 *   op(B) = B  with B stored k×n row-major, or Bᵀ with B stored n×k when transposeB.
 * With `accumulate` the product is added to C instead of overwriting it.
 * The backward pass needs exactly these transposed forms: dA = dC·Bᵀ, dB = Aᵀ·dC.
 *
 * Three kernels: `matmulReference` (the definition), `matmulTiled` (readable
 * and fast for plain JavaScript) and `matmulWasm` (WebAssembly SIMD, about ten
 * times faster; the default wherever it runs).
 */
import { createThreadedKernel, type ThreadedMatmulKernel } from './matmul-threads.js';
import { createWasmKernel, recordMatmul, type WasmBuild, type WasmInstructions } from './matmul-wasm.js';
import { kernelMode } from './mode.js';
import { recording, unsupported } from './recording.js';

/** The signature every matmul kernel has. */
export type MatmulKernel = (
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  k: number,
  n: number,
  transposeA: boolean,
  transposeB: boolean,
  accumulate: boolean,
) => void;

/** The textbook triple loop: the definition the faster kernels are tested against. */
export const matmulReference: MatmulKernel = (a, b, c, m, k, n, transposeA, transposeB, accumulate) => {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const aip = transposeA ? a[p * m + i]! : a[i * k + p]!;
        const bpj = transposeB ? b[j * k + p]! : b[p * n + j]!;
        sum += aip * bpj;
      }
      c[i * n + j] = accumulate ? c[i * n + j]! + sum : sum;
    }
  }
};

/**
 * Register-tiled kernel in plain TypeScript: each pass over k computes a 4×4
 * block of C in sixteen local variables, so every value loaded from A and B is
 * used four times instead of once. Works for every transpose combination by
 * walking A and B with strides.
 */
export const matmulTiled: MatmulKernel = (a, b, c, m, k, n, transposeA, transposeB, accumulate) => {
  // Element (i, p) of op(A) is a[i * aRow + p * aCol]; element (p, j) of op(B) is b[p * bRow + j * bCol].
  const aRow = transposeA ? 1 : k;
  const aCol = transposeA ? m : 1;
  const bRow = transposeB ? 1 : n;
  const bCol = transposeB ? k : 1;
  if (!accumulate) c.fill(0, 0, m * n);
  const mTiled = m - (m % 4);
  const nTiled = n - (n % 4);

  for (let i = 0; i < mTiled; i += 4) {
    const a0 = i * aRow;
    const a1 = a0 + aRow;
    const a2 = a1 + aRow;
    const a3 = a2 + aRow;
    for (let j = 0; j < nTiled; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      const b0 = j * bCol;
      for (let p = 0; p < k; p++) {
        const ap = p * aCol;
        const x0 = a[a0 + ap]!, x1 = a[a1 + ap]!, x2 = a[a2 + ap]!, x3 = a[a3 + ap]!;
        const bp = b0 + p * bRow;
        const y0 = b[bp]!, y1 = b[bp + bCol]!, y2 = b[bp + 2 * bCol]!, y3 = b[bp + 3 * bCol]!;
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      const r0 = i * n + j, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
      c[r0]! += c00; c[r0 + 1]! += c01; c[r0 + 2]! += c02; c[r0 + 3]! += c03;
      c[r1]! += c10; c[r1 + 1]! += c11; c[r1 + 2]! += c12; c[r1 + 3]! += c13;
      c[r2]! += c20; c[r2 + 1]! += c21; c[r2 + 2]! += c22; c[r2 + 3]! += c23;
      c[r3]! += c30; c[r3 + 1]! += c31; c[r3 + 2]! += c32; c[r3 + 3]! += c33;
    }
  }
  // The ragged edges: the last n % 4 columns of the tiled rows, then the last m % 4 rows.
  edge(a, b, c, 0, mTiled, nTiled, n, k, n, aRow, aCol, bRow, bCol);
  edge(a, b, c, mTiled, m, 0, n, k, n, aRow, aCol, bRow, bCol);
};

/** Adds op(A)·op(B) into C for rows [i0, i1) and columns [j0, j1), one element at a time. */
function edge(
  a: Float32Array, b: Float32Array, c: Float32Array,
  i0: number, i1: number, j0: number, j1: number,
  k: number, n: number, aRow: number, aCol: number, bRow: number, bCol: number,
): void {
  for (let i = i0; i < i1; i++) {
    for (let j = j0; j < j1; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[i * aRow + p * aCol]! * b[p * bRow + j * bCol]!;
      c[i * n + j]! += sum;
    }
  }
}

const bestWasm = createWasmKernel(matmulTiled);

/**
 * The WebAssembly SIMD kernel (wasm/matmul.wat, driven by matmul-wasm.ts), or
 * null where it cannot run: no WebAssembly SIMD, or the kernel not built
 * (`pnpm build` compiles it). Products too large for its memory go to
 * `matmulTiled`. It multiplies and adds with fused multiply-adds where the
 * runtime has relaxed SIMD (Node 22; on Node 20, import
 * '@gradlab/core/relaxed-simd' first or start node with
 * --experimental-wasm-relaxed-simd), else with plain SIMD128:
 * `wasmMatmulInstructions()` says which.
 */
export const matmulWasm: MatmulKernel | null = bestWasm?.kernel ?? null;

/**
 * Which instructions `matmulWasm` uses: 'relaxed-simd' (fused multiply-add)
 * or 'simd128'; null if there is no wasm kernel.
 *
 * @example
 * wasmMatmulInstructions(); // 'simd128' on Node 20, 'relaxed-simd' with --experimental-wasm-relaxed-simd
 */
export function wasmMatmulInstructions(): WasmInstructions | null {
  return bestWasm?.instructions ?? null;
}

/** The kernels gradlab ships, by the name `activeMatmulKernelName` reports. */
const namedKernels = new Map<MatmulKernel, string>([
  [matmulReference, 'reference'],
  [matmulTiled, 'tiled'],
]);
if (matmulWasm !== null) namedKernels.set(matmulWasm, 'wasm');
/** The single-thread wasm kernels, with what a captured step needs to replay them. */
const wasmBuilds = new Map<MatmulKernel, WasmBuild>();
if (bestWasm !== null) wasmBuilds.set(bestWasm.kernel, bestWasm.build);

// The fastest kernel this runtime can run is the default.
let activeKernel: MatmulKernel = matmulWasm ?? matmulTiled;

/**
 * Runs the active kernel (the wasm one where available, else the tiled one,
 * unless replaced with `setMatmulKernel`), or `matmulReference` in the
 * readable mode (`useReferenceKernels`).
 */
export function matmulKernel(
  a: Float32Array, b: Float32Array, c: Float32Array,
  m: number, k: number, n: number,
  transposeA = false, transposeB = false, accumulate = false,
): void {
  const kernel = kernelMode() === 'reference' ? matmulReference : activeKernel;
  if (recording() !== null) {
    const build = wasmBuilds.get(kernel);
    if (build === undefined) unsupported(`matmul with the ${activeMatmulKernelName()} kernel (a captured step replays the wasm kernel)`);
    else recordMatmul(build, a, b, c, m, k, n, transposeA, transposeB, accumulate);
  }
  kernel(a, b, c, m, k, n, transposeA, transposeB, accumulate);
}

/** Replaces the kernel every matmul uses; returns the previous one. */
export function setMatmulKernel(kernel: MatmulKernel): MatmulKernel {
  const previous = activeKernel;
  activeKernel = kernel;
  return previous;
}

let simd128Kernel: MatmulKernel | null | undefined;

/**
 * The wasm kernel built for plain SIMD128 (a multiply, then an add) whatever
 * the runtime supports, made on first use: the same results bit for bit on
 * every machine, where fused multiply-adds may differ in the last bit between
 * CPUs. It is `matmulWasm` itself where relaxed SIMD is unavailable.
 *
 * @example
 * setMatmulKernel(matmulWasmSimd128()!); // activeMatmulKernelName() is now 'wasm-simd128'
 */
export function matmulWasmSimd128(): MatmulKernel | null {
  if (simd128Kernel === undefined) {
    const simd128 = bestWasm?.instructions === 'simd128' ? bestWasm : createWasmKernel(matmulTiled, 'simd128');
    simd128Kernel = simd128?.kernel ?? null;
    if (simd128 !== null) wasmBuilds.set(simd128.kernel, simd128.build);
    if (simd128Kernel !== null && simd128Kernel !== matmulWasm) namedKernels.set(simd128Kernel, 'wasm-simd128');
  }
  return simd128Kernel;
}

let threadedKernel: ThreadedMatmulKernel | null | undefined;

/**
 * The two-thread wasm kernel (kernels/matmul-threads.ts), started on first
 * use; null where WebAssembly threads are unavailable. Not the default: opt
 * in with `setMatmulKernel(matmulThreads()!)`. It splits products of at least
 * 2^22 multiply-adds between the calling thread and one worker.
 *
 * @example
 * const threaded = matmulThreads();
 * if (threaded !== null) setMatmulKernel(threaded);
 */
export function matmulThreads(): ThreadedMatmulKernel | null {
  if (threadedKernel === undefined) {
    threadedKernel = matmulWasm === null ? null : createThreadedKernel(matmulWasm);
    if (threadedKernel !== null) namedKernels.set(threadedKernel, 'wasm-threads');
  }
  return threadedKernel;
}

/**
 * Which kernel `matmulKernel` runs: 'reference' in the readable mode, else 'wasm', 'wasm-simd128' (the plain build
 * installed by hand where 'wasm' uses relaxed SIMD), 'wasm-threads',
 * 'tiled', 'reference', or 'custom' for one of your own installed with
 * `setMatmulKernel`.
 *
 * @example
 * activeMatmulKernelName(); // 'wasm' on Node 20
 */
export function activeMatmulKernelName(): string {
  if (kernelMode() === 'reference') return 'reference';
  return namedKernels.get(activeKernel) ?? 'custom';
}
