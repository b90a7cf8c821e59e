#!/usr/bin/env node
/**
 * The `gradlab` program: `gradlab <subcommand> [flags]`.
 *
 * Each subcommand lives in its own file next to this one and is imported only
 * when used, so `gradlab --help` does not load the charting libraries.
 * Exit codes: 0 success, 1 failure while running, 2 bad command line.
 */
import { UsageError } from './args.js';
import type { CommandContext, Subcommand } from './command.js';

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
};

function mainHelp(): string {
  const width = Math.max(...Object.keys(SUBCOMMANDS).map((name) => name.length)) + 2;
  const rows = Object.entries(SUBCOMMANDS).map(([name, { summary }]) => `  ${name.padEnd(width)}${summary}`);
  return ['Usage: gradlab <command> [flags]', '', 'Commands:', ...rows, '', 'Run `gradlab <command> --help` for the flags of a command; --quiet turns progress output off.'].join('\n');
}

/** Runs the program on `argv` (without node and the script path) and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${mainHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  const entry = SUBCOMMANDS[name];
  if (!entry) {
    process.stderr.write(`gradlab: unknown command '${name}'. Commands: ${Object.keys(SUBCOMMANDS).join(', ')}\n`);
    return 2;
  }
  const quiet = rest.includes('--quiet');
  const context: CommandContext = {
    log: (message) => {
      if (!quiet) process.stderr.write(`${message}\n`);
    },
    showProgress: !quiet,
  };
  try {
    const command = await entry.load();
    const result = await command.execute(rest.filter((word) => word !== '--quiet'), context);
    if (result === null) return 0;
    if (result.summary) process.stdout.write(`${result.summary}\n`);
    if (result.filesWritten.length > 0) {
      process.stdout.write(`Wrote ${result.filesWritten.length} file${result.filesWritten.length === 1 ? '' : 's'}:\n`);
      for (const file of result.filesWritten) process.stdout.write(`  ${file}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`gradlab ${error.message}\nRun 'gradlab ${name} --help' for the flags.\n`);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`gradlab ${name}: ${message}\n`);
    if (process.env['GRADLAB_DEBUG'] && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}

// `gradlab … | head` closes the pipe early; that is the reader's choice, not an error of ours.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const exitCode = await main(process.argv.slice(2));
process.exitCode = exitCode;
