/**
 * `gradlab eval CHECKPOINT`: rebuilds the network described in a checkpoint
 * written by `gradlab train`, loads its weights and evaluates it on the same
 * test split it was trained beside.
 */
import { existsSync, readFileSync } from 'node:fs';
import { decodeSafetensors, load } from '@gradlab/nn';
import { subset } from '../data/dataset.js';
import { loadData } from '../data/load.js';
import { buildModel, evaluate, inputWidth } from '../experiments/training.js';
import { writeOutputFile } from '../io/atomic.js';
import { percent } from '../report/format.js';
import { defineCommand } from './command.js';
import { TRAIN_CONFIG_KEY, type TrainConfig } from './train.js';

const flags = {
  dataDir: { kind: 'string', description: 'Evaluate on the IDX test files in this directory instead of the split the checkpoint was trained with' },
  json: { kind: 'string', description: 'Also write the result as JSON to this file' },
} as const;

export const evalCommand = defineCommand(
  {
    name: 'eval',
    summary: 'Evaluates a checkpoint written by `gradlab train` on its test split: loss, accuracy and per-digit accuracy.',
    flags,
    positionals: { names: 'CHECKPOINT', min: 1, max: 1 },
  },
  async (options, [checkpoint]) => {
    const path = checkpoint!;
    if (!existsSync(path)) throw new Error(`checkpoint ${path} does not exist (write one with gradlab train)`);
    const { metadata } = decodeSafetensors(readFileSync(path), path);
    const stored = metadata[TRAIN_CONFIG_KEY];
    if (stored === undefined) throw new Error(`${path} has no '${TRAIN_CONFIG_KEY}' metadata; was it written by gradlab train?`);
    const config = JSON.parse(stored) as TrainConfig;
    const dataDir = options.dataDir ?? config.dataDir;
    const { test } = loadData({ dataDir, trainSize: config.trainSize, testSize: config.testSize, splitSeed: config.splitSeed });
    const model = buildModel({ hidden: config.hidden, activation: config.activation, negativeSlope: config.alpha, init: config.init }, inputWidth(test), 10, config.seed);
    load(model, path);
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
