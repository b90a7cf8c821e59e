/**
 * Sweeps on clusters, without a cluster: which shard `--shard auto` picks
 * from the scheduler's variables, the sbatch script and the Kubernetes
 * manifest, what squeue/sacct lines mean, merging shard files, and the
 * per-shard lock. The real Slurm run is test/cluster/slurm.test.ts
 * (`npx pnpm@12.4.2 run test:cluster`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  acquireFileLock, arrayIndices, autoShard, checkSlurmRequest, indexedJobManifest, k8sJobName, mergeRuns, ownerState, parseTaskStates, readLockOwner,
  sbatchScript, shardFileName, shardFromFlag, shardOfFileName, shardOfRun, shellQuote, slurmJobName, statusText, sweepManifest, sweepStatus, toYaml,
  type CommandRunner, type SweepRecord,
} from 'gradlab';
import { temporaryDirectory } from './helpers/cli.js';

/** Slurm's variables for task `id` of an array with ids min…max. */
function slurmArray(id: number, min: number, max: number): Record<string, string> {
  return { SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MIN: String(min), SLURM_ARRAY_TASK_MAX: String(max), SLURM_ARRAY_TASK_COUNT: String(max - min + 1) };
}

describe('--shard auto', () => {
  it('numbers shards from the array\'s first id, whether it starts at 0 or 1', () => {
    expect([0, 1, 7].map((id) => autoShard(slurmArray(id, 0, 7)))).toEqual([{ index: 1, count: 8 }, { index: 2, count: 8 }, { index: 8, count: 8 }]);
    expect([1, 2, 8].map((id) => autoShard(slurmArray(id, 1, 8)))).toEqual([{ index: 1, count: 8 }, { index: 2, count: 8 }, { index: 8, count: 8 }]);
    // --array=1-8%2 runs at most 2 at a time; Slurm sets the same MIN/MAX/COUNT, so the shards are the same.
    expect(autoShard(slurmArray(5, 1, 8))).toEqual({ index: 5, count: 8 });
    expect(autoShard(slurmArray(12, 10, 13))).toEqual({ index: 3, count: 4 });
  });

  it('refuses arrays whose ids have gaps', () => {
    expect(() => autoShard({ SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '5', SLURM_ARRAY_TASK_COUNT: '3' }))
      .toThrow('--shard auto: the array\'s task ids are not consecutive (min 1, max 5, 3 tasks');
  });

  it('with a shard count, takes the task id as the shard number, so one resubmitted index runs its own shard', () => {
    // sbatch --array=3 sweep.sbatch: MIN = MAX = 3 and COUNT = 1, but the script says 8 shards.
    expect(autoShard(slurmArray(3, 3, 3), 8)).toEqual({ index: 3, count: 8 });
    expect(autoShard({ ...slurmArray(3, 3, 3), GRADLAB_SHARD_COUNT: '8' })).toEqual({ index: 3, count: 8 });
    expect(() => autoShard(slurmArray(0, 0, 7), 8)).toThrow('SLURM_ARRAY_TASK_ID is 0, but with 8 shards');
  });

  it('reads a Kubernetes Indexed Job\'s 0-based completion index, with the count from the flag or GRADLAB_SHARD_COUNT', () => {
    expect(autoShard({ JOB_COMPLETION_INDEX: '0' }, 4)).toEqual({ index: 1, count: 4 });
    expect(autoShard({ JOB_COMPLETION_INDEX: '3', GRADLAB_SHARD_COUNT: '4' })).toEqual({ index: 4, count: 4 });
    expect(() => autoShard({ JOB_COMPLETION_INDEX: '3' })).toThrow('give --shard-count N or set GRADLAB_SHARD_COUNT');
    expect(() => autoShard({ JOB_COMPLETION_INDEX: '4' }, 4)).toThrow('JOB_COMPLETION_INDEX is 4, beyond the 4 shards');
  });

  it('says what is missing outside a scheduler, and checks the variables are numbers', () => {
    expect(() => autoShard({})).toThrow('neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor JOB_COMPLETION_INDEX');
    expect(() => autoShard({ SLURM_ARRAY_TASK_ID: 'x' })).toThrow("SLURM_ARRAY_TASK_ID must be a whole number, got 'x'");
    expect(shardFromFlag('2/4', {})).toEqual({ index: 2, count: 4 });
    expect(() => shardFromFlag('2/4', {}, 4)).toThrow('--shard-count only goes with --shard auto');
  });

  it('names each shard\'s own file and reads the name back', () => {
    expect(shardFileName({ index: 2, count: 4 })).toBe('results.shard-2-of-4.jsonl');
    expect(shardOfFileName('results.shard-2-of-4.jsonl')).toEqual({ index: 2, count: 4 });
    expect(shardOfFileName('results.jsonl')).toEqual({ index: 1, count: 1 });
    expect(['results.shard-5-of-4.jsonl', 'merged.jsonl', 'results.shard-2-of-4.jsonl.lock'].map(shardOfFileName)).toEqual([undefined, undefined, undefined]);
  });
});

