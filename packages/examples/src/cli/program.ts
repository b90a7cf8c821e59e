/**
 * The `gradlab` program: `gradlab <subcommand> [flags]`. main.ts is the
 * executable that calls `main` with the process's arguments; tests call it
 * directly.
 *
 * Each subcommand lives in its own file next to this one and is imported only
 * when used, so `gradlab --help` does not load the charting libraries.
 * Exit codes: 0 success, 1 failure while running, 2 bad command line.
 */
import { UsageError } from './args.js';
import type { CommandContext, Subcommand } from './command.js';
import { fileErrorLine, releaseCommandLocks } from './files.js';

/** Every subcommand, with a one-line summary for `gradlab --help`. */
const SUBCOMMANDS: Record<string, { summary: string; load: () => Promise<Subcommand> }> = {
  'dead-neurons': {
    summary: 'Train one deep MLP with ReLU, LeakyReLU and Sigmoid; measure dead units per layer per epoch (the flagship)',
    load: async () => (await import('./dead-neurons.js')).deadNeuronsCommand,
  },
  'born-dead': {
    summary: 'Lu et al. (2019): how many ReLU networks are dead at initialisation, He vs randomized asymmetric init',
    load: async () => (await import('./born-dead.js')).bornDeadCommand,
  },
  sweep: {
    summary: 'A grid of dead-neuron runs in parallel worker processes, resumable, shardable',
    load: async () => (await import('./sweep.js')).sweepCommand,
  },
  report: {
    summary: 'Aggregate sweep results (mean ± std over seeds) into charts and report.md',
    load: async () => (await import('./report.js')).reportCommand,
  },
  train: {
    summary: 'Train one MLP on MNIST and save a checkpoint',
    load: async () => (await import('./train.js')).trainCommand,
  },
  eval: {
    summary: 'Evaluate a checkpoint on the test split',
    load: async () => (await import('./eval.js')).evalCommand,
  },
  'plot-activation': {
    summary: 'Plot ReLU, LeakyReLU and Sigmoid and their autodiff derivatives on [-10, 10]',
    load: async () => (await import('./plot-activation.js')).plotActivationCommand,
  },
  graph: {
    summary: 'Draw the autodiff graph of a tiny MLP\'s loss before and after backward() (Graphviz in WebAssembly)',
    load: async () => (await import('./graph.js')).graphCommand,
  },
};

function mainHelp(): string {
  const width = Math.max(...Object.keys(SUBCOMMANDS).map((name) => name.length)) + 2;
  const rows = Object.entries(SUBCOMMANDS).map(([name, { summary }]) => `  ${name.padEnd(width)}${summary}`);
  return ['Usage: gradlab <command> [flags]', '', 'Commands:', ...rows, '', 'Run `gradlab <command> --help` for the flags of a command; --quiet turns progress output off.'].join('\n');
}

/** Where the program's own lines go (progress bars always go to process.stderr). */
export interface ProgramOutput {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/**
 * Runs the program on `argv` (without node and the script path) and returns
 * the exit code: 0 success, 1 failure while running, 2 bad command line.
 *
 * @example
 * await main(['train', '--lr', 'abc']); // 2, after printing "gradlab train: --lr must be a positive number, got 'abc'"
 */
export async function main(argv: readonly string[], output: ProgramOutput = process): Promise<number> {
  const { stdout, stderr } = output;
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    stdout.write(`${mainHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  const entry = Object.hasOwn(SUBCOMMANDS, name) ? SUBCOMMANDS[name] : undefined;
  if (!entry) {
    stderr.write(`gradlab: unknown command '${name}'. Commands: ${Object.keys(SUBCOMMANDS).join(', ')}\n`);
    return 2;
  }
  const kernels = process.env['GRADLAB_KERNELS'];
  if (kernels !== undefined && kernels !== '') {
    // Core has read it already (the readable mode, docs/autodiff.md); a bad value is a bad command line.
    try {
      (await import('@gradlab/core/kernels')).kernelModeFromEnvironment(kernels);
    } catch (error) {
      stderr.write(`gradlab: ${(error as Error).message}\n`);
      return 2;
    }
  }
  const quiet = rest.includes('--quiet');
  const context: CommandContext = {
    log: (message) => {
      if (!quiet) stderr.write(`${message}\n`);
    },
    showProgress: !quiet,
  };
  try {
    const command = await entry.load();
    const result = await command.execute(rest.filter((word) => word !== '--quiet'), context, stdout);
    if (result === null) return 0;
    if (result.summary) stdout.write(`${result.summary}\n`);
    if (result.filesWritten.length > 0) {
      stdout.write(`Wrote ${result.filesWritten.length} file${result.filesWritten.length === 1 ? '' : 's'}:\n`);
      for (const file of result.filesWritten) stdout.write(`  ${file}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      stderr.write(`gradlab ${error.message}\nRun 'gradlab ${name} --help' for the flags.\n`);
      return 2;
    }
    // A file-system error no command explained (it has Node's code and syscall) still gets one clear line.
    const message = fileErrorLine(error) ?? (error instanceof Error ? error.message : String(error));
    stderr.write(`gradlab ${name}: ${message}\n`);
    if (process.env['GRADLAB_DEBUG'] && error instanceof Error) stderr.write(`${error.stack}\n`);
    return 1;
  } finally {
    releaseCommandLocks();
  }
}
