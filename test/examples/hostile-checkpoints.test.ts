/**
 * A checkpoint is checked before it is trusted (issue #18, items 1 and 2):
 * every field of its metadata by type and range, against the tensors in the
 * file and against the command's flags, and every tensor for NaN and
 * ±Infinity, before anything is allocated from it. Each row edits one valid
 * file the way a hex editor, a bad disk or a diverged run would, and gives
 * the exact one-line error (exit code 1) that names the file and the field
 * or tensor. The runs go through `runGradlab`, the `main` of the executable.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Tensor } from '@gradlab/core';
import { ACTIVATION_KINDS, decodeSafetensors, encodeSafetensors, mlp } from '@gradlab/nn';
import {
  decodeCheckpoint, encodeCheckpoint, fromExactJson, loadData, parseCommandLine, restoreTraining, runGradlab, startTraining, toExactJson, trainEpoch,
} from 'gradlab';
import { inputWidth } from '../../packages/examples/src/experiments/training.js';
import { checkNetworkProgress } from '../../packages/examples/src/experiments/dead-neurons-experiment.js';
import { resultFlags } from '../../packages/examples/src/cli/checkpoints.js';
import trainExperiment, { checkTrainProgress as checkTrainProgressForTest } from '../../packages/examples/src/experiments/train-experiment.js';
import { temporaryDirectory } from './helpers/cli.js';
import { oneFieldEdited } from './helpers/json-edit.js';

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runGradlab(argv, { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } });
  return { code, stdout, stderr };
}

const KEY = 'gradlab.checkpoint';
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Tensors = Record<string, Tensor>;

/** Re-encodes a decoded file with its JSON (or raw metadata text) and tensors edited. */
function rewrite(bytes: Uint8Array, key: string, edit: (json: Json, tensors: Tensors) => unknown, raw = false): Uint8Array {
  const { tensors, metadata } = decodeSafetensors(bytes);
  const json = raw ? metadata[key] : key === KEY ? fromExactJson(metadata[key]!) : JSON.parse(metadata[key]!);
  const returned = edit(json as Json, tensors);
  const edited = returned === undefined ? json : returned;
  const text = raw ? String(edited) : key === KEY ? toExactJson(edited) : JSON.stringify(edited);
  return encodeSafetensors(tensors, { ...metadata, [key]: text });
}

function poison(tensors: Tensors, name: string, value: number, index = 0): void {
  const data = Float32Array.from(tensors[name]!.data);
  data[index] = value;
  tensors[name] = new Tensor(data, tensors[name]!.shape);
}

const TRAIN_ARGS = ['train', '--train-size', '200', '--test-size', '100', '--hidden', '8', '--epochs', '2', '--batch-size', '50'];

let dir: string;
let out: string;
let checkpointPath: string;
let goodCheckpoint: Uint8Array;
let goodModel: Uint8Array;
const smallData = loadData({ trainSize: 200, testSize: 100, splitSeed: 0 });

beforeAll(async () => {
  dir = temporaryDirectory('hostile-checkpoints');
  out = join(dir, 'm.safetensors');
  const trained = await run([...TRAIN_ARGS, '--out', out, '--quiet']);
  expect(trained.code, trained.stderr).toBe(0);
  goodModel = new Uint8Array(readFileSync(out));
  // The checkpoint a run killed after its first epoch leaves: built the way train builds it.
  const parsed = parseCommandLine(trainExperiment.command, [...TRAIN_ARGS.slice(1), '--out', out]);
  if (parsed.help) throw new Error('unexpected --help');
  const flags = parsed.flags as unknown as Record<string, unknown>;
  const { train } = loadData({ trainSize: 200, testSize: 100, splitSeed: 0 });
  const state = startTraining({ hidden: [8], activation: 'relu', negativeSlope: 0.01, init: 'default' }, { optimizer: 'adam', lr: 0.001, momentum: 0.9 }, inputWidth(train), 0);
  const outcome = trainEpoch(state.model, state.optimizer, train, { batchSize: 50, dataGenerator: state.dataGenerator, epoch: 1 });
  state.epochsDone = 1;
  goodCheckpoint = encodeCheckpoint('train', resultFlags(flags), state, { log: [{ epoch: 1, meanBatchLoss: outcome.meanBatchLoss, testLoss: 2, testAccuracy: 0.5 }] });
  checkpointPath = join(`${out}.checkpoint`, 'last.safetensors');
  mkdirSync(`${out}.checkpoint`, { recursive: true });
});

