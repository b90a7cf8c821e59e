/**
 * The command-line side of checkpoints (the format is experiments/checkpoint.ts):
 * the `--resume` and `--detect-anomaly` flags, where a command keeps its
 * checkpoint, and reading one back with an error that says what is wrong.
 *
 * A command saves its checkpoint after every epoch (atomically: the previous
 * checkpoint stays whole until the new one has replaced it) and removes it
 * once the final outputs are written: `gradlab train` one file,
 * `<checkpoint folder>/last.safetensors`; `gradlab dead-neurons` one per
 * network (cli/dead-neurons-network.ts).
 */
import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { detectAnomaly } from '@gradlab/core';
import { MAX_CHECKPOINT_BYTES, readRegularFile, removeLeftoverTemporaries } from '@gradlab/nn';
import { writeOutputFile } from '../io/atomic.js';
import { decodeCheckpoint, firstFlagMismatch, type Checkpoint, type ProgressCheck } from '../experiments/checkpoint.js';
import { flagName, UsageError } from './args.js';

/** Flags of the commands that train: resume from a checkpoint, and look for the op that makes a NaN. */
export const trainingRunFlags = {
  resume: { kind: 'boolean', description: 'Continue from the checkpoint a run with the same flags saved after its last finished epoch' },
  detectAnomaly: { kind: 'boolean', description: 'Check every op and gradient for NaN/Infinity and stop at the first, naming the op (slower)' },
} as const;

/** The file name of the checkpoint inside a command's checkpoint folder. */
export const CHECKPOINT_FILE = 'last.safetensors';

/**
 * Runs `run` with core's anomaly detection on or off (--detect-anomaly), and
 * puts the previous setting back afterwards, whatever happens.
 */
export function withAnomalyDetection<T>(enabled: boolean, run: () => T): T {
  const previous = detectAnomaly(enabled);
  try {
    return run();
  } finally {
    detectAnomaly(previous);
  }
}

/** Flags that say where outputs go or how a run is watched or spread over cores, not what it computes. */
const NOT_SHAPING_RESULTS = new Set(['out', 'resume', 'detectAnomaly', 'workers']);

/**
 * The flag values that shape a run's results: all of them except --out,
 * --resume, --detect-anomaly and --workers. A checkpoint records them, and a
 * resume must give the same.
 */
export function resultFlags(options: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([key]) => !NOT_SHAPING_RESULTS.has(key)));
}

function describeFlag(key: string, value: unknown): string {
  return `--${flagName(key)} ${Array.isArray(value) ? value.join(',') : String(value)}`;
}

/**
 * Reads the checkpoint at `path` for `--resume`. Throws a UsageError (exit
 * code 2) when there is none, or when it was made with other flags, naming the
 * first flag that differs; an Error (exit code 1) when the file is damaged,
 * names a field of the wrong type or range (`checkProgress` checks the
 * command's progress record), or claims more epochs done than `--epochs`.
 */
export function readCheckpointForResume<Progress>(
  command: string,
  path: string,
  flags: Readonly<Record<string, unknown>>,
  checkProgress?: ProgressCheck<Progress>,
): Checkpoint<Progress> {
  let bytes: Uint8Array;
  try {
    bytes = readRegularFile(path, { maxBytes: MAX_CHECKPOINT_BYTES, reader: 'checkpoint' });
  } catch (error) {
    if (((error as Error).cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
      throw new UsageError(`${command}: --resume: there is no checkpoint ${path} (a run saves one there after every epoch and removes it when it finishes); leave out --resume to start`);
    }
    throw new Error(`--resume: ${(error as Error).message}`, { cause: error });
  }
  let checkpoint: Checkpoint<Progress>;
  try {
    checkpoint = decodeCheckpoint<Progress>(bytes, path, command, checkProgress);
  } catch (error) {
    throw new Error(`--resume: ${(error as Error).message}; delete it, or leave out --resume to start again`, { cause: error });
  }
  const mismatch = firstFlagMismatch(checkpoint.flags, flags);
  if (mismatch !== null) {
    const made = mismatch.saved === undefined ? `without --${flagName(mismatch.key)}` : `with ${describeFlag(mismatch.key, mismatch.saved)}`;
    const asked = mismatch.current === undefined ? `no --${flagName(mismatch.key)}` : describeFlag(mismatch.key, mismatch.current);
    throw new UsageError(`${command}: --resume: the checkpoint ${path} was made ${made}, but this run has ${asked}; give the same flags to resume it, or leave out --resume to start again`);
  }
  const epochs = flags['epochs'];
  if (checkpoint.training !== null && typeof epochs === 'number' && checkpoint.training.epochsDone > epochs) {
    throw new Error(`--resume: checkpoint: ${path}: field training.epochsDone is ${checkpoint.training.epochsDone}, more than --epochs ${epochs}; `
      + 'the file is damaged: delete it, or leave out --resume to start again');
  }
  return checkpoint;
}

/**
 * Refuses to start a new run where an unfinished one left its checkpoint (the
 * new run would overwrite it after its first epoch): a UsageError (exit code 2)
 * naming the two ways forward, --resume or deleting the checkpoint folder.
 */
export function refuseToOverwriteCheckpoint(command: string, checkpoint: CheckpointFile): void {
  if (!existsSync(checkpoint.path)) return;
  throw new UsageError(
    `${command}: ${checkpoint.path} holds the checkpoint of an unfinished run; ` +
    `run the same command with --resume to continue it, or delete ${checkpoint.folder} to start again`,
  );
}

/**
 * Saves and removes one checkpoint file, `<folder>/<name>`: `gradlab train`'s
 * last.safetensors (the default name), or one network's of `gradlab dead-neurons`.
 */
export class CheckpointFile {
  constructor(readonly folder: string, readonly name: string = CHECKPOINT_FILE) {}

  /** The checkpoint's path: `<folder>/<name>`. */
  get path(): string {
    return join(this.folder, this.name);
  }

  /** Replaces the checkpoint atomically with `bytes` (from encodeCheckpoint). */
  save(bytes: Uint8Array): void {
    writeOutputFile(this.path, bytes);
  }

  /**
   * Deletes temporary files that killed runs left in the folder
   * (`<name>.tmp-<pid>-<hex>`), unless their process is still
   * running: nn's `removeLeftoverTemporaries`. Returns how many were deleted.
   * (The next checkpoint write would remove them too; a run calls this first
   * so that it can say so.)
   */
  removeLeftovers(): number {
    return removeLeftoverTemporaries(this.path);
  }

  /** Deletes the checkpoint, and the folder if nothing else is in it. */
  remove(): void {
    rmSync(this.path, { force: true });
    this.removeLeftovers();
    if (existsSync(this.folder) && readdirSync(this.folder).length === 0) rmdirSync(this.folder);
  }
}
