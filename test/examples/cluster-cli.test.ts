/**
 * `gradlab sweep --slurm` end to end without a cluster: a stand-in `sbatch`
 * and `squeue` on PATH, and the written sbatch script run by bash with the
 * variables Slurm would set. The shards' merged results equal a local sweep
 * byte for byte; a shard of another grid, a second process on the same shard
 * and a run recorded twice with different results are refused.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readManifest, slurmJobName } from 'gradlab';
import { GRADLAB, requireBuild, temporaryDirectory } from './helpers/cli.js';

beforeAll(() => requireBuild());

const root = temporaryDirectory('cluster-cli');
const bin = join(root, 'bin');
const calls = join(root, 'calls.log');
mkdirSync(bin);
// The stand-ins log their arguments; squeue answers from the file queue.txt.
writeFileSync(join(bin, 'sbatch'), `#!/bin/sh\necho "sbatch $*" >> '${calls}'\necho 4242\n`);
writeFileSync(join(bin, 'squeue'), `#!/bin/sh\necho "squeue $*" >> '${calls}'\ncat '${join(root, 'queue.txt')}' 2>/dev/null\n`);
writeFileSync(join(bin, 'sacct'), '#!/bin/sh\necho "Slurm accounting storage is disabled" >&2\nexit 1\n');
for (const name of ['sbatch', 'squeue', 'sacct']) chmodSync(join(bin, name), 0o755);

const env = { ...process.env, PATH: `${bin}:${process.env['PATH']}`, FORCE_COLOR: '0' };
const grid = ['--activations', 'relu,leaky-relu', '--depths', '2', '--widths', '8', '--lrs', '0.01,0.02', '--alphas', '0.1', '--seeds', '0', '--epochs', '1', '--train-size', '200', '--test-size', '100'];

function run(args: readonly string[], extraEnv: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [GRADLAB, ...args], { encoding: 'utf8', env: { ...env, ...extraEnv }, cwd: root });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the written sbatch script as Slurm would for array task `id`. */
function runArrayTask(script: string, id: number): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('bash', [script], { encoding: 'utf8', env: { ...env, SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MIN: String(id), SLURM_ARRAY_TASK_MAX: String(id), SLURM_ARRAY_TASK_COUNT: '1', SLURM_JOB_ID: String(5000 + id) } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('gradlab sweep --slurm (stand-in sbatch)', () => {
  const dir = join(root, 'sweep-a');

  it('writes sweep.json and the sbatch script, submits it, and says how to follow it', () => {
    const submit = run(['sweep', ...grid, '--dir', dir, '--slurm', '--tasks', '2', '--time', '0:10:00', '--sbatch', 'account=lab']);
    expect(submit.stderr).toBe('sweep: submitted job array 4242 (2 tasks)\n');
    expect(submit.status).toBe(0);
    expect(submit.stdout.split('\n').slice(0, 3)).toEqual([
      'sweep: submitted 4 runs as Slurm job array 4242, tasks 1-2, 1 CPU each.',
      `Follow it: squeue -j 4242   gradlab sweep --status ${dir}   (logs in ${join(dir, 'slurm-logs')})`,
      `When done: gradlab report ${dir}`,
    ]);
    expect(readFileSync(calls, 'utf8')).toBe(`sbatch --parsable ${join(dir, 'sweep.sbatch')}\n`);
    const manifest = readManifest(dir)!;
    expect([manifest.runs.length, manifest.shards, manifest.slurm]).toEqual([4, 2, { script: 'sweep.sbatch', jobs: ['4242'] }]);
    const script = readFileSync(join(dir, 'sweep.sbatch'), 'utf8');
    expect(script).toContain('\n#SBATCH --array=1-2\n');
    expect(script).toContain('\n#SBATCH --time=0:10:00\n#SBATCH --account=lab\n');
    expect(existsSync(join(dir, 'slurm-logs'))).toBe(true);
  });

  it('runs each array task\'s own shard from the script, and --status reports the rest as failed with the command to rerun it', () => {
    const first = runArrayTask(join(dir, 'sweep.sbatch'), 1);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`sweep: 2 runs finished in`);
    expect(first.stdout).toContain(`${join(dir, 'results.shard-1-of-2.jsonl')} holds 2 runs.`);
    expect(existsSync(join(dir, 'results.shard-2-of-2.jsonl'))).toBe(false);

    writeFileSync(join(root, 'queue.txt'), '4242_1|COMPLETED\n4242_2|FAILED\n');
    const status = run(['sweep', '--status', dir]);
    expect(status.status).toBe(1);
    const lines = status.stdout.split('\n');
    expect(lines[0]).toBe(`sweep ${dir}: 2 of 4 runs done; 2 shards: 1 done, 1 failed (Slurm job ${slurmJobName(dir)}, states from squeue)`);
    expect(lines).toContain('| 1/2 | 2 | 2 | done | Slurm 4242_1 COMPLETED |');
    expect(lines).toContain('| 2/2 | 2 | 0 | failed | Slurm 4242_2 FAILED |');
    expect(lines).toContain(`  sbatch --array=2 ${join(dir, 'sweep.sbatch')}`);
  });

  it('reports a folder with a shard missing, listing the missing runs', () => {
    const report = run(['report', dir]);
    expect(report.status).toBe(0);
    expect(report.stdout).toMatch(/^report: 2 runs in 2 grid points\nreport: 2 of 4 runs missing: \S+ \(shard 2\/2\), \S+ \(shard 2\/2\)\n/);
    // report.md lists them too, each with its shard, in the grid's order.
    const missing = [...report.stdout.matchAll(/(\S+) \(shard 2\/2\)/g)].map((match) => `- ${match[1]} (shard 2/2)`);
    const markdown = readFileSync(join(dir, 'report.md'), 'utf8');
    const section = markdown.slice(markdown.indexOf('## Missing runs'), markdown.indexOf('## Mean'));
    expect(section.split('\n').filter((line) => line.startsWith('- '))).toEqual(missing);
    expect(section).toContain('2 of the 4 runs of the folder\'s grid (sweep.json) are in no results file yet');
  });

  it('merges the shards into the same bytes as a local single-process sweep of the grid', () => {
    expect(runArrayTask(join(dir, 'sweep.sbatch'), 2).status).toBe(0);
    const local = run(['sweep', ...grid, '--workers', '1', '--quiet', '--out', join(root, 'local.jsonl')]);
    expect(local.status).toBe(0);
    const report = run(['report', dir]);
    expect(report.stdout.split('\n')[0]).toBe('report: 4 runs in 4 grid points');
    expect(readFileSync(join(dir, 'merged.jsonl'), 'utf8')).toBe(readFileSync(join(root, 'local.jsonl'), 'utf8'));
  });

  it('refuses a run recorded twice with different results', () => {
    const line = readFileSync(join(dir, 'results.shard-1-of-2.jsonl'), 'utf8').split('\n')[0]!;
    const edited = JSON.parse(line) as { final: { testAccuracy: number } };
    edited.final.testAccuracy = 0.5;
    writeFileSync(join(dir, 'results.jsonl'), `${JSON.stringify(edited)}\n`);
    const report = run(['report', dir]);
    expect(report.status).toBe(1);
    expect(report.stderr).toContain(`is recorded twice with different results, in ${join(dir, 'results.jsonl')} and in ${join(dir, 'results.shard-1-of-2.jsonl')}`);
  });

  it('refuses a shard of another grid in the folder', () => {
    const other = run(['sweep', ...grid.slice(0, -2), '--test-size', '120', '--dir', dir, '--shard', '1/2', '--quiet']);
    expect(other.status).toBe(1);
    expect(other.stderr).toContain(`${join(dir, 'sweep.json')} holds a sweep of another grid`);
  });
});

describe('gradlab sweep on one shard', () => {
  it('--shard auto reads a Slurm array whose ids start at 0', () => {
    const dir = join(root, 'auto');
    const result = run(['sweep', ...grid, '--dir', dir, '--shard', 'auto', '--quiet'], { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '1', SLURM_ARRAY_TASK_COUNT: '2' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`${join(dir, 'results.shard-2-of-2.jsonl')} holds 2 runs.`);
    expect(readManifest(dir)!.shards).toBe(2);
  });

  it('refuses a second process on a shard that is running', async () => {
    const dir = join(root, 'locked');
    const args = ['sweep', ...grid.slice(0, -6), '--train-size', '2000', '--test-size', '100', '--epochs', '3', '--workers', '1', '--dir', dir, '--shard', '1/2', '--quiet'];
    const first = spawn(process.execPath, [GRADLAB, ...args], { env, cwd: root, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => first.on('exit', (code) => resolve(code)));
    const lock = join(dir, 'results.shard-1-of-2.jsonl.lock');
    const start = Date.now();
    while (!existsSync(lock) && Date.now() - start < 60_000) await new Promise((resolve) => setTimeout(resolve, 20));
    const second = run(args);
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`gradlab sweep: sweep shard 1/2: already running (process ${first.pid} on `);
    expect(await exited).toBe(0);
    expect(existsSync(lock)).toBe(false);
  });

  it('writes a Kubernetes Indexed Job and a script to submit by hand without calling sbatch', () => {
    writeFileSync(calls, '');
    const k8s = run(['sweep', ...grid, '--dir', join(root, 'k8s'), '--emit', 'k8s', '--tasks', '4', '--image', 'registry.example/gradlab:0.1.0']);
    expect(k8s.status).toBe(0);
    const yaml = readFileSync(join(root, 'k8s', 'sweep-job.yaml'), 'utf8');
    expect(yaml).toContain('\n  completions: 4\n');
    expect(yaml).toContain('\n          image: "registry.example/gradlab:0.1.0"\n');
    expect(yaml).toContain('\n            - "--dir"\n            - "/sweeps/k8s"\n            - "--shard"\n            - "auto"\n');
    const scriptOnly = run(['sweep', ...grid, '--dir', join(root, 'by-hand'), '--slurm-script-only']);
    expect(scriptOnly.status).toBe(0);
    expect(scriptOnly.stdout).toContain(`Next: sbatch ${join(root, 'by-hand', 'sweep.sbatch')}`);
    expect(readFileSync(calls, 'utf8')).toBe('');
  });

  it('explains flags that do not go together (exit code 2)', () => {
    const cases: Array<[string[], string]> = [
      [['--shard', 'auto', '--out', 'x.jsonl'], 'gradlab sweep: --shard auto writes the shard\'s own file in the sweep\'s folder; give --dir instead of --out'],
      [['--shard', 'auto'], 'gradlab sweep: --shard auto: neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; outside a scheduler give --shard i/n'],
      [['--slurm', '--emit', 'k8s'], 'gradlab sweep: choose one of --slurm, --slurm-script-only and --emit k8s'],
      [['--slurm', '--tasks', '5'], 'gradlab sweep: --tasks 5 is more than the 4 runs of the grid; every task needs at least one run'],
      [['--shard-count', '3'], 'gradlab sweep: --shard-count only goes with --shard auto'],
    ];
    for (const [args, message] of cases) {
      const result = run(['sweep', ...grid, '--dir', join(root, 'never'), ...args]);
      expect([result.status, result.stderr.split('\n')[0]]).toEqual([2, message]);
    }
    expect(existsSync(join(root, 'never'))).toBe(false);
  });
});
