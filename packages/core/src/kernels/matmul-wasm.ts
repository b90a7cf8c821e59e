/**
 * The WebAssembly SIMD matmul: the driver around the kernel in wasm/matmul.wat.
 *
 * The kernel works in its own linear memory, so each call copies A and B (and
 * C when accumulating) in, runs the blocked product, and copies C out. The
 * copies are O(m·k + k·n + m·n) against O(m·k·n) arithmetic.
 *
 * The blocked loops (GotoBLAS / BLIS order: pack a block of op(B) that stays
 * in L2, pack a block of op(A), run the 4×8 micro-kernel over every tile)
 * live in wasm/matmul.wat as `run_columns`; read its comments there.
 *
 * Everything is synchronous: the module is compiled with `new WebAssembly.Module`
 * from the bytes the build embeds in wasm/matmul.bytes.ts, so `matmulKernel`
 * stays a plain function, and the same code loads it in Node and in a browser.
 *
 * The build writes the kernel twice (see the top of wasm/matmul.wat):
 * matmul.wasm multiplies and adds with fused multiply-adds (relaxed SIMD) and
 * matmul.simd128.wasm with a multiply and an add (plain SIMD128). `create`
 * takes the first that this runtime accepts: the fused one on Node 22, or on
 * Node 20 once ../relaxed-simd.ts has set V8's flag (the gradlab CLI imports it
 * first thing), else the plain one.
 */
import type { MatmulKernel } from './matmul.js';
import { recordCall } from './recording.js';
import { base64Bytes } from './wasm-kernels.js';
import { binaries } from './wasm/matmul.bytes.js';

const PAGE_BYTES = 65536;
/** The memory may grow to 1 GiB; larger products fall back to the TypeScript kernel. */
const MAX_PAGES = 16384;

/** The exports of wasm/matmul.wat; pointers are byte addresses, sizes are floats. */
export interface KernelExports {
  run_columns(a: number, b: number, c: number, m: number, k: number, n: number,
    transposeA: number, transposeB: number, accumulate: number, columnStart: number, columnEnd: number,
    scratch: number, packedA: number, packedB: number): void;
  /**
   * The micro-kernel loop alone, on panels already packed: C[0:rows, 0:cols] (+)=
   * packedA · packedB. `run_columns` calls it; the benchmark's probe times it directly.
   */
  macro(packedA: number, packedB: number, c: number, rows: number, cols: number, depth: number, ldc: number,
    accumulate: number, scratch: number): void;
  BLOCK_ROWS: { value: number };
  BLOCK_DEPTH: { value: number };
  BLOCK_COLUMNS: { value: number };
}

/** The part of the WebAssembly JS API used here (the DOM lib that declares it is not loaded). */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}
export interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}

/** Rounds a byte count up to a multiple of 64, so every region starts on a cache line. */
function align(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}

/**
 * Where one thread packs its panels: a 128-byte scratch tile for ragged
 * edges, a packed A block and a packed B block (sizes from the kernel's
 * BLOCK_* constants).
 */
export interface Workspace {
  readonly scratch: number;
  readonly packedA: number;
  readonly packedB: number;
}

function workspaceBytes(kernel: KernelExports): number {
  return align(128) + align(kernel.BLOCK_ROWS.value * kernel.BLOCK_DEPTH.value * 4)
    + align(kernel.BLOCK_DEPTH.value * kernel.BLOCK_COLUMNS.value * 4);
}

