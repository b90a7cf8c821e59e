/**
 * The WebAssembly SIMD matmul: the driver around the kernel in wasm/matmul.wat.
 *
 * The kernel works in its own linear memory, so each call copies A and B (and
 * C when accumulating) in, runs the blocked product, and copies C out. The
 * copies are O(m·k + k·n + m·n) against O(m·k·n) arithmetic.
 *
 * Blocking (GotoBLAS / BLIS order), sizes in floats:
 *   for each block of BLOCK_COLUMNS columns of C
 *     for each slice of BLOCK_DEPTH along k          pack op(B) block   (~1 MiB, stays in L2)
 *       for each block of BLOCK_ROWS rows of C        pack op(A) block   (~256 KiB, L2)
 *         macro: every 4×8 tile of the block          A panel 8 KiB + B panel 16 KiB in L1
 * The first k slice stores into C (or adds, with `accumulate`); later slices add.
 *
 * Everything is synchronous: the module is compiled with `new WebAssembly.Module`
 * from bytes read next to this file, so `matmulKernel` stays a plain function.
 */
import { readFileSync } from 'node:fs';
import type { MatmulKernel } from './matmul.js';

/** Rows of op(A) packed per panel, and columns of op(B): the micro-kernel's tile. */
const PANEL_ROWS = 4;
const PANEL_COLUMNS = 8;
/** Cache blocking, in floats. */
const BLOCK_ROWS = 128;
const BLOCK_DEPTH = 512;
const BLOCK_COLUMNS = 512;

const PAGE_BYTES = 65536;
/** The memory may grow to 1 GiB; larger products fall back to the TypeScript kernel. */
const MAX_PAGES = 16384;

/** The exports of wasm/matmul.wat; pointers are byte addresses, sizes are floats. */
interface KernelExports {
  pack_a(src: number, dst: number, rowStride: number, colStride: number, rows: number, depth: number): void;
  pack_b(src: number, dst: number, rowStride: number, colStride: number, cols: number, depth: number): void;
  macro(packedA: number, packedB: number, c: number, rows: number, cols: number, depth: number,
    ldc: number, accumulate: number, scratch: number): void;
}

/** The part of the WebAssembly JS API used here (the DOM lib that declares it is not loaded). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}

/** Rounds a byte count up to a multiple of 64, so every region starts on a cache line. */
function align(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}

/**
 * Where one thread packs its panels: a 128-byte scratch tile for ragged
 * edges, a packed A block and a packed B block.
 */
export interface Workspace {
  readonly scratch: number;
  readonly packedA: number;
  readonly packedB: number;
}

/** Bytes a workspace takes in wasm memory. */
const WORKSPACE_BYTES =
  align(128) + align(BLOCK_ROWS * BLOCK_DEPTH * 4) + align(BLOCK_COLUMNS * BLOCK_DEPTH * 4);

function workspaceAt(base: number): Workspace {
  const scratch = base;
  const packedA = scratch + align(128);
  const packedB = packedA + align(BLOCK_ROWS * BLOCK_DEPTH * 4);
  return { scratch, packedA, packedB };
}

/** One product C = op(A)·op(B) laid out in wasm memory (byte addresses). */
export interface Job {
  a: number; b: number; c: number;
  m: number; k: number; n: number;
  transposeA: boolean; transposeB: boolean; accumulate: boolean;
}

/**
 * Computes the columns [columnStart, columnEnd) of the job's C, packing in
 * `workspace`. Two threads can run disjoint column ranges of the same job at
 * once: they share A, B and C, and each packs into its own workspace.
 */
export function runColumns(kernel: KernelExports, job: Job, workspace: Workspace, columnStart: number, columnEnd: number): void {
  const { m, k, n } = job;
  // op(A)[i, p] = A[i·aRow + p·aCol] and op(B)[p, j] = B[p·bRow + j·bCol], as in matmulTiled.
  const aRow = job.transposeA ? 1 : k;
  const aCol = job.transposeA ? m : 1;
  const bRow = job.transposeB ? 1 : n;
  const bCol = job.transposeB ? k : 1;
  for (let j0 = columnStart; j0 < columnEnd; j0 += BLOCK_COLUMNS) {
    const columns = Math.min(BLOCK_COLUMNS, columnEnd - j0);
    // Equal slices of at most BLOCK_DEPTH: a thin last slice would pay the C load/store for little work.
    const slices = Math.ceil(k / BLOCK_DEPTH);
    const sliceDepth = Math.ceil(k / slices);
    for (let p0 = 0; p0 < k; p0 += sliceDepth) {
      const depth = Math.min(sliceDepth, k - p0);
      kernel.pack_b(job.b + (p0 * bRow + j0 * bCol) * 4, workspace.packedB, bRow, bCol, columns, depth);
      const accumulate = job.accumulate || p0 > 0 ? 1 : 0;
      for (let i0 = 0; i0 < m; i0 += BLOCK_ROWS) {
        const rows = Math.min(BLOCK_ROWS, m - i0);
        kernel.pack_a(job.a + (i0 * aRow + p0 * aCol) * 4, workspace.packedA, aRow, aCol, rows, depth);
        kernel.macro(workspace.packedA, workspace.packedB, job.c + (i0 * n + j0) * 4,
          rows, columns, depth, n, accumulate, workspace.scratch);
      }
    }
  }
}

