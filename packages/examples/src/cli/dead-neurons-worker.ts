/**
 * A worker thread of `gradlab dead-neurons` (started by the command through
 * worker-threads.ts): it runs one network, given as `workerData`, with
 * dead-neurons-network.ts's `trainNetwork`, and posts each of its events to
 * the command, which draws the progress and writes the report. The last
 * event, 'done', carries the finished run.
 */
// First: the matmul kernel then uses fused multiply-adds, as in the command's thread (see the module).
import '@gradlab/core/relaxed-simd';
import { detectAnomaly } from '@gradlab/core';
import type { Dataset } from '../data/dataset.js';
import { trainNetwork, type NetworkEvent, type NetworkJob } from './dead-neurons-network.js';
import { runJobInThread } from './worker-threads.js';

/** What the command gives a worker. */
export interface WorkerInput {
  readonly job: NetworkJob;
  readonly data: { readonly train: Dataset; readonly test: Dataset };
  readonly detectAnomaly: boolean;
}

/** Training steps per progress message. */
const STEPS_PER_MESSAGE = 20;

runJobInThread<WorkerInput, NetworkEvent>((input, post) => {
  detectAnomaly(input.detectAnomaly);
  trainNetwork(input.job, input.data, post, STEPS_PER_MESSAGE);
});
