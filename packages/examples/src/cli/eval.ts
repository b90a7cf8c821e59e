/**
 * `gradlab eval CHECKPOINT`: rebuilds the network described in a checkpoint
 * written by `gradlab train`, loads its weights and evaluates it on the same
 * test split it was trained beside.
 *
 * Nothing in the file is trusted before it is checked: the file must be a
 * regular file of sane size; its `gradlab.train` metadata is checked field by
 * field against train's own flag limits; every weight and bias the metadata
 * implies must be in the file with the implied shape (so the network built
 * is never larger than the file); and no weight may be NaN or ±Infinity.
 * Each error names the file and the field or tensor.
 */
import type { Tensor } from '@gradlab/core';
import { decodeSafetensors, findNonFinite, MAX_CHECKPOINT_BYTES, readRegularFile } from '@gradlab/nn';
import { subset } from '../data/dataset.js';
import { loadMnistFiles } from '../data/idx.js';
import { loadData } from '../data/load.js';
import { buildModel, evaluate, inputWidth } from '../experiments/training.js';
import { writeOutputFile } from '../io/atomic.js';
import { FieldError } from '../io/fields.js';
import { percent } from '../report/format.js';
import { defineCommand } from './command.js';
import { refuseOutputOverInput } from './files.js';
import { checkTrainConfig, TRAIN_CONFIG_KEY, type TrainConfig } from '../experiments/train-experiment.js';

const flags = {
  dataDir: { kind: 'string', description: 'Evaluate on every image of the MNIST test files (t10k-*) in this directory, which need hold nothing else, instead of the split the checkpoint was trained with' },
  json: { kind: 'string', description: 'Also write the result as JSON to this file' },
} as const;

/** The classes of MNIST: the width of the output layer every train checkpoint has. */
const CLASSES = 10;

/**
 * The checkpoint's training config, checked field by field, and checked
 * against the tensors in the file: layer i of the MLP is `layers.<2i>` with a
 * weight [in, out] and a bias [out]. Returns the config and the input width
 * the first weight implies.
 */
function checkCheckpoint(path: string, metadata: Record<string, string>, tensors: Record<string, Tensor>): { config: TrainConfig; inputs: number } {
  const stored = metadata[TRAIN_CONFIG_KEY];
  if (stored === undefined) throw new Error(`${path} has no '${TRAIN_CONFIG_KEY}' metadata; was it written by gradlab train?`);
  let config: TrainConfig;
  try {
    config = checkTrainConfig(JSON.parse(stored));
  } catch (error) {
    if (error instanceof SyntaxError) throw new Error(`${path}: its '${TRAIN_CONFIG_KEY}' metadata is not JSON: ${error.message}`);
    if (error instanceof FieldError) throw new Error(`${path}: field ${error.message} in its '${TRAIN_CONFIG_KEY}' metadata`);
    throw error;
  }
  const first = tensors['layers.0.weight'];
  const inputs = first?.shape.length === 2 ? first.shape[0]! : 0;
  const widths = [inputs, ...config.hidden, CLASSES];
  for (let i = 0; i + 1 < widths.length; i++) {
    const expected = { [`layers.${2 * i}.weight`]: [widths[i]!, widths[i + 1]!], [`layers.${2 * i}.bias`]: [widths[i + 1]!] };
    for (const [name, shape] of Object.entries(expected)) {
      const tensor = tensors[name];
      if (tensor === undefined || tensor.shape.join(',') !== shape.join(',') || inputs === 0) {
        const found = tensor === undefined ? 'it is missing' : `it has shape [${tensor.shape.join(',')}]`;
        throw new Error(`${path}: its metadata says hidden [${config.hidden.join(',')}], so tensor ${name} should have shape [${inputs === 0 ? 'inputs' : shape[0]}${shape.length > 1 ? `,${shape[1]}` : ''}], but ${found}`);
      }
    }
  }
  const nonFinite = findNonFinite(tensors);
  if (nonFinite !== null) {
    throw new Error(`${path}: tensor ${nonFinite.name} holds ${nonFinite.value} at element ${nonFinite.index}; the network had diverged before it was saved, and cannot be evaluated`);
  }
  return { config, inputs };
}

export const evalCommand = defineCommand(
  {
    name: 'eval',
    summary: 'Evaluates a checkpoint written by `gradlab train` on its test split: loss, accuracy and per-digit accuracy.',
    flags,
    positionals: { names: 'CHECKPOINT', min: 1, max: 1 },
  },
  async (options, [checkpoint]) => {
    const path = checkpoint!;
    if (options.json !== undefined) refuseOutputOverInput('eval', [options.json], [path], 'give --json another path');
    let bytes: Uint8Array;
    try {
      bytes = readRegularFile(path, { maxBytes: MAX_CHECKPOINT_BYTES, reader: 'checkpoint' });
    } catch (error) {
      const missing = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
      throw missing ? new Error(`checkpoint ${path} does not exist (write one with gradlab train)`) : error;
    }
    const { tensors, metadata } = decodeSafetensors(bytes, path);
    const { config, inputs } = checkCheckpoint(path, metadata, tensors);
    // --data-dir: the whole test file, which is all the folder needs; without it, the very split the network was trained beside.
    const test = options.dataDir !== undefined
      ? loadMnistFiles(options.dataDir, 't10k')
      : loadData({ dataDir: config.dataDir, trainSize: config.trainSize, testSize: config.testSize, splitSeed: config.splitSeed }).test;
    if (inputWidth(test) !== inputs) {
      throw new Error(`${path} was trained on images of ${inputs} pixels, but the test images have ${inputWidth(test)}`);
    }
    const model = buildModel({ hidden: config.hidden, activation: config.activation, negativeSlope: config.alpha, init: config.init }, inputs, CLASSES, config.seed);
    try {
      model.loadStateDict(tensors);
    } catch (error) {
      throw new Error(`${path}: ${(error as Error).message}`);
    }
    const overall = evaluate(model, test);
    const perDigit = Array.from({ length: 10 }, (_, digit) => {
      const indices: number[] = [];
      test.labels.forEach((label, i) => { if (label === digit) indices.push(i); });
      return { digit, images: indices.length, accuracy: indices.length === 0 ? NaN : evaluate(model, subset(test, indices)).accuracy };
    });
    const result = { checkpoint: path, testImages: test.count, loss: overall.loss, accuracy: overall.accuracy, perDigit };
    const filesWritten: string[] = [];
    if (options.json) {
      writeOutputFile(options.json, `${JSON.stringify(result, null, 2)}\n`);
      filesWritten.push(options.json);
    }
    const digits = perDigit.map((entry) => `${entry.digit}: ${percent(entry.accuracy)}`).join(', ');
    return {
      filesWritten,
      summary: `eval: ${path}\n  test accuracy ${percent(overall.accuracy)} (${Math.round(overall.accuracy * test.count)}/${test.count}), loss ${overall.loss.toFixed(4)}\n  per digit: ${digits}`,
    };
  },
);
