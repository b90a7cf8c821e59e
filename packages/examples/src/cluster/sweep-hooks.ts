/**
 * What `gradlab sweep` does on a cluster, kept apart from the sweep command
 * itself: the cluster flags, the shard to run (`--shard auto`), the shard's
 * file, lock and manifest, the Slurm / Kubernetes submission, and `--status`.
 * experiments/sweep-experiment.ts calls these at four points (status, shard, submission, run).
 */
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flagName, UsageError, type FlagTable } from '../cli/args.js';
import type { CommandContext, CommandResult } from '../cli/command.js';
import { createFolder, writeOutputFile } from '../io/atomic.js';
import { indexedJobManifest, k8sJobName, K8S_MANIFEST, K8S_MOUNT } from './k8s.js';
import { checkAgainstManifest, readManifest, sweepManifest, writeManifest } from './manifest.js';
import { shardFileName, shardFromFlag, WHOLE_RESULTS_FILE, type SchedulerEnv, type Shard } from './shards.js';
import { checkSlurmRequest, SBATCH_SCRIPT, sbatchScript, SLURM_LOG_FOLDER, submitScript } from './slurm.js';
import { statusText, sweepStatus } from './status.js';

/** The default folder of a sweep. */
export const DEFAULT_SWEEP_DIR = join('reports', 'sweep');

/** The sweep command's flags for clusters (spread into its flag table). */
export const clusterFlags = {
  dir: { kind: 'string', description: `The sweep's folder (default: ${DEFAULT_SWEEP_DIR}): results.jsonl or one results.shard-i-of-n.jsonl per shard, sweep.json, and the Slurm or Kubernetes files` },
  shardCount: { kind: 'int', min: 1, description: 'With --shard auto: the number of shards; the Slurm task ids are then the shard numbers 1-N (default: SLURM_ARRAY_TASK_COUNT, or GRADLAB_SHARD_COUNT)' },
  slurm: { kind: 'boolean', description: 'Submit the sweep to Slurm as a job array (sbatch), array task i running shard i' },
  slurmScriptOnly: { kind: 'boolean', description: 'Write the job array\'s sbatch script into the sweep\'s folder without submitting it' },
  tasks: { kind: 'int', min: 1, max: 100000, description: 'With --slurm or --emit k8s: array tasks = shards (default: the number of runs, at most 8)' },
  partition: { kind: 'string', description: 'With --slurm: the partition (sbatch --partition)' },
  time: { kind: 'string', description: 'With --slurm: wall time per array task, e.g. 2:00:00 (sbatch --time)' },
  cpusPerTask: { kind: 'int', min: 1, max: 256, default: 1, description: 'With --slurm or --emit k8s: CPUs per array task; each task runs this many workers' },
  mem: { kind: 'string', description: 'With --slurm or --emit k8s: memory per task, e.g. 4G (sbatch --mem)' },
  sbatch: { kind: 'string', description: 'With --slurm: more sbatch options, space-separated, e.g. "account=lab qos=short" (each becomes --account=lab, …)' },
  emit: { kind: 'choice', choices: ['k8s'], description: 'Write a Kubernetes Indexed Job manifest (sweep-job.yaml) for the sweep instead of running it' },
  image: { kind: 'string', default: 'gradlab:0.1.0', description: 'With --emit k8s: container image with Node 20 and gradlab on PATH' },
  claim: { kind: 'string', default: 'gradlab-sweeps', description: `With --emit k8s: PersistentVolumeClaim mounted at ${K8S_MOUNT}, shared by the pods` },
  status: { kind: 'string', description: 'Print the state of each shard of the sweep in this folder (done, running, pending, failed, missing) and how to rerun the rest, then exit (code 1 when a shard is failed or missing)' },
} as const satisfies FlagTable;

/** The parsed cluster flags plus the sweep flags they work with. */
export interface ClusterOptions {
  readonly dir?: string;
  readonly shardCount?: number;
  readonly slurm: boolean;
  readonly slurmScriptOnly: boolean;
  readonly tasks?: number;
  readonly partition?: string;
  readonly time?: string;
  readonly cpusPerTask: number;
  readonly mem?: string;
  readonly sbatch?: string;
  readonly emit?: string;
  readonly image: string;
  readonly claim: string;
  readonly status?: string;
  readonly shard?: string;
  readonly out?: string;
}