/** The compiled kernel bytes, or null if they are missing (not built yet) or unusable. */
export function readKernelBytes(): Uint8Array | null {
  try {
    return new Uint8Array(readFileSync(new URL('./wasm/matmul.wasm', import.meta.url)));
  } catch {
    return null;
  }
}

/** The global WebAssembly object, if this runtime has one. */
export function webAssemblyApi(): WebAssemblyApi | null {
  return (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly ?? null;
}

/**
 * The wasm kernel instantiated on its own memory, with a workspace for the
 * calling thread. `create` returns null when WebAssembly, SIMD or the
 * compiled kernel is unavailable.
 */
export class WasmMatmul {
  readonly memory: WasmMemory;
  readonly kernel: KernelExports;
  readonly module: object;
  /** Workspaces for up to `threads` threads, laid out from address 0. */
  readonly workspaces: Workspace[];
  /** Where the matrices of the current call start. */
  private readonly dataStart: number;
  private heap: Float32Array;

  private constructor(api: WebAssemblyApi, module: object, threads: number) {
    this.module = module;
    this.workspaces = [];
    for (let t = 0; t < threads; t++) this.workspaces.push(workspaceAt(t * WORKSPACE_BYTES));
    this.dataStart = threads * WORKSPACE_BYTES;
    const initialPages = Math.ceil((this.dataStart + 4 * 1024 * 1024) / PAGE_BYTES);
    // Not shared: TypedArray.set into a SharedArrayBuffer copies word by word
    // (about 3× slower than memcpy), and the copies are a tenth of a training step.
    this.memory = new api.Memory({ initial: initialPages, maximum: MAX_PAGES });
    this.kernel = new api.Instance(module, { env: { memory: this.memory } }).exports as KernelExports;
    this.heap = new Float32Array(this.memory.buffer);
  }

  /** Compiles the kernel; null if this runtime or build cannot run it. */
  static create(threads = 1): WasmMatmul | null {
    const api = webAssemblyApi();
    const bytes = readKernelBytes();
    if (api === null || bytes === null) return null;
    try {
      // validate() is false where SIMD128 is not supported.
      if (!api.validate(bytes)) return null;
      return new WasmMatmul(api, new api.Module(bytes), threads);
    } catch {
      return null;
    }
  }

  /**
   * Copies the operands into wasm memory, growing it if this product is the
   * largest so far, and returns where they went; null if it cannot grow enough.
   */
  stage(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number,
    transposeA: boolean, transposeB: boolean, accumulate: boolean): Job | null {
    const aAt = this.dataStart;
    const bAt = aAt + align(m * k * 4);
    const cAt = bAt + align(k * n * 4);
    const end = cAt + align(m * n * 4);
    if (end > this.memory.buffer.byteLength) {
      const pages = Math.ceil((end - this.memory.buffer.byteLength) / PAGE_BYTES);
      if (this.memory.buffer.byteLength / PAGE_BYTES + pages > MAX_PAGES) return null;
      this.memory.grow(pages);
    }
    // Growing replaces the memory's buffer (the old one is detached).
    if (this.heap.buffer !== this.memory.buffer) this.heap = new Float32Array(this.memory.buffer);
    this.heap.set(a.length === m * k ? a : a.subarray(0, m * k), aAt / 4);
    this.heap.set(b.length === k * n ? b : b.subarray(0, k * n), bAt / 4);
    if (accumulate) this.heap.set(c.length === m * n ? c : c.subarray(0, m * n), cAt / 4);
    return { a: aAt, b: bAt, c: cAt, m, k, n, transposeA, transposeB, accumulate };
  }

  /** Copies the job's C back out of wasm memory. */
  unstage(job: Job, c: Float32Array): void {
    c.set(this.heap.subarray(job.c / 4, job.c / 4 + job.m * job.n));
  }

  /** The whole product on the calling thread. */
  run(job: Job): void {
    runColumns(this.kernel, job, this.workspaces[0]!, 0, job.n);
  }
}

/**
 * Makes the single-threaded wasm MatmulKernel, or returns null if it cannot
 * run here. `fallback` takes the products too large for the wasm memory.
 */
export function createWasmKernel(fallback: MatmulKernel): MatmulKernel | null {
  const wasm = WasmMatmul.create(1);
  if (wasm === null) return null;
  const matmulWasm: MatmulKernel = (a, b, c, m, k, n, transposeA, transposeB, accumulate) => {
    if (m === 0 || n === 0) return;
    if (k === 0) {
      if (!accumulate) c.fill(0, 0, m * n);
      return;
    }
    const job = wasm.stage(a, b, c, m, k, n, transposeA, transposeB, accumulate);
    if (job === null) {
      fallback(a, b, c, m, k, n, transposeA, transposeB, accumulate);
      return;
    }
    wasm.run(job);
    wasm.unstage(job, c);
  };
  return matmulWasm;
}
