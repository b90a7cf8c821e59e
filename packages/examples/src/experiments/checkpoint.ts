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
import { decodeSafetensors, encodeSafetensors, type OptimizerStateDict } from '@gradlab/nn';
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
 * Reads a checkpoint written by `command`. Throws an Error naming `path` if
 * the file is not a safetensors file, not a gradlab checkpoint, was written by
 * another command, or has another format version.
 */
export function decodeCheckpoint<Progress>(bytes: Uint8Array, path: string, command: string): Checkpoint<Progress> {
  const { tensors, metadata } = decodeSafetensors(bytes, path);
  const text = metadata[CHECKPOINT_KEY];
  if (text === undefined) throw new Error(`checkpoint: ${path} has no '${CHECKPOINT_KEY}' metadata; it is not a gradlab checkpoint`);
  let json: Omit<Checkpoint<Progress>, 'tensors'>;
  try {
    json = fromExactJson(text) as Omit<Checkpoint<Progress>, 'tensors'>;
  } catch (error) {
    throw new Error(`checkpoint: ${path}: its '${CHECKPOINT_KEY}' metadata is not JSON: ${(error as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || typeof json.flags !== 'object' || json.flags === null) {
    throw new Error(`checkpoint: ${path}: its '${CHECKPOINT_KEY}' metadata is not a checkpoint record`);
  }
  if (json.command !== command) throw new Error(`checkpoint: ${path} was written by gradlab ${String(json.command)}, not gradlab ${command}`);
  if (json.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    throw new Error(`checkpoint: ${path} has format version ${String(json.formatVersion)}; this gradlab reads version ${CHECKPOINT_FORMAT_VERSION}`);
  }
  return { ...json, tensors };
}

/**
 * Puts a saved network back into `fresh` (a TrainingState just built from the
 * same flags): parameters, optimizer buffers and scalars, the epoch count and
 * the batch-order generator. After an error `fresh` may be half restored:
 * throw it away.
 */
export function restoreTraining(fresh: TrainingState, saved: SavedTraining, tensors: Readonly<Record<string, Tensor>>, path: string): TrainingState {
  const modelTensors: Record<string, Tensor> = {};
  for (const [name, tensor] of Object.entries(tensors)) if (name.startsWith('model.')) modelTensors[name.slice('model.'.length)] = tensor;
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
    if (!Number.isInteger(saved.epochsDone) || saved.epochsDone < 0) throw new Error(`epochsDone must be a non-negative integer, got ${String(saved.epochsDone)}`);
    fresh.model.loadStateDict(modelTensors);
    fresh.optimizer.loadStateDict(stateDict);
  } catch (error) {
    throw new Error(`checkpoint: ${path} does not fit this network: ${(error as Error).message}`);
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
