/**
 * Sweeps: a grid of single-activation dead-neuron runs, run in worker
 * processes, each finished run appended at once to a JSON-lines file.
 *
 * Why this survives interruption: the parent process is the only writer; it
 * appends one complete line per finished run and fsyncs it. A run is
 * identified by a stable id computed from its full config, so a rerun reads
 * the file, skips every id already there and runs only the rest. A line torn
 * by a kill in the middle of a write has no final newline; it is cut off
 * before resuming, and that run is simply done again.
 *
 * `--shard i/n` keeps every n-th run (1-based i, as in `jest --shard`), so n
 * machines can split one grid with nothing but the same command line.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, truncateSync } from 'node:fs';
import { ACTIVATIONS, type ActivationKind, type InitName } from '@gradlab/nn';
import type { DataOptions } from '../data/load.js';
import type { ActivationRun, DeadNeuronsConfig } from './dead-neurons.js';
import type { OptimizerName } from './training.js';

/** The axes of the grid: every combination is one run. */
export interface SweepGrid {
  readonly activations: readonly ActivationKind[];
  readonly depths: readonly number[];
  readonly widths: readonly number[];
  readonly lrs: readonly number[];
  readonly alphas: readonly number[];
  readonly seeds: readonly number[];
}

/** Settings every run of a sweep shares. */
export interface SweepSettings {
  readonly optimizer: OptimizerName;
  readonly momentum: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly init: InitName | 'default';
  readonly saturationEps: number;
  readonly measureSize: number;
  /** Training steps between two lifetime measurements (0: only at the epochs' ends). */
  readonly measureEvery: number;
  readonly data: DataOptions;
}

/** One run of the grid: a one-activation dead-neuron config plus its data. */
export interface SweepRun {
  readonly id: string;
  readonly config: DeadNeuronsConfig;
  readonly data: DataOptions;
}

/** What one line of the results file holds. */
export interface SweepRecord {
  readonly id: string;
  /** The grid point, flat, for grouping. */
  readonly activation: ActivationKind;
  readonly depth: number;
  readonly width: number;
  readonly lr: number;
  readonly alpha: number;
  readonly seed: number;
  readonly config: DeadNeuronsConfig;
  readonly data: DataOptions;
  readonly inactiveMeaning: string;
  /** After the last completed epoch. */
  readonly final: {
    readonly epoch: number;
    readonly inactive: number;
    readonly inactiveFraction: number;
    readonly trainLoss: number;
    readonly testAccuracy: number;
    /** Inactive fraction of each hidden layer. */
    readonly layerInactiveFractions: readonly number[];
  };
  /** Totals after each epoch (0 = initialisation). */
  readonly epochs: ReadonlyArray<{ epoch: number; inactiveFraction: number; trainLoss: number; testAccuracy: number }>;
  readonly diverged: ActivationRun['diverged'];
}

/** A short, stable hash of any JSON-able value (key order as given). */
function shortHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 10);
}

/**
 * The stable id of a run: readable grid coordinates plus a hash of the full
 * config and data options, so runs of sweeps with other epochs or data never
 * collide.
 *
 * @example
 * runId(config, {}); // "relu-d10-w64-lr0.005-a0.1-s0-3f9c0e21aa"
 */
export function runId(config: DeadNeuronsConfig, data: DataOptions): string {
  const activation = config.activations[0]!;
  return `${activation}-d${config.depth}-w${config.width}-lr${config.lr}-a${config.alpha}-s${config.seeds[0]}-${shortHash({ config, data })}`;
}

/**
 * Every run of the grid, in a fixed order (seeds innermost), each with its id.
 * Alphas only multiply the runs of activations with a slope (LeakyReLU's
 * fixed alpha, PReLU's initial learned slope; `slope` in the activation
 * table): the others ignore alpha, so they get one run per grid point with
 * the first alpha recorded.
 */
