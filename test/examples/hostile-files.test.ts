/**
 * Files that fight back (issue #18, items 3 to 7). Each table row is one
 * hostile file or file system state and the exact one-line message it must
 * give, with its exit code; no row may hang, allocate more than the file
 * justifies, or print a stack trace.
 *
 *  - files that are not files: devices, FIFOs, folders, files too large;
 *  - file system errors: a file where a folder should be, a folder gradlab
 *    may not write (/sys, refused even to root), a full disk (/dev/full, and
 *    a file size limit under `ulimit -f`);
 *  - results files that lie: each field of a sweep record, and files that are
 *    not gradlab results at all;
 *  - two runs, one output: locks held by a live process, a dead one, another host;
 *  - outputs that would overwrite an input (same path, `..`, symbolic and hard links).
 *
 * The commands run through `runGradlab` (the executable's main) in this
 * process, except where a real child process is the point (a sweep under
 * `ulimit -f`).
 */
import { spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATION_KINDS, MAX_CHECKPOINT_BYTES, load, mlp } from '@gradlab/nn';
import { aggregate, appendLineDurable, readIdxFile, readResultsFile, runGradlab } from 'gradlab';
import { GRADLAB, gradlab, temporaryDirectory } from './helpers/cli.js';
import { oneFieldEdited } from './helpers/json-edit.js';

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runGradlab(argv, { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } });
  return { code, stdout, stderr };
}

const SMALL = ['--train-size', '100', '--test-size', '50', '--quiet'];
const SWEEP = ['sweep', '--depths', '1', '--widths', '4', '--lrs', '0.01', '--seeds', '0', '--activations', 'relu', '--epochs', '1', '--workers', '1', ...SMALL];
/** SWEEP with other seeds (the command line refuses a flag given twice). */
const sweepWithSeeds = (seeds: string): string[] => SWEEP.map((word, index) => (SWEEP[index - 1] === '--seeds' ? seeds : word));

let dir: string;
let fifo: string;
let aFile: string;
let model: string;
let results: string;
let record: Record<string, unknown>;

beforeAll(async () => {
  dir = temporaryDirectory('hostile-files');
  fifo = join(dir, 'fifo');
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  aFile = join(dir, 'a-file');
  writeFileSync(aFile, 'just text\n');
  model = join(dir, 'm.safetensors');
  const trained = await run(['train', '--hidden', '4', '--epochs', '1', '--out', model, ...SMALL]);
  expect(trained.code, trained.stderr).toBe(0);
  results = join(dir, 'sweep', 'results.jsonl');
  // The sweep's workers are forked from the built program, so the sweep runs as a child process.
  const swept = gradlab([...SWEEP, '--out', results]);
  expect(swept.status, swept.stderr).toBe(0);
  record = JSON.parse(readFileSync(results, 'utf8').trim()) as Record<string, unknown>;
});

/** The path names in a row: $DIR, $FIFO, $FILE, $MODEL, $RESULTS. */
function expand(text: string): string {
  return text.replaceAll('$DIR', dir).replaceAll('$FIFO', fifo).replaceAll('$FILE', aFile).replaceAll('$MODEL', model).replaceAll('$RESULTS', results);
}

/** [name, command line, exit code, the whole of stderr's first line] */
type Row = [string, string, number, string];

