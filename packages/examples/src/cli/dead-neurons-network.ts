/**
 * One network of `gradlab dead-neurons`, from its start (or its checkpoint)
 * to its final weights. The command runs this in a worker thread per network
 * (dead-neurons-worker.ts), or in its own thread with `--workers 1`; either
 * way the network is trained and measured by experiments/dead-neurons.ts's
 * `runOneActivation` and gives the same bits.
 *
 * Each network has a checkpoint file of its own,
 * `<out>/checkpoint/<activation>-seed<seed>.safetensors`, replaced atomically after every
 * measurement: the weights, optimizer state and batch order (see
 * experiments/checkpoint.ts) and the measurements so far. When the network is
 * done its final weights go to `<out>/models/<activation>-seed<seed>.safetensors`, and
 * its checkpoint then records the finished run, so that a resumed command
 * does not train it again. One writer per file: networks running side by side
 * never write the same file.
 */
import { dirname, join } from 'node:path';
import { ACTIVATION_KINDS, MAX_CHECKPOINT_BYTES, readRegularFile, save, type ActivationKind } from '@gradlab/nn';
import { firstImages, type Dataset } from '../data/dataset.js';
import { decodeCheckpoint, encodeCheckpoint, restoreTraining, type SavedTraining } from '../experiments/checkpoint.js';
import {
  runOneActivation, startNetwork, type ActivationRun, type DeadNeuronsConfig, type EpochSnapshot, type NetworkInProgress,
} from '../experiments/dead-neurons.js';
import type { InitialGradient } from '../experiments/gradient-flow.js';
import type { LifetimeMeasurement } from '../experiments/lifetimes.js';
import { inputWidth, type TrainingState } from '../experiments/training.js';
import { createFolder, writeOutputFile } from '../io/atomic.js';
import { arrayField, booleanField, choiceField, FieldError, integerField, measuredField, numberField, objectField } from '../io/fields.js';

/** What a network's checkpoint holds besides its tensors. */
export interface NetworkCheckpoint {
  readonly activation: ActivationKind;
  readonly seed: number;
  /** The measurements so far: epoch 0 (initialisation), then each finished epoch. */
  readonly epochs: readonly EpochSnapshot[];
  /** The lifetime measurements so far. */
  readonly lifetimeMeasurements: readonly LifetimeMeasurement[];
  /** Measured before training. */
  readonly initialGradient: InitialGradient | null;
  /** The whole run once the network is done (its weights are then in models/), else null. */
  readonly finished: ActivationRun | null;
  /** Wall-clock seconds spent on this network so far, for timing.json. */
  readonly seconds: number;
}

/**
 * Checks a network's checkpoint record field by field (FieldError otherwise):
 * one measurement per epoch from 0 to training.epochsDone while the network
 * trains, the lifetime measurements in step order, the initial gradient
 * while it trains; a finished run of the same activation and seed once it is done.
 */
