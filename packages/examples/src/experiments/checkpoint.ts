/**
 * Checkpoints that let `gradlab train` and `gradlab dead-neurons` resume after
 * a kill and still finish with exactly the bytes of a run that never stopped.
 *
 * One checkpoint is one safetensors file, written atomically, so it is never
 * half old and half new:
 *
 *   tensors   model.<name>              every parameter of the network in training
 *             optimizer.<i>.<buffer>    the optimizer's buffers (Adam's expAvg and
 *                                       expAvgSq, SGD's momentumBuffer) of parameter i
 *   metadata  gradlab.checkpoint        JSON: the command, the flags that shape the
 *                                       results, the epoch count, the optimizer's
 *                                       scalars, the batch-order generator's state,
 *                                       and the command's results so far
 *
 * Why this is bit-exact: parameters and optimizer buffers are stored as float32
 * bit patterns; the generator state (four doubles) and every number in the
 * JSON survive the trip exactly, since JSON.stringify writes the shortest
 * text that parses back to the same double. JSON has no NaN, ±Infinity or -0,
 * so those are written as {"$number": "NaN"} and turned back on reading.
 * Saving draws no random numbers (nn's writeFileAtomic names its temporary
 * file from node:crypto), so checkpoints do not perturb the seeded streams.
 */
import { Generator, Tensor, type GeneratorState } from '@gradlab/core';
import { decodeSafetensors, encodeSafetensors, findNonFinite, type OptimizerStateDict } from '@gradlab/nn';
import { arrayField, describeFound, FieldError, integerField, numberField, objectField, stringField } from '../io/fields.js';
import type { TrainingState } from './training.js';

/** The metadata key holding the JSON part of a checkpoint. */
export const CHECKPOINT_KEY = 'gradlab.checkpoint';

/** Bumped whenever the layout changes; an older checkpoint is refused, not misread. */
export const CHECKPOINT_FORMAT_VERSION = 1;

/** The JSON-side record of a TrainingState (the arrays are tensors of the file). */
export interface SavedTraining {
  readonly epochsDone: number;
  /** The optimizer's stateDict without its buffers: name, options and per-parameter scalars (Adam's step). */
  readonly optimizer: { optimizer: string; options: OptimizerStateDict['options']; state: Array<Record<string, number> | null> };
  /** The batch-order generator: where the next epoch's permutation comes from. */
  readonly dataGenerator: GeneratorState;
}

/** A checkpoint as read back: its JSON part and its tensors. */
export interface Checkpoint<Progress> {
  /** The subcommand that wrote it ('train', 'dead-neurons'). */
  readonly command: string;
  readonly formatVersion: number;
  /** The flag values that shape the results; a resume must give the same. */
  readonly flags: Record<string, unknown>;
  /** The network in training, or null between networks. */
  readonly training: SavedTraining | null;
  /** The command's own record of what is done so far. */
  readonly progress: Progress;
  readonly tensors: Record<string, Tensor>;
}

/**
 * Encodes a checkpoint as safetensors bytes (write them with writeOutputFile).
 *
 * @example
 * writeOutputFile(path, encodeCheckpoint('train', flags, state, { log }));
 */
export function encodeCheckpoint(command: string, flags: Record<string, unknown>, training: TrainingState | null, progress: unknown): Uint8Array {
  const tensors: Array<[string, Tensor]> = [];
  let saved: SavedTraining | null = null;
  if (training !== null) {
    for (const [name, parameter] of Object.entries(training.model.stateDict())) tensors.push([`model.${name}`, parameter]);
    const { optimizer, options, state } = training.optimizer.stateDict();
    const scalars = state.map((entry, index) => {
      if (entry === null) return null;
      const kept: Record<string, number> = {};
      for (const [name, value] of Object.entries(entry)) {
        if (Array.isArray(value)) tensors.push([`optimizer.${index}.${name}`, new Tensor(Float32Array.from(value), [value.length])]);
        else kept[name] = value;
      }
      return kept;
    });
    saved = { epochsDone: training.epochsDone, optimizer: { optimizer, options, state: scalars }, dataGenerator: training.dataGenerator.state() };
  }
  const json = { command, formatVersion: CHECKPOINT_FORMAT_VERSION, flags, training: saved, progress };
  return encodeSafetensors(Object.fromEntries(tensors), { format: 'gradlab', [CHECKPOINT_KEY]: toExactJson(json) });
}

/**
 * Checks the part of a checkpoint that is not its tensors: every field's type
 * and range, and each command's own progress record (`checkProgress`, which
 * throws a FieldError naming the field). Used by `decodeCheckpoint`.
 */