const NOT_REGULAR = 'not a regular file; gradlab reads only regular files';
const notFiles: Row[] = [
  ['eval /dev/zero (it grew past 6 GB)', 'eval /dev/zero', 1, `gradlab eval: checkpoint: cannot read /dev/zero: it is a character device, ${NOT_REGULAR}`],
  ['eval a FIFO (it waited forever)', 'eval $FIFO', 1, `gradlab eval: checkpoint: cannot read $FIFO: it is a named pipe (FIFO), ${NOT_REGULAR}`],
  ['eval a folder', 'eval $DIR', 1, 'gradlab eval: checkpoint: cannot read $DIR: it is a folder, not a file; give the path of a file'],
  ['eval /dev/null', 'eval /dev/null', 1, `gradlab eval: checkpoint: cannot read /dev/null: it is a character device, ${NOT_REGULAR}`],
  ['report /dev/zero (it grew past 3 GB)', 'report /dev/zero', 1, `gradlab report: results: cannot read /dev/zero: it is a character device, ${NOT_REGULAR}`],
  ['report a FIFO', 'report $FIFO', 1, `gradlab report: results: cannot read $FIFO: it is a named pipe (FIFO), ${NOT_REGULAR}`],
  ['train --resume from a FIFO', 'train --hidden 4 --epochs 1 --resume --out $DIR/f.safetensors --train-size 100 --test-size 50', 1,
    `gradlab train: --resume: checkpoint: cannot read $DIR/f.safetensors.checkpoint/last.safetensors: it is a named pipe (FIFO), ${NOT_REGULAR}`],
  ['train --resume from a folder', 'train --hidden 4 --epochs 1 --resume --out $DIR/d.safetensors --train-size 100 --test-size 50', 1,
    'gradlab train: --resume: checkpoint: cannot read $DIR/d.safetensors.checkpoint/last.safetensors: it is a folder, not a file; give the path of a file'],
  ['eval of a missing file', 'eval $DIR/none.safetensors', 1, 'gradlab eval: checkpoint $DIR/none.safetensors does not exist (write one with gradlab train)'],
];

const fileSystem: Row[] = [
  ['train --out under a file', 'train --hidden 4 --epochs 1 --out $FILE/m.safetensors --train-size 100 --test-size 50', 1,
    'gradlab train: cannot create the folder $FILE: a file or folder of that name is in the way (EEXIST); move it, or use another path'],
  ['train --out in a folder gradlab may not write', 'train --hidden 4 --epochs 1 --out /sys/gradlab.safetensors --train-size 100 --test-size 50', 1,
    'gradlab train: train --out /sys/gradlab.safetensors: cannot create the lock file /sys/gradlab.safetensors.lock: permission denied (EACCES); check the permissions of the file and of its folders, or use another path'],
  ['dead-neurons --out a file', 'dead-neurons --depth 1 --width 4 --epochs 1 --out $FILE --train-size 100 --test-size 50', 1,
    'gradlab dead-neurons: cannot create the folder $FILE: a file or folder of that name is in the way (EEXIST); move it, or use another path'],
  ['sweep --out under a file (it printed a stack trace)', `${SWEEP.join(' ')} --out $FILE/r.jsonl`, 1,
    'gradlab sweep: cannot create the folder $FILE: a file or folder of that name is in the way (EEXIST); move it, or use another path'],
  ['sweep --out in a folder gradlab may not write', `${SWEEP.join(' ')} --out /sys/gradlab.jsonl`, 1,
    'gradlab sweep: sweep: cannot create the lock file /sys/gradlab.jsonl.lock: permission denied (EACCES); check the permissions of the file and of its folders, or use another path'],
  ['report --out a file', 'report $RESULTS --out $FILE', 1,
    'gradlab report: cannot create the folder $FILE: a file or folder of that name is in the way (EEXIST); move it, or use another path'],
  ['eval --json in a folder gradlab may not write', 'eval $MODEL --json /sys/gradlab.json', 1,
    'gradlab eval: writeFileAtomic: could not write /sys/gradlab.json (the previous file, if any, is unchanged): permission denied (EACCES); check the permissions of the file and of its folders, or use another path'],
  ['eval --json onto a folder', 'eval $MODEL --json $DIR', 1,
    'gradlab eval: writeFileAtomic: could not write $DIR (the previous file, if any, is unchanged): it is a folder, not a file (EISDIR); give the path of a file'],
];