/** [what the file says, the edit, the error after "gradlab train: "] */
const resumeCases: Array<[string, (json: Json, tensors: Tensors) => unknown, string]> = [
  ['metadata null', () => null, "--resume: checkpoint: CK: its 'gradlab.checkpoint' metadata is not a checkpoint record (got null); delete it, or leave out --resume to start again"],
  ['metadata an array', () => [1, 2], "--resume: checkpoint: CK: its 'gradlab.checkpoint' metadata is not a checkpoint record (got [1,2]); delete it, or leave out --resume to start again"],
  ['flags null', (json) => ({ ...json, flags: null }), "--resume: checkpoint: CK: field flags must be an object, got null in its 'gradlab.checkpoint' metadata; delete it, or leave out --resume to start again"],
  ['format version 2', (json) => ({ ...json, formatVersion: 2 }), '--resume: checkpoint: CK has format version 2; this gradlab reads version 1; delete it, or leave out --resume to start again'],
  ['another command', (json) => ({ ...json, command: 'dead-neurons' }), '--resume: checkpoint: CK was written by gradlab dead-neurons, not gradlab train; delete it, or leave out --resume to start again'],
  ['epochsDone beyond --epochs', (json) => { json.training.epochsDone = 7; json.progress.log = Array.from({ length: 7 }, (_, i) => ({ ...json.progress.log[0], epoch: i + 1 })); },
    '--resume: checkpoint: CK: field training.epochsDone is 7, more than --epochs 2; the file is damaged: delete it, or leave out --resume to start again'],
  ['epochsDone negative', (json) => { json.training.epochsDone = -1; }, "--resume: checkpoint: CK: field training.epochsDone must be an integer from 0 to 10000, got -1 in its 'gradlab.checkpoint' metadata; delete it, or leave out --resume to start again"],
  ['epochsDone a string', (json) => { json.training.epochsDone = '1'; }, "--resume: checkpoint: CK: field training.epochsDone must be an integer from 0 to 10000, got \"1\" in its 'gradlab.checkpoint' metadata; delete it, or leave out --resume to start again"],
  ['epochsDone 1e308', (json) => { json.training.epochsDone = 1e308; }, "--resume: checkpoint: CK: field training.epochsDone must be an integer from 0 to 10000, got 1e+308 in its 'gradlab.checkpoint' metadata; delete it, or leave out --resume to start again"],
  ['no data-order state', (json) => { delete json.training.dataGenerator; }, "--resume: checkpoint: CK: field training.dataGenerator must be an object, got nothing (the field is missing) in its 'gradlab.checkpoint' metadata; delete it, or leave out --resume to start again"],
  ['a data-order state out of range', (json) => { json.training.dataGenerator.alea.s0 = 2; },
    '--resume: checkpoint: CK: field training.dataGenerator is not a batch-order generator state (Generator.fromState: expected { alea: { c, s0, s1, s2 } } with c a non-negative integer and s0, s1, s2 in [0, 1), got {"alea":{"c":'],
  ['no optimizer section', (json) => { delete json.training.optimizer; }, "--resume: checkpoint: CK: field training.optimizer must be an object, got nothing (the field is missing) in its 'gradlab.checkpoint' metadata; delete it, or leave out --resume to start again"],
  ['optimizer state not an array', (json) => { json.training.optimizer.state = {}; }, "--resume: checkpoint: CK: field training.optimizer.state must be an array, got {} in its 'gradlab.checkpoint' metadata; delete it, or leave out --resume to start again"],
  ['an optimizer state entry a string', (json) => { json.training.optimizer.state[0] = 'x'; }, "--resume: checkpoint: CK: field training.optimizer.state[0] must be an object, got \"x\" in its 'gradlab.checkpoint' metadata; delete it, or leave out --resume to start again"],
  ['Adam step a string', (json) => { json.training.optimizer.state[0].step = '4'; }, "--resume: checkpoint: CK: field training.optimizer.state[0].step must be a finite number, got \"4\" in its 'gradlab.checkpoint' metadata; delete it, or leave out --resume to start again"],
  ['Adam step 0', (json) => { json.training.optimizer.state[0].step = 0; }, "checkpoint: CK does not fit this network: Adam.loadStateDict: parameter 0 'step' must be a positive integer, got 0"],
  ['another optimizer', (json) => { json.training.optimizer.optimizer = 'SGD'; }, 'checkpoint: CK does not fit this network: field training.optimizer.optimizer is "SGD", but this run\'s flags give Adam'],
  ['a learning rate other than --lr', (json) => { json.training.optimizer.options.lr = 5; }, "checkpoint: CK does not fit this network: field training.optimizer.options.lr is 5, but this run's flags give 0.001"],
  ['no network', (json) => { json.training = null; }, "--resume: checkpoint: CK: field training is null, but a train checkpoint always holds its network in its 'gradlab.checkpoint' metadata; delete it, or leave out --resume to start again"],
  ['no progress', (json) => { delete json.progress; }, "--resume: checkpoint: CK: field progress is missing in its 'gradlab.checkpoint' metadata; delete it, or leave out --resume to start again"],
  ['a log shorter than epochsDone', (json) => { json.progress.log = []; }, "--resume: checkpoint: CK: field progress.log must hold 1 to 1 items, got 0 in its 'gradlab.checkpoint' metadata; delete it, or leave out --resume to start again"],
  ['a log entry with a string', (json) => { json.progress.log[0].testAccuracy = '0.5'; }, "--resume: checkpoint: CK: field progress.log[0].testAccuracy must be a number, got \"0.5\" in its 'gradlab.checkpoint' metadata; delete it, or leave out --resume to start again"],
  ['a NaN weight', (_json, tensors) => poison(tensors, 'model.layers.0.weight', NaN, 17), '--resume: checkpoint: CK: tensor model.layers.0.weight holds NaN at element 17; the run had diverged before this checkpoint was saved; delete it, or leave out --resume to start again'],
  ['an infinite Adam moment', (_json, tensors) => poison(tensors, 'optimizer.1.expAvgSq', Infinity, 3), '--resume: checkpoint: CK: tensor optimizer.1.expAvgSq holds Infinity at element 3; the run had diverged before this checkpoint was saved; delete it, or leave out --resume to start again'],
  ['a tensor of no parameter', (_json, tensors) => { tensors['optimizer.99.expAvg'] = new Tensor(new Float32Array(2), [2]); }, 'checkpoint: CK does not fit this network: tensor optimizer.99.expAvg is neither a parameter (model.<name>) nor a buffer of a parameter the optimizer state lists'],
  ['a weight of the wrong shape', (_json, tensors) => { tensors['model.layers.2.bias'] = new Tensor(new Float32Array(9), [9]); }, "checkpoint: CK does not fit this network: loadStateDict: Sequential: 'layers.2.bias' has shape [9] but the model's is [10]"],
];

