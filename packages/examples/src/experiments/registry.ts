/**
 * Every experiment the runner runs, by command name: `gradlab <name>`.
 * Each entry loads its declaration (runner/experiment.ts) only when used,
 * so `gradlab --help` does not load the experiments' code.
 *
 * Adding an experiment is one line here (docs/extending.md, "How to add an
 * experiment").
 */
import type { AnyExperiment } from '../runner/experiment.js';

/** What the registry knows about an experiment before loading it. */
export interface ExperimentEntry {
  /** One line for `gradlab --help`. */
  readonly summary: string;
  /** Imports the experiment's declaration module; its default export is the experiment. */
  load(): Promise<AnyExperiment>;
}

/** The experiments, in the order `gradlab --help` lists them. */
export const EXPERIMENTS = {
  'dead-neurons': {
    summary: 'Train one deep MLP with ReLU, LeakyReLU and Sigmoid; measure dead units per layer per epoch (the flagship)',
    load: async () => (await import('./dead-neurons-experiment.js')).default,
  },
  'born-dead': {
    summary: 'Lu et al. (2019): how many ReLU networks are dead at initialisation, He vs randomized asymmetric init',
    load: async () => (await import('./born-dead-experiment.js')).default,
  },
  remedies: {
    summary: 'What keeps ReLU units alive? Thirteen remedies (RAI, BatchNorm, residual, leaky slopes, smooth activations, lower lr, warm-up) side by side from the same seeds',
    load: async () => (await import('./remedies-experiment.js')).default,
  },
  sweep: {
    summary: 'A grid of dead-neuron runs in parallel worker threads, resumable, shardable',
    load: async () => (await import('./sweep-experiment.js')).default,
  },
  train: {
    summary: 'Train one MLP on MNIST and save a checkpoint',
    load: async () => (await import('./train-experiment.js')).default,
  },
} as const satisfies Readonly<Record<string, ExperimentEntry>>;

/** The name of a registered experiment. */
export type ExperimentName = keyof typeof EXPERIMENTS;