const sameFiles: Row[] = [
  ['eval --json onto its checkpoint', 'eval $MODEL --json $MODEL', 2,
    'gradlab eval: the output $MODEL is the input $MODEL; writing it would destroy the input; give --json another path'],
  ['eval --json onto its checkpoint by another path', 'eval $MODEL --json $DIR/sweep/../m.safetensors', 2,
    'gradlab eval: the output $DIR/sweep/../m.safetensors is the input $MODEL; writing it would destroy the input; give --json another path'],
  ['eval --json onto a symbolic link to its checkpoint', 'eval $MODEL --json $DIR/link.safetensors', 2,
    'gradlab eval: the output $DIR/link.safetensors is the input $MODEL; writing it would destroy the input; give --json another path'],
  ['eval --json onto a hard link to its checkpoint', 'eval $MODEL --json $DIR/hard.safetensors', 2,
    'gradlab eval: the output $DIR/hard.safetensors is the input $MODEL; writing it would destroy the input; give --json another path'],
  ['report of its own output name', 'report $DIR/out/summary.csv', 2,
    'gradlab report: the output $DIR/out/summary.csv is the input $DIR/out/summary.csv; writing it would destroy the input; give --out another folder'],
  ['report --out onto the folder of its report.md input', 'report $DIR/out/report.md --out $DIR/out/./', 2,
    'gradlab report: the output $DIR/out/report.md is the input $DIR/out/report.md; writing it would destroy the input; give --out another folder'],
];

describe('files that are not files are refused before a byte is read', () => {
  beforeAll(() => {
    mkdirSync(join(dir, 'd.safetensors.checkpoint', 'last.safetensors'), { recursive: true });
    mkdirSync(join(dir, 'f.safetensors.checkpoint'), { recursive: true });
    expect(spawnSync('mkfifo', [join(dir, 'f.safetensors.checkpoint', 'last.safetensors')]).status).toBe(0);
  });

  it.each(notFiles)('%s', async (_name, line, code, message) => {
    const result = await run(expand(line).split(' '));
    expect([result.code, result.stderr.split('\n')[0]]).toEqual([code, expand(message)]);
  });

  it('files too large for what they claim to be are refused by size, before reading (sparse files)', async () => {
    const huge = join(dir, 'huge.jsonl');
    writeFileSync(huge, '');
    truncateSync(huge, 300 * 2 ** 20);
    const report = await run(['report', huge]);
    expect([report.code, report.stderr]).toEqual([1, `gradlab report: results: cannot read ${huge}: it is 314572800 bytes, more than the limit of 268435456 bytes for this kind of file; is it the right file?\n`]);
    const checkpoint = join(dir, 'huge.safetensors');
    writeFileSync(checkpoint, '');
    truncateSync(checkpoint, 5 * 2 ** 30);
    const evaluated = await run(['eval', checkpoint]);
    expect([evaluated.code, evaluated.stderr]).toEqual([1, `gradlab eval: checkpoint: cannot read ${checkpoint}: it is 5368709120 bytes, more than the limit of ${MAX_CHECKPOINT_BYTES} bytes for this kind of file; is it the right file?\n`]);
  });

  it('the library readers refuse them too: nn load() and the IDX reader', () => {
    const net = mlp({ inputs: 2, hidden: [], outputs: 2, activation: 'relu' });
    expect(() => load(net, fifo)).toThrow(new Error(`load: cannot read ${fifo}: it is a named pipe (FIFO), ${NOT_REGULAR}`));
    expect(() => load(net, '/dev/zero')).toThrow(new Error(`load: cannot read /dev/zero: it is a character device, ${NOT_REGULAR}`));
    expect(() => load(net, dir)).toThrow(new Error(`load: cannot read ${dir}: it is a folder, not a file; give the path of a file`));
    expect(() => readIdxFile(fifo)).toThrow(new Error(`idx: cannot read ${fifo}: it is a named pipe (FIFO), ${NOT_REGULAR}`));
    expect(() => readIdxFile('/dev/zero')).toThrow(new Error(`idx: cannot read /dev/zero: it is a character device, ${NOT_REGULAR}`));
  });
});

