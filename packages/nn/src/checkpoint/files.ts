/**
 * Saving and loading a module's parameters as a .safetensors file.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Module } from '../module.js';
import { VERSION } from '../version.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';

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
    throw new Error(`writeFileAtomic: could not write ${path} (the previous file, if any, is unchanged): ${(error as Error).message}`, { cause: error });
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
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    // Node's message for a directory ("EISDIR: illegal operation on a directory, read") omits the path.
    throw new Error(`load: cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  const { tensors, metadata } = decodeSafetensors(bytes, path);
  try {
    module.loadStateDict(tensors);
  } catch (error) {
    throw new Error(`load: ${path}: ${(error as Error).message}`);
  }
  return metadata;
}
