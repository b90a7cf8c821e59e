/**
 * `gradlab sweep --status DIR`: the state of every shard of a sweep, from its
 * shard files, their locks, and Slurm's `sacct`/`squeue` when present.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readResultsFile } from '../experiments/sweep.js';
import { ownerState, readLockOwner } from '../io/file-lock.js';
import { markdownTable } from '../report/markdown.js';
import { MANIFEST_FILE, readManifest, type SweepManifest } from './manifest.js';
import { mergeRuns, runsOfShard, sweepFolderFiles } from './merge.js';
import { shardFileName } from './shards.js';
import { queueView, runProgram, SBATCH_SCRIPT, shellQuote, type CommandRunner, type QueueView } from './slurm.js';

/** The state of one shard. */
export type ShardState = 'done' | 'running' | 'pending' | 'failed' | 'missing';

/** One row of the status table. */
export interface ShardStatus {
  readonly index: number;
  readonly runs: number;
  readonly done: number;
  readonly state: ShardState;
  /** What the state rests on: the scheduler's word, the lock's owner. */
  readonly detail: string;
}

/** Everything `--status` prints. */
export interface SweepStatus {
  readonly dir: string;
  readonly manifest: SweepManifest;
  readonly shards: ShardStatus[];
  readonly queueNote: string;
  /** Indices to run again (failed or missing), ascending. */
  readonly rerun: number[];
}

/** Slurm states of a task that has ended (sacct/squeue names): a shard still short of runs then failed. */
const ENDED_STATES = new Set(['FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'BOOT_FAIL', 'DEADLINE', 'PREEMPTED', 'REVOKED', 'COMPLETED']);
/** Slurm states of a task that is waiting to run. */
const PENDING_STATES = new Set(['PENDING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESV_DEL_HOLD', 'SUSPENDED', 'STOPPED', 'SPECIAL_EXIT']);
/** Slurm states of a task that is running. */
const RUNNING_STATES = new Set(['RUNNING', 'COMPLETING', 'CONFIGURING', 'RESIZING', 'SIGNALING', 'STAGE_OUT']);

/**
 * Works out the state of each shard of the sweep in `dir`. Needs the
 * folder's sweep.json (the grid and the number of shards).
 *
 * A shard is done when all its runs are in the sweep's files (whichever
 * file); else running when its lock's owner is alive here or Slurm says
 * running; pending when Slurm says so; failed when Slurm's last word on its
 * task is an end without all the runs; missing otherwise (never started, or
 * no scheduler to ask).
 */
export function sweepStatus(dir: string, run: CommandRunner = runProgram): SweepStatus {
  const manifest = readManifest(dir);
  if (manifest === undefined) {
    throw new Error(`${join(dir, MANIFEST_FILE)} does not exist: --status reads the sweep's folder as written by --slurm, --emit k8s or a --shard run (without --out)`);
  }
  const merged = mergeRuns(sweepFolderFiles(dir).map((file) => ({ path: file.path, records: readResultsFile(file.path).records })), manifest);
  const finished = new Set(merged.records.map((record) => record.id));
  const queue: QueueView = manifest.slurm !== undefined ? queueView(dir, run) : { tasks: new Map(), note: 'not submitted to Slurm by gradlab: states from the shard files and their locks' };
  const shards = Array.from({ length: manifest.shards }, (_, position): ShardStatus => {
    const index = position + 1;
    const ids = runsOfShard(manifest, index);
    const done = ids.filter((id) => finished.has(id)).length;
    const task = queue.tasks.get(index);
    const slurmWord = task === undefined ? '' : `Slurm ${task.jobId}_${index} ${task.state}`;
    const base = { index, runs: ids.length, done };
    if (done === ids.length) return { ...base, state: 'done', detail: slurmWord };
    const owner = readLockOwner(join(dir, `${shardFileName({ index, count: manifest.shards })}.lock`));
    const lockState = owner ? ownerState(owner) : undefined;
    if (owner && lockState === 'alive') return { ...base, state: 'running', detail: [slurmWord, `process ${owner.pid} on ${owner.host}`].filter(Boolean).join('; ') };
    if (task !== undefined && RUNNING_STATES.has(task.state)) return { ...base, state: 'running', detail: slurmWord };
    if (task !== undefined && PENDING_STATES.has(task.state)) return { ...base, state: 'pending', detail: slurmWord };
    if (task !== undefined && ENDED_STATES.has(task.state)) return { ...base, state: 'failed', detail: slurmWord };
    if (owner && lockState === 'elsewhere') return { ...base, state: 'running', detail: `lock held by process ${owner.pid} on ${owner.host} (not checked from here)` };
    return { ...base, state: 'missing', detail: [slurmWord, owner ? `stale lock of process ${owner.pid}` : ''].filter(Boolean).join('; ') };
  });
  const rerun = shards.filter((shard) => shard.state === 'failed' || shard.state === 'missing').map((shard) => shard.index);
  return { dir, manifest, shards, queueNote: queue.note, rerun };
}

/**
 * The text `--status` prints: a line of totals, a table of shards, and the
 * commands that rerun the failed or missing ones.
 */
export function statusText(status: SweepStatus): string {
  const { manifest } = status;
  const done = status.shards.reduce((sum, shard) => sum + shard.done, 0);
  const counts = (['done', 'running', 'pending', 'failed', 'missing'] as const)
    .map((state) => [state, status.shards.filter((shard) => shard.state === state).length] as const)
    .filter(([, count]) => count > 0).map(([state, count]) => `${count} ${state}`);
  const lines = [
    `sweep ${status.dir}: ${done} of ${manifest.runs.length} runs done; ${manifest.shards} shards: ${counts.join(', ')} (${status.queueNote})`,
    '',
    markdownTable(['Shard', 'Runs', 'Done', 'State', 'Detail'], status.shards.map((shard) =>
      [`${shard.index}/${manifest.shards}`, String(shard.runs), String(shard.done), shard.state, shard.detail || '–'])),
  ];
  if (status.rerun.length > 0) {
    const list = status.rerun.join(',');
    lines.push('', `To rerun shard${status.rerun.length > 1 ? 's' : ''} ${list}:`);
    if (manifest.slurm !== undefined && existsSync(join(status.dir, SBATCH_SCRIPT))) {
      lines.push(`  sbatch --array=${list} ${shellQuote(join(status.dir, SBATCH_SCRIPT))}`);
    }
    const first = status.rerun[0]!;
    lines.push(`  or on any machine, one shard at a time: gradlab ${manifest.command.map(shellQuote).join(' ')} --dir ${shellQuote(status.dir)} --shard ${first}/${manifest.shards}`);
  } else if (done === manifest.runs.length) {
    lines.push('', `All runs are done. Merge them: gradlab report ${shellQuote(status.dir)}`);
  }
  return lines.join('\n');
}