function workspaceAt(kernel: KernelExports, base: number): Workspace {
  const scratch = base;
  const packedA = scratch + align(128);
  const packedB = packedA + align(kernel.BLOCK_ROWS.value * kernel.BLOCK_DEPTH.value * 4);
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
 * `workspace` (the blocked loops are `run_columns` in wasm/matmul.wat). Two
 * threads can run disjoint column ranges of one job at once: they share A,
 * B and C, and each packs into its own workspace.
 */
export function runColumns(kernel: KernelExports, job: Job, workspace: Workspace, columnStart: number, columnEnd: number): void {
  kernel.run_columns(job.a, job.b, job.c, job.m, job.k, job.n,
    job.transposeA ? 1 : 0, job.transposeB ? 1 : 0, job.accumulate ? 1 : 0, columnStart, columnEnd,
    workspace.scratch, workspace.packedA, workspace.packedB);
}

/**
 * The instruction sets the kernel is built for, best first: 'relaxed-simd'
 * (fused multiply-add) and 'simd128' (multiply, then add).
 */
export type WasmInstructions = 'relaxed-simd' | 'simd128';
export const WASM_INSTRUCTIONS: readonly WasmInstructions[] = ['relaxed-simd', 'simd128'];

/**
 * Whether this V8 runs relaxed SIMD without a flag: it shipped in V8 11.4
 * (Node 21 and later); Node 20's V8 11.3 needs --experimental-wasm-relaxed-simd.
 * (Node only by default: in a browser, pass the version, or let `WebAssembly.validate` decide.)
 */
export function v8HasRelaxedSimd(version = process.versions.v8): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 11 || (major === 11 && minor >= 4);
}

/** The binary the build makes for these instructions (and for shared memory), by its file name in wasm/matmul.bytes.ts. */
function kernelFile(instructions: WasmInstructions, shared: boolean): keyof typeof binaries {
  return `matmul${instructions === 'simd128' ? '.simd128' : ''}${shared ? '.shared' : ''}.wasm`;
}

