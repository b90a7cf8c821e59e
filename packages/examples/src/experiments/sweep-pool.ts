/**
 * Runs sweep runs in a pool of worker processes and appends each finished
 * run to the results file the moment it arrives.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { appendLineDurable } from '../io/atomic.js';
import type { SweepRun } from './sweep.js';
import type { FromWorker, ToWorker } from './sweep-worker.js';

/** Progress callbacks of `runPool`. */
export interface PoolHooks {
  /** Training steps finished by some worker (reported in batches). */
  onSteps?(steps: number): void;
  /** After a run's record has been appended and synced. */
  onRunDone?(run: SweepRun): void;
}

/**
 * Runs `runs` on `workers` processes; each record is appended to
 * `resultsPath` (one JSON line, fsynced) as soon as its run finishes.
 * Rejects on the first failed run, after stopping the workers. With
 * `detectAnomaly`, the workers run with core's anomaly detection on.
 */
export function runPool(runs: readonly SweepRun[], workers: number, resultsPath: string, hooks: PoolHooks = {}, detectAnomaly = false): Promise<void> {
  const workerScript = fileURLToPath(new URL('./sweep-worker.js', import.meta.url));
  const queue = [...runs];
  const children: ChildProcess[] = [];
  let finished = 0;
  return new Promise((resolve, reject) => {
    if (queue.length === 0) {
      resolve();
      return;
    }
    let failed = false;
    const stopAll = (): void => {
      for (const child of children) if (child.connected) child.disconnect();
    };
    const fail = (error: Error): void => {
      if (failed) return;
      failed = true;
      stopAll();
      reject(error);
    };
    const feed = (child: ChildProcess): void => {
      const run = queue.shift();
      if (run === undefined) {
        child.disconnect();
        return;
      }
      (child as ChildProcess & { currentRun?: SweepRun }).currentRun = run;
      child.send({ type: 'run', run } satisfies ToWorker);
    };
    const count = Math.max(1, Math.min(workers, queue.length));
    for (let i = 0; i < count; i++) {
      const child = fork(workerScript, detectAnomaly ? ['--detect-anomaly'] : [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
      children.push(child);
      child.on('message', (message: FromWorker) => {
        if (failed) return;
        if (message.type === 'ready') feed(child);
        else if (message.type === 'steps') hooks.onSteps?.(message.steps);
        else if (message.type === 'done') {
          try {
            appendLineDurable(resultsPath, JSON.stringify(message.record));
          } catch (error) {
            // In a message handler a throw would be uncaught (a stack trace); fail the pool instead.
            fail(error as Error);
            return;
          }
          if (message.unreportedSteps > 0) hooks.onSteps?.(message.unreportedSteps);
          const run = (child as ChildProcess & { currentRun?: SweepRun }).currentRun!;
          hooks.onRunDone?.(run);
          finished++;
          if (finished === runs.length) {
            stopAll();
            resolve();
          } else {
            feed(child);
          }
        } else if (message.type === 'failed') {
          fail(new Error(`run ${message.id} failed: ${message.message}`));
        }
      });
      child.on('exit', (code, signal) => {
        if (!failed && finished < runs.length && (code !== 0 || signal !== null)) {
          fail(new Error(`a sweep worker stopped (${signal ?? `exit code ${code}`}) before all runs finished`));
        }
      });
    }
  });
}