describe('train --resume checks every field of its checkpoint before it trusts it', () => {
  it('resumes the unedited checkpoint (the rows below differ from it by one edit)', async () => {
    writeFileSync(checkpointPath, goodCheckpoint);
    const resumed = await run([...TRAIN_ARGS, '--out', out, '--resume', '--quiet']);
    expect([resumed.code, resumed.stderr]).toEqual([0, '']);
  });

  it.each(resumeCases)('%s', async (_name, edit, message) => {
    mkdirSync(`${out}.checkpoint`, { recursive: true });
    writeFileSync(checkpointPath, rewrite(goodCheckpoint, KEY, edit));
    const resumed = await run([...TRAIN_ARGS, '--out', out, '--resume', '--quiet']);
    const expected = `gradlab train: ${message.replaceAll('CK', checkpointPath)}`;
    expect(resumed.code).toBe(1);
    const line = resumed.stderr.split('\n')[0]!;
    if (message.endsWith('got {"alea":{"c":')) expect(line.startsWith(expected)).toBe(true);
    else expect(line).toBe(expected);
  });

  it('refuses metadata that is not JSON, naming the file', async () => {
    mkdirSync(`${out}.checkpoint`, { recursive: true });
    writeFileSync(checkpointPath, rewrite(goodCheckpoint, KEY, () => '{"command": "train",', true));
    const resumed = await run([...TRAIN_ARGS, '--out', out, '--resume', '--quiet']);
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toMatch(new RegExp(`^gradlab train: --resume: checkpoint: ${checkpointPath}: its 'gradlab.checkpoint' metadata is not JSON: .+; delete it, or leave out --resume to start again\n$`));
  });
});