export function expandGrid(grid: SweepGrid, settings: SweepSettings): SweepRun[] {
  const runs: SweepRun[] = [];
  for (const activation of grid.activations) {
    const alphas = ACTIVATIONS[activation].slope === null ? grid.alphas.slice(0, 1) : grid.alphas;
    for (const depth of grid.depths) {
      for (const width of grid.widths) {
        for (const lr of grid.lrs) {
          for (const alpha of alphas) {
            for (const seed of grid.seeds) {
              const config: DeadNeuronsConfig = {
                activations: [activation], depth, width, optimizer: settings.optimizer, lr, momentum: settings.momentum,
                epochs: settings.epochs, batchSize: settings.batchSize, init: settings.init, alpha, seeds: [seed],
                saturationEps: settings.saturationEps, measureSize: settings.measureSize, measureEvery: settings.measureEvery,
              };
              runs.push({ id: runId(config, settings.data), config, data: settings.data });
            }
          }
        }
      }
    }
  }
  const seen = new Set<string>();
  for (const run of runs) {
    if (seen.has(run.id)) throw new Error(`sweep: the grid lists run ${run.id} twice; remove repeated values from the flags`);
    seen.add(run.id);
  }
  return runs;
}

/** Parses "i/n" (1 <= i <= n). */
export function parseShard(text: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || index < 1 || index > count) {
    throw new Error(`--shard must be i/n with 1 <= i <= n, e.g. 2/4, got '${text}'`);
  }
  return { index, count };
}

/**
 * The runs of shard i of n: positions i-1, i-1+n, i-1+2n, … of the grid.
 * Interleaving spreads slow (deep, wide) runs evenly over the shards.
 */
export function selectShard<T>(runs: readonly T[], shard: { index: number; count: number }): T[] {
  return runs.filter((_, position) => position % shard.count === shard.index - 1);
}

/** Builds the record of a finished run. */
export function toRecord(run: SweepRun, result: ActivationRun): SweepRecord {
  const last = result.epochs[result.epochs.length - 1]!;
  const { config } = run;
  return {
    id: run.id,
    activation: config.activations[0]!,
    depth: config.depth,
    width: config.width,
    lr: config.lr,
    alpha: config.alpha,
    seed: config.seeds[0]!,
    config,
    data: run.data,
    inactiveMeaning: result.inactiveMeaning,
    final: {
      epoch: last.epoch,
      inactive: last.inactive,
      inactiveFraction: last.inactiveFraction,
      trainLoss: last.trainLoss,
      testAccuracy: last.testAccuracy,
      layerInactiveFractions: last.layers.map((layer) => layer.inactiveFraction),
    },
    epochs: result.epochs.map((epoch) => ({ epoch: epoch.epoch, inactiveFraction: epoch.inactiveFraction, trainLoss: epoch.trainLoss, testAccuracy: epoch.testAccuracy })),
    diverged: result.diverged,
  };
}

/** The records of a results file, plus what had to be ignored. */
export interface ReadResults {
  readonly records: SweepRecord[];
  /** Byte length of the complete lines; anything after is a torn final line. */
  readonly completeBytes: number;
  /** True when the file ends in a line without its newline (a write cut short). */
  readonly tornTail: boolean;
}

/**
 * Reads a JSON-lines results file. A last line without its newline is a write
 * cut short and is ignored; any other line that is not a valid record is an
 * error naming the file and line.
 */
export function readResultsFile(path: string): ReadResults {
  if (!existsSync(path)) return { records: [], completeBytes: 0, tornTail: false };
  const text = readFileSync(path, 'utf8');
  const lastNewline = text.lastIndexOf('\n');
  const complete = text.slice(0, lastNewline + 1);
  const records: SweepRecord[] = [];
  complete.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`${path}:${index + 1}: not a JSON line: ${line.slice(0, 60)}…`);
    }
    const record = parsed as SweepRecord;
    if (typeof record !== 'object' || record === null || typeof record.id !== 'string' || typeof record.final !== 'object') {
      throw new Error(`${path}:${index + 1}: not a sweep record (no id or final)`);
    }
    records.push(record);
  });
  return { records, completeBytes: Buffer.byteLength(complete, 'utf8'), tornTail: lastNewline + 1 < text.length };
}

/** Cuts a torn final line off a results file so the next append starts on a fresh line. */
export function dropTornTail(path: string, read: ReadResults): void {
  if (read.tornTail) truncateSync(path, read.completeBytes);
}
