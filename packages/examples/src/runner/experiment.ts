/**
 * What an experiment declares, once, for the one runner (run.ts) to run it.
 *
 * An experiment is a table of flags plus five functions:
 *
 *   flags ──configure──▶ Config ──jobs──▶ Job[] ──runJob (worker thread)──▶ Result[] ──report──▶ files
 *
 * - `command.flags` is the flag table (cli/args.ts). The parsed flags are
 *   typed from it (`ParsedFlags<Flags>`): a choice flag keeps its literal
 *   union ('adam' | 'sgd'), so `configure` builds the config without casts.
 * - `jobs` splits the config into independent jobs: plain data (numbers,
 *   strings, arrays, typed arrays), because the runner posts them to worker
 *   threads by structured clone.
 * - `runJob` runs one job, in a worker thread or, with `--workers 1`, in the
 *   command's own thread: the same bits either way. It reports progress and
 *   events through its `JobContext` and returns the job's result (plain data
 *   again: it is posted back).
 * - `report` gets every result in the order of `jobs` and writes the outputs.
 *
 * The runner does the rest: output locking and checks, resume and
 * checkpoints (a `JobStore`, stores.ts), the worker threads, the progress
 * bar, timing.json and the command line that reproduces the run.
 *
 * A new experiment is one declaration file (`export default
 * defineExperiment({ … })`), its report, and one line in
 * experiments/registry.ts; docs/extending.md walks through one.
 */
import type { CommandSpec, FlagTable, ParsedFlags } from '../cli/args.js';
import type { CommandContext, CommandResult } from '../cli/command.js';
import type { JobCheckpoint, JobStore } from './stores.js';

/** What a running job may use: progress, events, and its checkpoint. Given by the runner. */
export interface JobContext<Event> {
  /** `units` more of the job's `work` done (the runner batches them into progress messages). */
  progress(units: number): void;
  /** An event for the experiment's `onEvent`, in the command's thread (e.g. a measurement to print). */
  post(event: Event): void;
  /** The job's checkpoint file when the experiment keeps checkpoints (stores.ts's `checkpointStore`), else null. */
  readonly checkpoint: JobCheckpoint | null;
}

/** What `onEvent` and `onResult` may do with the progress display, in the command's thread. */
export interface RunView {
  /** A line of its own above the progress bar (nothing under --quiet). */
  log(line: string): void;
}

/** What `describe` gets: the jobs, those left to run, and how. */
export interface RunPlan<Config, Job, Shared> {
  readonly config: Config;
  readonly jobs: readonly Job[];
  /** The jobs this run will run (the others finished in an earlier run). */
  readonly todo: readonly Job[];
  readonly shared: Shared;
  /** Worker threads (1: the jobs run one after another in the command's thread). */
  readonly workers: number;
}

/** Where a run writes, for the runner's lock and checks. */
export interface RunOutput {
  /** The output file or folder: locked (`<path>.lock`) while the run lasts, and never one of `inputs`. */
  readonly path: string;
  /** How the lock names this run, e.g. 'dead-neurons --out reports/dead-neurons'. */
  readonly what: string;
  /** The report folder: timing.json goes there. None for outputs that are single files. */
  readonly folder?: string;
  /** Files the run reads (the output must not be one of them). */
  readonly inputs?: readonly string[];
}

/** Everything `report` gets. */
export interface FinishedRun<Flags extends FlagTable, Config, Job, Result, Shared> {
  readonly flags: ParsedFlags<Flags>;
  readonly config: Config;
  /** What `shared` made (undefined without it). */
  readonly shared: Shared;
  readonly jobs: readonly Job[];
  /** The results, in the order of `jobs`, whether run now or finished by an earlier run. */
  readonly results: readonly Result[];
  /** How many of the jobs this run ran (the others had finished in an earlier run). */
  readonly jobsRun: number;
  /** `gradlab <command> …`: every flag that shapes the results and differs from its default. */
  readonly commandLine: string;
  /** Seconds since the command started. */
  readonly seconds: number;
  /** For notes to the user (stderr, silent under --quiet). */
  readonly context: CommandContext;
}