/** [what the file says, the edit of its gradlab.train JSON, the error after "gradlab eval: "] */
const evalCases: Array<[string, (config: Json, tensors: Tensors) => unknown, string]> = [
  ['config null', () => null, "M: field config must be an object, got null in its 'gradlab.train' metadata"],
  ['hidden [30000, 30000] in a small file', (config) => ({ ...config, hidden: [30000, 30000] }), 'M: its metadata says hidden [30000,30000], so tensor layers.0.weight should have shape [784,30000], but it has shape [784,8]'],
  ['hidden past the flag limit', (config) => ({ ...config, hidden: [1e308] }), "M: field hidden[0] must be an integer from 1 to 65536, got 1e+308 in its 'gradlab.train' metadata"],
  ['hidden a string', (config) => ({ ...config, hidden: '8' }), "M: field hidden must be an array, got \"8\" in its 'gradlab.train' metadata"],
  ['a fractional width', (config) => ({ ...config, hidden: [8.5] }), "M: field hidden[0] must be an integer from 1 to 65536, got 8.5 in its 'gradlab.train' metadata"],
  ['no hidden layer where the file has one', (config) => ({ ...config, hidden: [] }), 'M: its metadata says hidden [], so tensor layers.0.weight should have shape [784,10], but it has shape [784,8]'],
  ['an unknown activation', (config) => ({ ...config, activation: 'gelu2' }), `M: field activation must be one of ${ACTIVATION_KINDS.join(', ')}, got "gelu2" in its 'gradlab.train' metadata`],
  ['alpha a string', (config) => ({ ...config, alpha: 'NaN' }), "M: field alpha must be a number from 0 to 1, got \"NaN\" in its 'gradlab.train' metadata"],
  ['a negative split seed', (config) => ({ ...config, splitSeed: -1 }), `M: field splitSeed must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got -1 in its 'gradlab.train' metadata`],
  ['a train size of 0', (config) => ({ ...config, trainSize: 0 }), `M: field trainSize must be an integer from 1 to ${Number.MAX_SAFE_INTEGER}, got 0 in its 'gradlab.train' metadata`],
  ['a data folder that is a number', (config) => ({ ...config, dataDir: 5 }), "M: field dataDir must be a string of at most 4096 characters, got 5 in its 'gradlab.train' metadata"],
  ['seed missing', (config) => { delete config.seed; }, `M: field seed must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got nothing (the field is missing) in its 'gradlab.train' metadata`],
  ['a missing bias', (_config, tensors) => { delete tensors['layers.2.bias']; }, 'M: its metadata says hidden [8], so tensor layers.2.bias should have shape [10], but it is missing'],
  ['a NaN weight (it used to score 11%)', (_config, tensors) => poison(tensors, 'layers.0.weight', NaN, 5), 'M: tensor layers.0.weight holds NaN at element 5; the network had diverged before it was saved, and cannot be evaluated'],
  ['an infinite bias', (_config, tensors) => poison(tensors, 'layers.2.bias', -Infinity, 9), 'M: tensor layers.2.bias holds -Infinity at element 9; the network had diverged before it was saved, and cannot be evaluated'],
];

