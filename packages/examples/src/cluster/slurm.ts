/**
 * Slurm: the sbatch script of a sweep's job array, its submission, and what
 * `squeue`/`sacct` say about its tasks.
 *
 * Task i of the array runs shard i of n (`--shard auto` with
 * GRADLAB_SHARD_COUNT=n, array ids 1…n), so resubmitting one index
 * (`sbatch --array=3 sweep.sbatch`) reruns exactly shard 3. The script asks
 * for `--requeue`: a requeued task reruns the same command, which skips the
 * runs already in its shard file.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { SHARD_COUNT_VARIABLE } from './shards.js';

/** The script's file name inside the sweep's folder. */
export const SBATCH_SCRIPT = 'sweep.sbatch';
/** The folder (inside the sweep's) that receives each task's stdout/stderr. */
export const SLURM_LOG_FOLDER = 'slurm-logs';

/** What the job array asks Slurm for. */
export interface SlurmRequest {
  /** Array size = number of shards. */
  readonly tasks: number;
  readonly cpusPerTask: number;
  readonly partition?: string;
  /** Wall time per task, in any Slurm format (e.g. "2:00:00"). */
  readonly time?: string;
  /** Memory per node, e.g. "4G". */
  readonly mem?: string;
  /** Extra sbatch options, one per line of the script, e.g. "--account=lab". */
  readonly extra: readonly string[];
}

/** The program every array task runs. */
export interface TaskCommand {
  /** Folder the tasks start in (relative paths in the command, e.g. --data-dir, are relative to it). */
  readonly cwd: string;
  /** The full command: node, the gradlab script, then its arguments. */
  readonly argv: readonly string[];
}

/**
 * Quotes a word for bash: left alone when it holds only safe characters,
 * else in single quotes.
 *
 * @example
 * shellQuote("it's"); // "'it'\\''s'"
 */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * The job name of the sweep in `dir`: the folder's name plus a hash of its
 * absolute path, so `squeue --name` finds every submission of this sweep
 * (reruns included) and nothing else.
 *
 * @example
 * slurmJobName('/scratch/me/sweep-a'); // "gradlab-sweep-a-28e1421a01"
 */
export function slurmJobName(dir: string): string {
  const absolute = resolve(dir);
  const base = absolute.split('/').filter(Boolean).pop() ?? 'sweep';
  return `gradlab-${base.replace(/[^\w.-]/g, '_').slice(0, 40)}-${createHash('sha256').update(absolute).digest('hex').slice(0, 10)}`;
}

/**
 * Checks the values written into `#SBATCH` lines, which cannot be quoted.
 * Extra options are `--name=value` or `--name` words; `name=value` is taken
 * as `--name=value` (so `--sbatch 'account=lab qos=short'` needs no dashes
 * inside the value).
 */
export function checkSlurmRequest(request: SlurmRequest): SlurmRequest {
  for (const [name, value] of [['--partition', request.partition], ['--time', request.time], ['--mem', request.mem]] as const) {
    if (value !== undefined && !/^[\w.:,+-]+$/.test(value)) throw new Error(`${name} must be a single Slurm value (letters, digits, . : , + - _), got '${value}'`);
  }
  const extra = request.extra.map((word) => {
    const option = word.startsWith('--') ? word : word.startsWith('-') ? '' : `--${word}`;
    if (!/^--[a-z][\w-]*(=\S+)?$/.test(option)) throw new Error(`--sbatch takes long sbatch options such as --account=lab or account=lab, got '${word}'`);
    if (/^--(array|output|error|open-mode|cpus-per-task|job-name)(=|$)/.test(option)) {
      throw new Error(`--sbatch: gradlab sets ${option.split('=')[0]} itself${option.startsWith('--cpus-per-task') ? ' (use --cpus-per-task)' : ''}`);
    }
    return option;
  });
  return { ...request, extra };
}

/**
 * The sbatch script of a sweep's job array. Array ids run 1…tasks; task i
 * runs shard i. Output goes to DIR/slurm-logs/<array job>_<task>.out,
 * appended to across requeues.
 *
 * @example
 * sbatchScript('/scratch/s', { tasks: 4, cpusPerTask: 1, extra: [] }, { cwd: '/home/me', argv: ['node', 'main.js', 'sweep', '--shard', 'auto'] });
 */
export function sbatchScript(dir: string, request: SlurmRequest, command: TaskCommand): string {
  const absolute = resolve(dir);
  if (/\s/.test(absolute)) throw new Error(`--slurm: the sweep's folder ${absolute} has a space in its path, which #SBATCH lines cannot quote; choose another --dir`);
  const options = [
    `--job-name=${slurmJobName(absolute)}`,
    `--array=1-${request.tasks}`,
    `--cpus-per-task=${request.cpusPerTask}`,
    `--output=${absolute}/${SLURM_LOG_FOLDER}/%A_%a.out`,
    '--open-mode=append',
    '--requeue',
    ...(request.partition !== undefined ? [`--partition=${request.partition}`] : []),
    ...(request.time !== undefined ? [`--time=${request.time}`] : []),
    ...(request.mem !== undefined ? [`--mem=${request.mem}`] : []),
    ...request.extra,
  ];
  return [
    '#!/bin/bash',
    `# Written by gradlab sweep --slurm: array task i runs shard i of ${request.tasks} of the sweep in ${absolute}.`,
    `# Submit: sbatch ${absolute}/${SBATCH_SCRIPT}    Rerun shard 3 alone: sbatch --array=3 ${absolute}/${SBATCH_SCRIPT}`,
    `# Watch: gradlab sweep --status ${absolute}    Merge: gradlab report ${absolute}`,
    ...options.map((option) => `#SBATCH ${option}`),
    'set -eu',
    `cd ${shellQuote(command.cwd)}`,
    `export ${SHARD_COUNT_VARIABLE}=${request.tasks}`,
    `echo "gradlab: array task $SLURM_ARRAY_TASK_ID (job $SLURM_JOB_ID, restart \${SLURM_RESTART_COUNT:-0}) on $(hostname) at $(date -u +%FT%TZ)"`,
    `exec ${command.argv.map(shellQuote).join(' ')}`,
    '',
  ].join('\n');
}

