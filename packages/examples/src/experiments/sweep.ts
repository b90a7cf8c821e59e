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
import { existsSync, truncateSync } from 'node:fs';
import { ACTIVATION_KINDS, ACTIVATIONS, readRegularFile, type ActivationKind, type InitName } from '@gradlab/nn';
import { arrayField, choiceField, FieldError, integerField, numberField, objectField, stringField } from '../io/fields.js';
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
  /**
   * Unit lifetimes over the run's measurements (every --measure-every steps and each epoch's end;
   * docs/dead-neurons.md defines the terms). Absent in records of gradlab before 0.1.0's runner.
   */
  readonly lifetimes?: SweepLifetimes;
  readonly diverged: ActivationRun['diverged'];
}

/** A run's lifetime totals over all hidden layers, and per layer (1 = nearest the input). */
export interface SweepLifetimes {
  /** Units inactive from their first inactive measurement to the last. */
  readonly permanentlyDead: number;
  /** permanentlyDead over all hidden units. */
  readonly permanentlyDeadFraction: number;
  /** Units inactive at one measurement or more. */
  readonly everInactive: number;
  /** Units that were inactive at a measurement and active at a later one. */
  readonly revived: number;
  readonly layerPermanentlyDead: readonly number[];
  readonly layerRevived: readonly number[];
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
    lifetimes: lifetimeTotals(result),
    diverged: result.diverged,
  };
}

