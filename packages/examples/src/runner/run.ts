/**
 * The one experiment runner: runs an `Experiment` (experiment.ts) from its
 * parsed flags to its written outputs. In order:
 *
 *  1. `configure` the flags into a config, and let `before` end the command
 *     early (a status query, a cluster submission);
 *  2. check and lock the output (`<output>.lock`, cli/files.ts): never one
 *     of the inputs, one run at a time;
 *  3. split the config into `jobs`; open the experiment's store (stores.ts),
 *     which says what an earlier run finished or left part-done;
 *  4. run the jobs that are left: in worker threads (threads.ts), or one
 *     after another in this thread with `--workers 1`, with one progress bar;
 *  5. `report` every result in the order of the jobs, then write
 *     timing.json (wall-clock durations, the one output that differs between
 *     two runs of the same flags) and close the store.
 *
 * Flags the runner reads when the experiment's table has them: `--workers`,
 * `--resume` and `--detect-anomaly` (cli/checkpoints.ts's `trainingRunFlags`).
 */
import { join } from 'node:path';
import type { FlagTable, ParsedFlags } from '../cli/args.js';
import { withAnomalyDetection } from '../cli/checkpoints.js';
import { defineCommand, type CommandContext, type CommandResult, type Subcommand } from '../cli/command.js';
import { lockForThisCommand, refuseOutputOverInput } from '../cli/files.js';
import { Progress } from '../cli/progress.js';
import { createFolder, writeOutputFile } from '../io/atomic.js';
import { commandLine } from '../report/markdown.js';
import type { AnyExperiment, Experiment, RunView } from './experiment.js';
import { runJobHere } from './run-job.js';
import type { JobCheckpoint, SavedJob } from './stores.js';
import { jobFailed, runInThreads } from './threads.js';

/** Flags that say how a run is carried out, not what it computes: never in the reproducing command line. */
const RUN_FLAGS = ['workers', 'resume', 'detectAnomaly'];

/**
 * The subcommand of an experiment: `gradlab <name> [flags]` parses the
 * flags of `experiment.command` and runs it with `runExperiment`.
 */
export function experimentCommand(experiment: AnyExperiment): Subcommand {
  return defineCommand(experiment.command, (flags, _positionals, context) => runExperiment(experiment, flags, context));
}

/** A flag's value when the table has it and it is of the given type, else undefined. */
function runFlag<T extends 'number' | 'boolean'>(flags: object, key: string, type: T): (T extends 'number' ? number : boolean) | undefined {
  const value: unknown = (flags as Record<string, unknown>)[key];
  return typeof value === type ? (value as T extends 'number' ? number : boolean) : undefined;
}

/**
 * The command line that reproduces a run: `gradlab <name>` and every flag
 * (in the table's order) that differs from its default, leaving out
 * --workers, --resume, --detect-anomaly and the experiment's `notShaping`.
 *
 * @example
 * reproducingCommand(deadNeurons, { …defaults, lr: 0.1 }); // 'gradlab dead-neurons --lr 0.1'
 */
export function reproducingCommand<Flags extends FlagTable>(experiment: Pick<Experiment<Flags, unknown, unknown, unknown, unknown, unknown>, 'command' | 'notShaping'>, flags: ParsedFlags<Flags>): string {
  const left = new Set<string>([...RUN_FLAGS, ...(experiment.notShaping ?? [])]);
  const values: Record<string, unknown> = {};
  const defaults: Record<string, unknown> = {};
  for (const [key, flag] of Object.entries(experiment.command.flags)) {
    if (left.has(key)) continue;
    values[key] = (flags as Record<string, unknown>)[key];
    defaults[key] = 'default' in flag ? flag.default : undefined;
  }
  return commandLine(experiment.command.name, values, defaults);
}

/**
 * Runs `experiment` with parsed `flags` (see the top of this file) and
 * returns what the command prints: its summary and the files written.
 */
