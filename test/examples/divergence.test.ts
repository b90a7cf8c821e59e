/**
 * A loss that becomes NaN or Infinity on the command line: `gradlab train`
 * stops at that step with exit code 1 and says where; `dead-neurons` and
 * `sweep` record the run as diverged (epoch and step), which is a result, not
 * a crash. `--detect-anomaly` turns on core's detectAnomaly and names the op
 * that produced the first NaN or Infinity instead.
 *
 * The diverging configuration: 3 ReLU layers of 16, SGD with learning rate
 * 10^6; its loss is first NaN at epoch 1, step 3, after the weights blew up.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expandGrid, type DeadNeuronsResults, type SweepRecord } from 'gradlab';
import { gradlab, requireBuild, temporaryDirectory } from './helpers/cli.js';

beforeAll(() => requireBuild());

const SMALL_DATA = ['--train-size', '300', '--test-size', '100'];
const SGD_TWO_EPOCHS = ['--optimizer', 'sgd', '--epochs', '2', ...SMALL_DATA, '--quiet'];
const EXPLODING = ['--lr', '1000000', ...SGD_TWO_EPOCHS];
const ANOMALY = 'linear: produced -Infinity at element 0 of its output of shape [64,16] (inputs of shape [64,16], [16,16], [16]); anomaly detection is on';

describe('gradlab train', () => {
  it('stops at the first non-finite loss with exit code 1, naming the epoch and step, and writes no final weights', () => {
    const dir = temporaryDirectory('diverge-train');
    const out = join(dir, 'model.safetensors');
    const run = gradlab(['train', '--hidden', '16,16,16', ...EXPLODING, '--out', out]);
    expect([run.status, run.stderr.trim()]).toEqual([1,
      'gradlab train: training diverged: loss is NaN at epoch 1, step 3; rerun with --detect-anomaly to name the op that first produced a NaN or Infinity, or try a smaller --lr']);
    expect(existsSync(out)).toBe(false);
    expect(run.stdout).toBe('');
  });

  it('with --detect-anomaly, names the op that produced the first Infinity', () => {
    const dir = temporaryDirectory('anomaly-train');
    const run = gradlab(['train', '--hidden', '16,16,16', ...EXPLODING, '--detect-anomaly', '--out', join(dir, 'model.safetensors')]);
    expect([run.status, run.stderr.trim()]).toEqual([1, `gradlab train: ${ANOMALY}`]);
  });

  it('with --detect-anomaly, a healthy run finds nothing and gives the same bytes as without', () => {
    const dir = temporaryDirectory('anomaly-healthy');
    const flags = ['train', '--hidden', '24', '--epochs', '2', ...SMALL_DATA, '--quiet'];
    const plain = gradlab([...flags, '--out', join(dir, 'plain.safetensors')]);
    const checked = gradlab([...flags, '--detect-anomaly', '--out', join(dir, 'checked.safetensors')]);
    expect([plain.status, checked.status]).toEqual([0, 0]);
    expect(readFileSync(join(dir, 'checked.safetensors')).equals(readFileSync(join(dir, 'plain.safetensors')))).toBe(true);
  });
});

describe('gradlab dead-neurons', () => {
  it('records a diverged network as a result, keeps its measurements, and trains the next one', () => {
    const out = temporaryDirectory('diverge-dead');
    const run = gradlab(['dead-neurons', '--activations', 'relu,sigmoid', '--seeds', '0', '--depth', '3', '--width', '16', ...EXPLODING, '--out', out]);
    expect(run.status, run.stderr).toBe(0);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as DeadNeuronsResults;
    const [relu, sigmoid] = results.runs;
    expect(relu!.diverged).toEqual({ epoch: 1, step: 3, loss: 'NaN' });
    expect(relu!.epochs.map((epoch) => epoch.epoch)).toEqual([0]);
    expect(sigmoid!.diverged).toBeNull();
    expect(sigmoid!.epochs.map((epoch) => epoch.epoch)).toEqual([0, 1, 2]);
    expect(run.stdout).toContain('(diverged: seed 0 loss NaN at epoch 1, step 3)');
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('Training diverged for seed 0 (loss NaN at epoch 1, step 3); that network is left out of the means.');
    expect(results.summary.activations[0]!).toMatchObject({ seeds: [], divergedSeeds: [0] });
    // The diverged network's weights are saved as they were when training stopped; no checkpoint is left.
    expect(readdirSync(join(out, 'models')).sort()).toEqual(['relu-seed0.safetensors', 'sigmoid-seed0.safetensors']);
    expect(existsSync(join(out, 'checkpoint'))).toBe(false);
  });

  it('with --detect-anomaly, fails with exit code 1 naming the network and the op, in a worker thread or not', () => {
    for (const workers of ['1', '2']) {
      const out = temporaryDirectory('anomaly-dead');
      const run = gradlab(['dead-neurons', '--activations', 'relu,sigmoid', '--seeds', '0', '--workers', workers, '--depth', '3', '--width', '16', ...EXPLODING, '--detect-anomaly', '--out', out]);
      expect([run.status, run.stderr.trim()], `--workers ${workers}`).toEqual([1, `gradlab dead-neurons: the relu network of seed 0 failed: ${ANOMALY}`]);
    }
  });
});

describe('gradlab sweep', () => {
  const grid = ['--activations', 'relu', '--depths', '3', '--widths', '16', '--lrs', '1000000', '--seeds', '0', '--workers', '1'];
  const [run] = expandGrid(
    { activations: ['relu'], depths: [3], widths: [16], lrs: [1e6], alphas: [0.01], seeds: [0] },
    { optimizer: 'sgd', momentum: 0, epochs: 2, batchSize: 64, init: 'default', saturationEps: 0.01, measureSize: 0, measureEvery: 0, data: { trainSize: 300, testSize: 100, splitSeed: 0 } },
  );

  it('records a diverged run with its epoch and step, and the report counts it apart', () => {
    const dir = temporaryDirectory('diverge-sweep');
    const results = join(dir, 'results.jsonl');
    const sweep = gradlab(['sweep', ...grid, ...SGD_TWO_EPOCHS, '--out', results]);
    expect(sweep.status, sweep.stderr).toBe(0);
    const records = readFileSync(results, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as SweepRecord);
    expect(records.map((record) => [record.id, record.diverged])).toEqual([[run!.id, { epoch: 1, step: 3, loss: 'NaN' }]]);
    const report = gradlab(['report', results, '--out', join(dir, 'report')]);
    expect(report.status, report.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(dir, 'report', 'summary.json'), 'utf8')) as { groups: Array<{ seeds: number[]; divergedSeeds: number[] }> };
    expect(summary.groups.map((group) => [group.seeds, group.divergedSeeds])).toEqual([[[], [0]]]);
  });

  it('with --detect-anomaly, fails the run with exit code 1 naming the op', () => {
    const dir = temporaryDirectory('anomaly-sweep');
    const sweep = gradlab(['sweep', ...grid, ...SGD_TWO_EPOCHS, '--detect-anomaly', '--out', join(dir, 'results.jsonl')]);
    expect([sweep.status, sweep.stderr.trim()]).toEqual([1, `gradlab sweep: run ${run!.id} failed: ${ANOMALY}`]);
    expect(existsSync(join(dir, 'results.jsonl'))).toBe(false);
  });
});