/** A run's lifetime totals for its sweep record. */
function lifetimeTotals(result: ActivationRun): SweepLifetimes {
  const { layers } = result.lifetimes;
  const sum = (key: 'permanentlyDead' | 'everInactive' | 'revived' | 'units'): number => layers.reduce((total, layer) => total + layer[key], 0);
  return {
    permanentlyDead: sum('permanentlyDead'),
    permanentlyDeadFraction: sum('permanentlyDead') / sum('units'),
    everInactive: sum('everInactive'),
    revived: sum('revived'),
    layerPermanentlyDead: layers.map((layer) => layer.permanentlyDead),
    layerRevived: layers.map((layer) => layer.revived),
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

/** A results file larger than this is refused before it is read (1.6 million runs of 160 bytes). */
export const MAX_RESULTS_BYTES = 256 * 1024 * 1024;

/** Checks a measured loss: a number >= 0, or null, which is how JSON writes a loss that overflowed to Infinity. */
function lossField(value: unknown, field: string): number {
  return value === null ? Infinity : numberField(value, field, 0);
}

/**
 * Checks one parsed line of a results file field by field (a FieldError
 * naming the field otherwise): the grid point, the final measurement, the
 * measurement of every epoch and the divergence record. Fields it does not
 * know are left alone, so newer records with more fields still read.
 */
export function checkSweepRecord(value: unknown): SweepRecord {
  const record = objectField(value, 'record');
  stringField(record['id'], 'id', 1000);
  choiceField(record['activation'], 'activation', ACTIVATION_KINDS);
  const depth = integerField(record['depth'], 'depth', 1, 100000);
  integerField(record['width'], 'width', 1, 1 << 30);
  numberField(record['lr'], 'lr', Number.MIN_VALUE);
  numberField(record['alpha'], 'alpha', 0);
  integerField(record['seed'], 'seed', 0, Number.MAX_SAFE_INTEGER);
  objectField(record['config'], 'config');
  objectField(record['data'], 'data');
  stringField(record['inactiveMeaning'], 'inactiveMeaning', 100);
  if (record['diverged'] !== null) {
    const divergence = objectField(record['diverged'], 'diverged');
    integerField(divergence['epoch'], 'diverged.epoch', 0, Number.MAX_SAFE_INTEGER);
    integerField(divergence['step'], 'diverged.step', 0, Number.MAX_SAFE_INTEGER);
    stringField(divergence['loss'], 'diverged.loss', 100);
  }
  const final = objectField(record['final'], 'final');
  integerField(final['epoch'], 'final.epoch', 0, Number.MAX_SAFE_INTEGER);
  integerField(final['inactive'], 'final.inactive', 0, Number.MAX_SAFE_INTEGER);
  numberField(final['inactiveFraction'], 'final.inactiveFraction', 0, 1);
  lossField(final['trainLoss'], 'final.trainLoss');
  numberField(final['testAccuracy'], 'final.testAccuracy', 0, 1);
  arrayField(final['layerInactiveFractions'], 'final.layerInactiveFractions', depth, depth)
    .forEach((fraction, layer) => numberField(fraction, `final.layerInactiveFractions[${layer}]`, 0, 1));
  if (record['lifetimes'] !== undefined) checkLifetimes(record['lifetimes'], depth);
  arrayField(record['epochs'], 'epochs', 1, 100001).forEach((item, index) => {
    const epoch = objectField(item, `epochs[${index}]`);
    integerField(epoch['epoch'], `epochs[${index}].epoch`, index, index);
    numberField(epoch['inactiveFraction'], `epochs[${index}].inactiveFraction`, 0, 1);
    lossField(epoch['trainLoss'], `epochs[${index}].trainLoss`);
    numberField(epoch['testAccuracy'], `epochs[${index}].testAccuracy`, 0, 1);
  });
  return record as unknown as SweepRecord;
}

/** Checks a record's lifetime totals: counts within the units, one entry per hidden layer. */
function checkLifetimes(value: unknown, depth: number): void {
  const lifetimes = objectField(value, 'lifetimes');
  for (const key of ['permanentlyDead', 'everInactive', 'revived'] as const) integerField(lifetimes[key], `lifetimes.${key}`, 0, Number.MAX_SAFE_INTEGER);
  numberField(lifetimes['permanentlyDeadFraction'], 'lifetimes.permanentlyDeadFraction', 0, 1);
  for (const key of ['layerPermanentlyDead', 'layerRevived'] as const) {
    arrayField(lifetimes[key], `lifetimes.${key}`, depth, depth).forEach((count, layer) => integerField(count, `lifetimes.${key}[${layer}]`, 0, Number.MAX_SAFE_INTEGER));
  }
}

/**
 * Reads a JSON-lines results file (a regular file of at most
 * MAX_RESULTS_BYTES). A last line without its newline is a write cut short
 * and is ignored; any other line that is not a valid record (every field
 * checked by `checkSweepRecord`) is an error naming the file, the line and
 * the field. A file whose first line is not a record at all is refused as
 * not a gradlab results file. A missing file reads as empty (a sweep that
 * has not started).
 */
export function readResultsFile(path: string): ReadResults {
  if (!existsSync(path)) return { records: [], completeBytes: 0, tornTail: false };
  const bytes = readRegularFile(path, { maxBytes: MAX_RESULTS_BYTES, reader: 'results' });
  const text = new TextDecoder('utf-8').decode(bytes);
  const lastNewline = text.lastIndexOf('\n');
  const complete = text.slice(0, lastNewline + 1);
  const records: SweepRecord[] = [];
  complete.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${path}:${index + 1}`;
    const notOurs = records.length === 0
      ? `; ${path} is not a gradlab sweep results file (JSON lines written by gradlab sweep)`
      : '';
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`${where}: not a JSON line: ${JSON.stringify(line.slice(0, 60))}${line.length > 60 ? '…' : ''}${notOurs}`);
    }
    try {
      records.push(checkSweepRecord(parsed));
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      throw new Error(`${where}: not a sweep record: field ${error.message}${notOurs}`);
    }
  });
  return { records, completeBytes: Buffer.byteLength(complete, 'utf8'), tornTail: lastNewline + 1 < text.length };
}

/** Cuts a torn final line off a results file so the next append starts on a fresh line. */
export function dropTornTail(path: string, read: ReadResults): void {
  if (read.tornTail) truncateSync(path, read.completeBytes);
}
