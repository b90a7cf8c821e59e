/**
 * What the page keeps and offers on `window.playground`: its state, as the
 * worker reported it (the browser tests and the console read it), and three
 * calls the tests use.
 */
import type { ActivationKind } from '@gradlab/nn';
import type { EpochSnapshot } from '../src/experiments/dead-neurons.js';
import type { LifetimeMeasurement } from '../src/experiments/lifetimes.js';
import type { PlaygroundSettings } from '../src/playground/session.js';

/** Everything the page knows about one run. */
export interface RunState {
  activation: ActivationKind;
  step: number;
  epoch: number;
  stepsPerEpoch: number;
  losses: number[];
  measurements: LifetimeMeasurement[];
  epochs: EpochSnapshot[];
  predictions: readonly number[];
  finished: boolean;
  diverged: string | null;
}

/** The page's state, on `window.playground.state` for the tests and the console. */
export interface PageState {
  ready: boolean;
  running: boolean;
  settings: PlaygroundSettings;
  runs: RunState[];
  shown: { images: Float32Array; labels: readonly number[]; side: number } | null;
  stepsPerSecond: number | null;
  /** Every progress report received since the last reset (the tests wait on it). */
  reports: number;
  errors: string[];
}

/** `window.playground`. */
export interface PlaygroundApi {
  readonly state: PageState;
  /** SHA-256 of each run's weights, now. */
  digests(): Promise<readonly string[]>;
  /** Steps per second of the default network, without measurements, over `steps` steps, and the matmul kernel used. */
  benchmark(steps: number): Promise<{ stepsPerSecond: number; kernel: string }>;
  /** Trains `steps` steps of every run (as the Step button does one) and resolves once the page has them. */
  step(steps: number): Promise<void>;
}

declare global {
  interface Window {
    playground: PlaygroundApi;
  }
}
