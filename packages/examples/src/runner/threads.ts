/**
 * The runner's one worker mechanism: a pool of worker threads
 * (node:worker_threads), each running worker.ts.
 *
 * A thread starts with the experiment's module URL and its shared data
 * (posted once per thread), then takes jobs one at a time from the pool's
 * queue until there are none left. It posts, per job, progress units and the
 * experiment's events, then the job's result (or its failure). Messages are
 * structured clones: typed arrays and nested objects arrive as they left.
 *
 * Why threads, not processes: one process holds the data once per thread
 * instead of loading it again in each child, WebAssembly modules are shared
 * between threads, and a result arrives as a structured clone instead of JSON
 * text (measured for `gradlab sweep`: docs/performance.md, "One worker
 * mechanism"). Processes across machines come from Slurm or Kubernetes
 * (`gradlab sweep --shard`), not from this pool.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';

/** What the pool posts to a thread. */
export type ToThread<Job> = { readonly type: 'job'; readonly index: number; readonly job: Job; readonly checkpoint: unknown };

/** What a thread posts to the pool. */
export type FromThread<Event, Result> =
  | { readonly type: 'progress'; readonly units: number }
  | { readonly type: 'event'; readonly event: Event }
  | { readonly type: 'result'; readonly index: number; readonly result: Result; readonly seconds: number }
  | { readonly type: 'failed'; readonly index: number; readonly message: string };

/** What a thread is started with (its `workerData`). */
export interface ThreadStart {
  /** The URL of the experiment's declaration module (its default export is the experiment). */
  readonly module: string;
  readonly shared: unknown;
  readonly detectAnomaly: boolean;
}

/** What the pool tells its caller, in the command's thread. */
export interface PoolHandlers<Job, Event, Result> {
  progress(units: number): void;
  event(event: Event, job: Job): void;
  result(job: Job, result: Result, seconds: number): void;
}

/**
 * Runs `jobs` on `threads` worker threads (each taking the next job when it
 * is done with one), handing messages to `handlers`. Rejects on the first
 * job that fails, with the message `failure` makes of it, after stopping the threads.
 *
 * @example
 * await runInThreads({ module: experiment.module, shared, detectAnomaly: false }, jobs, checkpoints, 2, handlers, (job, message) => `${job.name} failed: ${message}`);
 */
export function runInThreads<Job, Event, Result>(
  start: ThreadStart,
  jobs: readonly Job[],
  checkpoints: readonly unknown[],
  threads: number,
  handlers: PoolHandlers<Job, Event, Result>,
  failure: (job: Job, message: string) => string,
): Promise<void> {
  avoidDrainDeadlock();
  const script = new URL(builtModule(new URL('./worker.js', import.meta.url).href));
  const workerData: ThreadStart = { ...start, module: builtModule(start.module) };
  let next = 0;
  let finished = 0;
  let failed = false;
  const workers = new Set<Worker>();
  return new Promise((resolve, reject) => {
    if (jobs.length === 0) {
      resolve();
      return;
    }
    const fail = (error: Error): void => {
      if (failed) return;
      failed = true;
      for (const worker of workers) void worker.terminate();
      reject(error);
    };
    const feed = (worker: Worker): boolean => {
      if (next >= jobs.length) return false;
      const index = next++;
      worker.postMessage({ type: 'job', index, job: jobs[index]!, checkpoint: checkpoints[index] } satisfies ToThread<Job>);
      return true;
    };
    const startThread = (): void => {
      const worker = new Worker(script, { workerData });
      workers.add(worker);
      let current: Job | undefined;
      const fed = (): void => {
        current = next < jobs.length ? jobs[next] : undefined;
        if (!feed(worker)) void worker.terminate();
      };
      fed();
      worker.on('message', (message: FromThread<Event, Result>) => {
        if (failed) return;
        try {
          if (message.type === 'progress') handlers.progress(message.units);
          else if (message.type === 'event') handlers.event(message.event, current!);
          else if (message.type === 'failed') fail(new Error(failure(jobs[message.index]!, message.message)));
          else {
            handlers.result(jobs[message.index]!, message.result, message.seconds);
            if (++finished === jobs.length) resolve();
            fed();
          }
        } catch (error) {
          // A throw in a message handler would be uncaught (a stack trace): fail the pool instead.
          fail(error as Error);
        }
      });
      worker.on('error', (error) => fail(new Error(failure(current!, `its worker thread failed: ${error.message}`))));
      worker.on('exit', (code) => {
        workers.delete(worker);
        if (!failed && current !== undefined && finished < jobs.length) {
          fail(new Error(failure(current, `its worker thread stopped (exit code ${code}) before it was done`)));
        }
      });
    };
    for (let thread = 0; thread < Math.min(threads, jobs.length); thread++) startThread();
  });
}

/**
 * The module a worker thread can load: itself when it is JavaScript, its
 * built twin in dist/ when it is a TypeScript source (the tests run the
 * command in-process from src/ through vitest; a worker thread of plain
 * Node cannot load TypeScript, so there the threads run the build).
 *
 * @example
 * builtModule('file:///repo/packages/examples/src/experiments/train-experiment.ts');
 * // 'file:///repo/packages/examples/dist/experiments/train-experiment.js'
 */
export function builtModule(url: string): string {
  const source = /^(.*)\/src\/(.*)\.(?:ts|js)$/.exec(url);
  if (source === null) return url;
  const [, root, path] = source;
  // Not a TypeScript source of ours (a user's JavaScript under some src/ folder): leave it.
  if (!existsSync(fileURLToPath(`${root}/src/${path}.ts`))) return url;
  return `${root}/dist/${path}.js`;
}

/**
 * Turns off V8's background (concurrent) TurboFan compilation for the rest of
 * the process, before the first worker thread starts. Node 20 can otherwise
 * hang for good (nodejs/node#54918): a thread that has run its JavaScript
 * waits in NodePlatform::DrainTasks for the process's background tasks to
 * finish, while a background TurboFan job of some thread waits for that
 * thread's garbage collection, which cannot run while it waits. `gradlab
 * born-dead --workers 3` hung in 5 of 25 runs here (gdb showed that cycle),
 * and in 0 of 40 with this flag (dead-neurons: 0 of 30). Functions are then
 * optimised on their own thread, which cost nothing measurable here: the
 * default dead-neurons run took 10.2-10.9 s against 11.6-13.0 s without the
 * flag, born-dead 23.0-25.1 s against 22.3-24.3 s, with the same results.
 */
function avoidDrainDeadlock(): void {
  setFlagsFromString('--no-concurrent-recompilation');
}

/** The message of a job's failure, the same whether it ran in a worker thread or not. */
export function jobFailed(job: string, message: string): string {
  return `${job} failed: ${message}`;
}