/** Runs a Slurm command; `missing` when the program is not installed. */
export type CommandRunner = (program: string, args: readonly string[]) => { status: number | null; stdout: string; stderr: string; missing: boolean };

/** Runs programs with spawnSync. */
export const runProgram: CommandRunner = (program, args) => {
  const result = spawnSync(program, args, { encoding: 'utf8', timeout: 60_000 });
  const missing = (result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? (result.error?.message ?? ''), missing };
};

/**
 * Submits the script with `sbatch --parsable` and returns the job id.
 * Errors say what sbatch said, or that sbatch is not installed.
 */
export function submitScript(scriptPath: string, run: CommandRunner = runProgram): string {
  const result = run('sbatch', ['--parsable', scriptPath]);
  if (result.missing) throw new Error(`--slurm: sbatch is not on PATH (is this a Slurm login node?); --slurm-script-only writes ${scriptPath} for you to submit by hand`);
  if (result.status !== 0) throw new Error(`--slurm: sbatch ${scriptPath} failed (exit ${result.status}): ${result.stderr.trim() || result.stdout.trim()}`);
  const jobId = result.stdout.trim().split(';')[0]!;
  if (!/^\d+$/.test(jobId)) throw new Error(`--slurm: sbatch printed '${result.stdout.trim()}' where a job id was expected`);
  return jobId;
}

/** The last state Slurm knows for one array task. */
export interface TaskState {
  readonly jobId: string;
  readonly state: string;
}

/**
 * Expands an array-task field such as "3", "[1-4%2]" or "1,3-5" into indices.
 *
 * @example
 * arrayIndices('[2-4%2]'); // [2, 3, 4]
 */
export function arrayIndices(field: string): number[] {
  const inner = field.replace(/^\[/, '').replace(/\]$/, '').replace(/%\d+$/, '');
  const indices: number[] = [];
  for (const part of inner.split(',')) {
    const range = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part);
    if (!range) continue;
    const from = Number(range[1]);
    const to = range[2] === undefined ? from : Number(range[2]);
    const step = range[3] === undefined ? 1 : Number(range[3]);
    for (let index = from; index <= to && indices.length < 100_000; index += step) indices.push(index);
  }
  return indices;
}

/**
 * Parses lines of "JOBID|STATE" (squeue -o '%i|%T', sacct -P -o JobID,State)
 * into each array task's latest state (the highest array job id wins).
 */
export function parseTaskStates(text: string, into = new Map<number, TaskState>()): Map<number, TaskState> {
  for (const line of text.split('\n')) {
    const [jobField, stateField] = line.trim().split('|');
    if (!jobField || !stateField) continue;
    const match = /^(\d+)_(.+)$/.exec(jobField);
    if (!match) continue;
    const jobId = match[1]!;
    const state = stateField.split(' ')[0]!; // "CANCELLED by 0"
    for (const index of arrayIndices(match[2]!)) {
      const known = into.get(index);
      if (known === undefined || Number(known.jobId) <= Number(jobId)) into.set(index, { jobId, state });
    }
  }
  return into;
}

/** What the scheduler knows about a sweep's tasks, or why nothing. */
export interface QueueView {
  readonly tasks: Map<number, TaskState>;
  /** Which commands answered, or why none did. */
  readonly note: string;
}

/**
 * The array tasks of the sweep in `dir` as Slurm sees them: `sacct` first
 * (finished tasks, when accounting is on), then `squeue -t all` (tasks the
 * controller still holds), whose fresher answer wins.
 */
export function queueView(dir: string, run: CommandRunner = runProgram): QueueView {
  const name = slurmJobName(dir);
  const tasks = new Map<number, TaskState>();
  const answered: string[] = [];
  const sacct = run('sacct', ['-n', '-P', '-X', '--name', name, '-S', 'now-30days', '-o', 'JobID,State']);
  if (sacct.missing) return { tasks, note: 'no Slurm commands on PATH: states from the shard files only' };
  if (sacct.status === 0) {
    parseTaskStates(sacct.stdout, tasks);
    answered.push('sacct');
  }
  const squeue = run('squeue', ['-h', '-t', 'all', '--name', name, '-o', '%i|%T']);
  if (squeue.status === 0) {
    const fresh = parseTaskStates(squeue.stdout);
    for (const [index, state] of fresh) {
      const known = tasks.get(index);
      if (known === undefined || Number(known.jobId) <= Number(state.jobId)) tasks.set(index, state);
    }
    answered.push('squeue');
  }
  return { tasks, note: answered.length > 0 ? `Slurm job ${name}, states from ${answered.join(' and ')}` : 'squeue and sacct did not answer: states from the shard files only' };
}