/** The global WebAssembly object, if this runtime has one. */
export function webAssemblyApi(): WebAssemblyApi | null {
  return (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly ?? null;
}

/** Options of `WasmMatmul.create`. */
export interface WasmMatmulOptions {
  /** How many threads will run `runColumns` at once: one workspace each. Default 1. */
  threads?: number;
  /**
   * Shared memory (a SharedArrayBuffer) that worker threads can use too; it
   * needs the kernel built for it (matmul.shared.wasm). Default false:
   * TypedArray.set into shared memory copies word by word, about 3× slower
   * than into plain memory, and the copies are a tenth of a training step.
   */
  shared?: boolean;
  /** Bytes kept free at address 0 (for a control block). Default 0. */
  reserved?: number;
  /**
   * Which build to load; default: the best this runtime accepts
   * (WASM_INSTRUCTIONS order). Tests use it to check both.
   */
  instructions?: WasmInstructions;
}

/**
 * The wasm kernel instantiated on its own memory, with workspaces for the
 * threads that will use it. `create` returns null when WebAssembly, SIMD or
 * the compiled kernel is unavailable.
 */
export class WasmMatmul {
  readonly memory: WasmMemory;
  readonly kernel: KernelExports;
  readonly module: object;
  /** Which build of the kernel runs: fused multiply-adds or plain SIMD128. */
  readonly instructions: WasmInstructions;
  /** One workspace per thread, laid out after the reserved bytes. */
  readonly workspaces: Workspace[];
  /** Where the matrices of the current call start. */
  private readonly dataStart: number;
  private heap: Float32Array;

  private constructor(api: WebAssemblyApi, module: object, instructions: WasmInstructions,
    threads: number, shared: boolean, reserved: number) {
    this.module = module;
    this.instructions = instructions;
    this.memory = new api.Memory({ initial: 1, maximum: MAX_PAGES, shared });
    this.kernel = new api.Instance(module, { env: { memory: this.memory } }).exports as KernelExports;
    const bytesPerWorkspace = workspaceBytes(this.kernel);
    this.workspaces = [];
    for (let t = 0; t < threads; t++) this.workspaces.push(workspaceAt(this.kernel, align(reserved) + t * bytesPerWorkspace));
    this.dataStart = align(reserved) + threads * bytesPerWorkspace;
    // Room for the workspaces and 4 MiB of operands to begin with.
    this.memory.grow(Math.ceil((this.dataStart + 4 * 2 ** 20) / PAGE_BYTES) - 1);
    this.heap = new Float32Array(this.memory.buffer);
  }

  /**
   * Compiles the kernel (the requested build, or the best one this runtime
   * accepts); null if this runtime or build cannot run it.
   */
  static create(options: WasmMatmulOptions = {}): WasmMatmul | null {
    const shared = options.shared ?? false;
    const api = webAssemblyApi();
    if (api === null) return null;
    const candidates = options.instructions === undefined ? WASM_INSTRUCTIONS : [options.instructions];
    for (const instructions of candidates) {
      const bytes = base64Bytes(binaries[kernelFile(instructions, shared)]);
      try {
        // validate() is false where SIMD128, relaxed SIMD or (for the shared build) threads are not supported.
        if (!api.validate(bytes)) continue;
        return new WasmMatmul(api, new api.Module(bytes), instructions, options.threads ?? 1, shared, options.reserved ?? 0);
      } catch {
        continue;
      }
    }
    return null;
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
    // Growing replaces the memory's buffer (a plain one is detached, a shared one left short).
    if (this.heap.byteLength !== this.memory.buffer.byteLength) this.heap = new Float32Array(this.memory.buffer);
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

/** A loaded build of the kernel: what a captured step needs to run it again on its arena. */
export interface WasmBuild {
  readonly module: object;
  readonly blockRows: number;
  readonly blockDepth: number;
  readonly blockColumns: number;
}

/**
 * Records C = op(A)·op(B) for a step being captured (kernels/recording.ts):
 * the replay runs `run_columns` of the same build on the arena, packing into
 * the arena's scratch space: a 128-byte edge tile, then op(A)'s and op(B)'s
 * packed blocks, each as large as this product needs (at most BLOCK_ROWS or
 * BLOCK_COLUMNS lines by at most BLOCK_DEPTH), each on a cache line.
 */
export function recordMatmul(build: WasmBuild, a: Float32Array, b: Float32Array, c: Float32Array,
  m: number, k: number, n: number, transposeA: boolean, transposeB: boolean, accumulate: boolean): void {
  const depth = Math.min(k, build.blockDepth);
  const packedAOffset = align(128);
  const packedBOffset = packedAOffset + align(Math.ceil(Math.min(m, build.blockRows) / 4) * 4 * depth * 4);
  const scratchBytes = packedBOffset + align(Math.ceil(Math.min(n, build.blockColumns) / 8) * 8 * depth * 4);
  const [ta, tb, acc] = [transposeA ? 1 : 0, transposeB ? 1 : 0, accumulate ? 1 : 0];
  recordCall({
    name: 'matmul', module: build.module, scratchBytes,
    operands: [{ array: a, use: 'in' }, { array: b, use: 'in' }, { array: c, use: accumulate ? 'inout' : 'out' }],
    replay: ({ exports, at, views, scratch }) => {
      if (m === 0 || n === 0) return;
      if (k === 0) {
        if (!accumulate) views[2]!.fill(0, 0, m * n);
        return;
      }
      (exports as KernelExports).run_columns(at[0]!, at[1]!, at[2]!, m, k, n, ta, tb, acc, 0, n,
        scratch, scratch + packedAOffset, scratch + packedBOffset);
    },
  });
}

/**
 * Makes the single-threaded wasm MatmulKernel (the best build this runtime
 * accepts, unless `instructions` names one), or returns null if it cannot run
 * here. `fallback` takes the products too large for the wasm memory.
 */
export function createWasmKernel(fallback: MatmulKernel, instructions?: WasmInstructions):
  { kernel: MatmulKernel; instructions: WasmInstructions; build: WasmBuild } | null {
  const wasm = WasmMatmul.create({ instructions });
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
  const build = { module: wasm.module, blockRows: wasm.kernel.BLOCK_ROWS.value, blockDepth: wasm.kernel.BLOCK_DEPTH.value, blockColumns: wasm.kernel.BLOCK_COLUMNS.value };
  return { kernel: matmulWasm, instructions: wasm.instructions, build };
}
