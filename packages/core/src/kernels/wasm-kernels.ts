/**
 * Running WebAssembly kernels over Float32Arrays: a module instantiated with
 * a memory of its own (loadWasmKernels), and the copies of operands into that
 * memory and back, in chunks that stay in the L2 cache. core's elementwise
 * kernels run through it, and so do the kernels nn owns.
 */
import { kernelMode } from './mode.js';

/** Below this many elements the TypeScript loop is as fast as the copies. */
export const WASM_MIN_LENGTH = 1024;

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

const PAGE_BYTES = 65536;
const MAX_PAGES = 16384;

/** A loaded module: its memory, and a Float32Array view of it that follows its growth. */
interface Instance {
  readonly memory: WasmMemory;
  heap: Float32Array;
}

/** A view of the module's memory with room for `floats` floats, or null if it cannot grow that far. */
function heapFor(instance: Instance, floats: number): Float32Array | null {
  const bytes = floats * 4;
  if (bytes > instance.memory.buffer.byteLength) {
    const pages = Math.ceil((bytes - instance.memory.buffer.byteLength) / PAGE_BYTES);
    if (instance.memory.buffer.byteLength / PAGE_BYTES + pages > MAX_PAGES) return null;
    instance.memory.grow(pages);
  }
  if (instance.heap.buffer !== instance.memory.buffer) instance.heap = new Float32Array(instance.memory.buffer);
  return instance.heap;
}

/**
 * Rounds a float count up to a multiple of 16, so each operand starts on a
 * cache line, and a kernel that works in blocks of 2 or 4 floats (the
 * sigmoid's and tanh's) can run up to 3 floats past the end of its operands.
 */
const padded = (n: number): number => Math.ceil(n / 16) * 16;

/**
 * Long arrays go through wasm memory in chunks of this many floats, so that a
 * chunk's operands (128 KiB each) are still in the L2 cache when the kernel
 * reads them and when they are copied out. Whole arrays would not be: on a
 * 784×256 weight the SGD axpy took 1.5 ns per float in one piece and 1.0 in
 * chunks, and ReLU backward on 262,144 floats 2.0 and 1.3.
 */
export const CHUNK_FLOATS = 32768;

/**
 * How an array takes part in a chunked kernel call: 'in' is read by the
 * kernel (copied into wasm memory), 'out' written (copied back out), 'inout'
 * both. A null array (an operand a call does without) is skipped.
 */
export type Operand = [array: Float32Array | null, use: 'in' | 'out' | 'inout'];

/**
 * Runs a wasm kernel over arrays of n floats, CHUNK_FLOATS at a time: copies
 * the chunk of each 'in' and 'inout' operand into wasm memory (operand k at
 * k·padded(chunk) floats), calls `kernel(addresses, length)` with the
 * operands' byte addresses, then copies the chunk of each 'out' and 'inout'
 * operand back. Returns false, having done nothing, where the arrays are too
 * short for the copies to pay (WASM_MIN_LENGTH), wasm cannot run, or the
 * readable mode is on (`useReferenceKernels`): the caller then runs its
 * TypeScript loop instead.
 */
function runInChunks(instance: Instance, n: number, operands: Operand[], kernel: (addresses: number[], length: number) => void): boolean {
  const chunk = Math.min(n, CHUNK_FLOATS);
  const heap = n >= WASM_MIN_LENGTH && kernelMode() === 'fast' ? heapFor(instance, operands.length * padded(chunk)) : null;
  if (heap === null) return false;
  const at = operands.map((_, k) => k * padded(chunk));
  const addresses = at.map((floats) => floats * 4);
  for (let start = 0; start < n; start += chunk) {
    const length = Math.min(chunk, n - start);
    operands.forEach(([array, use], k) => {
      if (array !== null && use !== 'out') heap.set(array.subarray(start, start + length), at[k]);
    });
    kernel(addresses, length);
    operands.forEach(([array, use], k) => {
      if (array !== null && use !== 'in') array.set(heap.subarray(at[k]!, at[k]! + length), start);
    });
  }
  return true;
}

/**
 * Runs a wasm kernel that works column by column over a row-major [rows, cols]
 * matrix, whole rows at a time: about CHUNK_FLOATS floats per chunk, copied to
 * the start of wasm memory, so that a chunk stays in the L2 cache. After the
 * chunk's slot, `results` zeroed arrays of cols floats stay in wasm memory
 * throughout, for the kernel to add each chunk's column results into:
 * `kernel(rowsInChunk, resultAddresses)`. Returns wasm memory and where (in
 * floats) the results are, or null, having done nothing, where the matrix is
 * too small for the copies to pay, wasm cannot run, or the readable mode is on.
 */
