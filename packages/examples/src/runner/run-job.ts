/**
 * Runs one job with a `JobContext`, in whichever thread calls it: a worker
 * thread (worker.ts) or the command's own (`--workers 1`). Progress units
 * are gathered and passed on at most every PROGRESS_INTERVAL_MS, and before
 * every event and at the end: a message per training step would cost a
 * worker thread more than the step.
 */
import type { FlagTable } from '../cli/args.js';
import type { Experiment, JobContext } from './experiment.js';
import type { JobCheckpoint } from './stores.js';

/** How often gathered progress units are passed on. */
const PROGRESS_INTERVAL_MS = 100;

/** Where a job's progress and events go. */
export interface JobOutlet<Event> {
  progress(units: number): void;
  event(event: Event): void;
}

/**
 * Runs `job` and returns its result and the seconds it took. Exceptions
 * propagate (the caller names the job).
 */
export function runJobHere<Flags extends FlagTable, Config, Job, Result, Event, Shared>(
  experiment: Experiment<Flags, Config, Job, Result, Event, Shared>,
  job: Job,
  shared: Shared,
  checkpoint: JobCheckpoint | null,
  outlet: JobOutlet<Event>,
): { result: Result; seconds: number } {
  const startedAt = Date.now();
  let units = 0;
  let lastFlush = startedAt;
  const flush = (): void => {
    if (units > 0) outlet.progress(units);
    units = 0;
    lastFlush = Date.now();
  };
  const context: JobContext<Event> = {
    progress(more) {
      units += more;
      if (Date.now() - lastFlush >= PROGRESS_INTERVAL_MS) flush();
    },
    post(event) {
      flush();
      outlet.event(event);
    },
    checkpoint,
  };
  const result = experiment.runJob(job, shared, context);
  flush();
  return { result, seconds: (Date.now() - startedAt) / 1000 };
}