describe('every file system error is one line naming the path, what went wrong and what to do (exit code 1)', () => {
  it.each(fileSystem)('%s', async (_name, line, code, message) => {
    const result = await run(expand(line).split(' '));
    expect([result.code, result.stderr.split('\n')[0]]).toEqual([code, expand(message)]);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('a full disk while appending a record (/dev/full gives ENOSPC)', () => {
    expect(() => appendLineDurable('/dev/full', '{}')).toThrow(new Error(
      'cannot append to /dev/full: the disk is full (ENOSPC); free some space, or use a folder on another disk; the runs recorded before are kept, a rerun redoes the rest'));
  });

  it('a sweep that cannot append its results (file size limit, EFBIG) stops with one line, not a stack trace', () => {
    const limited = join(dir, 'limited', 'results.jsonl');
    mkdirSync(join(dir, 'limited'));
    // 1,024 bytes of earlier results, and a limit of 2 blocks of 512: the next record does not fit.
    writeFileSync(limited, `${'\n'.repeat(1024)}`);
    const args = [...sweepWithSeeds('5'), '--out', limited].map((word) => `'${word}'`).join(' ');
    const child = spawnSync('sh', ['-c', `ulimit -f 2; exec '${process.execPath}' '${GRADLAB}' ${args}`], { encoding: 'utf8' });
    expect([child.status, child.stderr]).toEqual([1,
      `gradlab sweep: cannot append to ${limited}: the file would exceed the size limit of this process or file system (EFBIG); raise the limit (ulimit -f), or use another disk; the runs recorded before are kept, a rerun redoes the rest\n`]);
  });
});

describe('outputs that are also inputs are refused (exit code 2), and the input is unchanged', () => {
  beforeAll(() => {
    symlinkSync(model, join(dir, 'link.safetensors'));
    linkSync(model, join(dir, 'hard.safetensors'));
    mkdirSync(join(dir, 'out'));
    writeFileSync(join(dir, 'out', 'summary.csv'), readFileSync(results));
    writeFileSync(join(dir, 'out', 'report.md'), readFileSync(results));
  });

  it.each(sameFiles)('%s', async (_name, line, code, message) => {
    const inputs = ['m.safetensors', 'out/summary.csv', 'out/report.md'].map((name) => readFileSync(join(dir, name)));
    const result = await run(expand(line).split(' '));
    expect([result.code, result.stderr.split('\n')[0]]).toEqual([code, expand(message)]);
    expect(['m.safetensors', 'out/summary.csv', 'out/report.md'].map((name) => readFileSync(join(dir, name)))).toEqual(inputs);
  });

  it('report summary.json, its own earlier output, is refused as not a results file and left alone', async () => {
    const reported = await run(['report', results]);
    expect(reported.code, reported.stderr).toBe(0);
    const summary = join(dir, 'sweep', 'summary.json');
    const before = readFileSync(summary);
    const again = await run(['report', summary]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`gradlab report: ${summary}:1: not a JSON line: "{"; ${summary} is not a gradlab sweep results file (JSON lines written by gradlab sweep)\n`);
    expect(readFileSync(summary).equals(before)).toBe(true);
  });
});

describe('report checks every field of every record and names the line', () => {
  type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const recordCases: Array<[string, (r: Json) => unknown, string]> = [
    ['id a number', (r) => { r.id = 7; }, 'field id must be a string of at most 1000 characters, got 7'],
    ['an unknown activation', (r) => { r.activation = 'swish'; }, `field activation must be one of ${ACTIVATION_KINDS.join(', ')}, got "swish"`],
    ['depth 0', (r) => { r.depth = 0; }, 'field depth must be an integer from 1 to 100000, got 0'],
    ['width a string', (r) => { r.width = '4'; }, 'field width must be an integer from 1 to 1073741824, got "4"'],
    ['a negative learning rate', (r) => { r.lr = -1; }, 'field lr must be a number from 5e-324 to 1.7976931348623157e+308, got -1'],
    ['seed null', (r) => { r.seed = null; }, `field seed must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got null`],
    ['config missing', (r) => { delete r.config; }, 'field config must be an object, got nothing (the field is missing)'],
    ['no final measurement', (r) => { delete r.final; }, 'field final must be an object, got nothing (the field is missing)'],
    ['an inactive fraction of 2', (r) => { r.final.inactiveFraction = 2; }, 'field final.inactiveFraction must be a number from 0 to 1, got 2'],
    ['an accuracy of 1e308 (it printed Infinity%)', (r) => { r.final.testAccuracy = 1e308; }, 'field final.testAccuracy must be a number from 0 to 1, got 1e+308'],
    ['an accuracy as a string (it printed NaN)', (r) => { r.final.testAccuracy = '0.9'; }, 'field final.testAccuracy must be a number from 0 to 1, got "0.9"'],
    ['an accuracy of null', (r) => { r.final.testAccuracy = null; }, 'field final.testAccuracy must be a number from 0 to 1, got null'],
    ['a negative loss', (r) => { r.final.trainLoss = -1; }, 'field final.trainLoss must be a number from 0 to 1.7976931348623157e+308, got -1'],
    ['one layer too many', (r) => { r.final.layerInactiveFractions = [0, 0]; }, 'field final.layerInactiveFractions must hold 1 to 1 items, got 2'],
    ['a layer fraction as a string', (r) => { r.final.layerInactiveFractions = ['x']; }, 'field final.layerInactiveFractions[0] must be a number from 0 to 1, got "x"'],
    ['epochs out of order', (r) => { r.epochs[1].epoch = 5; }, 'field epochs[1].epoch must be an integer from 1 to 1, got 5'],
    ['no epochs', (r) => { r.epochs = []; }, 'field epochs must hold 1 to 100001 items, got 0'],
    ['a divergence with a string epoch', (r) => { r.diverged = { epoch: 'x', step: 1, loss: 'NaN' }; }, 'field diverged.epoch must be an integer from 0 to 9007199254740991, got "x"'],
    ['the record null', () => null, 'field record must be an object, got null'],
    ['the record an array', () => [1], 'field record must be an object, got [1]'],
  ];

  it.each(recordCases)('%s', async (_name, edit, message) => {
    const file = join(dir, 'edited.jsonl');
    const copy = JSON.parse(JSON.stringify(record)) as Json;
    const returned = edit(copy);
    const edited = returned === undefined ? copy : returned;
    // A good line first: the error names line 2, and the file is a gradlab file.
    writeFileSync(file, `${JSON.stringify(record)}\n${JSON.stringify(edited)}\n`);
    const result = await run(['report', file, '--out', join(dir, 'edited-report')]);
    expect([result.code, result.stderr]).toEqual([1, `gradlab report: ${file}:2: not a sweep record: ${message}\n`]);
  });

  it.each([
    ['a CSV file', 'activation,depth\nrelu,3\n', '1: not a JSON line: "activation,depth"'],
    ['binary bytes', '\u0000\u0001\u0002\n', '1: not a JSON line: "\\u0000\\u0001\\u0002"'],
    ['JSON lines of something else', '{"name":"x"}\n', '1: not a sweep record: field id must be a string of at most 1000 characters, got nothing (the field is missing)'],
  ])('refuses %s as not a gradlab results file', async (_name, contents, message) => {
    const file = join(dir, 'other.jsonl');
    writeFileSync(file, contents);
    const result = await run(['report', file, '--out', join(dir, 'other-report')]);
    expect([result.code, result.stderr]).toEqual([1, `gradlab report: ${file}:${message}; ${file} is not a gradlab sweep results file (JSON lines written by gradlab sweep)\n`]);
  });
});

describe('two runs, one output: a lock with pid and host, stale locks taken over', () => {
  const since = '2026-01-01T00:00:00.000Z';
  const deadPid = (): number => spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout as unknown as number;

  it('a second sweep on the same results file is refused while the first runs', async () => {
    writeFileSync(`${results}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), task: null, since }));
    const second = await run([...sweepWithSeeds('9'), '--out', results]);
    expect([second.code, second.stderr]).toEqual([1, `gradlab sweep: sweep: already running (process ${process.pid} on ${hostname()}, since ${since}, holds ${results}.lock)\n`]);
  });

  it.each([
    ['train', (out: string) => ['train', '--hidden', '4', '--epochs', '1', '--out', out, ...SMALL], 'model.safetensors'],
    // --workers 1: the networks train in this thread (worker threads load the built program, not these sources).
    ['dead-neurons', (out: string) => ['dead-neurons', '--depth', '1', '--width', '4', '--epochs', '1', '--workers', '1', '--out', out, ...SMALL], 'report'],
  ])('a second %s on the same output is refused; a stale lock is taken over; another host\'s lock is refused', async (command, args, name) => {
    const out = join(temporaryDirectory(`lock-${command}`), name);
    const lock = `${out}.lock`;
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), task: null, since }));
    const live = await run(args(out));
    expect([live.code, live.stderr]).toEqual([1, `gradlab ${command}: ${command} --out ${out}: already running (process ${process.pid} on ${hostname()}, since ${since}, holds ${lock})\n`]);
    writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 7, host: 'elsewhere.invalid', task: null, since }));
    const remote = await run(args(out));
    expect([remote.code, remote.stderr]).toEqual([1,
      `gradlab ${command}: ${command} --out ${out}: process ${2 ** 22 + 7} on host elsewhere.invalid holds ${lock} (since ${since}); if it is no longer running there, delete the lock file and run again\n`]);
    writeFileSync(lock, JSON.stringify({ pid: Number(deadPid()), host: hostname(), task: null, since }));
    const stale = await run(args(out));
    expect([stale.code, stale.stderr]).toEqual([0, '']);
    // The run removed its lock when it finished.
    expect(() => readFileSync(lock)).toThrow(/ENOENT/);
  });
});

describe('fuzzing results files (fast-check, fixed seed)', () => {
  it('1,000 files of edited records, random lines and torn tails: records that check out, or an Error naming the file and line', () => {
    const file = join(dir, 'fuzzed.jsonl');
    const edit = oneFieldEdited(record).map((edited) => JSON.stringify(edited));
    const line = fc.oneof(
      { weight: 3, arbitrary: fc.constant(JSON.stringify(record)) },
      { weight: 4, arbitrary: edit },
      { weight: 1, arbitrary: fc.string({ maxLength: 40 }).filter((text) => !text.includes('\n')) },
      { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
    );
    const contents = fc.tuple(fc.array(line, { minLength: 1, maxLength: 4 }), fc.boolean())
      .map(([lines, torn]) => `${lines.join('\n')}${torn ? '' : '\n'}`);
    fc.assert(fc.property(contents, (text) => {
      writeFileSync(file, text);
      let read: ReturnType<typeof readResultsFile>;
      try {
        read = readResultsFile(file);
      } catch (error) {
        expect((error as Error).constructor).toBe(Error);
        expect((error as Error).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: `));
        return;
      }
      // What was accepted is what a report can show: every number a number, in range.
      for (const accepted of read.records) {
        expect(accepted.final.testAccuracy).toBeGreaterThanOrEqual(0);
        expect(accepted.final.testAccuracy).toBeLessThanOrEqual(1);
        expect(accepted.final.inactiveFraction).toBeGreaterThanOrEqual(0);
        expect(accepted.final.inactiveFraction).toBeLessThanOrEqual(1);
      }
      const { groups } = aggregate(read.records);
      for (const group of groups) {
        expect(Number.isFinite(group.testAccuracy.mean)).toBe(true);
        expect(Number.isFinite(group.inactiveFraction.mean)).toBe(true);
      }
    }), { seed: 1819, numRuns: 1000 });
  });
});
