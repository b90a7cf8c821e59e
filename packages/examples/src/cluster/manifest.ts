/**
 * `sweep.json`: what a sharded sweep's folder is for. It lists the run ids of
 * the grid in order and the number of shards, so that `gradlab sweep --status`
 * and `gradlab report` can tell which runs are missing, and so that a shard of
 * another grid (a different command line) cannot write into the folder.
 *
 * Written by `--slurm`, `--slurm-script-only` and `--emit k8s` before anything
 * runs, or by the first sharded run in the folder; a sharded run checks its
 * grid against it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeOutputFile } from '../io/atomic.js';

/** The manifest's file name inside the sweep's folder. */
export const MANIFEST_FILE = 'sweep.json';

const FORMAT = 'gradlab-sweep/1';

/** The contents of sweep.json. */
export interface SweepManifest {
  readonly format: typeof FORMAT;
  /** Every run id of the grid, in grid order. */
  readonly runs: readonly string[];
  readonly shards: number;
  /** The gradlab arguments every shard runs (without --shard, --workers and --dir), for the rerun hint. */
  readonly command: readonly string[];
  /** How the shards were submitted, if by gradlab. */
  readonly slurm?: { readonly script: string; readonly jobs: readonly string[] };
  readonly kubernetes?: { readonly manifest: string };
}

/** Builds the manifest of a sweep. */
export function sweepManifest(runs: readonly string[], shards: number, command: readonly string[]): SweepManifest {
  return { format: FORMAT, runs: [...runs], shards, command: [...command] };
}

/**
 * Reads `DIR/sweep.json`; undefined when absent. A file that is not a
 * manifest is an error naming it.
 */
export function readManifest(dir: string): SweepManifest | undefined {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) return undefined;
  if (!statSync(path).isFile()) throw new Error(`${path} is not a regular file`);
  if (statSync(path).size > 64 * 1024 * 1024) throw new Error(`${path} is larger than 64 MiB: not a sweep manifest`);
  let parsed: Partial<SweepManifest>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<SweepManifest>;
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const valid = parsed !== null && typeof parsed === 'object' && parsed.format === FORMAT && Array.isArray(parsed.runs) &&
    parsed.runs.every((id) => typeof id === 'string') && Number.isInteger(parsed.shards) && (parsed.shards ?? 0) >= 1 &&
    Array.isArray(parsed.command) && parsed.command.every((word) => typeof word === 'string');
  if (!valid) throw new Error(`${path} is not a gradlab sweep manifest (format ${FORMAT}: runs, shards, command)`);
  return parsed as SweepManifest;
}

/** Writes `DIR/sweep.json` atomically and returns its path. */
export function writeManifest(dir: string, manifest: SweepManifest): string {
  const path = join(dir, MANIFEST_FILE);
  writeOutputFile(path, `${JSON.stringify(manifest, null, 2)}\n`);
  return path;
}

/**
 * Checks that a shard of `runs` in `shards` parts belongs in the folder of
 * `manifest`: same run ids in the same order, same number of shards.
 * Throws an Error that says what differs.
 */
export function checkAgainstManifest(dir: string, manifest: SweepManifest, runs: readonly string[], shards: number): void {
  const path = join(dir, MANIFEST_FILE);
  const sameRuns = manifest.runs.length === runs.length && manifest.runs.every((id, position) => id === runs[position]);
  if (!sameRuns) {
    const extra = runs.find((id) => !manifest.runs.includes(id));
    throw new Error(`${path} holds a sweep of another grid (${manifest.runs.length} runs, this command has ${runs.length}` +
      (extra === undefined ? ', in another order' : `, e.g. ${extra} is not in it`) + '); give the same flags as that sweep, or another --dir');
  }
  if (manifest.shards !== shards) throw new Error(`${path} splits the sweep into ${manifest.shards} shards, this command into ${shards}; use --shard i/${manifest.shards}, or another --dir`);
}
