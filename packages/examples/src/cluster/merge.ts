/**
 * Merging the results files of a sweep's shards: every run once, in grid
 * order; a run recorded twice must be recorded identically.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readResultsFile, selectShard, type SweepRecord } from '../experiments/sweep.js';
import { readManifest, type SweepManifest } from './manifest.js';
import { shardOfFileName, type Shard } from './shards.js';

/** A results file of a sweep's folder and the shard its name stands for. */
export interface ShardFile {
  readonly path: string;
  readonly shard: Shard;
}

/**
 * The results files in a sweep's folder: `results.jsonl` and every
 * `results.shard-i-of-n.jsonl`, ordered by shard count then index.
 *
 * @example
 * sweepFolderFiles('reports/sweep'); // [{ path: 'reports/sweep/results.shard-1-of-4.jsonl', shard: { index: 1, count: 4 } }, …]
 */
export function sweepFolderFiles(dir: string): ShardFile[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error(`${dir} is not a folder`);
    names = readdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${dir} does not exist`);
    throw error;
  }
  const files: ShardFile[] = [];
  for (const name of names) {
    const shard = shardOfFileName(name);
    if (shard === undefined) continue;
    const path = join(dir, name);
    if (!statSync(path).isFile()) throw new Error(`${path} is not a regular file`);
    files.push({ path, shard });
  }
  return files.sort((a, b) => a.shard.count - b.shard.count || a.shard.index - b.shard.index);
}

/** Records read from one file. */
export interface RecordSource {
  readonly path: string;
  readonly records: readonly SweepRecord[];
}

/** The outcome of merging. */
export interface MergedRuns {
  /** Each run once: in the manifest's grid order when there is one, else in the order first seen. */
  readonly records: SweepRecord[];
  /** Lines that repeat a run already seen, with identical contents. */
  readonly duplicates: number;
  /** Ids of the manifest's runs found in no file (empty without a manifest). */
  readonly missing: string[];
  /** Records whose id the manifest does not list (none without a manifest). */
  readonly foreign: string[];
}

/**
 * Merges records from several files. A run recorded twice with the same
 * contents counts as a duplicate; with different contents it is an error
 * naming both files, since one of them cannot be the run's result (runs are
 * deterministic: same config, same bits).
 *
 * @example
 * mergeRuns([{ path: 'a.jsonl', records: a }, { path: 'b.jsonl', records: b }]).records.length; // distinct ids of a and b
 */
export function mergeRuns(sources: readonly RecordSource[], manifest?: SweepManifest): MergedRuns {
  const byId = new Map<string, { record: SweepRecord; text: string; path: string }>();
  let duplicates = 0;
  for (const source of sources) {
    for (const record of source.records) {
      const text = JSON.stringify(record);
      const seen = byId.get(record.id);
      if (seen === undefined) {
        byId.set(record.id, { record, text, path: source.path });
      } else if (seen.text === text) {
        duplicates++;
      } else {
        throw new Error(`run ${record.id} is recorded twice with different results, in ${seen.path} and in ${source.path}; ` +
          'runs are deterministic, so one of the files comes from other code or was edited: remove the wrong one');
      }
    }
  }
  if (manifest === undefined) return { records: [...byId.values()].map((entry) => entry.record), duplicates, missing: [], foreign: [] };
  const listed = new Set(manifest.runs);
  return {
    records: manifest.runs.filter((id) => byId.has(id)).map((id) => byId.get(id)!.record),
    duplicates,
    missing: manifest.runs.filter((id) => !byId.has(id)),
    foreign: [...byId.keys()].filter((id) => !listed.has(id)),
  };
}

/**
 * The shard of `manifest` that a missing run belongs to.
 *
 * @example
 * shardOfRun(manifest, manifest.runs[5]!); // { index: 2, count: 4 } (position 5 of 4 shards)
 */
export function shardOfRun(manifest: SweepManifest, id: string): Shard {
  const position = manifest.runs.indexOf(id);
  if (position < 0) throw new Error(`run ${id} is not in the sweep's manifest`);
  return { index: (position % manifest.shards) + 1, count: manifest.shards };
}

/** The run ids of one shard of the manifest's grid. */
export function runsOfShard(manifest: SweepManifest, index: number): string[] {
  return selectShard(manifest.runs, { index, count: manifest.shards });
}

/** The merged records as JSON lines (what `gradlab report DIR` writes as merged.jsonl). */
export function toJsonLines(records: readonly SweepRecord[]): string {
  return records.map((record) => `${JSON.stringify(record)}\n`).join('');
}

/** What `gradlab report` reads: files, or one sweep folder. */
export interface ReportInputs {
  readonly sources: RecordSource[];
  /** The sweep folder, when the one argument was a folder. */
  readonly folder?: string;
  /** That folder's sweep.json, if it has one. */
  readonly manifest?: SweepManifest;
}

/**
 * Reads `gradlab report`'s arguments: results files, or a single sweep
 * folder whose results.jsonl and results.shard-i-of-n.jsonl files are all
 * read (with its sweep.json, if any, for the runs still missing).
 * `log` hears about torn last lines, which are ignored.
 */
export function readReportInputs(paths: readonly string[], log: (message: string) => void): ReportInputs {
  const folders = paths.filter((path) => existsSync(path) && statSync(path).isDirectory());
  if (folders.length > 0 && paths.length > 1) throw new Error(`give either one sweep folder or results files, not both (${folders[0]} is a folder)`);
  const folder = folders[0];
  const files = folder === undefined ? [...paths] : sweepFolderFiles(folder).map((file) => file.path);
  if (folder !== undefined && files.length === 0) throw new Error(`${folder} holds no results.jsonl or results.shard-i-of-n.jsonl`);
  const sources = files.map((path): RecordSource => {
    if (!existsSync(path)) throw new Error(`${path} does not exist`);
    const read = readResultsFile(path);
    if (read.tornTail) log(`report: ignoring the unfinished last line of ${path}`);
    return { path, records: read.records };
  });
  return { sources, folder, manifest: folder === undefined ? undefined : readManifest(folder) };
}

/**
 * One line for the report's summary about runs the folder's grid lacks:
 * "2 of 16 runs missing (shard 3/4: relu-d2-…, …)". Empty when none.
 */
export function missingRunsText(merged: MergedRuns, manifest: SweepManifest | undefined, shown = 10): string {
  const missing = missingRunLines(merged, manifest);
  if (manifest === undefined || missing.length === 0) return '';
  const more = missing.length > shown ? `, and ${missing.length - shown} more` : '';
  return `report: ${missing.length} of ${manifest.runs.length} runs missing: ${missing.slice(0, shown).join(', ')}${more}`;
}

/**
 * Every run of the folder's grid that no file holds, with its shard, in grid
 * order: "relu-d3-…-s1-3f9c0e21aa (shard 2/4)". Empty without a manifest.
 */
export function missingRunLines(merged: MergedRuns, manifest: SweepManifest | undefined): string[] {
  if (manifest === undefined) return [];
  return merged.missing.map((id) => {
    const shard = shardOfRun(manifest, id);
    return `${id} (shard ${shard.index}/${shard.count})`;
  });
}
