/**
 * What every command checks about the files it is given, in one place:
 * an output must not be one of the inputs, one run at a time writes an
 * output (a lock, io/file-lock.ts), and a failed file operation that
 * no command has explained yet becomes one line naming the path, what went
 * wrong and what to do (main's last resort, so that no Node stack trace or
 * bare "EISDIR: illegal operation on a directory, read" reaches a user).
 */
import { realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileProblem } from '@gradlab/nn';
import { createFolder } from '../io/atomic.js';
import { acquireFileLock, type FileLock } from '../io/file-lock.js';
import { UsageError } from './args.js';

/** `path` with its folder's symbolic links resolved, whether or not the file itself exists yet. */
function canonicalPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      return join(realpathSync(dirname(path)), basename(path));
    } catch {
      return resolve(path);
    }
  }
}

/**
 * Whether `a` and `b` name the same file: the same device and inode when
 * both exist (symbolic links and hard links included), else the same
 * canonical path.
 *
 * @example
 * sameFile('runs/m.safetensors', './runs/../runs/m.safetensors'); // true
 */
export function sameFile(a: string, b: string): boolean {
  try {
    const [first, second] = [statSync(a), statSync(b)];
    return first.dev === second.dev && first.ino === second.ino;
  } catch {
    return canonicalPath(a) === canonicalPath(b);
  }
}

/**
 * Throws a UsageError (exit code 2) when one of `outputs` is one of `inputs`
 * (compared as files: symbolic and hard links, `./` and `..` included):
 * writing it would destroy the input before, or while, it is read. `todo`
 * says what to do instead.
 *
 * @example
 * refuseOutputOverInput('eval', ['m.safetensors'], ['m.safetensors'], 'give --json another path');
 * // UsageError: eval: the output m.safetensors is the input m.safetensors; writing it would destroy the input; give --json another path
 */
export function refuseOutputOverInput(command: string, outputs: readonly string[], inputs: readonly string[], todo: string): void {
  for (const output of outputs) {
    const input = inputs.find((candidate) => sameFile(output, candidate));
    if (input !== undefined) {
      throw new UsageError(`${command}: the output ${output} is the input ${input}; writing it would destroy the input; ${todo}`);
    }
  }
}

/** What a failed system call was doing, for "cannot <verb> <path>". */
const VERBS: Readonly<Record<string, string>> = {
  open: 'open', read: 'read', write: 'write', mkdir: 'create the folder', rename: 'rename', unlink: 'delete', rmdir: 'delete the folder',
  scandir: 'list the folder', stat: 'look at', lstat: 'look at', fsync: 'flush', close: 'close', ftruncate: 'truncate', copyfile: 'copy',
};

/**
 * The one-line message for an error from the file system that reached main
 * unexplained (a Node system error, with its code and syscall), or null for
 * any other error (those that wrap one already name their path).
 *
 * @example
 * fileErrorLine(error); // 'cannot create the folder out/x: a part of the path is a file, not a folder (ENOTDIR); check the path: …'
 */
export function fileErrorLine(error: unknown): string | null {
  const system = error as NodeJS.ErrnoException | null;
  if (!(error instanceof Error) || typeof system!.code !== 'string' || typeof system!.syscall !== 'string') return null;
  const verb = VERBS[system!.syscall] ?? system!.syscall;
  const path = system!.path ?? (system as { dest?: string }).dest ?? 'a file';
  return `cannot ${verb} ${path}: ${fileProblem(system)}`;
}

/** The locks the running command holds; main releases them when the command ends, however it ends. */
const commandLocks = new Set<FileLock>();

/**
 * Takes the lock `<output>.lock` (io/file-lock.ts: pid, host, stale-lock
 * detection) for the rest of this command, so that a second `train` or
 * `dead-neurons` on the same output is refused with a message naming the run
 * that holds it, instead of both writing the same files. `what` names the run.
 *
 * @example
 * lockForThisCommand('reports/dead-neurons', 'dead-neurons --out reports/dead-neurons');
 */
export function lockForThisCommand(output: string, what: string): void {
  createFolder(dirname(output));
  commandLocks.add(acquireFileLock(output, what));
}

/** Releases the locks of `lockForThisCommand` (main calls this after every command). */
export function releaseCommandLocks(): void {
  for (const lock of commandLocks) lock.release();
  commandLocks.clear();
}
