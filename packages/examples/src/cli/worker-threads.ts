/**
 * Running independent jobs in worker threads (node:worker_threads), for the
 * commands whose work splits into parts that need nothing from each other:
 * `gradlab dead-neurons` (one network per job) and `gradlab born-dead` (a
 * share of the grid's cells per job).
 *
 * The protocol is small. A job's thread runs `script` with the job's
 * `workerData`, posts messages that this thread hands to `onMessage`, and
 * ends with a message of type 'done'; or posts { type: 'failed', message }
 * when its work throws (see `runJobInThread`). A thread that stops without
 * either is a failure too. Results are the same bits whichever thread runs
 * a job: each job draws only from its own seeded streams.
 */
import { setFlagsFromString } from 'node:v8';
import { parentPort, Worker, workerData } from 'node:worker_threads';

/** What every job's thread posts last: its end, or its failure. */
export type JobEnd = { readonly type: 'done' } | { readonly type: 'failed'; readonly message: string };

/**
 * Runs `jobs` in worker threads of `script`, one thread per job and at most
 * `threads` at once, and hands every message to `onMessage` in this thread.
 * Rejects on the first job that fails (naming it with `describe`), after
 * stopping the others.
 *
 * @example
 * await runInWorkerThreads(new URL('./dead-neurons-worker.js', import.meta.url), jobs, 3,
 *   (job) => ({ job, data }), (message) => progress.tick(…), (job) => `the ${job.activation} network`);
 */
export function runInWorkerThreads<Job, Message extends { readonly type: string }>(
  script: URL,
  jobs: readonly Job[],
  threads: number,
  input: (job: Job) => unknown,
  onMessage: (message: Message, job: Job) => void,
  describe: (job: Job) => string,
): Promise<void> {
  avoidDrainDeadlock();
  const queue = [...jobs];
  const running = new Set<Worker>();
  let failed = false;
  return new Promise((resolve, reject) => {
    const fail = (error: Error): void => {
      if (failed) return;
      failed = true;
      for (const worker of running) void worker.terminate();
      reject(error);
    };
    const startNext = (): void => {
      const job = queue.shift();
      if (job === undefined) {
        if (running.size === 0) resolve();
        return;
      }
      const worker = new Worker(script, { workerData: input(job) });
      running.add(worker);
      let done = false;
      worker.on('message', (message: Message) => {
        if (failed) return;
        const end = message as unknown as JobEnd;
        if (end.type === 'failed') {
          fail(new Error(jobFailed(describe(job), end.message)));
          return;
        }
        if (end.type === 'done') done = true;
        try {
          onMessage(message, job);
        } catch (error) {
          fail(error as Error);
        }
      });
      worker.on('error', (error) => fail(new Error(`${describe(job)}: its worker thread failed: ${error.message}`)));
      worker.on('exit', (code) => {
        running.delete(worker);
        if (failed) return;
        if (!done) fail(new Error(`${describe(job)}: its worker thread stopped (exit code ${code}) before it was done`));
        else startNext();
      });
    };
    for (let started = 0; started < Math.min(threads, jobs.length); started++) startNext();
    if (jobs.length === 0) resolve();
  });
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

/**
 * The body of a job's thread: runs `work` on this thread's `workerData`,
 * giving it a function that posts messages to the command, and posts the
 * failure if it throws. `work` posts its own 'done' message last.
 */
export function runJobInThread<Input, Message>(work: (input: Input, post: (message: Message | JobEnd) => void) => void): void {
  const post = (message: Message | JobEnd): void => parentPort!.postMessage(message);
  try {
    work(workerData as Input, post);
  } catch (error) {
    post({ type: 'failed', message: (error as Error).message });
  }
}
