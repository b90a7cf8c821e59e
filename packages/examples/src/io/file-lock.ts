/**
 * A lock file beside a file that one process at a time may write (a sweep's
 * results file, one per shard): `<path>.lock`, created with O_EXCL, holding
 * who owns it as JSON.
 *
 * A lock outlives a process killed with SIGKILL, so an existing lock is only
 * respected while its owner may still be running. It is stale, and taken
 * over, when
 *  - its owner ran on this host and that process id is gone; or
 *  - its owner was the same scheduler task as this process (the same
 *    SLURM_JOB_ID, or the same Kubernetes job and completion index): a
 *    scheduler never runs one task twice at once, so the owner was this
 *    task's earlier life, before a requeue or a pod restart, maybe on another
 *    node.
 * Anything else (a live process here, or another task on another host) is
 * refused with an error naming the owner and the lock file.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileProblem } from '@gradlab/nn';

/** What a lock file records about its owner. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** The scheduler task that ran the owner: "slurm:1234" or "k8s:sweep-x:3"; null outside a scheduler. */
  readonly task: string | null;
  /** ISO time the lock was taken. */
  readonly since: string;
}

/** A held lock. */
export interface FileLock {
  readonly path: string;
  /** Removes the lock file if it is still this process's. Idempotent. */
  release(): void;
}

/**
 * The scheduler task this process runs in, from the environment: a Slurm job
 * id (an array task has its own) or a Kubernetes job name plus completion index.
 *
 * @example
 * schedulerTask({ SLURM_JOB_ID: '41' }); // "slurm:41"
 */
export function schedulerTask(env: Readonly<Record<string, string | undefined>> = process.env): string | null {
  if (env['SLURM_JOB_ID']) return `slurm:${env['SLURM_JOB_ID']}`;
  if (env['JOB_COMPLETION_INDEX'] !== undefined && env['GRADLAB_K8S_JOB']) return `k8s:${env['GRADLAB_K8S_JOB']}:${env['JOB_COMPLETION_INDEX']}`;
  return null;
}

/** True when process `pid` exists on this host (signal 0 checks without sending). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Reads the owner recorded in a lock file; undefined when there is no lock
 * file, null when it is unreadable (being written, or not a gradlab lock).
 */
export function readLockOwner(lockPath: string): LockOwner | null | undefined {
  let text: string;
  try {
    text = readFileSync(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return null;
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? owner : null;
  } catch {
    return null;
  }
}

/**
 * Whether a lock's owner may still be running, seen from this process:
 * 'alive' (a live process on this host), 'dead' (stale: gone from this host,
 * or this very scheduler task before a requeue) or 'elsewhere' (another
 * host; cannot be checked from here).
 */
export function ownerState(owner: LockOwner, task: string | null = schedulerTask()): 'alive' | 'dead' | 'elsewhere' {
  if (owner.host === hostname()) return processAlive(owner.pid) ? 'alive' : 'dead';
  if (task !== null && owner.task === task) return 'dead';
  return 'elsewhere';
}

/**
 * Takes the lock `<path>.lock` for writing `path`, or throws an Error naming
 * the owner. `what` names the writer in messages ("sweep shard 2/4").
 * The lock is released by `release()` and, as a safety net, when the process exits.
 *
 * @example
 * const lock = acquireFileLock('reports/sweep/results.shard-2-of-4.jsonl', 'sweep shard 2/4');
 * try { … } finally { lock.release(); }
 */
export function acquireFileLock(path: string, what: string): FileLock {
  const lockPath = `${path}.lock`;
  const mine: LockOwner = { pid: process.pid, host: hostname(), task: schedulerTask(), since: new Date().toISOString() };
  const text = `${JSON.stringify(mine)}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      try {
        writeSync(fd, text);
      } finally {
        closeSync(fd);
      }
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        process.off('exit', release);
        if (readFileSafely(lockPath) === text) rmSync(lockPath, { force: true });
      };
      process.on('exit', release);
      return { path: lockPath, release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new Error(`${what}: cannot create the lock file ${lockPath}: ${fileProblem(error, true)}`, { cause: error });
      }
    }
    const ownerText = readFileSafely(lockPath);
    if (ownerText === undefined) continue; // removed meanwhile: try again
    const owner = readLockOwner(lockPath);
    if (owner === null) {
      throw new Error(`${what}: ${lockPath} exists but does not name its owner; if no other gradlab process writes ${path}, delete the lock file and run again`);
    }
    if (owner === undefined) continue;
    const state = ownerState(owner, mine.task);
    if (state === 'alive') throw new Error(`${what}: already running (process ${owner.pid} on ${owner.host}, since ${owner.since}, holds ${lockPath})`);
    if (state === 'elsewhere') {
      throw new Error(`${what}: process ${owner.pid} on host ${owner.host} holds ${lockPath} (since ${owner.since}); ` +
        'if it is no longer running there, delete the lock file and run again');
    }
    takeOverStale(lockPath, ownerText);
  }
  throw new Error(`${what}: could not take ${lockPath} after 5 attempts (other processes keep taking it)`);
}

function readFileSafely(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Moves a stale lock aside. The rename is atomic; if what was moved is not
 * the stale lock judged (another process took it over in between), it is put
 * back and the next attempt sees the new owner.
 */
function takeOverStale(lockPath: string, staleText: string): void {
  const aside = `${lockPath}.stale-${process.pid}`;
  try {
    renameSync(lockPath, aside);
  } catch {
    return; // gone already
  }
  if (readFileSafely(aside) !== staleText) {
    try {
      linkSync(aside, lockPath);
    } catch {
      // Someone created a newer lock meanwhile; theirs stands.
    }
  }
  rmSync(aside, { force: true });
}