export type ProgressCheck<Progress> = (progress: unknown, training: SavedTraining | null) => Progress;

/**
 * Reads a checkpoint written by `command`. Throws an Error naming `path` (and
 * the field, or the tensor) if the file is not a safetensors file, not a
 * gradlab checkpoint, was written by another command, has another format
 * version, has a field of the wrong type or range (`checkProgress` checks the
 * command's progress record), or holds a NaN or ±Infinity in a tensor: a run
 * that had diverged must not be resumed as if it were healthy.
 */
export function decodeCheckpoint<Progress>(bytes: Uint8Array, path: string, command: string, checkProgress?: ProgressCheck<Progress>): Checkpoint<Progress> {
  const { tensors, metadata } = decodeSafetensors(bytes, path);
  const text = metadata[CHECKPOINT_KEY];
  if (text === undefined) throw new Error(`checkpoint: ${path} has no '${CHECKPOINT_KEY}' metadata; it is not a gradlab checkpoint`);
  let parsed: unknown;
  try {
    parsed = fromExactJson(text);
  } catch (error) {
    throw new Error(`checkpoint: ${path}: its '${CHECKPOINT_KEY}' metadata is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`checkpoint: ${path}: its '${CHECKPOINT_KEY}' metadata is not a checkpoint record (got ${describeFound(parsed)})`);
  }
  const json = parsed as Record<string, unknown>;
  const writer = json['command'];
  if (writer !== command) throw new Error(`checkpoint: ${path} was written by gradlab ${typeof writer === 'string' ? writer.slice(0, 60) : describeFound(writer)}, not gradlab ${command}`);
  if (json['formatVersion'] !== CHECKPOINT_FORMAT_VERSION) {
    throw new Error(`checkpoint: ${path} has format version ${describeFound(json['formatVersion'])}; this gradlab reads version ${CHECKPOINT_FORMAT_VERSION}`);
  }
  let record: Omit<Checkpoint<Progress>, 'tensors'>;
  try {
    const flags = objectField(json['flags'], 'flags');
    const training = json['training'] === null ? null : checkSavedTraining(json['training']);
    if (!('progress' in json)) throw new FieldError('progress', 'is missing');
    const progress = checkProgress ? checkProgress(json['progress'], training) : json['progress'] as Progress;
    record = { command, formatVersion: CHECKPOINT_FORMAT_VERSION, flags, training, progress };
  } catch (error) {
    if (!(error instanceof FieldError)) throw error;
    throw new Error(`checkpoint: ${path}: field ${error.message} in its '${CHECKPOINT_KEY}' metadata`);
  }
  const nonFinite = findNonFinite(tensors);
  if (nonFinite !== null) {
    throw new Error(`checkpoint: ${path}: tensor ${nonFinite.name} holds ${nonFinite.value} at element ${nonFinite.index}; the run had diverged before this checkpoint was saved`);
  }
  return { ...record, tensors };
}

/** The `training` section of a checkpoint, checked field by field (FieldError otherwise). */
function checkSavedTraining(value: unknown): SavedTraining {
  const training = objectField(value, 'training');
  const epochsDone = integerField(training['epochsDone'], 'training.epochsDone', 0, MAX_EPOCHS);
  const optimizer = objectField(training['optimizer'], 'training.optimizer');
  const name = stringField(optimizer['optimizer'], 'training.optimizer.optimizer', 64);
  const options = objectField(optimizer['options'], 'training.optimizer.options');
  const state = arrayField(optimizer['state'], 'training.optimizer.state', 0, MAX_PARAMETER_TENSORS).map((entry, index) => {
    if (entry === null) return null;
    const scalars = objectField(entry, `training.optimizer.state[${index}]`);
    for (const [key, scalar] of Object.entries(scalars)) numberField(scalar, `training.optimizer.state[${index}].${key}`);
    return scalars as Record<string, number>;
  });
  const generator = objectField(training['dataGenerator'], 'training.dataGenerator');
  try {
    Generator.fromState(generator as unknown as GeneratorState);
  } catch (error) {
    throw new FieldError('training.dataGenerator', `is not a batch-order generator state (${(error as Error).message})`);
  }
  return { epochsDone, optimizer: { optimizer: name, options: options as OptimizerStateDict['options'], state }, dataGenerator: generator as unknown as GeneratorState };
}

/** The most epochs a command line allows (--epochs); a larger epochsDone cannot be genuine. */
const MAX_EPOCHS = 10000;

/** More parameter tensors than any gradlab network has (200 layers of 3 tensors at most). */
const MAX_PARAMETER_TENSORS = 10000;

/**
 * Puts a saved network back into `fresh` (a TrainingState just built from the
 * same flags): parameters, optimizer buffers and scalars, the epoch count and
 * the batch-order generator. After an error `fresh` may be half restored:
 * throw it away.
 */
export function restoreTraining(fresh: TrainingState, saved: SavedTraining, tensors: Readonly<Record<string, Tensor>>, path: string): TrainingState {
  const modelTensors: Record<string, Tensor> = {};
  const expected = fresh.optimizer.stateDict();
  const fits = (message: string): Error => new Error(`checkpoint: ${path} does not fit this network: ${message}`);
  if (saved.optimizer.optimizer !== expected.optimizer) {
    throw fits(`field training.optimizer.optimizer is ${describeFound(saved.optimizer.optimizer)}, but this run's flags give ${expected.optimizer}`);
  }
  // The optimizer restores its options from the file: they must be the ones this run's flags give.
  const options = firstFlagMismatch(saved.optimizer.options as Record<string, unknown>, expected.options as Record<string, unknown>);
  if (options !== null) {
    throw fits(`field training.optimizer.options.${options.key} is ${describeFound(options.saved)}, but this run's flags give ${describeFound(options.current)}`);
  }
  for (const [name, tensor] of Object.entries(tensors)) {
    if (name.startsWith('model.')) {
      modelTensors[name.slice('model.'.length)] = tensor;
      continue;
    }
    const buffer = /^optimizer\.(\d+)\.[A-Za-z]+$/.exec(name);
    const index = buffer === null ? -1 : Number(buffer[1]);
    if (index < 0 || index >= saved.optimizer.state.length || saved.optimizer.state[index] === null) {
      throw fits(`tensor ${name} is neither a parameter (model.<name>) nor a buffer of a parameter the optimizer state lists`);
    }
  }
  const stateDict: OptimizerStateDict = {
    optimizer: saved.optimizer.optimizer,
    options: saved.optimizer.options,
    state: saved.optimizer.state.map((scalars, index) => {
      if (scalars === null) return null;
      const entry: Record<string, number | number[]> = { ...scalars };
      const prefix = `optimizer.${index}.`;
      for (const [name, tensor] of Object.entries(tensors)) if (name.startsWith(prefix)) entry[name.slice(prefix.length)] = Array.from(tensor.data);
      return entry;
    }),
  };
  let dataGenerator: Generator;
  try {
    dataGenerator = Generator.fromState(saved.dataGenerator);
    fresh.model.loadStateDict(modelTensors);
    fresh.optimizer.loadStateDict(stateDict);
  } catch (error) {
    throw fits((error as Error).message);
  }
  return { model: fresh.model, optimizer: fresh.optimizer, dataGenerator, epochsDone: saved.epochsDone };
}

/**
 * The first flag whose value differs between a checkpoint and this run, or
 * null when they all agree. Values are compared as JSON, so `[64, 64]`
 * equals `[64, 64]` and a missing flag equals one that was not given.
 *
 * @example
 * firstFlagMismatch({ depth: 3, seed: 0 }, { depth: 4, seed: 0 }); // { key: 'depth', saved: 3, current: 4 }
 */
export function firstFlagMismatch(
  saved: Readonly<Record<string, unknown>>,
  current: Readonly<Record<string, unknown>>,
): { key: string; saved: unknown; current: unknown } | null {
  const keys = [...new Set([...Object.keys(current), ...Object.keys(saved)])];
  for (const key of keys) {
    if (JSON.stringify(saved[key]) !== JSON.stringify(current[key])) return { key, saved: saved[key], current: current[key] };
  }
  return null;
}

/** JSON.stringify, but NaN, ±Infinity and -0 are kept as {"$number": "…"}. */
export function toExactJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'number' && (!Number.isFinite(item) || Object.is(item, -0))) return { $number: Object.is(item, -0) ? '-0' : String(item) };
    return item;
  });
}

/** The inverse of `toExactJson`. */
export function fromExactJson(text: string): unknown {
  return JSON.parse(text, (_key, item: unknown) => {
    if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
      const keys = Object.keys(item);
      const tagged = (item as { $number?: unknown }).$number;
      if (keys.length === 1 && typeof tagged === 'string' && ['NaN', 'Infinity', '-Infinity', '-0'].includes(tagged)) return Number(tagged);
    }
    return item;
  });
}