describe('the sbatch script', () => {
  const request = checkSlurmRequest({ tasks: 4, cpusPerTask: 2, partition: 'short', time: '1:00:00', mem: '2G', extra: ['account=lab', '--qos=low'] });
  const script = sbatchScript('/scratch/me/sweep-a', request, { cwd: '/home/me/work dir', argv: ['/usr/bin/node', '/opt/gradlab/main.js', 'sweep', '--lrs', '0.01', '--shard', 'auto'] });

  it('asks for an array of one task per shard, requeueable, logging per task', () => {
    const directives = script.split('\n').filter((line) => line.startsWith('#SBATCH')).map((line) => line.slice('#SBATCH '.length));
    expect(directives).toEqual([
      `--job-name=${slurmJobName('/scratch/me/sweep-a')}`, '--array=1-4', '--cpus-per-task=2', '--output=/scratch/me/sweep-a/slurm-logs/%A_%a.out',
      '--open-mode=append', '--requeue', '--partition=short', '--time=1:00:00', '--mem=2G', '--account=lab', '--qos=low',
    ]);
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(script).toContain("\ncd '/home/me/work dir'\nexport GRADLAB_SHARD_COUNT=4\n");
    expect(script).toContain('\nexec /usr/bin/node /opt/gradlab/main.js sweep --lrs 0.01 --shard auto\n');
  });

  it('names the job after the folder, the same for every submission of it', () => {
    expect(slurmJobName('/scratch/me/sweep-a')).toBe('gradlab-sweep-a-28e1421a01');
    expect(slurmJobName('/scratch/me/sweep-a/')).toBe(slurmJobName('/scratch/me/sweep-a'));
    expect(slurmJobName('/scratch/you/sweep-a')).not.toBe(slurmJobName('/scratch/me/sweep-a'));
  });

  it('refuses values that #SBATCH lines cannot carry, and options gradlab sets itself', () => {
    const base = { tasks: 2, cpusPerTask: 1, extra: [] as string[] };
    expect(() => checkSlurmRequest({ ...base, time: '1 day' })).toThrow("--time must be a single Slurm value (letters, digits, . : , + - _), got '1 day'");
    expect(() => checkSlurmRequest({ ...base, extra: ['-A'] })).toThrow("--sbatch takes long sbatch options such as --account=lab or account=lab, got '-A'");
    expect(() => checkSlurmRequest({ ...base, extra: ['array=1-3'] })).toThrow('--sbatch: gradlab sets --array itself');
    expect(() => sbatchScript('/tmp/my sweep', { ...base }, { cwd: '/', argv: ['node'] })).toThrow('has a space in its path');
  });

  it('quotes words for bash only where needed', () => {
    expect(['0.01', 'relu,leaky-relu', '/a/b.js', "it's", 'a b', '$HOME'].map(shellQuote)).toEqual(['0.01', 'relu,leaky-relu', '/a/b.js', "'it'\\''s'", "'a b'", "'$HOME'"]);
  });
});

describe('what Slurm says about the tasks', () => {
  it('expands array-task fields, pending ranges and throttles included', () => {
    expect(arrayIndices('3')).toEqual([3]);
    expect(arrayIndices('[2-4%2]')).toEqual([2, 3, 4]);
    expect(arrayIndices('[1,5-6]')).toEqual([1, 5, 6]);
    expect(arrayIndices('[1-7:3]')).toEqual([1, 4, 7]);
  });

  it('keeps the latest job\'s state of each task', () => {
    const states = parseTaskStates([
      '12_1|COMPLETED', '12_2|CANCELLED by 0', '12_[3-4%2]|PENDING', 'junk', '13|RUNNING', // 13 is no array task
      '15_2|RUNNING', // a later resubmission of index 2
    ].join('\n'));
    expect([...states.entries()].sort(([a], [b]) => a - b)).toEqual([
      [1, { jobId: '12', state: 'COMPLETED' }], [2, { jobId: '15', state: 'RUNNING' }], [3, { jobId: '12', state: 'PENDING' }], [4, { jobId: '12', state: 'PENDING' }],
    ]);
  });
});

