/**
 * Every bad command line gets one clear line and exit code 2: a table of
 * mistakes for every subcommand, each with its exact message. The table runs
 * through `runGradlab`, the same `main` the `gradlab` executable calls (a
 * few rows also through the executable itself, for the real exit code).
 * The message names the flag, the value given and what is allowed.
 */
import { describe, expect, it } from 'vitest';
import { ACTIVATION_KINDS } from '@gradlab/nn';
import { EXPERIMENTS, MAX_LIST_LENGTH, REMEDY_NAMES, runGradlab } from 'gradlab';
import { gradlab, requireBuild, temporaryDirectory } from './helpers/cli.js';

// The experiments of the registry, then the other commands (program.ts).
const COMMANDS = [...Object.keys(EXPERIMENTS), 'report', 'eval', 'plot-activation', 'graph', 'playground'].join(', ');
const ACTIVATIONS = ACTIVATION_KINDS.join(', ');
const INITS = 'default, he-normal, he-uniform, xavier-normal, xavier-uniform, zeros';

/** [command line, the first line of stderr (after "gradlab ")]. */
const mistakes: Array<[string, string]> = [
  // The program itself.
  ['fly', `: unknown command 'fly'. Commands: ${COMMANDS}`],
  ['__proto__', `: unknown command '__proto__'. Commands: ${COMMANDS}`],
  ['--lr 0.1', `: unknown command '--lr'. Commands: ${COMMANDS}`],

  // dead-neurons: numbers of the wrong type or out of range.
  ['dead-neurons --lr abc', "dead-neurons: --lr must be a positive number, got 'abc'"],
  ['dead-neurons --lr -1', "dead-neurons: --lr must be a positive number, got '-1'"],
  ['dead-neurons --lr 0', "dead-neurons: --lr must be a positive number, got '0'"],
  ['dead-neurons --lr Infinity', "dead-neurons: --lr must be a positive number, got 'Infinity'"],
  ['dead-neurons --lr NaN', "dead-neurons: --lr must be a positive number, got 'NaN'"],
  ['dead-neurons --lr 1e400', "dead-neurons: --lr must be a positive number, got '1e400'"],
  ['dead-neurons --lr 0x10', "dead-neurons: --lr must be a positive number, got '0x10'"],
  ['dead-neurons --depth 0', "dead-neurons: --depth must be an integer from 1 to 200, got '0'"],
  ['dead-neurons --depth 201', "dead-neurons: --depth must be an integer from 1 to 200, got '201'"],
  ['dead-neurons --depth ten', "dead-neurons: --depth must be an integer from 1 to 200, got 'ten'"],
  ['dead-neurons --width 2.5', "dead-neurons: --width must be an integer from 1 to 4096, got '2.5'"],
  ['dead-neurons --width -8', "dead-neurons: --width must be an integer from 1 to 4096, got '-8'"],
  ['dead-neurons --alpha NaN', "dead-neurons: --alpha must be a number from 0 to 1, got 'NaN'"],
  ['dead-neurons --alpha -0.1', "dead-neurons: --alpha must be a number from 0 to 1, got '-0.1'"],
  ['dead-neurons --momentum 1', "dead-neurons: --momentum must be a number from 0 to 0.999, got '1'"],
  ['dead-neurons --epochs -1', "dead-neurons: --epochs must be an integer from 0 to 10000, got '-1'"],
  ['dead-neurons --batch-size 0', "dead-neurons: --batch-size must be a positive integer, got '0'"],
  ['dead-neurons --seeds 1.5', "dead-neurons: --seeds must be a comma-separated list of non-negative integers (ranges like 2-20 allowed), got '1.5'"],
  ['dead-neurons --seeds 99999999999999999999', "dead-neurons: --seeds must be a comma-separated list of non-negative integers (ranges like 2-20 allowed), got '99999999999999999999'"],
  ['dead-neurons --seeds 0,0', "dead-neurons: --seeds must be a list without repeats (0 appears twice), got '0,0'"],
  ['dead-neurons --saturation-eps 0.5', "dead-neurons: --saturation-eps must be a number from 1e-9 to 0.49, got '0.5'"],
  ['dead-neurons --measure-size -3', "dead-neurons: --measure-size must be a non-negative integer, got '-3'"],
  // Names: the message lists the valid ones.
  ['dead-neurons --activations foo', `dead-neurons: --activations must be a comma-separated list of ${ACTIVATIONS}, got 'foo'`],
  ['dead-neurons --activations relu,Sigmoid', `dead-neurons: --activations must be a comma-separated list of ${ACTIVATIONS}, got 'relu,Sigmoid'`],
  ['dead-neurons --activations relu,relu', "dead-neurons: --activations must be a list without repeats (relu appears twice), got 'relu,relu'"],
  ['dead-neurons --activations relu,', "dead-neurons: --activations must be a comma-separated list without empty items, got 'relu,'"],
  ['dead-neurons --optimizer rmsprop', "dead-neurons: --optimizer must be one of sgd, adam, got 'rmsprop'"],
  ['dead-neurons --init glorot', `dead-neurons: --init must be one of ${INITS}, got 'glorot'`],
  // Data sizes.
  ['dead-neurons --train-size 0', "dead-neurons: --train-size must be a positive integer, got '0'"],
  ['dead-neurons --train-size 9000', 'dead-neurons: data: --train-size 9000 + --test-size 2000 is more than the 10000 embedded images'],
  ['dead-neurons --train-size 6000 --test-size 5000', 'dead-neurons: data: --train-size 6000 + --test-size 5000 is more than the 10000 embedded images'],
  ['dead-neurons --split-seed x', "dead-neurons: --split-seed must be a non-negative integer, got 'x'"],
  // The shape of the command line.
  ['dead-neurons --bogus', 'dead-neurons: unknown flag --bogus (see --help)'],
  ['dead-neurons --lr', 'dead-neurons: --lr needs a value'],
  ['dead-neurons --out=', "dead-neurons: --out must be a non-empty string, got ''"],
  ['dead-neurons --resume=yes', 'dead-neurons: --resume is a switch and takes no value'],
  ['dead-neurons --detect-anomaly=1', 'dead-neurons: --detect-anomaly is a switch and takes no value'],
  ['dead-neurons relu', "dead-neurons: unexpected argument 'relu'"],

  // train
  ['train --lr abc', "train: --lr must be a positive number, got 'abc'"],
  ['train --lr -0.001', "train: --lr must be a positive number, got '-0.001'"],
  ['train --lr Infinity', "train: --lr must be a positive number, got 'Infinity'"],
  ['train --hidden 0', "train: --hidden must be a comma-separated list of integers from 1 to 65536 (ranges like 2-20 allowed), got '0'"],
  ['train --hidden 256,2.5', "train: --hidden must be a comma-separated list of integers from 1 to 65536 (ranges like 2-20 allowed), got '256,2.5'"],
  ['train --hidden 64,,64', "train: --hidden must be a comma-separated list without empty items, got '64,,64'"],
  ['train --activation swish', `train: --activation must be one of ${ACTIVATIONS}, got 'swish'`],
  ['train --optimizer adamw', "train: --optimizer must be one of sgd, adam, got 'adamw'"],
  ['train --alpha NaN', "train: --alpha must be a number from 0 to 1, got 'NaN'"],
  ['train --momentum -0.1', "train: --momentum must be a number from 0 to 0.999, got '-0.1'"],
  ['train --epochs 0', "train: --epochs must be an integer from 1 to 10000, got '0'"],
  ['train --batch-size 1.5', "train: --batch-size must be a positive integer, got '1.5'"],
  ['train --test-size 9999', 'train: data: --train-size 8000 + --test-size 9999 is more than the 10000 embedded images'],
  // A network too large for memory: refused from the widths, before anything is allocated (it was a Dense error, exit 1).
  ['train --hidden 40000,40000', 'train: --hidden 40000,40000 makes a network of 1631840010 parameters, more than the limit of 134217728 (512 MiB of float32 per copy; training keeps about four copies); use fewer or narrower layers'],
  ['dead-neurons --depth 200 --width 4096', 'dead-neurons: --depth 200 --width 4096 makes a network of 3342737418 parameters, more than the limit of 134217728 (512 MiB of float32 per copy; training keeps about four copies); use fewer or narrower layers'],
  ['sweep --depths 2,100 --widths 64,4096', 'sweep: --depths 100 --widths 4096 makes a network of 1664606218 parameters, more than the limit of 134217728 (512 MiB of float32 per copy; training keeps about four copies); use fewer or narrower layers'],
  ['train --learning-rate 0.1', 'train: unknown flag --learning-rate (see --help)'],

  // sweep
  ['sweep --shard 3/2', "sweep: --shard must be i/n with 1 <= i <= n, e.g. 2/4, got '3/2'"],
  ['sweep --shard 0/4', "sweep: --shard must be i/n with 1 <= i <= n, e.g. 2/4, got '0/4'"],
  ['sweep --shard half', "sweep: --shard must be i/n with 1 <= i <= n, e.g. 2/4, got 'half'"],
  ['sweep --lrs 0.1,abc', "sweep: --lrs must be a comma-separated list of positive numbers, got '0.1,abc'"],
  ['sweep --lrs 0', "sweep: --lrs must be a comma-separated list of positive numbers, got '0'"],
  ['sweep --lrs 0.1,0.1', "sweep: --lrs must be a list without repeats (0.1 appears twice), got '0.1,0.1'"],
  ['sweep --alphas NaN', "sweep: --alphas must be a comma-separated list of numbers >= 0, got 'NaN'"],
  ['sweep --alphas 0.1,-1', "sweep: --alphas must be a comma-separated list of numbers >= 0, got '0.1,-1'"],
  ['sweep --depths 0', "sweep: --depths must be a comma-separated list of integers from 1 to 200 (ranges like 2-20 allowed), got '0'"],
  ['sweep --depths 5-2', "sweep: --depths must be a list whose ranges go upwards, like 2-20, got '5-2'"],
  ['sweep --depths 1-1000', "sweep: --depths must be a comma-separated list of integers from 1 to 200 (ranges like 2-20 allowed), got '1-1000'"],
  ['sweep --widths 16,16', "sweep: --widths must be a list without repeats (16 appears twice), got '16,16'"],
  ['sweep --seeds 0-99999', `sweep: --seeds must be a list of at most ${MAX_LIST_LENGTH} values, got '0-99999'`],
  ['sweep --seeds 0-99999999999999999999', "sweep: --seeds must be a comma-separated list of non-negative integers (ranges like 2-20 allowed), got '0-99999999999999999999'"],
  ['sweep --seeds 0-3,2', "sweep: --seeds must be a list without repeats (2 appears twice), got '0-3,2'"],
  ['sweep --activations relu,foo', `sweep: --activations must be a comma-separated list of ${ACTIVATIONS}, got 'relu,foo'`],
  ['sweep --optimizer momentum', "sweep: --optimizer must be one of sgd, adam, got 'momentum'"],
  ['sweep --workers 0', "sweep: --workers must be an integer from 1 to 256, got '0'"],
  ['sweep --train-size 9000', 'sweep: data: --train-size 9000 + --test-size 2000 is more than the 10000 embedded images'],
  ['sweep --resume', 'sweep: unknown flag --resume (see --help)'],

  // born-dead
  ['born-dead --widths 0', "born-dead: --widths must be a comma-separated list of integers from 1 to 1024 (ranges like 2-20 allowed), got '0'"],
  ['born-dead --widths 2,2', "born-dead: --widths must be a list without repeats (2 appears twice), got '2,2'"],
  ['born-dead --depths 2-1001', "born-dead: --depths must be a comma-separated list of integers from 1 to 1000 (ranges like 2-20 allowed), got '2-1001'"],
  ['born-dead --networks 0', "born-dead: --networks must be a positive integer, got '0'"],
  ['born-dead --networks 1e3', "born-dead: --networks must be a positive integer, got '1e3'"],
  ['born-dead --inits he,xavier', "born-dead: --inits must be a comma-separated list of he, rai, got 'he,xavier'"],
  ['born-dead --inputs noise', "born-dead: --inputs must be one of grid, mnist, got 'noise'"],
  ['born-dead --input-count 1', "born-dead: --input-count must be an integer from 2 to 100000, got '1'"],
  ['born-dead --inputs mnist --input-count 20000', "born-dead: --input-count must be at most 10000 with --inputs mnist (the embedded digits), got '20000'"],
  ['born-dead --seed -1', "born-dead: --seed must be a non-negative integer, got '-1'"],

  // report
  ['report', 'report: missing FILE...'],
  ['report --out', 'report: --out needs a value'],
  ['report --bins 3 results.jsonl', 'report: unknown flag --bins (see --help)'],

  // eval
  ['eval', 'eval: missing CHECKPOINT'],
  ['eval a.safetensors b.safetensors', "eval: unexpected argument 'b.safetensors'"],
  ['eval --json= model.safetensors', "eval: --json must be a non-empty string, got ''"],

  // plot-activation
  ['plot-activation --points 1', "plot-activation: --points must be an integer from 2 to 100000, got '1'"],
  ['plot-activation --alpha NaN', "plot-activation: --alpha must be a number from 0 to 1, got 'NaN'"],
  ['plot-activation --from 1e7', "plot-activation: --from must be a number from -1000000 to 1000000, got '1e7'"],
  ['plot-activation --from 5 --to 1', 'plot-activation: --from must be less than --to, got --from 5 --to 1'],
  // graph
  ['graph --seed x', "graph: --seed must be an integer from 0 to 2147483647, got 'x'"],
  // playground
  ['playground --port 70000', "playground: --port must be an integer from 0 to 65535, got '70000'"],
  ['remedies --remedies relu,dropout', `remedies: --remedies must be a comma-separated list of ${REMEDY_NAMES.join(', ')}, got 'relu,dropout'`],
  ['remedies --remedies rai,elu', "remedies: --remedies must include 'relu', the baseline every remedy is compared with seed by seed; got rai,elu"],
  ['plot-activation --activations swish', `plot-activation: --activations must be a comma-separated list of ${ACTIVATIONS}, got 'swish'`],
];

