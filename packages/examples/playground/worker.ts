/**
 * The playground's training worker: loads the packed digits, splits them as
 * the command line does, and trains one run per activation (two when
 * comparing) step by step, so that the page stays responsive and can pause,
 * step and reset between any two steps.
 */
import { activeMatmulKernelName, wasmMatmulInstructions } from '@gradlab/core/kernels';
import { unpackDigits } from '../src/playground/digits.js';
import { DEFAULT_SETTINGS, PlaygroundRun, shownDigits, splitDigits, stepsPerSecond } from '../src/playground/session.js';
import type { TrainTestSplit } from '../src/data/split.js';
import type { Dataset } from '../src/data/dataset.js';
import type { FromWorker, RunProgress, ToWorker } from './protocol.js';

/** How many test digits the page shows. */
const SHOWN = 10;
/** Reports at most this often while running (milliseconds). */
const REPORT_EVERY_MS = 100;

const post = (message: FromWorker): void => postMessage(message);

let data: TrainTestSplit | null = null;
let shown: Dataset | null = null;
let runs: PlaygroundRun[] = [];
/** Per run: how much of its losses, measurements and epochs the page already has. */
let sent: Array<{ losses: number; measurements: number; epochs: number }> = [];
let losses: number[][] = [];
let running = false;
/** Steps per second over the last running slice (all runs' steps together). */
let rate: number | null = null;
/** Messages that arrived before the digits did. */
const waiting: ToWorker[] = [];

async function loadDigits(url: string): Promise<void> {
  const response = await fetch(url);
  if (!response.ok || response.body === null) throw new Error(`playground: could not load the digits (HTTP ${response.status})`);
  const unpacked = await new Response(response.body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();
  data = splitDigits(unpackDigits(new Uint8Array(unpacked)));
  shown = shownDigits(data.test, SHOWN);
  post({ type: 'ready', shown: { images: shown.images, labels: Array.from(shown.labels), side: shown.rows } });
}

function progress(): RunProgress[] {
  return runs.map((run, index) => {
    const network = run.current.network;
    const already = sent[index]!;
    const report: RunProgress = {
      activation: run.activation,
      step: run.current.step,
      epoch: run.current.epoch,
      stepsPerEpoch: run.stepsPerEpoch,
      losses: losses[index]!.slice(already.losses),
      measurements: network.lifetimeMeasurements.slice(already.measurements),
      epochs: network.epochs.slice(already.epochs),
      predictions: run.predict(shown!),
      finished: run.finished !== null,
      diverged: run.finished?.diverged ? `epoch ${run.finished.diverged.epoch}, step ${run.finished.diverged.step}: loss ${run.finished.diverged.loss}` : null,
    };
    sent[index] = { losses: losses[index]!.length, measurements: network.lifetimeMeasurements.length, epochs: network.epochs.length };
    return report;
  });
}

/** One step of every unfinished run; false when all are finished. */
function stepAll(): boolean {
  let any = false;
  runs.forEach((run, index) => {
    if (run.advance()) {
      any = true;
      if (run.current.loss !== null) losses[index]!.push(run.current.loss);
    }
  });
  return any;
}

function report(): void {
  post({ type: 'progress', runs: progress(), running, stepsPerSecond: rate });
}

/** Trains for about REPORT_EVERY_MS, reports, and yields to the message queue before the next slice. */
function slice(): void {
  if (!running) return;
  const start = performance.now();
  let steps = 0;
  while (performance.now() - start < REPORT_EVERY_MS) {
    if (!stepAll()) {
      running = false;
      break;
    }
    steps++;
  }
  const elapsed = performance.now() - start;
  if (steps > 0 && elapsed > 0) rate = (steps * runs.length) / (elapsed / 1000);
  report();
  if (running) setTimeout(slice, 0);
}

async function handle(message: ToWorker): Promise<void> {
  if (message.type === 'load') {
    await loadDigits(message.url);
    for (const early of waiting.splice(0)) await handle(early);
    return;
  }
  if (data === null) {
    waiting.push(message);
    return;
  }
  switch (message.type) {
    case 'reset':
      running = false;
      rate = null;
      runs = message.activations.map((activation) => new PlaygroundRun(message.settings, activation, data!));
      sent = runs.map(() => ({ losses: 0, measurements: 0, epochs: 0 }));
      losses = runs.map(() => []);
      report();
      return;
    case 'run':
      if (!running) {
        running = true;
        setTimeout(slice, 0);
      }
      return;
    case 'pause':
      running = false;
      report();
      return;
    case 'step':
      running = false;
      for (let i = 0; i < message.steps && stepAll(); i++);
      report();
      return;
    case 'digest':
      post({ type: 'digest', digests: await Promise.all(runs.map((run) => run.parameterDigest())) });
      return;
    case 'benchmark':
      post({
        type: 'benchmark', steps: message.steps, stepsPerSecond: stepsPerSecond(DEFAULT_SETTINGS, data.train, message.steps),
        kernel: `${activeMatmulKernelName()} (${wasmMatmulInstructions() ?? 'no wasm'})`,
      });
      return;
  }
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  handle(event.data).catch((error: unknown) => post({ type: 'error', message: error instanceof Error ? error.message : String(error) }));
};
