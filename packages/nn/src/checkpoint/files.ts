/**
 * Saving and loading a module's parameters as a .safetensors file.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, openSync, readdirSync, readSync, renameSync, rmSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Module } from '../module.js';
import { VERSION } from '../version.js';
import { decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES } from './safetensors.js';

/**
 * Writes `bytes` to `path` atomically: first to a temporary file beside it,
 * `<path>.tmp-<pid>-<12 hex digits>`, flushed to disk, then renamed over
 * `path`, and the folder flushed too so that the rename itself survives a
 * power loss. A crash or a full disk leaves either the old file or the new
 * one, never half of one. On an error the temporary file is removed and the
 * Error names `path`. A process killed mid-write (SIGKILL, power loss) cannot
 * clean up, so its temporary file stays behind until the next successful
 * write of the same `path` removes it (see `removeLeftoverTemporaries`).
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  // The suffix only has to differ between processes and calls. It comes from
  // node:crypto, not from a gradlab Generator, because drawing from the
  // user's seeded generator would make training results depend on whether
  // (and how often) a checkpoint was saved.
  const temporary = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    const fd = openSync(temporary, 'wx');
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // The temporary file could not even be created (say, the parent is not
      // a directory); the error worth reporting is the original one.
    }
    throw new Error(`writeFileAtomic: could not write ${path} (the previous file, if any, is unchanged): ${fileProblem(error, true)}`, { cause: error });
  }
  syncDirectory(dirname(path));
  removeLeftoverTemporaries(path);
}

/** The part of a temporary file's name after `<path>`; group 1 is the writer's process id. */
const TEMPORARY_SUFFIX = /^\.tmp-(\d+)-[0-9a-f]+$/;

/**
 * Removes the temporary files that killed writes of `path` left beside it
 * (`<path>.tmp-<pid>-<hex>`, see `writeFileAtomic`), except those whose
 * process is still running: it may be writing right now. Returns how many it
 * removed. Best effort: a file it cannot list or remove is left alone, and it
 * never throws. `writeFileAtomic` calls it after every successful write.
 *
 * @example
 * removeLeftoverTemporaries('model.safetensors'); // 1 after a save killed by SIGKILL, then 0
 */
export function removeLeftoverTemporaries(path: string): number {
  const directory = dirname(path);
  const name = basename(path);
  let entries: string[];
  try {
    entries = readdirSync(directory);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const entry of entries) {
    if (!entry.startsWith(name)) continue;
    const match = TEMPORARY_SUFFIX.exec(entry.slice(name.length));
    if (match === null || processIsRunning(Number(match[1]))) continue;
    try {
      rmSync(join(directory, entry), { force: true });
      removed++;
    } catch {
      // Not ours to remove after all (permissions): leave it.
    }
  }
  return removed;
}