/** Runs the program in this process, capturing what it prints. */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runGradlab(argv, { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } });
  return { code, stdout, stderr };
}

describe('every bad command line is one clear line and exit code 2', () => {
  it('covers every subcommand', () => {
    const commands = new Set(mistakes.map(([line]) => line.split(' ')[0]));
    for (const command of COMMANDS.split(', ')) expect(commands.has(command), command).toBe(true);
  });

  it.each(mistakes)('gradlab %s', async (line, message) => {
    const result = await run(line.split(' '));
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(`gradlab${message.startsWith(':') ? '' : ' '}${message}`);
    expect(result.stdout).toBe('');
    // A flag mistake points to the command's --help.
    if (!message.startsWith(':')) expect(result.stderr).toBe(`gradlab ${message}\nRun 'gradlab ${line.split(' ')[0]} --help' for the flags.\n`);
  });

  it('answers --resume without a checkpoint, or with one made by other flags, with exit code 2', async () => {
    const out = temporaryDirectory('errors-resume');
    const none = await run(['dead-neurons', '--resume', '--out', out]);
    expect([none.code, none.stderr.split('\n')[0]]).toEqual([2,
      `gradlab dead-neurons: --resume: there is no checkpoint in ${out}/checkpoint (a run saves its checkpoints there after every epoch and removes them when it finishes); leave out --resume to start`]);
    const model = `${out}/model.safetensors`;
    const train = await run(['train', '--resume', '--out', model]);
    expect([train.code, train.stderr.split('\n')[0]]).toEqual([2,
      `gradlab train: --resume: there is no checkpoint in ${model}.checkpoint (a run saves its checkpoints there after every epoch and removes them when it finishes); leave out --resume to start`]);
  });

  it('exits with code 2 from the real executable too', () => {
    requireBuild();
    for (const [line, message] of [mistakes[0]!, mistakes.find(([entry]) => entry === 'train --lr Infinity')!, mistakes.find(([entry]) => entry === 'sweep --seeds 0-99999')!]) {
      const result = gradlab(line.split(' '));
      expect([result.status, result.stderr.split('\n')[0]]).toEqual([2, `gradlab${message.startsWith(':') ? '' : ' '}${message}`]);
    }
  });
});
