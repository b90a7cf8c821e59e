/**
 * A worker thread of `gradlab dead-neurons` (started by the command with
 * node:worker_threads): it runs one network, given as `workerData`, with
 * dead-neurons-network.ts's `trainNetwork`, and posts each of its events to
 * the command, which draws the progress and writes the report. A failure is
 * posted as a message naming the error, so the command can say which network
 * failed.
 */
// First: the matmul kernel then uses fused multiply-adds, as in the command's thread (see the module).
import '@gradlab/core/relaxed-simd';
import { parentPort, workerData } from 'node:worker_threads';
import { detectAnomaly } from '@gradlab/core';
import type { Dataset } from '../data/dataset.js';
import { trainNetwork, type NetworkEvent, type NetworkJob } from './dead-neurons-network.js';

/** What the command gives a worker. */
export interface WorkerInput {
  readonly job: NetworkJob;
  readonly data: { readonly train: Dataset; readonly test: Dataset };
  readonly detectAnomaly: boolean;
}

/** What a worker posts: its network's events, or its failure. */
export type WorkerMessage = NetworkEvent | { readonly type: 'failed'; readonly message: string };

/** Training steps per progress message. */
const STEPS_PER_MESSAGE = 20;

const input = workerData as WorkerInput;
const post = (message: WorkerMessage): void => parentPort!.postMessage(message);
detectAnomaly(input.detectAnomaly);
try {
  trainNetwork(input.job, input.data, post, STEPS_PER_MESSAGE);
} catch (error) {
  post({ type: 'failed', message: (error as Error).message });
}