/** Flags that are not part of what a shard runs: where and how, not which runs. */
const NOT_PASSED_TO_SHARDS = new Set([...Object.keys(clusterFlags), 'shard', 'out', 'workers']);

/**
 * The command line (after `gradlab`) that reproduces `options` for every
 * flag of `table` except the cluster ones, --shard, --out and --workers:
 * "sweep --activations relu,leaky-relu --depths 4,10 …", defaults written
 * out so that a shard on another machine runs the very same grid.
 */
export function sweepArguments(table: FlagTable, options: Readonly<Record<string, unknown>>): string[] {
  const words = ['sweep'];
  for (const key of Object.keys(table)) {
    if (NOT_PASSED_TO_SHARDS.has(key)) continue;
    const value = options[key];
    if (value === undefined || value === false) continue;
    words.push(`--${flagName(key)}`);
    if (value !== true) words.push(Array.isArray(value) ? value.join(',') : String(value));
  }
  return words;
}

/**
 * `sweep --status DIR`: prints the table (no files written). Exit code 1
 * when a shard is failed or missing (the shards the text says to rerun), so
 * that a script can wait on a sweep; 0 when every shard is done, running or pending.
 */
export function statusCommand(dir: string): CommandResult {
  const status = sweepStatus(dir);
  return { filesWritten: [], summary: statusText(status), exitCode: status.rerun.length > 0 ? 1 : 0 };
}

/** The shard of `--shard` (i/n or auto), as a usage error when malformed. */
export function shardOption(options: ClusterOptions, env: SchedulerEnv = process.env): Shard | undefined {
  if (options.shard === undefined) {
    if (options.shardCount !== undefined) throw new UsageError('sweep: --shard-count only goes with --shard auto');
    return undefined;
  }
  if (options.shard === 'auto' && options.out !== undefined) throw new UsageError('sweep: --shard auto writes the shard\'s own file in the sweep\'s folder; give --dir instead of --out');
  if (isSubmission(options)) throw new UsageError('sweep: --shard is for one shard\'s run; --slurm and --emit k8s make every shard\'s task themselves');
  try {
    return shardFromFlag(options.shard, env, options.shardCount);
  } catch (error) {
    throw new UsageError(`sweep: ${(error as Error).message}`);
  }
}

/** True when the command only submits (or writes files for) a cluster. */
export function isSubmission(options: ClusterOptions): boolean {
  const kinds = [options.slurm, options.slurmScriptOnly, options.emit !== undefined].filter(Boolean).length;
  if (kinds > 1) throw new UsageError('sweep: choose one of --slurm, --slurm-script-only and --emit k8s');
  return kinds === 1;
}

/** The results file a run writes: --out, else the shard's file (or results.jsonl) in the sweep's folder. */
export function resultsFileOf(options: ClusterOptions, shard: Shard | undefined): string {
  return options.out ?? join(options.dir ?? DEFAULT_SWEEP_DIR, shard ? shardFileName(shard) : WHOLE_RESULTS_FILE);
}

/**
 * Before a shard in a sweep's folder (no --out) runs: records the grid in
 * the folder's sweep.json, or checks it against the one there (the runner
 * has taken the lock of the shard's results file already, so no two
 * processes run the same shard).
 */
export function recordShardManifest(options: ClusterOptions, shard: Shard | undefined, runIds: readonly string[], command: readonly string[]): void {
  if (!shard || options.out !== undefined) return;
  const dir = options.dir ?? DEFAULT_SWEEP_DIR;
  const manifest = readManifest(dir);
  if (manifest === undefined) writeManifest(dir, sweepManifest(runIds, shard.count, command));
  else checkAgainstManifest(dir, manifest, runIds, shard.count);
}

/** The path of the built gradlab program, for the tasks' command line. */
function gradlabProgram(): string {
  return fileURLToPath(new URL('../cli/main.js', import.meta.url));
}

/**
 * `--slurm`, `--slurm-script-only`, `--emit k8s`: writes sweep.json and the
 * sbatch script or the Kubernetes manifest into the sweep's folder, and with
 * --slurm submits the script.
 */
