/**
 * A sweep killed with SIGKILL part-way through resumes without losing or
 * duplicating a run; shards split the same grid; `gradlab report` aggregates.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expandGrid, formatSweepMetric, groupLabel, readMarkdownTable, SWEEP_TABLE_HEADING, type SweepGroup } from 'gradlab';
import { gradlab, requireBuild, startGradlab, temporaryDirectory } from './helpers/cli.js';

beforeAll(() => requireBuild());

const gridFlags = [
  '--activations', 'relu,leaky-relu', '--depths', '2,3', '--widths', '16', '--lrs', '0.005,0.02', '--alphas', '0.1', '--seeds', '0-1',
  '--epochs', '3', '--train-size', '600', '--test-size', '100', '--workers', '2', '--quiet',
];
const expectedIds = expandGrid(
  { activations: ['relu', 'leaky-relu'], depths: [2, 3], widths: [16], lrs: [0.005, 0.02], alphas: [0.1], seeds: [0, 1] },
  { optimizer: 'adam', momentum: 0, epochs: 3, batchSize: 64, init: 'default', saturationEps: 0.01, measureSize: 0, measureEvery: 0, data: { trainSize: 600, testSize: 100, splitSeed: 0 } },
).map((run) => run.id);

function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((line) => line !== '') : [];
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('gradlab sweep', () => {
  const dir = temporaryDirectory('sweep');
  const results = join(dir, 'results.jsonl');

  it('loses and duplicates nothing when killed with SIGKILL and resumed', async () => {
    expect(expectedIds.length).toBe(16);
    const sweep = startGradlab(['sweep', ...gridFlags, '--out', results]);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => sweep.on('exit', (_code, signal) => resolve(signal)));
    await waitFor(() => lines(results).length >= 3, 60_000);
    sweep.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const beforeResume = lines(results).length;
    expect(beforeResume).toBeGreaterThanOrEqual(3);
    expect(beforeResume).toBeLessThan(16); // killed part-way, not after the end

    // Orphaned workers finish their current run and exit without writing: only the parent writes.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const stillAfterKill = lines(results);
    expect(stillAfterKill.length).toBe(beforeResume);

    // A last line torn by the kill would be dropped and redone; only lines that end in a newline count.
    const keptBefore = readFileSync(results, 'utf8').split('\n').length - 1;
    const resume = gradlab(['sweep', ...gridFlags, '--out', results]);
    expect(resume.status).toBe(0);
    expect(resume.stdout).toContain(`sweep: ${16 - keptBefore} runs finished in`);
    expect(resume.stdout).toContain(`${keptBefore} skipped as already done`);

    const ids = lines(results).map((line) => (JSON.parse(line) as { id: string }).id);
    expect(ids.length).toBe(16);
    expect(new Set(ids).size).toBe(16);
    expect([...ids].sort()).toEqual([...expectedIds].sort());

    const rerun = gradlab(['sweep', ...gridFlags, '--out', results]);
    expect(rerun.stdout).toContain('sweep: 0 runs finished in');
    expect(lines(results).length).toBe(16);
  });

  it('splits the grid into shards whose runs are identical to the same runs of the whole sweep', () => {
    const shardFile = join(dir, 'shard-2-of-3.jsonl');
    const shard = gradlab(['sweep', ...gridFlags, '--shard', '2/3', '--out', shardFile]);
    expect(shard.status).toBe(0);
    const shardLines = lines(shardFile);
    expect(shardLines.map((line) => (JSON.parse(line) as { id: string }).id).sort()).toEqual(expectedIds.filter((_, i) => i % 3 === 1).sort());
    const whole = new Set(lines(results));
    for (const line of shardLines) expect(whole.has(line)).toBe(true);
  });

  it('aggregates the results over seeds into a report whose table matches summary.json', () => {
    const out = join(dir, 'report');
    const report = gradlab(['report', results, join(dir, 'shard-2-of-3.jsonl'), '--out', out]);
    expect(report.status).toBe(0);
    expect(report.stdout).toContain('report: 16 runs in 8 grid points');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { runs: number; duplicates: number; groups: SweepGroup[] };
    // The shard's 5 runs (positions 1, 4, 7, 10, 13) are already in the whole sweep's file.
    expect([summary.runs, summary.duplicates, summary.groups.length]).toEqual([16, 5, 8]);
    const records = lines(results).map((line) => JSON.parse(line) as { activation: string; depth: number; lr: number; seed: number; final: { inactiveFraction: number } });
    for (const group of summary.groups) {
      expect(group.seeds.length + group.divergedSeeds.length).toBe(2);
      const values = records
        .filter((record) => record.activation === group.activation && record.depth === group.depth && record.lr === group.lr && group.seeds.includes(record.seed))
        .map((record) => record.final.inactiveFraction);
      expect(values.length).toBe(group.seeds.length);
      if (values.length > 0) expect(group.inactiveFraction.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 12);
    }
    const table = readMarkdownTable(readFileSync(join(out, 'report.md'), 'utf8'), SWEEP_TABLE_HEADING);
    expect(table.rows.length).toBe(8);
    table.rows.forEach((row, index) => {
      const group = summary.groups[index]!;
      expect([row[0], row[1], row[3], row[6], row[7]]).toEqual([
        groupLabel(group), String(group.depth), String(group.lr), `${group.inactiveMeaning} ${formatSweepMetric(group.inactiveFraction, true)}`, formatSweepMetric(group.testAccuracy, true),
      ]);
    });
  });
});
