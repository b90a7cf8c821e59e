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
import { writeFileAtomic } from '@gradlab/nn';

/**
 * Writes `contents` (text as UTF-8, or bytes) to `path` atomically with nn's
 * `writeFileAtomic`, creating the parent folder if needed.
 *
 * @example
 * writeOutputFile('reports/dead-neurons/results.json', JSON.stringify(results));
 */
export function writeOutputFile(path: string, contents: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
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
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'a');
  try {
    // One write call for the whole line keeps concurrent appends from interleaving mid-line.
    const bytes = Buffer.from(`${line}\n`, 'utf8');
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
