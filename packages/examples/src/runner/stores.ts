/**
 * Where the runner keeps jobs between two runs, so that a killed run
 * resumes: a `JobStore`. Two kinds, declared by an experiment's `store`:
 *
 * - `checkpointStore`: a folder with one checkpoint file per job
 *   (experiments/checkpoint.ts's format: weights, optimizer, batch order and
 *   the experiment's own progress record), replaced atomically while the job
 *   runs; `--resume` continues each job from its file, and skips the jobs
 *   whose file says they finished. The folder is removed once the outputs
 *   are written. `gradlab dead-neurons` and `gradlab train` use it.
 * - `resultsFileStore`: a JSON-lines file with one line per finished job,
 *   appended and fsynced as each job ends; a rerun skips the jobs already in
 *   it (no --resume needed). `gradlab sweep` uses it.
 *
 * Either way a resumed run's outputs are byte-identical to those of a run
 * that never stopped: jobs draw only from their own seeded streams.
 */
import { existsSync, truncateSync } from 'node:fs';
import { MAX_CHECKPOINT_BYTES, readRegularFile } from '@gradlab/nn';
import { UsageError } from '../cli/args.js';
import { CheckpointFile, readCheckpointForResume } from '../cli/checkpoints.js';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint, type ProgressCheck } from '../experiments/checkpoint.js';
import type { TrainingState } from '../experiments/training.js';
import { appendLineDurable, writeOutputFile } from '../io/atomic.js';

/** What a store knows about a job from an earlier run. */
export interface SavedJob<Result> {
  /** The job's result when it finished; null when it stopped part-way (it then resumes from its checkpoint). */
  readonly result: Result | null;
  /** Units of progress it had done (its `work` when finished). */
  readonly unitsDone: number;
  /** Seconds it had run, for timing.json. */
  readonly seconds: number;
}

/** The runner's side of a store. */
export interface JobStore<Job, Result> {
  /** Reads what earlier runs left, by job (`resume`: the user asked to continue); logs what it found. */
  open(jobs: readonly Job[], resume: boolean, log: (line: string) => void): Map<Job, SavedJob<Result>>;
  /** The checkpoint a job writes, or null when this store keeps none. */
  checkpointOf(job: Job, resumes: boolean): JobCheckpoint | null;
  /** Called in the command's thread as each result arrives. */
  add(job: Job, result: Result): void;
  /** Called once the outputs are written: checkpoints are not needed any more. */
  close(): void;
}

/** A job's checkpoint file, as the job sees it (plain data: it is posted to the job's worker thread). */
export interface JobCheckpoint {
  /** The command that writes it: a checkpoint of another command is refused. */
  readonly command: string;
  readonly path: string;
  /** The flags that shape the results, recorded in the file for `--resume` to compare. */
  readonly flags: Record<string, unknown>;
  /** True when the job continues from the file instead of starting. */
  readonly resume: boolean;
}

/**
 * Writes a job's checkpoint (atomically: the previous one stays whole until
 * this one replaces it). `training` is null once the job has finished.
 *
 * @example
 * saveCheckpoint(context.checkpoint!, network.training, { epochs });
 */
export function saveCheckpoint(checkpoint: JobCheckpoint, training: TrainingState | null, progress: unknown): void {
  writeOutputFile(checkpoint.path, encodeCheckpoint(checkpoint.command, checkpoint.flags, training, progress));
}

/** Reads a job's checkpoint back, in the job (the runner has checked its flags already). */
export function loadCheckpoint<Progress>(checkpoint: JobCheckpoint, check: ProgressCheck<Progress>): Checkpoint<Progress> {
  const bytes = readRegularFile(checkpoint.path, { maxBytes: MAX_CHECKPOINT_BYTES, reader: 'checkpoint' });
  return decodeCheckpoint(bytes, checkpoint.path, checkpoint.command, check);
}

/** What an experiment tells `checkpointStore` about its checkpoints. */
export interface CheckpointStoreOptions<Job, Result, Progress> {
  /** The command (recorded in every file; another command's file is refused). */
  readonly command: string;
  /** The folder of the checkpoints, e.g. `<out>/checkpoint`. */
  readonly folder: string;
  /** A job's file name in the folder. */
  fileName(job: Job): string;
  /** The flags that shape the results: recorded in each file, and a resume must give the same. */
  readonly flags: Record<string, unknown>;
  /** Checks the experiment's progress record field by field (experiments/checkpoint.ts). */
  readonly check: ProgressCheck<Progress>;
  /** Throws when a file holds another job than `job` (a renamed file, say). */
  checkOwner?(saved: Checkpoint<Progress>, job: Job, path: string): void;
  /** The job's result if the file says it finished, else null. */
  finished(saved: Checkpoint<Progress>): Result | null;
  /** Units of progress (`work`) the file's job had done. */
  unitsDone(saved: Checkpoint<Progress>): number;
  /** Seconds the file's job had run. */
  seconds(saved: Checkpoint<Progress>): number;
  /** How the resume line describes a job: 'relu seed 0 after epoch 3'. */
  state(job: Job, saved: Checkpoint<Progress> | undefined): string;
  /**
   * A new run (no --resume) where an unfinished run left checkpoints:
   * 'replace' deletes them, 'refuse' stops with a usage error that says to
   * add --resume or delete the folder.
   */
  readonly stale: 'replace' | 'refuse';
  /** Names of files in the folder an earlier gradlab wrote: deleted with the others, and named if --resume finds only them. */
  readonly olderFiles?: readonly string[];
}

