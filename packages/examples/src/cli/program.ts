/**
 * The `gradlab` program: `gradlab <subcommand> [flags]`. main.ts is the
 * executable that calls `main` with the process's arguments; tests call it
 * directly.
 *
 * Each subcommand lives in its own file next to this one and is imported only
 * when used, so `gradlab --help` does not load the charting libraries.
 * Exit codes: 0 success, 1 failure while running, 2 bad command line.
 */
import { readFileSync } from 'node:fs';
import { quantity } from '../report/format.js';
import { closestName, UsageError, type CommandSpec, type FlagTable } from './args.js';
import type { CommandContext, Subcommand } from './command.js';
import { EXPERIMENTS } from '../experiments/registry.js';
import { fileErrorLine, releaseCommandLocks } from './files.js';

/** Every subcommand, with a one-line summary for `gradlab --help`. */
const SUBCOMMANDS: Record<string, { summary: string; load: () => Promise<Subcommand> }> = {
  // The experiments (experiments/registry.ts), each run by the one runner.
  ...Object.fromEntries(Object.entries(EXPERIMENTS).map(([name, entry]) => [name, {
    summary: entry.summary,
    load: async () => (await import('../runner/run.js')).experimentCommand(await entry.load()),
  }])),
  report: {
    summary: 'Aggregate sweep results (mean ± std over seeds) into charts and report.md',
    load: async () => (await import('./report.js')).reportCommand,
  },
  eval: {
    summary: 'Evaluate a checkpoint on the test split',
    load: async () => (await import('./eval.js')).evalCommand,
  },
  'plot-activation': {
    summary: 'Plot every activation (ReLU, LeakyReLU, PReLU, Sigmoid, Tanh, …) and its autodiff derivative on [-10, 10]',
    load: async () => (await import('./plot-activation.js')).plotActivationCommand,
  },
  graph: {
    summary: 'Draw the autodiff graph of a tiny MLP\'s loss before and after backward() (Graphviz in WebAssembly)',
    load: async () => (await import('./graph.js')).graphCommand,
  },
  playground: {
    summary: 'Serve the dead-neuron playground page on localhost: train and watch units die in the browser',
    load: async () => (await import('./playground.js')).playgroundCommand,
  },
};

/**
 * The version of this package (the `gradlab` package's package.json, two
 * folders up from both src/cli/ and dist/cli/).
 */
export function gradlabVersion(): string {
  const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return packageJson.version;
}

function mainHelp(): string {
  const width = Math.max(...Object.keys(SUBCOMMANDS).map((name) => name.length)) + 2;
  const rows = Object.entries(SUBCOMMANDS).map(([name, { summary }]) => `  ${name.padEnd(width)}${summary}`);
  return [
    'Usage: gradlab <command> [flags]', '', 'Commands:', ...rows, '',
    'Run `gradlab <command> --help` (or -h) for the flags of a command; --quiet turns progress output off.',
    '`gradlab --version` prints the version.',
  ].join('\n');
}

/** How `main` runs: the executable (main.ts) asks it to handle Ctrl-C; tests calling it in-process do not. */
export interface MainOptions {
  /** On SIGINT, say how to continue the interrupted command (--resume, or a rerun), then exit with code 130. */
  readonly handleInterrupt?: boolean;
}

/**
 * What to tell a user who pressed Ctrl-C during `argv`'s command: the
 * command's own `interruptHint`, or for a command with `--resume`, the same
 * command line with --resume. Undefined when the command has nothing to resume.
 *
 * @example
 * interruptMessage(trainSpec, ['train', '--epochs', '20']);
 * // "gradlab train: interrupted. It saves a checkpoint after every epoch; to continue from the last one, run:\n  gradlab train --epochs 20 --resume"
 */
export function interruptMessage(spec: CommandSpec<FlagTable>, argv: readonly string[]): string | undefined {
  const commandLine = `gradlab ${argv.map(shellWord).join(' ')}`;
  if (spec.interruptHint !== undefined) return `gradlab ${spec.name}: interrupted. ${spec.interruptHint}:\n  ${commandLine}`;
  if (!Object.hasOwn(spec.flags, 'resume')) return undefined;
  const resumeLine = argv.includes('--resume') ? commandLine : `${commandLine} --resume`;
  return `gradlab ${spec.name}: interrupted. It saves a checkpoint after every epoch; to continue from the last one, run:\n  ${resumeLine}`;
}

/** A word as a POSIX shell would need it: quoted unless it is plain. */
function shellWord(word: string): string {
  return /^[\w./:=,@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
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
export async function main(argv: readonly string[], output: ProgramOutput = process, options: MainOptions = {}): Promise<number> {
  const { stdout, stderr } = output;
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    stdout.write(`${mainHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    stdout.write(`gradlab ${gradlabVersion()} (Node.js ${process.version})\n`);
    return 0;
  }
  const entry = Object.hasOwn(SUBCOMMANDS, name) ? SUBCOMMANDS[name] : undefined;
  if (!entry) {
    const guess = closestName(name.replace(/^-+/, ''), [...Object.keys(SUBCOMMANDS), ...(name.startsWith('-') ? ['help', 'version'] : [])]);
    const suggestion = guess === undefined ? '' : ` Did you mean ${name.startsWith('-') && ['help', 'version'].includes(guess) ? `--${guess}` : guess}?`;
    stderr.write(`gradlab: unknown command '${name}'.${suggestion} Commands: ${Object.keys(SUBCOMMANDS).join(', ')}\n`);
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
    if (options.handleInterrupt) {
      const message = interruptMessage(command.spec, argv);
      // `on`, not `once`: a second Ctrl-C before the exit must not fall back to the default (killed without a word).
      process.on('SIGINT', () => {
        // After a progress bar's carriage return, start on a line of our own.
        process.stderr.write(`\n${message ?? `gradlab ${name}: interrupted`}\n`);
        process.exit(130);
      });
    }
    const result = await command.execute(rest.filter((word) => word !== '--quiet'), context, stdout);
    if (result === null) return 0;
    if (result.summary) stdout.write(`${result.summary}\n`);
    if (result.filesWritten.length > 0) {
      stdout.write(`Wrote ${quantity(result.filesWritten.length, 'file')}:\n`);
      for (const file of result.filesWritten) stdout.write(`  ${file}\n`);
    }
    return result.exitCode ?? 0;
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