describe('eval checks the checkpoint\'s metadata against its tensors before building the network', () => {
  it.each(evalCases)('%s', async (_name, edit, message) => {
    const path = join(dir, 'edited.safetensors');
    writeFileSync(path, rewrite(goodModel, 'gradlab.train', edit));
    const evaluated = await run(['eval', path]);
    expect([evaluated.code, evaluated.stderr]).toEqual([1, `gradlab eval: ${message.replace('M', path)}\n`]);
  });

  it('refuses metadata that is not JSON or missing, naming the file', async () => {
    const path = join(dir, 'edited.safetensors');
    writeFileSync(path, rewrite(goodModel, 'gradlab.train', () => '[[[', true));
    const notJson = await run(['eval', path]);
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toMatch(new RegExp(`^gradlab eval: ${path}: its 'gradlab.train' metadata is not JSON: .+\n$`));
    const { tensors } = decodeSafetensors(goodModel);
    writeFileSync(path, encodeSafetensors(tensors, { format: 'gradlab' }));
    const none = await run(['eval', path]);
    expect([none.code, none.stderr]).toEqual([1, `gradlab eval: ${path} has no 'gradlab.train' metadata; was it written by gradlab train?\n`]);
  });

  it('evaluates the unedited file', async () => {
    const path = join(dir, 'edited.safetensors');
    writeFileSync(path, goodModel);
    const evaluated = await run(['eval', path]);
    expect([evaluated.code, evaluated.stderr]).toEqual([0, '']);
    expect(evaluated.stdout).toContain('test accuracy');
  });
});