/**
 * One experiment, declared once. Type parameters: the flag table, the
 * config built from it, one job, one job's result, the events a job posts
 * (`never` for none), and the data every worker gets once (`undefined` for none).
 */
export interface Experiment<Flags extends FlagTable, Config, Job, Result, Event = never, Shared = undefined> {
  /** Name, summary, details and flags: `gradlab <name> --help` is generated from it. */
  readonly command: CommandSpec<Flags>;
  /** The URL of the module whose default export this is (`import.meta.url`): worker threads import it. */
  readonly module: string;
  /**
   * The flag values that do not change the results (where outputs go, how
   * many workers…): left out of the reproducing command line and of what a
   * checkpoint must match. --resume and --detect-anomaly are always left out.
   */
  readonly notShaping?: readonly (keyof Flags & string)[];
  /** Flags → config. Throws a UsageError (exit code 2) for a bad combination. */
  configure(flags: ParsedFlags<Flags>): Config;
  /** Runs right after `configure`; a result ends the command there (e.g. `sweep --status`, a cluster submission). */
  before?(flags: ParsedFlags<Flags>, config: Config, context: CommandContext): CommandResult | undefined;
  /** Where the run writes. */
  output(flags: ParsedFlags<Flags>, config: Config): RunOutput;
  /** The jobs, in the order of the results. */
  jobs(config: Config, flags: ParsedFlags<Flags>): Job[];
  /** A short unique name of a job, safe in a file name: 'relu-seed0'. */
  jobId(job: Job): string;
  /** How a failure names its job: 'the relu network of seed 0' (failed: …). Without it, failures are not prefixed (one-job experiments). */
  jobName?(job: Job): string;
  /** Units of progress one job reports in all (training steps, networks…). */
  work(job: Job, config: Config, shared: Shared): number;
  /** Data computed once in the command's thread and given to every job (e.g. the datasets). */
  shared?(config: Config, flags: ParsedFlags<Flags>, context: CommandContext): Shared;
  /** Where finished (and part-done) jobs are kept for a rerun or `--resume`; none when absent. */
  store?(flags: ParsedFlags<Flags>, config: Config, shared: Shared): JobStore<Job, Result>;
  /** The first progress-log line, once the jobs and what is left of them are known. */
  describe?(plan: RunPlan<Config, Job, Shared>): string;
  /** Worker threads when `--workers` is not given (default: one per job). */
  defaultWorkers?(todo: readonly Job[]): number;
  /** Runs one job: in a worker thread, or in the command's thread with --workers 1. */
  runJob(job: Job, shared: Shared, context: JobContext<Event>): Result;
  /** Handles a job's event in the command's thread (the bar's note says how many jobs are done). */
  onEvent?(event: Event, job: Job, view: RunView): void;
  /** Called in the command's thread when a job's result arrives. */
  onResult?(job: Job, result: Result, view: RunView): void;
  /** Writes the outputs from every result; the runner adds timing.json and the command's summary line. */
  report(run: FinishedRun<Flags, Config, Job, Result, Shared>): Promise<CommandResult>;
}

/** Any experiment, as the registry and the worker threads see it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyExperiment = Experiment<any, any, any, any, any, any>;

/**
 * Declares an experiment, keeping every type parameter inferred from the
 * declaration itself (the flags' literal types included).
 *
 * @example
 * export default defineExperiment({
 *   command: { name: 'coin', summary: 'Flips coins', flags: { flips: { kind: 'int', min: 1, default: 10, description: 'Flips' } } },
 *   module: import.meta.url,
 *   configure: (flags) => ({ flips: flags.flips }),
 *   …
 * });
 */
export function defineExperiment<const Flags extends FlagTable, Config, Job, Result, Event = never, Shared = undefined>(
  experiment: Experiment<Flags, Config, Job, Result, Event, Shared>,
): Experiment<Flags, Config, Job, Result, Event, Shared> {
  return experiment;
}
