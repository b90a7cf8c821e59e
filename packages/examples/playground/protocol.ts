/**
 * The messages between the page (main.ts) and its training worker (worker.ts).
 * Everything is plain data (structured clone); numbers are sent as the
 * float64 values gradlab computed, so the page holds exactly what a Node run holds.
 */
import type { ActivationKind } from '@gradlab/nn';
import type { EpochSnapshot } from '../src/experiments/dead-neurons.js';
import type { LifetimeMeasurement } from '../src/experiments/lifetimes.js';
import type { PlaygroundSettings } from '../src/playground/session.js';

/** Page → worker. */
export type ToWorker =
  /** First message: where the packed digits are (the page's mnist-digits.bin.gz). */
  | { readonly type: 'load'; readonly url: string }
  /** Starts over with these settings: one run per activation (two when comparing), from the same seed. */
  | { readonly type: 'reset'; readonly settings: PlaygroundSettings; readonly activations: readonly ActivationKind[] }
  /** Trains until paused or finished, reporting about every `reportEveryMs`. */
  | { readonly type: 'run' }
  | { readonly type: 'pause' }
  /** Trains `steps` steps (every run), then reports and stops. */
  | { readonly type: 'step'; readonly steps: number }
  /** Asks for each run's parameter digest (SHA-256 of the weights' bytes). */
  | { readonly type: 'digest' }
  /** Times `steps` training steps of the default network without measurements. */
  | { readonly type: 'benchmark'; readonly steps: number };

/** What one run has done since the last report. */
export interface RunProgress {
  readonly activation: ActivationKind;
  /** Training steps done in all. */
  readonly step: number;
  readonly epoch: number;
  readonly stepsPerEpoch: number;
  /** The mini-batch losses of the steps since the last report, in order. */
  readonly losses: readonly number[];
  /** The lifetime measurements since the last report (every 25 steps and each epoch's end). */
  readonly measurements: readonly LifetimeMeasurement[];
  /** The epoch snapshots since the last report (epoch 0 is the initialisation). */
  readonly epochs: readonly EpochSnapshot[];
  /** The predicted digit of each shown test image, now. */
  readonly predictions: readonly number[];
  readonly finished: boolean;
  /** "epoch E, step S: loss NaN" when the run diverged. */
  readonly diverged: string | null;
}

/** Worker → page. */
export type FromWorker =
  /** The digits are loaded: the shown test images (pixels in [0, 1]) and their labels. */
  | { readonly type: 'ready'; readonly shown: { readonly images: Float32Array; readonly labels: readonly number[]; readonly side: number } }
  | { readonly type: 'progress'; readonly runs: readonly RunProgress[]; readonly running: boolean; readonly stepsPerSecond: number | null }
  | { readonly type: 'digest'; readonly digests: readonly string[] }
  /** The training speed of the default network, and the matmul kernel that ran it (e.g. "wasm (relaxed-simd)"). */
  | { readonly type: 'benchmark'; readonly stepsPerSecond: number; readonly steps: number; readonly kernel: string }
  | { readonly type: 'error'; readonly message: string };