describe('the Kubernetes Indexed Job', () => {
  it('writes YAML whose strings are JSON strings', () => {
    expect(toYaml({ a: [1, 'b', { c: true, d: [] }], e: null })).toBe('a:\n  - 1\n  - "b"\n  - c: true\n    d: []\ne: null\n');
  });

  it('runs one pod per shard with the shard count in its environment', () => {
    const yaml = indexedJobManifest({ name: 'sweep-a', image: 'registry.example/gradlab:0.1.0', claim: 'sweeps', shards: 6, parallelism: 3, cpusPerTask: 2, mem: '2Gi', args: ['sweep', '--dir', '/sweeps/a', '--shard', 'auto'] });
    for (const line of ['kind: "Job"', '  completionMode: "Indexed"', '  completions: 6', '  parallelism: 3', '  backoffLimitPerIndex: 2',
      '            - "--shard"', '              value: "6"', '              cpu: "2"', '              memory: "2Gi"', '            claimName: "sweeps"',
      '            - name: "GRADLAB_SHARD_COUNT"', '              mountPath: "/sweeps"']) {
      expect(yaml.split('\n')).toContain(line);
    }
    expect(k8sJobName('/scratch/me/Sweep_A')).toBe('sweep-sweep-a-5aa67ed455');
    expect(k8sJobName(`/x/${'a'.repeat(80)}`)).toBe(`sweep-${'a'.repeat(40)}-75ebb27ec6`);
    expect(() => indexedJobManifest({ name: 'Sweep_A', image: 'x', claim: 'c', shards: 1, parallelism: 1, cpusPerTask: 1, args: [] })).toThrow("the job name must be lowercase letters, digits and '-'");
  });
});

/** A minimal record: merging only looks at ids and contents. */
function record(id: string, inactiveFraction = 0.25): SweepRecord {
  return { id, final: { inactiveFraction } } as unknown as SweepRecord;
}

describe('merging shard files', () => {
  const manifest = sweepManifest(['r0', 'r1', 'r2', 'r3', 'r4'], 2, ['sweep']);

  it('keeps every run once, in grid order, and lists the missing ones with their shards', () => {
    const merged = mergeRuns([
      { path: 'results.shard-2-of-2.jsonl', records: [record('r3'), record('r1')] },
      { path: 'results.shard-1-of-2.jsonl', records: [record('r0'), record('r4')] },
      { path: 'results.jsonl', records: [record('r1')] },
    ], manifest);
    expect(merged.records.map((entry) => entry.id)).toEqual(['r0', 'r1', 'r3', 'r4']);
    expect([merged.duplicates, merged.missing, merged.foreign]).toEqual([1, ['r2'], []]);
    expect(shardOfRun(manifest, 'r2')).toEqual({ index: 1, count: 2 });
    expect(shardOfRun(manifest, 'r3')).toEqual({ index: 2, count: 2 });
  });

  it('refuses a run recorded twice with different results, naming both files', () => {
    expect(() => mergeRuns([{ path: 'a.jsonl', records: [record('r1', 0.25)] }, { path: 'b.jsonl', records: [record('r1', 0.5)] }]))
      .toThrow('run r1 is recorded twice with different results, in a.jsonl and in b.jsonl');
  });
});

describe('the per-shard lock', () => {
  const dir = temporaryDirectory('lock');

  it('lets one process hold a shard and refuses a second while it lives', () => {
    const path = join(dir, 'results.shard-1-of-2.jsonl');
    const lock = acquireFileLock(path, 'sweep shard 1/2');
    expect(readLockOwner(lock.path)).toMatchObject({ pid: process.pid, host: hostname() });
    expect(() => acquireFileLock(path, 'sweep shard 1/2')).toThrow(`sweep shard 1/2: already running (process ${process.pid} on ${hostname()}`);
    lock.release();
    expect(readLockOwner(lock.path)).toBeUndefined();
    acquireFileLock(path, 'sweep shard 1/2').release();
  });

  it('takes over the lock of a killed process, and of its own scheduler task on another node', () => {
    const path = join(dir, 'results.shard-2-of-2.jsonl');
    // Process ids on Linux stay below 2^22; this one cannot exist.
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: 2 ** 22 + 1, host: hostname(), task: null, since: 'earlier' }));
    const lock = acquireFileLock(path, 'sweep shard 2/2');
    expect(readLockOwner(lock.path)!.pid).toBe(process.pid);
    lock.release();
    const requeued = { pid: 4242, host: 'node-17', task: 'slurm:99', since: 'earlier' };
    expect(ownerState(requeued, 'slurm:99')).toBe('dead');
    expect(ownerState(requeued, 'slurm:98')).toBe('elsewhere');
    expect(ownerState(requeued, null)).toBe('elsewhere');
    writeFileSync(`${path}.lock`, JSON.stringify(requeued));
    expect(() => acquireFileLock(path, 'sweep shard 2/2')).toThrow('sweep shard 2/2: process 4242 on host node-17 holds');
  });
});

