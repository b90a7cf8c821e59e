/**
 * A two-thread matmul: the calling thread and one worker thread each compute
 * half of the columns of C, with the same wasm kernel on one shared memory.
 *
 * The worker sleeps in `Atomics.wait` (a blocking wait in the kernel, never a
 * spin: the other core may be busy with something else) until the main
 * thread posts a job in the control block and calls `Atomics.notify`; the
 * main thread computes its half, then sleeps the same way until the worker
 * is done. Products below `minMultiplyAdds` (m·k·n) run on the calling thread
 * alone, where the hand-off would cost more than it saves.
 *
 * Not the default kernel: it pays only when a second core is idle, which a
 * sweep of training runs (one per core) does not leave. Opt in with
 * `setMatmulKernel(createThreadedKernel(...))`; `pnpm bench` measures it.
 *
 * Node only: the worker is a `node:worker_threads` Worker, which this module
 * asks Node for when a threaded kernel is made (`process.getBuiltinModule`,
 * Node 20.16 and later) rather than importing it, so that core has no `node:`
 * import and loads in a browser too, where `createThreadedKernel` returns null.
 */
import type { Worker } from 'node:worker_threads';
import type { MatmulKernel } from './matmul.js';
import { WasmMatmul, runColumns } from './matmul-wasm.js';

/** The control block at address 0 of the shared memory: a state word, then the job. */
const STATE = 0;
const IDLE = 0;
const WORKING = 1;
const STOPPING = 2;
const CONTROL_INTS = 16;

/**
 * The worker: instantiate the kernel on the shared memory, then loop: sleep
 * until the state leaves IDLE, run the posted columns, set IDLE and wake the
 * main thread. Plain JavaScript, because a worker cannot load TypeScript.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, workspace } = workerData;
const kernel = new WebAssembly.Instance(module, { env: { memory } }).exports;
const control = new Int32Array(memory.buffer, 0, ${CONTROL_INTS});
for (;;) {
  Atomics.wait(control, ${STATE}, ${IDLE});
  const state = Atomics.load(control, ${STATE});
  if (state === ${STOPPING}) break;
  if (state !== ${WORKING}) continue;
  const [, a, b, c, m, k, n, transposeA, transposeB, accumulate, columnStart, columnEnd] = control;
  kernel.run_columns(a, b, c, m, k, n, transposeA, transposeB, accumulate, columnStart, columnEnd,
    workspace.scratch, workspace.packedA, workspace.packedB);
  Atomics.store(control, ${STATE}, ${IDLE});
  Atomics.notify(control, ${STATE});
}
`;

/** A MatmulKernel that uses two threads above a size, with `stop()` to end its worker. */
export interface ThreadedMatmulKernel extends MatmulKernel {
  /** Ends the worker thread; later calls run on the calling thread alone. */
  stop(): void;
}

/** Node's Worker class, or null outside Node (a browser, a web worker). */
function nodeWorker(): typeof Worker | null {
  return globalThis.process?.getBuiltinModule?.('node:worker_threads')?.Worker ?? null;
}

/**
 * Makes the two-thread kernel, or returns null where WebAssembly threads
 * (shared memory), the shared kernel build or Node's worker threads are unavailable.
 * `singleThreaded` runs the small products (and everything after `stop()`).
 *
 * @example
 * const threaded = createThreadedKernel(matmulWasm!);
 * if (threaded !== null) setMatmulKernel(threaded);
 */
export function createThreadedKernel(singleThreaded: MatmulKernel, minMultiplyAdds = 2 ** 22): ThreadedMatmulKernel | null {
  const NodeWorker = nodeWorker();
  const wasm = NodeWorker === null ? null : WasmMatmul.create({ threads: 2, shared: true, reserved: CONTROL_INTS * 4 });
  if (NodeWorker === null || wasm === null) return null;
  const control = new Int32Array(wasm.memory.buffer, 0, CONTROL_INTS);
  let worker: Worker | null = new NodeWorker(WORKER_SOURCE, {
    eval: true,
    workerData: { module: wasm.module, memory: wasm.memory, workspace: wasm.workspaces[1] },
  });
  // A sleeping worker must not keep the process alive.
  worker.unref();

  const kernel = ((a, b, c, m, k, n, transposeA, transposeB, accumulate) => {
    // Each thread takes whole 8-column panels; below 16 columns there is nothing to split,
    // and an empty product (k = 0 included) is the single-threaded kernel's business.
    if (worker === null || m * k * n < Math.max(minMultiplyAdds, 1) || n < 16) {
      singleThreaded(a, b, c, m, k, n, transposeA, transposeB, accumulate);
      return;
    }
    const job = wasm.stage(a, b, c, m, k, n, transposeA, transposeB, accumulate);
    if (job === null) {
      singleThreaded(a, b, c, m, k, n, transposeA, transposeB, accumulate);
      return;
    }
    const split = Math.ceil(n / 16) * 8;
    // The job first, then the state: the worker reads the job once it sees WORKING.
    control.set([job.a, job.b, job.c, m, k, n, transposeA ? 1 : 0, transposeB ? 1 : 0, accumulate ? 1 : 0, split, n], 1);
    Atomics.store(control, STATE, WORKING);
    Atomics.notify(control, STATE);
    runColumns(wasm.kernel, job, wasm.workspaces[0]!, 0, split);
    // Sleep until the worker sets IDLE (returns at once if it already has).
    while (Atomics.load(control, STATE) === WORKING) Atomics.wait(control, STATE, WORKING);
    wasm.unstage(job, c);
  }) as ThreadedMatmulKernel;

  kernel.stop = () => {
    if (worker === null) return;
    Atomics.store(control, STATE, STOPPING);
    Atomics.notify(control, STATE);
    void worker.terminate();
    worker = null;
  };
  return kernel;
}
