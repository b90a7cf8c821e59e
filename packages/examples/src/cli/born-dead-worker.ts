/**
 * A worker thread of `gradlab born-dead` (started by the command through
 * worker-threads.ts): it measures its share of the grid's cells with
 * experiments/born-dead.ts's `measureBornDeadCell` and posts each cell, and
 * the networks done so far for the progress bar, to the command.
 */
// First: the matmul kernel then uses fused multiply-adds, as in the command's thread (see the module).
import '@gradlab/core/relaxed-simd';
import { Tensor } from '@gradlab/core';
import { measureBornDeadCell, type BornDeadCell, type BornDeadCellKey, type BornDeadConfig } from '../experiments/born-dead.js';
import { runJobInThread } from './worker-threads.js';

/** What the command gives a worker: the config, the inputs, and its cells with their places in the grid. */
export interface BornDeadWorkerInput {
  readonly config: BornDeadConfig;
  readonly inputs: { readonly data: Float32Array; readonly shape: readonly number[] };
  readonly cells: ReadonlyArray<{ readonly index: number; readonly key: BornDeadCellKey }>;
}

/** What a worker posts before its 'done'. */
export type BornDeadWorkerMessage =
  | { readonly type: 'networks'; readonly count: number }
  | { readonly type: 'cell'; readonly index: number; readonly cell: BornDeadCell }
  | { readonly type: 'done' };

/** Networks per progress message. */
const NETWORKS_PER_MESSAGE = 100;

runJobInThread<BornDeadWorkerInput, BornDeadWorkerMessage>(({ config, inputs, cells }, post) => {
  const tensor = new Tensor(inputs.data, inputs.shape);
  let unreported = 0;
  for (const { index, key } of cells) {
    const cell = measureBornDeadCell(config, tensor, key, () => {
      if (++unreported === NETWORKS_PER_MESSAGE) {
        post({ type: 'networks', count: unreported });
        unreported = 0;
      }
    });
    post({ type: 'cell', index, cell });
  }
  if (unreported > 0) post({ type: 'networks', count: unreported });
  post({ type: 'done' });
});