describe('sweep --status', () => {
  it('calls each shard done, running, pending, failed or missing, and prints how to rerun the failed and missing ones', () => {
    const dir = temporaryDirectory('status');
    const runs = ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9'];
    writeFileSync(join(dir, 'sweep.json'), JSON.stringify({ ...sweepManifest(runs, 5, ['sweep', '--lrs', '0.01']), slurm: { script: 'sweep.sbatch', jobs: ['40'] } }));
    writeFileSync(join(dir, 'sweep.sbatch'), '#!/bin/bash\n');
    // A complete record (report and sweep check every field of every line).
    const line = (id: string): string => `${JSON.stringify({
      id, activation: 'relu', depth: 1, width: 4, lr: 0.01, alpha: 0.01, seed: 0, config: {}, data: {}, inactiveMeaning: 'dead',
      final: { epoch: 0, inactive: 0, inactiveFraction: 0, trainLoss: 1, testAccuracy: 0.5, layerInactiveFractions: [0] },
      epochs: [{ epoch: 0, inactiveFraction: 0, trainLoss: 1, testAccuracy: 0.5 }], diverged: null,
    })}\n`;
    writeFileSync(join(dir, 'results.shard-1-of-5.jsonl'), line('a0') + line('a5'));
    writeFileSync(join(dir, 'results.shard-2-of-5.jsonl'), line('a1'));
    writeFileSync(join(dir, 'results.shard-3-of-5.jsonl'), line('a2'));
    writeFileSync(join(dir, 'results.shard-5-of-5.jsonl.lock'), JSON.stringify({ pid: process.pid, host: hostname(), task: null, since: 'now' }));
    mkdirSync(join(dir, 'slurm-logs'));
    const calls: string[] = [];
    const fakeSlurm: CommandRunner = (program, args) => {
      calls.push(`${program} ${args.join(' ')}`);
      if (program === 'sacct') return { status: 1, stdout: '', stderr: 'Slurm accounting storage is disabled', missing: false };
      return { status: 0, stdout: '40_1|COMPLETED\n40_2|RUNNING\n40_3|FAILED\n40_[4-5]|PENDING\n', stderr: '', missing: false };
    };
    const status = sweepStatus(dir, fakeSlurm);
    expect(calls[1]).toBe(`squeue -h -t all --name ${slurmJobName(dir)} -o %i|%T`);
    expect(status.shards.map((shard) => [shard.index, shard.done, shard.runs, shard.state])).toEqual([
      [1, 2, 2, 'done'], [2, 1, 2, 'running'], [3, 1, 2, 'failed'], [4, 0, 2, 'pending'], [5, 0, 2, 'running'],
    ]);
    expect(status.rerun).toEqual([3]);
    const text = statusText(status);
    expect(text.split('\n')[0]).toBe(`sweep ${dir}: 4 of 10 runs done; 5 shards: 1 done, 2 running, 1 pending, 1 failed (Slurm job ${slurmJobName(dir)}, states from squeue)`);
    expect(text).toContain(`\n  sbatch --array=3 ${join(dir, 'sweep.sbatch')}\n`);
    expect(text).toContain(`gradlab sweep --lrs 0.01 --dir ${dir} --shard 3/5`);

    // Without Slurm's word, a shard that has not finished and whose lock's owner is gone is missing.
    const noSlurm: CommandRunner = () => ({ status: null, stdout: '', stderr: '', missing: true });
    const alone = sweepStatus(dir, noSlurm);
    expect(alone.shards.map((shard) => shard.state)).toEqual(['done', 'missing', 'missing', 'missing', 'running']);
    expect(alone.queueNote).toBe('no Slurm commands on PATH: states from the shard files only');
  });
});