describe('a dead-neurons network checkpoint: its progress record is checked too', () => {
  const model = mlp({ inputs: 2, hidden: [3], outputs: 2, activation: 'relu' });
  const snapshot = { epoch: 0, trainLoss: 1, testLoss: 1, testAccuracy: 0.5, inactive: 0, inactiveFraction: 0, outputConstant: false, layers: [{}] };
  const progress = {
    activation: 'relu', seed: 0, epochs: [snapshot], finished: null, seconds: 1,
    lifetimeMeasurements: [{ step: 0, inactive: [[1]], frozen: null, unmoved: null }], initialGradient: { images: 4, biasGradientNorms: [0.5], shrinkPerLayer: null },
  };
  const training = { epochsDone: 0, optimizer: { optimizer: 'Adam', options: {}, state: [] }, dataGenerator: { alea: { c: 1, s0: 0.5, s1: 0.5, s2: 0.5 } } };
  const file = (edit: (json: Json) => void): Uint8Array => {
    const json: Json = JSON.parse(JSON.stringify({ command: 'dead-neurons', formatVersion: 1, flags: {}, training, progress }));
    edit(json);
    return encodeSafetensors(model.stateDict(), { [KEY]: toExactJson(json) });
  };
  const cases: Array<[string, (json: Json) => void, string]> = [
    ['an unknown activation', (json) => { json.progress.activation = 'swish'; }, `field progress.activation must be one of ${ACTIVATION_KINDS.join(', ')}, got "swish"`],
    ['negative seconds', (json) => { json.progress.seconds = -5; }, 'field progress.seconds must be a number from 0 to'],
    ['one measurement too many', (json) => { json.progress.epochs.push({ ...snapshot, epoch: 1 }); }, 'field progress.epochs must hold 1 to 1 items, got 2'],
    ['a measurement out of order', (json) => { json.progress.epochs[0].epoch = 3; }, 'field progress.epochs[0].epoch must be an integer from 0 to 0, got 3'],
    ['a measurement with null loss', (json) => { json.progress.epochs[0].trainLoss = null; }, 'field progress.epochs[0].trainLoss must be a number, got null'],
    ['layers not an array', (json) => { json.progress.epochs[0].layers = 'x'; }, 'field progress.epochs[0].layers must be an array, got "x"'],
    ['neither training nor finished', (json) => { json.training = null; }, 'field progress.finished is null, but so is training'],
    ['a finished run of another activation', (json) => { json.training = null; json.progress.finished = { activation: 'tanh', seed: 0, epochs: [snapshot] }; }, 'field progress.finished.activation must be one of relu, got "tanh"'],
    ['a finished run of another seed', (json) => { json.training = null; json.progress.finished = { activation: 'relu', seed: 3, epochs: [snapshot] }; }, 'field progress.finished.seed must be an integer from 0 to 0, got 3'],
    ['no seed', (json) => { delete json.progress.seed; }, 'field progress.seed must be an integer from 0 to'],
    ['lifetime measurements out of order', (json) => { json.progress.lifetimeMeasurements.push({ step: 0, inactive: [[]], frozen: [[]], unmoved: [[]] }); }, 'field progress.lifetimeMeasurements[1].step must be an integer from 1 to'],
    ['a unit index that is not one', (json) => { json.progress.lifetimeMeasurements[0].inactive = [[-1]]; }, 'field progress.lifetimeMeasurements[0].inactive[0][0] must be an integer from 0 to'],
    ['no initial gradient while training', (json) => { json.progress.initialGradient = null; }, 'field progress.initialGradient is null, but the network is in training'],
  ];
  it.each(cases)('%s', (_name, edit, message) => {
    expect(() => decodeCheckpoint(file(edit), 'n.safetensors', 'dead-neurons', checkNetworkProgress)).toThrow(`checkpoint: n.safetensors: ${message}`);
  });
  it('reads the unedited record', () => {
    expect(decodeCheckpoint(file(() => {}), 'n.safetensors', 'dead-neurons', checkNetworkProgress).progress.activation).toBe('relu');
  });
});

describe('fuzzing the checkpoint metadata (fast-check, fixed seed)', () => {
  it('1,000 edits of one field to any JSON value: either a checkpoint that resumes, or a plain Error naming the file', () => {
    const { tensors, metadata } = decodeSafetensors(goodCheckpoint);
    const original = fromExactJson(metadata[KEY]!) as Json;
    let accepted = 0;
    fc.assert(fc.property(oneFieldEdited(original), (json) => {
      const bytes = encodeSafetensors(tensors, { ...metadata, [KEY]: toExactJson(json) });
      try {
        const checkpoint = decodeCheckpoint(bytes, 'ck.safetensors', 'train', checkTrainProgressForTest);
        const { train } = smallData;
        const fresh = startTraining({ hidden: [8], activation: 'relu', negativeSlope: 0.01, init: 'default' }, { optimizer: 'adam', lr: 0.001, momentum: 0.9 }, inputWidth(train), 0);
        restoreTraining(fresh, checkpoint.training!, checkpoint.tensors, 'ck.safetensors');
        accepted++;
      } catch (error) {
        // A plain Error that names the file: never a TypeError or RangeError from the runtime.
        expect((error as Error).constructor).toBe(Error);
        expect((error as Error).message).toMatch(/^checkpoint: ck\.safetensors[: ]/);
      }
    }), { seed: 1818, numRuns: 1000 });
    // Some edits are harmless (a flag value, a measured number), most are refused.
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(1000);
  });
});