/** Whether a process with this id exists (this one included). */
function processIsRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Flushes a folder's entries (a rename) to disk; some platforms cannot, which is harmless. */
function syncDirectory(directory: string): void {
  try {
    const fd = openSync(directory, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Directories cannot be opened for fsync on every platform (Windows); the rename is still atomic.
  }
}

/**
 * Saves every parameter of `module` (its `stateDict()`, keys = dotted names)
 * to `path` in the safetensors format, atomically. The metadata records the
 * format, the gradlab version and the architecture (`module.toString()`);
 * `metadata` adds string entries of your own.
 *
 * @example
 * save(model, 'model.safetensors', { epoch: '10' });
 */
export function save(module: Module, path: string, metadata: Readonly<Record<string, string>> = {}): void {
  const fullMetadata = {
    format: 'gradlab',
    'gradlab.version': VERSION,
    architecture: module.toString(),
    ...metadata,
  };
  writeFileAtomic(path, encodeSafetensors(module.stateDict(), fullMetadata));
}

/**
 * Loads the parameters saved by `save` (or any F32 safetensors file with the
 * same keys and shapes) into `module`, and returns the file's metadata.
 * The whole file is validated against the module before any value is
 * copied: on any error the module is unchanged.
 *
 * @example
 * const metadata = load(model, 'model.safetensors'); // metadata.architecture, metadata.epoch, …
 */
export function load(module: Module, path: string): Record<string, string> {
  const bytes = readRegularFile(path, { maxBytes: MAX_CHECKPOINT_BYTES, reader: 'load' });
  const { tensors, metadata } = decodeSafetensors(bytes, path);
  try {
    module.loadStateDict(tensors);
  } catch (error) {
    throw new Error(`load: ${path}: ${(error as Error).message}`);
  }
  return metadata;
}

/** The largest checkpoint `load` reads: 4 GiB (2^30 float32 values, core's MAX_ELEMENTS, is 4 GiB of data). */
export const MAX_CHECKPOINT_BYTES = 2 ** 32 + MAX_HEADER_BYTES + 8;

/**
 * What an errno code means to someone at a terminal, and what to do about
 * it: one table, so every reader and writer of every command says the same.
 */
const FILE_PROBLEMS: Readonly<Record<string, readonly [what: string, todo: string]>> = {
  ENOENT: ['it does not exist', 'check the path'],
  EACCES: ['permission denied', 'check the permissions of the file and of its folders, or use another path'],
  EPERM: ['the operation is not permitted', 'check the permissions of the file and of its folders, or use another path'],
  EISDIR: ['it is a folder, not a file', 'give the path of a file'],
  ENOTDIR: ['a part of the path is a file, not a folder', 'check the path: everything before the last name must be a folder'],
  EEXIST: ['a file or folder of that name is in the way', 'move it, or use another path'],
  ENOTEMPTY: ['the folder is not empty', 'move it, or use another path'],
  ENOSPC: ['the disk is full', 'free some space, or use a folder on another disk'],
  EDQUOT: ['the disk quota is used up', 'free some space, or use a folder on another disk'],
  EFBIG: ['the file would exceed the size limit of this process or file system', 'raise the limit (ulimit -f), or use another disk'],
  EROFS: ['the file system is read-only', 'use a folder on a writable disk'],
  EMFILE: ['this process has too many open files', 'raise the limit (ulimit -n)'],
  ENFILE: ['the system has too many open files', 'close other programs and try again'],
  ELOOP: ['the path has a loop of symbolic links', 'check the links along the path'],
  ENAMETOOLONG: ['the path is too long', 'use a shorter path'],
  EIO: ['the disk reported an input/output error', 'check the disk (dmesg) and try again'],
  EBUSY: ['the file or device is busy', 'try again once the other program is done with it'],
  ETXTBSY: ['the file is busy', 'try again once the other program is done with it'],
  ENXIO: ['it is a device or socket with nothing on the other side', 'give the path of a regular file'],
  EAGAIN: ['it would block (a pipe or a device)', 'give the path of a regular file'],
};

/**
 * One line for a failed file operation: what went wrong and what to do, as
 * `<what> (<code>); <what to do>`. Node's own messages name no path for some
 * calls ("EISDIR: illegal operation on a directory, read") and mean little to
 * someone who is not a programmer; an error without a code keeps its message.
 * With `writing`, ENOENT means the folder is missing, not the file.
 *
 * @example
 * fileProblem(error); // 'permission denied (EACCES); check the permissions of the file and of its folders, or use another path'
 */
export function fileProblem(error: unknown, writing = false): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (writing && code === 'ENOENT') return 'its folder does not exist (ENOENT); create the folder, or check the path';
  const known = typeof code === 'string' && Object.hasOwn(FILE_PROBLEMS, code) ? FILE_PROBLEMS[code] : undefined;
  if (known !== undefined) return `${known[0]} (${code}); ${known[1]}`;
  return error instanceof Error ? error.message : String(error);
}

/** What `readRegularFile` needs to know besides the path. */
export interface ReadFileOptions {
  /** A file larger than this is refused before a byte of it is read. */
  readonly maxBytes: number;
  /** Who reads (the start of every error message), e.g. 'load' or 'report'. */
  readonly reader: string;
}

/** What kind of file system object `stats` describes, for "is a FIFO, not a regular file". */
function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a named pipe (FIFO)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads a whole regular file, checked before it is trusted: a folder, a
 * device (`/dev/zero` never ends), a FIFO (which would wait forever for a
 * writer) or a socket is refused, and so is a file larger than
 * `options.maxBytes`, before anything is allocated. The file is opened
 * non-blocking and checked through the open descriptor (fstat), so it cannot
 * be swapped between the check and the read. Every error is one line:
 * `<reader>: cannot read <path>: <what went wrong>; <what to do>`.
 *
 * @example
 * const bytes = readRegularFile('model.safetensors', { maxBytes: 1 << 30, reader: 'load' });
 */
export function readRegularFile(path: string, options: ReadFileOptions): Uint8Array {
  const refuse = (problem: string, cause?: unknown): Error => new Error(`${options.reader}: cannot read ${path}: ${problem}`, { cause });
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer. (0 on Windows, which has no FIFOs to open.)
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw refuse(fileProblem(error), error);
  }
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) throw refuse('it is a folder, not a file; give the path of a file');
    if (!stats.isFile()) throw refuse(`it is ${kindOf(stats)}, not a regular file; gradlab reads only regular files`);
    if (stats.size > options.maxBytes) {
      throw refuse(`it is ${stats.size} bytes, more than the limit of ${options.maxBytes} bytes for this kind of file; is it the right file?`);
    }
    const bytes = Buffer.alloc(stats.size);
    let filled = 0;
    while (filled < bytes.length) {
      const read = readSync(fd, bytes, filled, bytes.length - filled, null);
      if (read === 0) break;
      filled += read;
    }
    // A file that grew while it was read is read again by the next run, not half-trusted now.
    if (filled === bytes.length && readSync(fd, Buffer.alloc(1), 0, 1, null) !== 0) {
      throw refuse('it grew while it was being read (is another program writing it?); try again once it is finished');
    }
    return filled === bytes.length ? bytes : bytes.subarray(0, filled);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === undefined) throw error;
    throw refuse(fileProblem(error), error);
  } finally {
    closeSync(fd);
  }
}
