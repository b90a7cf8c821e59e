/**
 * Writing files so that a crash never leaves a half-written one behind.
 *
 * The temporary-file-and-rename logic lives in one place, nn's
 * `writeFileAtomic` (packages/nn/src/checkpoint/files.ts): write
 * `<path>.tmp-<pid>-<hex>` beside the target, fsync it, rename it over the
 * target, fsync the folder. Rename replaces a file in one step, so a reader
 * sees the old file or the new one, never a mix. This file adds only what the
 * command line needs on top of it:
 *
 *  - `writeOutputFile` creates the folder and takes text as well as bytes;
 *  - `appendLineDurable` is for JSON-lines logs that grow one finished record
 *    at a time (sweeps): it appends one whole line and fsyncs before returning.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileProblem, writeFileAtomic } from '@gradlab/nn';

/**
 * Writes `contents` (text as UTF-8, or bytes) to `path` atomically with nn's
 * `writeFileAtomic`, creating the parent folder if needed.
 *
 * @example
 * writeOutputFile('reports/dead-neurons/results.json', JSON.stringify(results));
 */
export function writeOutputFile(path: string, contents: string | Uint8Array): void {
  createFolder(dirname(path));
  writeFileAtomic(path, typeof contents === 'string' ? Buffer.from(contents, 'utf8') : contents);
}

/** Writes files into one report folder and remembers their paths, in order, for the final "Wrote N files" message. */
export interface ReportFolder {
  /** The paths written so far. */
  readonly written: string[];
  /** Writes `name` inside the folder with `writeOutputFile` and records its path. */
  write(name: string, contents: string | Uint8Array): void;
}

/**
 * A `ReportFolder` for `outDir`.
 *
 * @example
 * const folder = reportFolder('reports/born-dead');
 * folder.write('results.json', json); // folder.written = ['reports/born-dead/results.json']
 */
export function reportFolder(outDir: string): ReportFolder {
  const written: string[] = [];
  return {
    written,
    write(name, contents) {
      const path = join(outDir, name);
      writeOutputFile(path, contents);
      written.push(path);
    },
  };
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
  createFolder(dirname(path));
  let fd: number;
  try {
    fd = openSync(path, 'a');
  } catch (error) {
    throw new Error(`cannot append to ${path}: ${fileProblem(error, true)}`, { cause: error });
  }
  try {
    // One write call for the whole line keeps concurrent appends from interleaving mid-line.
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } catch (error) {
    throw new Error(`cannot append to ${path}: ${fileProblem(error, true)}; the runs recorded before are kept, a rerun redoes the rest`, { cause: error });
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates `folder` and its parents (nothing if it exists); an error names the
 * folder, what went wrong and what to do (a file where a folder should be, a
 * read-only parent, a full disk).
 *
 * @example
 * createFolder('reports/sweep');
 */
export function createFolder(folder: string): void {
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw new Error(`cannot create the folder ${folder}: ${fileProblem(error, true)}`, { cause: error });
  }
}