/**
 * A store of one checkpoint file per job in a folder (see the top of this
 * file). The folder and its files are removed by `close`, once the outputs
 * are written.
 */
export function checkpointStore<Job, Result, Progress>(options: CheckpointStoreOptions<Job, Result, Progress>): JobStore<Job, Result> {
  const { command, folder } = options;
  const fileOf = (job: Job): CheckpointFile => new CheckpointFile(folder, options.fileName(job));
  let known: readonly Job[] = [];
  const removeAll = (): void => {
    for (const job of known) fileOf(job).remove();
    for (const name of options.olderFiles ?? []) new CheckpointFile(folder, name).remove();
  };
  return {
    open(jobs, resume, log) {
      known = jobs;
      const saved = new Map<Job, SavedJob<Result>>();
      if (!resume) {
        const stale = jobs.map(fileOf).find((file) => existsSync(file.path));
        if (options.stale === 'refuse') {
          if (stale === undefined) return saved;
          throw new UsageError(`${command}: ${stale.path} holds the checkpoint of an unfinished run; ` +
            `run the same command with --resume to continue it, or delete ${folder} to start again`);
        }
        // A fresh run starts over: checkpoints of an earlier run (and their temporary files) must not mix with this one's.
        removeAll();
        return saved;
      }
      const read = new Map<Job, Checkpoint<Progress>>();
      for (const job of jobs) {
        const file = fileOf(job);
        if (!existsSync(file.path)) continue;
        const checkpoint = readCheckpointForResume(command, file.path, options.flags, options.check);
        options.checkOwner?.(checkpoint, job, file.path);
        read.set(job, checkpoint);
      }
      if (read.size === 0) {
        const older = (options.olderFiles ?? []).map((name) => new CheckpointFile(folder, name).path).find((path) => existsSync(path));
        if (older !== undefined) {
          throw new UsageError(`${command}: --resume: ${older} was saved by an earlier gradlab, which kept every job in that one file; this one keeps a file per job and cannot read it; leave out --resume to start again`);
        }
        throw new UsageError(`${command}: --resume: there is no checkpoint in ${folder} (a run saves its checkpoints there after every epoch and removes them when it finishes); leave out --resume to start`);
      }
      log(`${command}: resuming from ${folder}: ${jobs.map((job) => options.state(job, read.get(job))).join(', ')}`);
      let leftovers = 0;
      for (const job of jobs) leftovers += fileOf(job).removeLeftovers();
      if (leftovers > 0) log(`${command}: removed temporary files of an interrupted checkpoint write in ${folder}`);
      for (const [job, checkpoint] of read) {
        saved.set(job, { result: options.finished(checkpoint), unitsDone: options.unitsDone(checkpoint), seconds: options.seconds(checkpoint) });
      }
      return saved;
    },
    checkpointOf(job, resumes) {
      return { command, path: fileOf(job).path, flags: options.flags, resume: resumes };
    },
    add() {
      // The job itself records its end in its checkpoint (with its result), so a resume skips it.
    },
    close: removeAll,
  };
}

/** What an experiment tells `resultsFileStore` about its results file. */
export interface ResultsFileStoreOptions<Job, Result> {
  /** The command, for the notes it logs. */
  readonly command: string;
  /** The JSON-lines file: one finished job's result per line. */
  readonly path: string;
  /** Reads and checks the file's complete lines (a missing file reads as empty); `tornTail` when its last line lacks its newline. */
  read(path: string): { readonly records: readonly Result[]; readonly tornTail: boolean; readonly completeBytes: number };
  /** The id a result was recorded under, and the id of a job: equal for a job and its result. */
  resultId(result: Result): string;
  jobId(job: Job): string;
  /** Units of progress (`work`) of a job, counted done when its result is in the file. */
  work(job: Job): number;
}

/**
 * A store of results in a JSON-lines file (see the top of this file): a
 * rerun skips the jobs whose id is in it, with or without --resume. A last
 * line torn by a kill is cut off first (that job runs again). Each result is
 * appended and fsynced as it arrives, by the command's thread only, so two
 * copies of a job never reach the file.
 */
export function resultsFileStore<Job, Result>(options: ResultsFileStoreOptions<Job, Result>): JobStore<Job, Result> {
  const { path } = options;
  return {
    open(jobs, _resume, log) {
      const existing = options.read(path);
      if (existing.tornTail) {
        log(`${options.command}: ${path} ends in a line cut short by an interruption; dropping it (that run will be redone)`);
        truncateSync(path, existing.completeBytes);
      }
      const byId = new Map(existing.records.map((result) => [options.resultId(result), result]));
      const saved = new Map<Job, SavedJob<Result>>();
      for (const job of jobs) {
        const result = byId.get(options.jobId(job));
        if (result !== undefined) saved.set(job, { result, unitsDone: options.work(job), seconds: 0 });
      }
      return saved;
    },
    checkpointOf: () => null,
    add(_job, result) {
      appendLineDurable(path, JSON.stringify(result));
    },
    close() {
      // The file is the output: it stays.
    },
  };
}
