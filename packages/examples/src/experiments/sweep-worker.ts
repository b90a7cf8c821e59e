/**
 * A sweep worker process (started by sweep-pool.ts with child_process.fork).
 * It receives one run at a time over IPC, trains and measures it, and sends
 * the record back. It never writes files: the parent is the only writer, so
 * a killed sweep cannot leave two copies of a run. A run whose loss becomes
 * NaN is a record like any other (its `diverged` field says where); with
 * `--detect-anomaly` (passed by the pool on the worker's command line) the
 * first NaN or Infinity of any op fails the run with the op's name instead.
 */
// First: the matmul kernel then uses fused multiply-adds, as in the parent process (see the module).
import '@gradlab/core/relaxed-simd';
import { detectAnomaly } from '@gradlab/core';
import { firstImages, type Dataset } from '../data/dataset.js';
import { loadData, type DataOptions } from '../data/load.js';
import { runOneActivation } from './dead-neurons.js';
import { toRecord, type SweepRun } from './sweep.js';

/** A message from the parent. */
export type ToWorker = { readonly type: 'run'; readonly run: SweepRun };
/** A message to the parent. */
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'steps'; readonly steps: number }
  | { readonly type: 'done'; readonly id: string; readonly record: unknown; readonly unreportedSteps: number }
  | { readonly type: 'failed'; readonly id: string; readonly message: string };

const loaded = new Map<string, { train: Dataset; test: Dataset }>();

function dataFor(options: DataOptions): { train: Dataset; test: Dataset } {
  const key = JSON.stringify(options);
  let data = loaded.get(key);
  if (!data) loaded.set(key, (data = loadData(options)));
  return data;
}

function send(message: FromWorker): void {
  process.send?.(message);
}

if (process.argv.includes('--detect-anomaly')) detectAnomaly(true);

// The parent is gone (finished, or killed): stop instead of computing for nobody.
process.on('disconnect', () => process.exit(0));

process.on('message', (message: ToWorker) => {
  if (message.type !== 'run') return;
  const { run } = message;
  try {
    const { train, test } = dataFor(run.data);
    const measured = firstImages(train, run.config.measureSize);
    let unreportedSteps = 0;
    const result = runOneActivation(run.config, run.config.activations[0]!, run.config.seeds[0]!, train, test, measured, {
      // Steps are reported in batches of 20: a message per step would cost more than the step.
      onStep: () => {
        if (++unreportedSteps === 20) {
          send({ type: 'steps', steps: unreportedSteps });
          unreportedSteps = 0;
        }
      },
    });
    send({ type: 'done', id: run.id, record: toRecord(run, result), unreportedSteps });
  } catch (error) {
    send({ type: 'failed', id: run.id, message: (error as Error).message });
  }
});

send({ type: 'ready' });
