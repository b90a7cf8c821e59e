/**
 * The shape every subcommand file exports, and the small context they share
 * (where to log, whether to draw progress bars).
 */
import { helpText, parseCommandLine, type CommandSpec, type FlagTable, type ParsedFlags } from './args.js';

/** What a subcommand may use besides its flags. */
export interface CommandContext {
  /** Human-readable progress and notes, on stderr. */
  log(message: string): void;
  /** False under --quiet: no progress bars. */
  readonly showProgress: boolean;
}

/** What a subcommand reports when it is done. */
export interface CommandResult {
  /** Every file written, in the order written; main.ts lists them. */
  readonly filesWritten: readonly string[];
  /** A short closing summary printed before the file list (optional). */
  readonly summary?: string;
  /** The exit code when the command ran but its answer is "not all well" (`sweep --status` with shards to rerun): 1. Default 0. */
  readonly exitCode?: 0 | 1;
}

/** A subcommand: its flag table and what it does with the parsed flags. */
export interface Subcommand {
  readonly spec: CommandSpec<FlagTable>;
  /** Parses `argv` and runs; returns null when only --help was printed (to `helpOutput`). */
  execute(argv: readonly string[], context: CommandContext, helpOutput?: { write(text: string): unknown }): Promise<CommandResult | null>;
}

/**
 * Ties a flag table to the function that runs the command, keeping the parsed
 * flags typed.
 *
 * @example
 * export const trainCommand = defineCommand({ name: 'train', summary: '…', flags: { epochs: { kind: 'int', default: 10, min: 1, description: '…' } } },
 *   async (flags) => ({ filesWritten: [] }));
 */
export function defineCommand<T extends FlagTable>(
  spec: CommandSpec<T>,
  run: (flags: ParsedFlags<T>, positionals: string[], context: CommandContext) => Promise<CommandResult>,
): Subcommand {
  return {
    spec,
    async execute(argv, context, helpOutput = process.stdout) {
      const parsed = parseCommandLine(spec, argv);
      if (parsed.help) {
        helpOutput.write(`${helpText(spec)}\n`);
        return null;
      }
      return run(parsed.flags, parsed.positionals, context);
    },
  };
}
