/**
 * The `gradlab` program as a user meets it: --version, -h, suggestions for a
 * mistyped flag or command, every command's help, a repeated flag, and what
 * happens when a long run is interrupted or started again over its checkpoint.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeIdx, gradlabVersion, loadEmbeddedMnist } from 'gradlab';
import { GRADLAB, gradlab, requireBuild, temporaryDirectory } from './helpers/cli.js';

const COMMANDS = ['dead-neurons', 'born-dead', 'sweep', 'report', 'train', 'eval', 'plot-activation'];

describe('gradlab --version, -h and suggestions', () => {
  it("prints the gradlab package's version", () => {
    const packageJson = JSON.parse(readFileSync(new URL('../../packages/examples/package.json', import.meta.url), 'utf8')) as { version: string };
    expect(gradlabVersion()).toBe(packageJson.version);
    const run = gradlab(['--version']);
    expect([run.status, run.stdout, run.stderr]).toEqual([0, `gradlab ${packageJson.version} (Node.js ${process.version})\n`, '']);
  });

  it('answers -h like --help, for the program and for every command', () => {
    expect(gradlab(['-h']).stdout).toBe(gradlab(['--help']).stdout);
    for (const command of COMMANDS) {
      const short = gradlab([command, '-h']);
      expect(short.status).toBe(0);
      expect(short.stdout).toBe(gradlab([command, '--help']).stdout);
    }
  });

  it("prints each flag's default at most once in every command's help, and --shard as I/N", () => {
    for (const command of COMMANDS) {
      const help = gradlab([command, '--help']).stdout;
      for (const line of help.split('\n')) expect(line.split('(default:').length, `${command}: ${line}`).toBeLessThanOrEqual(2);
    }
    expect(gradlab(['sweep', '--help']).stdout).toMatch(/^ {2}--shard I\/N\|auto +Run only shard i of n/m);
  });

  it('suggests the flag or the command that was probably meant, with exit code 2', () => {
    const flag = gradlab(['dead-neurons', '--dept', '3']);
    expect([flag.status, flag.stderr]).toEqual([2, "gradlab dead-neurons: unknown flag --dept; did you mean --depth?\nRun 'gradlab dead-neurons --help' for the flags.\n"]);
    const command = gradlab(['dead-nuerons']);
    expect([command.status, command.stderr.split('.')[0]]).toEqual([2, "gradlab: unknown command 'dead-nuerons'"]);
    expect(command.stderr).toContain('Did you mean dead-neurons?');
    expect(gradlab(['--verison']).stderr).toContain('Did you mean --version?');
  });

  it('refuses a flag given twice, naming it', () => {
    const run = gradlab(['train', '--lr', '0.1', '--lr', '0.2']);
    expect([run.status, run.stderr.split('\n')[0]]).toEqual([2, 'gradlab train: --lr is given twice (0.1 and 0.2); give it once']);
  });
});

describe('an interrupted train, and train started again over its checkpoint', () => {
  const TRAIN = ['train', '--hidden', '32', '--epochs', '1000', '--train-size', '300', '--test-size', '100', '--out', 'model.safetensors'];
  const CHECKPOINT = 'model.safetensors.checkpoint/last.safetensors';

  /** Runs train in `cwd`, sends SIGINT once its first checkpoint is saved, and returns how it ended. */
  function interruptAfterFirstEpoch(cwd: string): Promise<{ code: number | null; stderr: string }> {
    requireBuild();
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [GRADLAB, ...TRAIN], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/checkpoint saved\n/.test(stderr) && child.exitCode === null) child.kill('SIGINT');
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
    });
  }

  it('says on Ctrl-C how to resume; run again without --resume, it refuses and names both ways forward', async () => {
    const dir = temporaryDirectory('interrupt');
    const interrupted = await interruptAfterFirstEpoch(dir);
    expect(interrupted.code, interrupted.stderr).toBe(130);
    expect(interrupted.stderr.trimEnd().split('\n').slice(-2)).toEqual([
      'gradlab train: interrupted. It saves a checkpoint after every epoch; to continue from the last one, run:',
      `  gradlab ${TRAIN.join(' ')} --resume`,
    ]);
    expect(existsSync(join(dir, CHECKPOINT))).toBe(true);
    const saved = readFileSync(join(dir, CHECKPOINT));

    const again = gradlab(TRAIN, dir);
    expect([again.status, again.stderr.split('\n')[0]]).toEqual([2,
      `gradlab train: ${CHECKPOINT} holds the checkpoint of an unfinished run; ` +
      'run the same command with --resume to continue it, or delete model.safetensors.checkpoint to start again']);
    expect(readFileSync(join(dir, CHECKPOINT)).equals(saved)).toBe(true);
  });
});

describe('gradlab eval --data-dir', () => {
  it("evaluates on a folder that holds only the test files, with Kaggle's names", () => {
    const dir = temporaryDirectory('eval-test-only');
    const checkpoint = join(dir, 'mlp.safetensors');
    const train = gradlab(['train', '--hidden', '16', '--epochs', '1', '--train-size', '300', '--test-size', '100', '--quiet', '--out', checkpoint]);
    expect(train.status, train.stderr).toBe(0);
    // 30 embedded digits written back as bytes, as the t10k files of a Kaggle download.
    const digits = loadEmbeddedMnist();
    const count = 30;
    const pixels = Uint8Array.from(digits.images.subarray(0, count * 28 * 28), (value) => Math.round(value * 255));
    const testOnly = join(dir, 'kaggle');
    mkdirSync(testOnly);
    writeFileSync(join(testOnly, 't10k-images.idx3-ubyte'), encodeIdx([count, 28, 28], pixels));
    writeFileSync(join(testOnly, 't10k-labels.idx1-ubyte'), encodeIdx([count], digits.labels.subarray(0, count)));
    const json = join(dir, 'eval.json');
    const evaluation = gradlab(['eval', checkpoint, '--data-dir', testOnly, '--json', json]);
    expect(evaluation.status, evaluation.stderr).toBe(0);
    const result = JSON.parse(readFileSync(json, 'utf8')) as { testImages: number; perDigit: Array<{ images: number }> };
    expect(result.testImages).toBe(count);
    expect(result.perDigit.reduce((sum, digit) => sum + digit.images, 0)).toBe(count);
    expect(evaluation.stdout).toMatch(new RegExp(`test accuracy \\d+\\.\\d% \\(\\d+/${count}\\)`));

    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const missing = gradlab(['eval', checkpoint, '--data-dir', empty]);
    expect([missing.status, missing.stderr.trim()]).toEqual([1,
      `gradlab eval: idx: ${empty} has no t10k-images-idx3-ubyte, t10k-images-idx3-ubyte.gz, t10k-images.idx3-ubyte or t10k-images.idx3-ubyte.gz`]);
  });
});