export function submitSweep(table: FlagTable, options: ClusterOptions & Readonly<Record<string, unknown>>, runIds: readonly string[], context: CommandContext): CommandResult {
  if (options.out !== undefined) throw new UsageError('sweep: the shards of --slurm and --emit k8s write their own files in the sweep\'s folder; give --dir instead of --out');
  const dir = options.dir ?? DEFAULT_SWEEP_DIR;
  const tasks = options.tasks ?? Math.min(runIds.length, 8);
  if (tasks > runIds.length) throw new UsageError(`sweep: --tasks ${tasks} is more than the ${runIds.length} runs of the grid; every task needs at least one run`);
  const command = sweepArguments(table, options);
  const existing = readManifest(dir);
  if (existing !== undefined) {
    try {
      checkAgainstManifest(dir, existing, runIds, tasks);
    } catch (error) {
      throw new UsageError(`sweep: ${(error as Error).message}`);
    }
  }
  const manifest = existing ?? sweepManifest(runIds, tasks, command);
  const written: string[] = [];

  if (options.emit === 'k8s') {
    const podDir = `${K8S_MOUNT}/${basename(resolve(dir))}`;
    const yaml = indexedJobManifest({
      name: k8sJobName(dir), image: options.image, claim: options.claim, shards: tasks, parallelism: tasks,
      cpusPerTask: options.cpusPerTask, mem: options.mem, args: [...command, '--workers', String(options.cpusPerTask), '--dir', podDir, '--shard', 'auto'],
    });
    written.push(writeManifest(dir, { ...manifest, kubernetes: { manifest: K8S_MANIFEST } }));
    writeOutputFile(join(dir, K8S_MANIFEST), yaml);
    written.push(join(dir, K8S_MANIFEST));
    return {
      filesWritten: written,
      summary: `sweep: ${runIds.length} runs in ${tasks} shards; the Indexed Job runs shard k+1 in pod k, writing to ${podDir} on the claim ${options.claim}.\n` +
        `Next: kubectl apply -f ${join(dir, K8S_MANIFEST)}; when done, copy ${podDir} off the volume and run gradlab report on it`,
    };
  }

  let request;
  try {
    request = checkSlurmRequest({
      tasks, cpusPerTask: options.cpusPerTask, partition: options.partition, time: options.time, mem: options.mem,
      extra: options.sbatch === undefined ? [] : options.sbatch.split(/\s+/).filter(Boolean),
    });
  } catch (error) {
    throw new UsageError(`sweep: ${(error as Error).message}`);
  }
  const absoluteDir = resolve(dir);
  const script = sbatchScript(absoluteDir, request, {
    cwd: process.cwd(),
    argv: [process.execPath, gradlabProgram(), ...command, '--workers', String(options.cpusPerTask), '--dir', absoluteDir, '--shard', 'auto'],
  });
  const scriptPath = join(dir, SBATCH_SCRIPT);
  createFolder(join(dir, SLURM_LOG_FOLDER));
  writeOutputFile(scriptPath, script);
  const withScript = { ...manifest, slurm: { script: SBATCH_SCRIPT, jobs: manifest.slurm?.jobs ?? [] } };
  written.push(writeManifest(dir, withScript), scriptPath);
  if (options.slurmScriptOnly) {
    return { filesWritten: written, summary: `sweep: ${runIds.length} runs in ${tasks} shards.\nNext: sbatch ${scriptPath}; then gradlab sweep --status ${dir}` };
  }
  const jobId = submitScript(scriptPath);
  writeManifest(dir, { ...withScript, slurm: { script: SBATCH_SCRIPT, jobs: [...withScript.slurm.jobs, jobId] } });
  context.log(`sweep: submitted job array ${jobId} (${tasks} tasks)`);
  return {
    filesWritten: written,
    summary: `sweep: submitted ${runIds.length} runs as Slurm job array ${jobId}, tasks 1-${tasks}, ${options.cpusPerTask} CPU${options.cpusPerTask > 1 ? 's' : ''} each.\n` +
      `Follow it: squeue -j ${jobId}   gradlab sweep --status ${dir}   (logs in ${join(dir, SLURM_LOG_FOLDER)})\nWhen done: gradlab report ${dir}`,
  };
}
