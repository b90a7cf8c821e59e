/**
 * `gradlab sweep --slurm` on a real Slurm: the one-node cluster that
 * scripts/slurm-test.sh starts (SLURM_CONF points at it). Run with
 * `npx -y pnpm@12.4.2 run test:cluster`, never by the main suite.
 *
 * 1. A 16-run grid as a job array of 4 tasks: once every task has
 *    finished, `gradlab report DIR` merges the four shard files into the
 *    same bytes as a local single-process sweep of the grid.
 *    Then shard 3's file is deleted: `sweep --status` calls the shard failed
 *    (Slurm says completed, the runs are not there) and prints
 *    `sbatch --array=3 …`, which reruns that shard alone.
 * 2. The same grid again; one array task's gradlab process is SIGKILLed
 *    after its first run, `sweep --status` calls it failed and prints the
 *    rerun command, `scontrol requeue` runs the task again, and it resumes:
 *    nothing lost, nothing duplicated, the same bytes again.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expandGrid, readLockOwner, selectShard } from 'gradlab';
import { GRADLAB, requireBuild, temporaryDirectory } from '../examples/helpers/cli.js';

const grid = ['--activations', 'relu,leaky-relu', '--depths', '2,3', '--widths', '16', '--lrs', '0.005,0.02', '--alphas', '0.1', '--seeds', '0-1',
  '--epochs', '3', '--train-size', '600', '--test-size', '100'];
const runIds = expandGrid(
  { activations: ['relu', 'leaky-relu'], depths: [2, 3], widths: [16], lrs: [0.005, 0.02], alphas: [0.1], seeds: [0, 1] },
  { optimizer: 'adam', momentum: 0, epochs: 3, batchSize: 64, init: 'default', saturationEps: 0.01, measureSize: 0, measureEvery: 0, data: { trainSize: 600, testSize: 100, splitSeed: 0 } },
).map((run) => run.id);
const TASKS = 4;
const root = temporaryDirectory('slurm');
const localResults = join(root, 'local.jsonl');

function run(program: string, args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(program, args, { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr ?? String(result.error) };
}

function gradlab(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  return run(process.execPath, [GRADLAB, ...args]);
}

function lines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((line) => line !== '') : [];
}

/** Each array task's state as squeue sees it, e.g. { 1: 'COMPLETED', 2: 'RUNNING' }. */
function taskStates(jobId: string): Record<number, string> {
  const squeue = run('squeue', ['-h', '-t', 'all', '-j', jobId, '-o', '%i|%T']);
  if (squeue.status !== 0) throw new Error(`squeue failed: ${squeue.stderr}`);
  const states: Record<number, string> = {};
  for (const line of squeue.stdout.split('\n')) {
    const match = /^\d+_(\d+)\|(\w+)$/.exec(line.trim());
    if (match) states[Number(match[1])] = match[2]!;
  }
  return states;
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until every task of the array (`tasks` of them) has COMPLETED; any other end fails the test with the task's log. */
async function waitForArray(jobId: string, dir: string, tasks = TASKS): Promise<void> {
  await waitFor(`job array ${jobId} to finish`, () => {
    const states = taskStates(jobId);
    for (const [index, state] of Object.entries(states)) {
      if (['FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY'].includes(state)) {
        throw new Error(`array task ${jobId}_${index} ended ${state}:\n${readFileSync(join(dir, 'slurm-logs', `${jobId}_${index}.out`), 'utf8')}`);
      }
    }
    const done = Object.keys(states).length === tasks && Object.values(states).every((state) => state === 'COMPLETED');
    return done ? true : undefined;
  }, 300_000);
}

function submit(dir: string): string {
  const submitted = gradlab(['sweep', ...grid, '--dir', dir, '--slurm', '--tasks', String(TASKS), '--cpus-per-task', '1']);
  expect(submitted.stderr).toMatch(/^sweep: submitted job array \d+ \(4 tasks\)\n$/);
  expect(submitted.status).toBe(0);
  return /job array (\d+)/.exec(submitted.stdout)![1]!;
}

function mergedEqualsLocal(dir: string): void {
  const report = gradlab(['report', dir]);
  expect(report.status).toBe(0);
  expect(report.stdout.split('\n')[0]).toBe('report: 16 runs in 8 grid points');
  expect(report.stdout).not.toContain('missing');
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { runs: number; duplicates: number };
  expect([summary.runs, summary.duplicates]).toEqual([16, 0]);
  // Run for run, byte for byte: merged.jsonl is in grid order, as the single worker wrote local.jsonl.
  expect(readFileSync(join(dir, 'merged.jsonl'), 'utf8')).toBe(readFileSync(localResults, 'utf8'));
}

beforeAll(() => {
  requireBuild();
  if (!process.env['SLURM_CONF']) throw new Error('SLURM_CONF is not set: run this file through scripts/slurm-test.sh (npx -y pnpm@12.4.2 run test:cluster), which starts the cluster');
  const local = gradlab(['sweep', ...grid, '--workers', '1', '--quiet', '--out', localResults]);
  expect(local.status).toBe(0);
  expect(lines(localResults).length).toBe(16);
});

describe('gradlab sweep --slurm on a one-node Slurm', () => {
  it('runs the grid as a job array of 4 tasks whose merged results equal a local single-process sweep byte for byte, and reruns a lost shard with the command --status prints', async () => {
    const dir = join(root, 'whole');
    const jobId = submit(dir);
    await waitForArray(jobId, dir);
    for (let index = 1; index <= TASKS; index++) {
      const ids = lines(join(dir, `results.shard-${index}-of-4.jsonl`)).map((line) => (JSON.parse(line) as { id: string }).id);
      expect(ids).toEqual(selectShard(runIds, { index, count: TASKS }));
      expect(existsSync(join(dir, `results.shard-${index}-of-4.jsonl.lock`))).toBe(false);
    }
    const status = gradlab(['sweep', '--status', dir]);
    expect(status.status).toBe(0);
    expect(status.stdout.split('\n')[0]).toMatch(/^sweep \S+: 16 of 16 runs done; 4 shards: 4 done \(Slurm job gradlab-whole-\w+, states from squeue\)$/);
    expect(status.stdout).toContain(`| 3/4 | 4 | 4 | done | Slurm ${jobId}_3 COMPLETED |`);
    mergedEqualsLocal(dir);

    rmSync(join(dir, 'results.shard-3-of-4.jsonl'));
    const lost = gradlab(['sweep', '--status', dir]);
    expect(lost.status).toBe(1);
    expect(lost.stdout).toContain(`| 3/4 | 4 | 0 | failed | Slurm ${jobId}_3 COMPLETED |`);
    const rerunLine = lost.stdout.split('\n').find((line) => line.startsWith('  sbatch '));
    expect(rerunLine).toBe(`  sbatch --array=3 ${join(dir, 'sweep.sbatch')}`);
    const rerun = run('sbatch', ['--parsable', ...rerunLine!.trim().split(' ').slice(1)]);
    expect(rerun.status).toBe(0);
    const rerunJob = rerun.stdout.trim();
    await waitForArray(rerunJob, dir, 1);
    expect(readFileSync(join(dir, 'slurm-logs', `${rerunJob}_3.out`), 'utf8')).toContain('sweep: 4 runs finished in');
    const again = gradlab(['sweep', '--status', dir]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`| 3/4 | 4 | 4 | done | Slurm ${rerunJob}_3 COMPLETED |`);
    mergedEqualsLocal(dir);
  });

  it('resumes an array task killed mid-run and requeued: no run lost or duplicated', async () => {
    const dir = join(root, 'killed');
    const jobId = submit(dir);
    const shardFile = join(dir, 'results.shard-2-of-4.jsonl');
    // Task 2's gradlab process, as its lock names it, once its first run is on disk.
    const owner = await waitFor('task 2 to finish its first run', () => {
      const holder = readLockOwner(`${shardFile}.lock`);
      return holder && lines(shardFile).length >= 1 ? holder : undefined;
    }, 300_000);
    process.kill(owner.pid, 'SIGKILL');
    const keptBeforeKill = lines(shardFile).length;
    expect(keptBeforeKill).toBeLessThan(4); // killed mid-shard, not after it
    await waitFor(`task ${jobId}_2 to end`, () => (taskStates(jobId)[2] === 'FAILED' ? true : undefined), 60_000);

    const status = gradlab(['sweep', '--status', dir]);
    expect(status.stdout).toContain(`| 2/4 | 4 | ${keptBeforeKill} | failed | Slurm ${jobId}_2 FAILED |`);
    expect(status.status).toBe(1);
    expect(status.stdout).toContain(`  sbatch --array=2 ${join(dir, 'sweep.sbatch')}`);

    const requeue = run('scontrol', ['requeue', `${jobId}_2`]);
    expect([requeue.status, requeue.stderr]).toEqual([0, '']);
    await waitForArray(jobId, dir);

    const log = readFileSync(join(dir, 'slurm-logs', `${jobId}_2.out`), 'utf8');
    expect(log).toContain('restart 1)');
    expect(log).toContain(`sweep: ${4 - keptBeforeKill} runs finished in`);
    expect(log).toContain(`${keptBeforeKill} skipped as already done`);
    const ids = lines(shardFile).map((line) => (JSON.parse(line) as { id: string }).id);
    expect(ids).toEqual(selectShard(runIds, { index: 2, count: TASKS }));
    mergedEqualsLocal(dir);
  });
});
