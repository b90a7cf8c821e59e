/**
 * Writing files so that a crash never leaves a half-written one behind.
 *
 * `writeFileAtomic` writes a temporary file in the same directory, flushes it
 * to disk, then renames it over the target: rename is atomic on POSIX file
 * systems, so a reader sees either the old file or the new one, never a mix.
 * `appendLineDurable` is for JSON-lines logs that grow one finished record at
 * a time (sweeps): it appends one whole line and fsyncs before returning.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let temporaryCounter = 0;

/**
 * Writes `contents` to `path` atomically (temp file + fsync + rename),
 * creating the parent directory if needed.
 *
 * @example
 * writeFileAtomic('reports/results.json', JSON.stringify(results));
 */
export function writeFileAtomic(path: string, contents: string | Uint8Array): void {
  const directory = dirname(path);
  mkdirSync(directory, { recursive: true });
  const temporary = join(directory, `.${basename(path)}.${process.pid}.${temporaryCounter++}.tmp`);
  try {
    const fd = openSync(temporary, 'w');
    try {
      writeAll(fd, contents);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  syncDirectory(directory);
}

/**
 * Appends one line (a newline is added) to `path` and fsyncs it, so that once
 * this returns the record survives a crash or a SIGKILL.
 *
 * @example
 * appendLineDurable('sweep.jsonl', JSON.stringify(run));
 */
export function appendLineDurable(path: string, line: string): void {
  if (line.includes('\n')) throw new Error(`appendLineDurable: a record must be one line, got ${JSON.stringify(line.slice(0, 80))}…`);
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'a');
  try {
    // One write call for the whole line keeps concurrent appends from interleaving mid-line.
    writeAll(fd, `${line}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, contents: string | Uint8Array): void {
  const bytes = typeof contents === 'string' ? Buffer.from(contents, 'utf8') : contents;
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

/** Flushes a directory entry (the rename) to disk; some platforms cannot, which is harmless. */
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