export function checkNetworkProgress(value: unknown, training: SavedTraining | null): NetworkCheckpoint {
  const progress = objectField(value, 'progress');
  const activation = choiceField(progress['activation'], 'progress.activation', ACTIVATION_KINDS);
  const seconds = numberField(progress['seconds'], 'progress.seconds', 0);
  const finished = progress['finished'] === null ? null : objectField(progress['finished'], 'progress.finished');
  if (training === null && finished === null) throw new FieldError('progress.finished', 'is null, but so is training: the checkpoint holds neither a network in training nor a finished run');
  const count = training === null ? undefined : training.epochsDone + 1;
  const epochs = arrayField(progress['epochs'], 'progress.epochs', count ?? 1, count ?? 10001).map((item, index) => {
    const snapshot = objectField(item, `progress.epochs[${index}]`);
    integerField(snapshot['epoch'], `progress.epochs[${index}].epoch`, index, index);
    for (const key of ['trainLoss', 'testLoss', 'testAccuracy', 'inactive', 'inactiveFraction'] as const) measuredField(snapshot[key], `progress.epochs[${index}].${key}`);
    booleanField(snapshot['outputConstant'], `progress.epochs[${index}].outputConstant`);
    arrayField(snapshot['layers'], `progress.epochs[${index}].layers`, 0, 10000).forEach((layer, l) => objectField(layer, `progress.epochs[${index}].layers[${l}]`));
    return snapshot as unknown as EpochSnapshot;
  });
  const seed = integerField(progress['seed'], 'progress.seed', 0, Number.MAX_SAFE_INTEGER);
  if (finished !== null) {
    choiceField(finished['activation'], 'progress.finished.activation', [activation]);
    integerField(finished['seed'], 'progress.finished.seed', seed, seed);
    arrayField(finished['epochs'], 'progress.finished.epochs', epochs.length, epochs.length);
  }
  const unitLists = (item: unknown, field: string): number[][] =>
    arrayField(item, field, 0, 10000).map((list, layer) => arrayField(list, `${field}[${layer}]`).map((unit, i) => integerField(unit, `${field}[${layer}][${i}]`, 0, 1e9)));
  let lastStep = -1;
  const lifetimeMeasurements = arrayField(progress['lifetimeMeasurements'], 'progress.lifetimeMeasurements').map((item, index): LifetimeMeasurement => {
    const field = `progress.lifetimeMeasurements[${index}]`;
    const measurement = objectField(item, field);
    const step = integerField(measurement['step'], `${field}.step`, lastStep + 1, Number.MAX_SAFE_INTEGER);
    lastStep = step;
    const optional = (key: 'frozen' | 'unmoved'): number[][] | null => {
      if (index === 0 && measurement[key] === null) return null;
      return unitLists(measurement[key], `${field}.${key}`);
    };
    return { step, inactive: unitLists(measurement['inactive'], `${field}.inactive`), frozen: optional('frozen'), unmoved: optional('unmoved') };
  });
  let initialGradient: InitialGradient | null = null;
  if (progress['initialGradient'] !== null) {
    const gradient = objectField(progress['initialGradient'], 'progress.initialGradient');
    initialGradient = {
      images: integerField(gradient['images'], 'progress.initialGradient.images', 1, Number.MAX_SAFE_INTEGER),
      biasGradientNorms: arrayField(gradient['biasGradientNorms'], 'progress.initialGradient.biasGradientNorms', 0, 10000)
        .map((norm, i) => numberField(norm, `progress.initialGradient.biasGradientNorms[${i}]`, 0)),
      shrinkPerLayer: gradient['shrinkPerLayer'] === null ? null : numberField(gradient['shrinkPerLayer'], 'progress.initialGradient.shrinkPerLayer', 0),
    };
  }
  if (training !== null && initialGradient === null) throw new FieldError('progress.initialGradient', 'is null, but the network is in training: it is measured before the first step');
  return { activation, seed, epochs, lifetimeMeasurements, initialGradient, finished: finished as unknown as ActivationRun | null, seconds };
}

/** Everything a worker needs to run one network: plain data, so it can be posted to a thread. */
export interface NetworkJob {
  readonly config: DeadNeuronsConfig;
  readonly activation: ActivationKind;
  readonly seed: number;
  /** The flags that shape the results, recorded in the checkpoint for `--resume` to compare. */
  readonly flags: Record<string, unknown>;
  readonly checkpointPath: string;
  readonly modelPath: string;
  /** Continue the network part-way through, from the checkpoint at `checkpointPath`. */
  readonly resume: boolean;
}

/** What a running network reports, in order. */
export type NetworkEvent =
  /** `steps` more training steps done; the last one's epoch and loss. */
  | { readonly type: 'steps'; readonly activation: ActivationKind; readonly seed: number; readonly steps: number; readonly epoch: number; readonly loss: number }
  /** A measurement, already saved in the network's checkpoint. */
  | { readonly type: 'measured'; readonly activation: ActivationKind; readonly seed: number; readonly snapshot: EpochSnapshot }
  /** The run is over (finished or diverged); its final weights and checkpoint are written. */
  | { readonly type: 'done'; readonly activation: ActivationKind; readonly seed: number; readonly run: ActivationRun; readonly seconds: number };