export async function runExperiment<Flags extends FlagTable, Config, Job, Result, Event, Shared>(
  experiment: Experiment<Flags, Config, Job, Result, Event, Shared>,
  flags: ParsedFlags<Flags>,
  context: CommandContext,
): Promise<CommandResult> {
  const startedAt = Date.now();
  const name = experiment.command.name;
  const config = experiment.configure(flags);
  const early = experiment.before?.(flags, config, context);
  if (early !== undefined) return early;

  const output = experiment.output(flags, config);
  refuseOutputOverInput(name, [output.path], output.inputs ?? [], 'give --out another path');
  lockForThisCommand(output.path, output.what);
  if (output.folder !== undefined) createFolder(output.folder);

  const jobs = experiment.jobs(config, flags);
  const resumed = runFlag(flags, 'resume', 'boolean') ?? false;
  // Undefined only for an experiment without `shared`, whose Shared is undefined.
  const shared = experiment.shared?.(config, flags, context) as Shared;
  const store = experiment.store?.(flags, config, shared);
  const saved = store?.open(jobs, resumed, context.log) ?? new Map<Job, SavedJob<Result>>();
  const results = new Map<Job, Result>();
  const seconds = new Map<Job, number>();
  for (const [job, earlier] of saved) {
    seconds.set(job, earlier.seconds);
    if (earlier.result !== null) results.set(job, earlier.result);
  }
  const todo = jobs.filter((job) => !results.has(job));
  // Worker threads unless --workers 1 asks for this thread: then the command's thread stays free
  // for Ctrl-C (program.ts), and a job's memory goes with its thread.
  const requested = runFlag(flags, 'workers', 'number');
  const workers = requested === 1 ? 1 : Math.max(1, Math.min(requested ?? experiment.defaultWorkers?.(todo) ?? todo.length, todo.length));
  const description = experiment.describe?.({ config, jobs, todo, shared, workers });
  if (description !== undefined) context.log(description);

  const total = jobs.reduce((sum, job) => sum + experiment.work(job, config, shared), 0);
  const progress = new Progress(name, total, process.stderr, context.showProgress);
  progress.tick([...saved.values()].reduce((sum, earlier) => sum + earlier.unitsDone, 0));
  const view: RunView = { log: (line) => progress.log(line) };
  let jobsRun = 0;
  const finish = (job: Job, result: Result, jobSeconds: number): void => {
    results.set(job, result);
    progress.tick(0, `${++jobsRun}/${todo.length} done`);
    seconds.set(job, (saved.get(job)?.seconds ?? 0) + jobSeconds);
    store?.add(job, result);
    experiment.onResult?.(job, result, view);
  };
  const checkpointOf = (job: Job): JobCheckpoint | null => store?.checkpointOf(job, saved.has(job)) ?? null;

  const detectAnomaly = runFlag(flags, 'detectAnomaly', 'boolean') ?? false;
  // A failure names its job, unless the experiment has no names for its jobs (one job: the whole run).
  const failureOf = (job: Job, message: string): string => (experiment.jobName === undefined ? message : jobFailed(experiment.jobName(job), message));
  if (requested !== 1) {
    await runInThreads<Job, Event, Result>(
      { module: experiment.module, shared, detectAnomaly },
      todo,
      todo.map(checkpointOf),
      workers,
      {
        progress: (units) => progress.tick(units),
        event: (event, job) => experiment.onEvent?.(event, job, view),
        result: finish,
      },
      failureOf,
    );
  } else {
    withAnomalyDetection(detectAnomaly, () => {
      for (const job of todo) {
        let done: { result: Result; seconds: number };
        try {
          done = runJobHere(experiment, job, shared, checkpointOf(job), {
            progress: (units) => progress.tick(units),
            event: (event) => experiment.onEvent?.(event, job, view),
          });
        } catch (error) {
          throw new Error(failureOf(job, (error as Error).message), { cause: error });
        }
        // Outside the try: a result that cannot be stored (a full disk) is not the job's failure.
        finish(job, done.result, done.seconds);
      }
    });
  }
  progress.done();

  const outcome = await experiment.report({
    flags, config, shared, jobs, results: jobs.map((job) => results.get(job)!), jobsRun, commandLine: reproducingCommand(experiment, flags),
    seconds: (Date.now() - startedAt) / 1000, context,
  });
  const filesWritten = [...outcome.filesWritten];
  if (output.folder !== undefined) {
    const timingPath = join(output.folder, 'timing.json');
    const secondsPerJob = Object.fromEntries(jobs.map((job) => [experiment.jobId(job), seconds.get(job) ?? 0]));
    const timing = { totalSeconds: (Date.now() - startedAt) / 1000, workers, resumed, secondsPerJob };
    writeOutputFile(timingPath, `${JSON.stringify(timing, null, 2)}\n`);
    filesWritten.push(timingPath);
  }
  // Only now are the outputs complete; until here a kill leaves the checkpoints to resume from.
  store?.close();
  return { ...outcome, filesWritten };
}