function runByRows(instance: Instance, x: Float32Array, rows: number, cols: number, results: number,
  kernel: (count: number, resultAddresses: number[]) => void): { heap: Float32Array; at: number[] } | null {
  const rowsPerChunk = Math.max(1, Math.floor(CHUNK_FLOATS / Math.max(cols, 1)));
  const chunkRows = Math.min(rows, rowsPerChunk);
  const resultsAt = padded(chunkRows * cols);
  const heap = rows * cols >= WASM_MIN_LENGTH && kernelMode() === 'fast' ? heapFor(instance, resultsAt + results * padded(cols)) : null;
  if (heap === null) return null;
  const at = Array.from({ length: results }, (_, k) => resultsAt + k * padded(cols));
  const addresses = at.map((floats) => floats * 4);
  heap.fill(0, resultsAt, resultsAt + results * padded(cols));
  for (let start = 0; start < rows; start += chunkRows) {
    const count = Math.min(chunkRows, rows - start);
    heap.set(x.subarray(start * cols, (start + count) * cols), 0);
    kernel(count, addresses);
  }
  return { heap, at };
}

/**
 * A WebAssembly kernel module and the two ways of driving it over
 * Float32Arrays that live outside wasm memory: in chunks of CHUNK_FLOATS
 * (elementwise kernels) or by whole rows (column-wise kernels). Both return
 * false / null, having done nothing, where the arrays are too short for the
 * copies to pay, so the caller runs its TypeScript definition instead.
 */
export interface WasmKernels<Exports> {
  /** The module's exported functions, called with byte addresses into its memory. */
  readonly exports: Exports;
  /** The compiled WebAssembly.Module (a captured step instantiates it again on its arena). */
  readonly module: object;
  /** See runInChunks above. */
  runInChunks(n: number, operands: Operand[], kernel: (addresses: number[], length: number) => void): boolean;
  /** See runByRows above. */
  runByRows(x: Float32Array, rows: number, cols: number, results: number,
    kernel: (count: number, resultAddresses: number[]) => void): { heap: Float32Array; at: number[] } | null;
}

/**
 * The bytes of a base64 string: how the build embeds each kernel binary in a
 * generated module (wasm/name.bytes.ts, see scripts/build-kernels.mjs), so that
 * loading a kernel needs no file system and no fetch, in Node and in a browser alike.
 * Uses the global `atob` (Node 16 and later, every browser).
 *
 * @example
 * base64Bytes('AGFzbQ=='); // Uint8Array [0, 97, 115, 109]: "\0asm"
 */
export function base64Bytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Instantiates a kernel module (its binary, as built by scripts/build-kernels.mjs
 * and importing `env.memory`) with a memory of its own, synchronously, or
 * returns null where WebAssembly cannot run or the binary is invalid. This is
 * core's hook for libraries on top of it: nn's optimizer updates and
 * dead-neuron reductions are wasm modules of nn's, run this way. The binary
 * comes from the module the build generates next to the .wat, so the same
 * code loads it in Node and in a browser.
 *
 * @example
 * import { binaries } from './wasm/k.bytes.js';   // generated from wasm/k.wat
 * const kernels = loadWasmKernels<{ axpy(alpha: number, x: number, y: number, n: number): void }>(base64Bytes(binaries['k.wasm']));
 * kernels?.runInChunks(y.length, [[x, 'in'], [y, 'inout']], ([xAt, yAt], n) => kernels.exports.axpy(2, xAt!, yAt!, n));
 */
export function loadWasmKernels<Exports>(bytes: Uint8Array): WasmKernels<Exports> | null {
  let instance: Instance;
  let exports: Exports;
  let module: object;
  try {
    const webAssembly = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
    if (webAssembly === undefined || !webAssembly.validate(bytes)) return null;
    const memory = new webAssembly.Memory({ initial: 16, maximum: MAX_PAGES });
    module = new webAssembly.Module(bytes);
    exports = new webAssembly.Instance(module, { env: { memory } }).exports as Exports;
    instance = { memory, heap: new Float32Array(memory.buffer) };
  } catch {
    return null;
  }
  return {
    exports,
    module,
    runInChunks: (n, operands, kernel) => runInChunks(instance, n, operands, kernel),
    runByRows: (x, rows, cols, results, kernel) => runByRows(instance, x, rows, cols, results, kernel),
  };
}