/** The file name of one network's checkpoint or final weights: `<activation>-seed<seed>.safetensors`. */
export function networkFileName(activation: ActivationKind, seed: number): string {
  return `${activation}-seed${seed}.safetensors`;
}

/** The checkpoint file of one network: `<folder>/<activation>-seed<seed>.safetensors`. */
export function networkCheckpointPath(folder: string, activation: ActivationKind, seed: number): string {
  return join(folder, networkFileName(activation, seed));
}

/**
 * Trains and measures one network, saving its checkpoint after every
 * measurement and its final weights at the end, and reports what happens to
 * `report`. Training steps are reported `stepsPerReport` at a time (a message
 * per step would cost a worker thread more than the step). Returns the run.
 */
export function trainNetwork(job: NetworkJob, data: { train: Dataset; test: Dataset }, report: (event: NetworkEvent) => void, stepsPerReport = 1): ActivationRun {
  const { config, activation, seed } = job;
  let resumeFrom: NetworkInProgress | undefined;
  let secondsBefore = 0;
  if (job.resume) {
    const bytes = readRegularFile(job.checkpointPath, { maxBytes: MAX_CHECKPOINT_BYTES, reader: 'checkpoint' });
    const saved = decodeCheckpoint(bytes, job.checkpointPath, 'dead-neurons', checkNetworkProgress);
    if (saved.training === null || saved.progress.activation !== activation || saved.progress.seed !== seed || saved.progress.initialGradient === null) {
      throw new Error(`${job.checkpointPath} does not hold a ${activation} network of seed ${seed} in training`);
    }
    const training = restoreTraining(startNetwork(config, activation, seed, inputWidth(data.train)), saved.training, saved.tensors, job.checkpointPath);
    resumeFrom = {
      activation, seed, training, epochs: [...saved.progress.epochs], initialGradient: saved.progress.initialGradient, lifetimeMeasurements: [...saved.progress.lifetimeMeasurements],
    };
    secondsBefore = saved.progress.seconds;
  }
  const startedAt = Date.now();
  const seconds = (): number => secondsBefore + (Date.now() - startedAt) / 1000;
  let unreported = { steps: 0, epoch: 0, loss: 0 };
  const flushSteps = (): void => {
    if (unreported.steps > 0) report({ type: 'steps', activation, seed, ...unreported });
    unreported = { steps: 0, epoch: 0, loss: 0 };
  };
  const saveCheckpoint = (network: Pick<NetworkInProgress, 'epochs' | 'lifetimeMeasurements' | 'initialGradient'> | null, training: TrainingState | null, finished: ActivationRun | null): void => {
    const progress: NetworkCheckpoint = {
      activation, seed, epochs: network?.epochs ?? finished?.epochs ?? [], lifetimeMeasurements: network?.lifetimeMeasurements ?? [],
      initialGradient: network?.initialGradient ?? null, finished, seconds: seconds(),
    };
    writeOutputFile(job.checkpointPath, encodeCheckpoint('dead-neurons', job.flags, training, progress));
  };

  const measured = firstImages(data.train, config.measureSize);
  const run = runOneActivation(config, activation, seed, data.train, data.test, measured, {
    onStep: (_activation, epoch, loss) => {
      unreported = { steps: unreported.steps + 1, epoch, loss };
      if (unreported.steps >= stepsPerReport) flushSteps();
    },
    onMeasured: (network) => {
      flushSteps();
      // Saved before it is reported: a measurement on the screen is one a resume keeps.
      saveCheckpoint(network, network.training, null);
      report({ type: 'measured', activation, seed, snapshot: network.epochs[network.epochs.length - 1]! });
    },
    onNetworkDone: (done, model) => {
      flushSteps();
      createFolder(dirname(job.modelPath));
      save(model, job.modelPath, { 'gradlab.activation': activation, 'gradlab.seed': String(seed), 'gradlab.epochs': String(done.epochs[done.epochs.length - 1]!.epoch) });
      // Only once the weights are written does the checkpoint call the network finished (its lifetimes are in the run).
      saveCheckpoint(null, null, done);
    },
  }, resumeFrom);
  report({ type: 'done', activation, seed, run, seconds: seconds() });
  return run;
}
