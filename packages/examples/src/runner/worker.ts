/**
 * The body of every worker thread of the runner (threads.ts): it imports
 * the experiment's declaration module once, then runs each job the pool
 * posts with the experiment's `runJob`, posting progress, events and the
 * result (or the failure) back.
 */
// First: the matmul kernel then uses fused multiply-adds, as in the command's thread (see the module).
import '@gradlab/core/relaxed-simd';
import { detectAnomaly } from '@gradlab/core';
import { parentPort, workerData } from 'node:worker_threads';
import type { AnyExperiment } from './experiment.js';
import { runJobHere } from './run-job.js';
import type { JobCheckpoint } from './stores.js';
import type { FromThread, ThreadStart, ToThread } from './threads.js';

const start = workerData as ThreadStart;
const experiment = ((await import(start.module)) as { default: AnyExperiment }).default;
detectAnomaly(start.detectAnomaly);
const post = (message: FromThread<unknown, unknown>): void => parentPort!.postMessage(message);

parentPort!.on('message', (message: ToThread<unknown>) => {
  const { index, job } = message;
  try {
    const { result, seconds } = runJobHere(experiment, job, start.shared, message.checkpoint as JobCheckpoint | null, {
      progress: (units) => post({ type: 'progress', units }),
      event: (event) => post({ type: 'event', event }),
    });
    post({ type: 'result', index, result, seconds });
  } catch (error) {
    post({ type: 'failed', index, message: (error as Error).message });
  }
});
