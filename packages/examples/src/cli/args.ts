/**
 * Flag parsing shared by every subcommand, on top of node:util's parseArgs.
 *
 * Each subcommand declares its flags in a table (kind, default, range,
 * description); this file turns the table into type- and range-checked
 * values and into the `--help` text, so the two can never disagree.
 * A bad flag throws a UsageError, which main.ts turns into a message and
 * exit code 2.
 */
import { parseArgs } from 'node:util';

/** A mistake in the command line: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

interface BaseFlag {
  /** One line for --help. */
  readonly description: string;
}
/** An integer in [min, max]. */
export interface IntFlag extends BaseFlag { readonly kind: 'int'; readonly default?: number; readonly min?: number; readonly max?: number }
/** A finite number; `positive` excludes 0 and negatives. */
export interface NumberFlag extends BaseFlag { readonly kind: 'number'; readonly default?: number; readonly positive?: boolean; readonly min?: number; readonly max?: number }
/** Free text, such as a path; `valueName` is what --help shows for the value (default: PATH). */
export interface StringFlag extends BaseFlag { readonly kind: 'string'; readonly default?: string; readonly valueName?: string }
/** One of a fixed set of names. */
export interface ChoiceFlag extends BaseFlag { readonly kind: 'choice'; readonly choices: readonly string[]; readonly default?: string }
/** What every list flag may add: `distinct` refuses a value given twice (a grid axis, say). */
interface ListFlag extends BaseFlag { readonly distinct?: boolean }
/** A comma-separated list of integers, e.g. `--widths 2,3,4`; `a-b` stands for the range a…b. */
export interface IntListFlag extends ListFlag { readonly kind: 'int-list'; readonly default?: readonly number[]; readonly min?: number; readonly max?: number }
/** A comma-separated list of numbers. */
export interface NumberListFlag extends ListFlag { readonly kind: 'number-list'; readonly default?: readonly number[]; readonly positive?: boolean; readonly min?: number }
/** A comma-separated list of names from a fixed set. */
export interface ChoiceListFlag extends ListFlag { readonly kind: 'choice-list'; readonly choices: readonly string[]; readonly default?: readonly string[] }
/** A switch, false unless given. */
export interface BooleanFlag extends BaseFlag { readonly kind: 'boolean' }

export type FlagSpec = IntFlag | NumberFlag | StringFlag | ChoiceFlag | IntListFlag | NumberListFlag | ChoiceListFlag | BooleanFlag;
export type FlagTable = Readonly<Record<string, FlagSpec>>;

/** A parsed value's type; a choice keeps its literal names ('adam' | 'sgd', not string), so configs need no casts. */
type ValueOf<F extends FlagSpec> =
  F extends IntFlag | NumberFlag ? number
  : F extends IntListFlag | NumberListFlag ? number[]
  : F extends { readonly kind: 'choice-list'; readonly choices: readonly (infer Choice)[] } ? Choice[]
  : F extends { readonly kind: 'choice'; readonly choices: readonly (infer Choice)[] } ? Choice
  : F extends BooleanFlag ? boolean
  : string;

/** A value a preset may give a flag (lists may be readonly). */
type PresetValue<F extends FlagSpec> =
  F extends IntListFlag | NumberListFlag ? readonly number[] : F extends ChoiceListFlag ? readonly string[] : ValueOf<F>;

/** The parsed values: flags with a default (and switches) are always present. */
export type ParsedFlags<T extends FlagTable> = {
  [K in keyof T]: T[K] extends BooleanFlag ? boolean : T[K] extends { default: unknown } ? ValueOf<T[K]> : ValueOf<T[K]> | undefined;
};

/** The most values a list flag takes (after ranges like 0-9 are expanded): more is surely a typo, like 0-1000000. */
export const MAX_LIST_LENGTH = 10000;

/** `learningRate` → `learning-rate`: table keys are camelCase, flags kebab-case. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/**
 * A named set of flag values that a switch of the same name puts in place of
 * the defaults (flags given on the command line still win), e.g. `--quick`.
 */
export interface Preset<T extends FlagTable> {
  /** One line for --help; the preset's values are listed after it. */
  readonly description: string;
  readonly values: { readonly [K in keyof T]?: PresetValue<T[K]> };
}

/** What a subcommand tells the parser about itself. */
export interface CommandSpec<T extends FlagTable> {
  readonly name: string;
  readonly summary: string;
  /** Extra paragraphs for --help (examples, what gets written). */
  readonly details?: string;
  readonly flags: T;
  /**
   * What to do after Ctrl-C, shown with the command line (program.ts); commands
   * with a --resume flag get "run the same command with --resume" without it.
   */
  readonly interruptHint?: string;
  /** Switches such as `--quick` that change several defaults at once. */
  readonly presets?: Readonly<Record<string, Preset<T>>>;
  /** Names of positional arguments, e.g. ['FILE...']; none allowed when absent. */
  readonly positionals?: { readonly names: string; readonly min: number; readonly max: number };
}

/** The outcome of parsing: help was asked for, or the values. */
export type ParseResult<T extends FlagTable> =
  | { readonly help: true }
  | { readonly help: false; readonly flags: ParsedFlags<T>; readonly positionals: string[] };

/**
 * Parses `argv` (the words after the subcommand) against the command's table.
 *
 * @example
 * parseCommandLine(spec, ['--lr', '0.1']); // { help: false, flags: { lr: 0.1, … }, positionals: [] }
 * parseCommandLine(spec, ['--lr', 'abc']); // throws UsageError "dead-neurons: --lr must be a positive number, got 'abc'"
 */
export function parseCommandLine<T extends FlagTable>(spec: CommandSpec<T>, argv: readonly string[]): ParseResult<T> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const [key, flag] of Object.entries(spec.flags)) options[flagName(key)] = { type: flag.kind === 'boolean' ? 'boolean' : 'string' };
  for (const preset of Object.keys(spec.presets ?? {})) options[flagName(preset)] = { type: 'boolean' };
  // parseArgs refuses `--lr -1` as ambiguous; a negative number after a flag that takes a value is that value.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    const next = argv[i + 1];
    if (word.startsWith('--') && options[word.slice(2)]?.type === 'string' && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      args.push(`${word}=${next}`);
      i++;
    } else {
      args.push(word);
    }
  }
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof options; allowPositionals: true; strict: true; tokens: true }>>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    throw new UsageError(`${spec.name}: ${describeParseArgsError(error as Error, Object.keys(options))}`);
  }
  if (parsed.values['help'] === true) return { help: true };
  refuseRepeatedFlags(spec.name, parsed.tokens);

  const positionals = parsed.positionals;
  const allowed = spec.positionals ?? { names: '', min: 0, max: 0 };
  if (positionals.length > allowed.max) {
    const extra = positionals.slice(allowed.max).map((word) => `'${word}'`).join(', ');
    throw new UsageError(`${spec.name}: unexpected argument${positionals.length - allowed.max > 1 ? 's' : ''} ${extra}`);
  }
  if (positionals.length < allowed.min) throw new UsageError(`${spec.name}: missing ${allowed.names}`);

  const presetValues: Partial<Record<string, unknown>> = {};
  for (const [name, preset] of Object.entries(spec.presets ?? {})) {
    if (parsed.values[flagName(name)] === true) Object.assign(presetValues, preset.values);
  }
  const flags: Record<string, unknown> = {};
  for (const [key, flag] of Object.entries(spec.flags)) {
    const raw = parsed.values[flagName(key)];
    const fallback = key in presetValues ? presetValues[key] : flag.kind === 'boolean' ? undefined : flag.default;
    if (flag.kind === 'boolean') flags[key] = raw === true || fallback === true;
    else if (raw === undefined) flags[key] = Array.isArray(fallback) ? [...(fallback as unknown[])] : fallback;
    else flags[key] = convert(spec.name, `--${flagName(key)}`, flag, String(raw));
  }
  return { help: false, flags: flags as ParsedFlags<T>, positionals };
}

/** A flag given twice (`--lr 0.1 --lr 0.2`) is refused: which one was meant cannot be known. */
function refuseRepeatedFlags(command: string, tokens: ReadonlyArray<{ kind: string; name?: string; rawName?: string; value?: string | undefined }>): void {
  const seen = new Map<string, string | undefined>();
  for (const token of tokens) {
    if (token.kind !== 'option' || token.name === undefined) continue;
    const name = `--${token.name}`;
    if (seen.has(name)) {
      const first = seen.get(name);
      const values = first === undefined || token.value === undefined ? '' : ` (${first} and ${token.value})`;
      throw new UsageError(`${command}: ${name} is given twice${values}; give it once`);
    }
    seen.set(name, token.value);
  }
}

/**
 * The candidate closest to `word` by edit distance, if it is close enough to
 * be a likely typo: one edit per three letters, at least one and at most two.
 *
 * @example
 * closestName('dept', ['depth', 'width']); // 'depth'
 * closestName('xyz', ['depth', 'width']);  // undefined
 */
export function closestName(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.min(2, Math.max(1, Math.floor(word.length / 3))) ? best : undefined;
}

/** Levenshtein distance, with a swap of two neighbouring letters counted as one edit (`dpeth` → `depth`). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const substitution = rows[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      let distance = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) distance = Math.min(distance, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = distance;
    }
  }
  return rows[a.length]![b.length]!;
}

function describeParseArgsError(error: Error, flagNames: readonly string[]): string {
  const unknown = /Unknown option '([^']+)'/.exec(error.message);
  if (unknown) {
    const word = unknown[1]!;
    const guess = word.startsWith('--') ? closestName(word.slice(2), [...flagNames, 'quiet']) : undefined;
    return guess ? `unknown flag ${word}; did you mean --${guess}?` : `unknown flag ${word} (see --help)`;
  }
  const missing = /Option '([^']*--[\w-]+)[^']*' argument missing/.exec(error.message);
  if (missing) return `${missing[1]!.replace(/^-\w, /, '')} needs a value`;
  const switchWithValue = /Option '(--[\w-]+)' does not take an argument/.exec(error.message);
  if (switchWithValue) return `${switchWithValue[1]} is a switch and takes no value`;
  return error.message;
}

function convert(command: string, name: string, flag: FlagSpec, raw: string): unknown {
  const fail = (what: string): never => {
    throw new UsageError(`${command}: ${name} must be ${what}, got '${raw}'`);
  };
  switch (flag.kind) {
    case 'int':
      return checkInt(raw, flag.min, flag.max, fail);
    case 'number':
      return checkNumber(raw, flag, fail);
    case 'string':
      if (raw === '') fail('a non-empty string');
      return raw;
    case 'choice':
      if (!flag.choices.includes(raw)) fail(`one of ${flag.choices.join(', ')}`);
      return raw;
    case 'int-list': {
      const what = `a comma-separated list of ${integerWhat(flag.min, flag.max)} (ranges like 2-20 allowed)`;
      let length = 0;
      const values = splitList(raw, fail).flatMap((item) => {
        const range = /^(\d+)-(\d+)$/.exec(item);
        if (!range) {
          length++;
          return [checkInt(item, flag.min, flag.max, () => fail(what))];
        }
        // Both ends are checked before the range is expanded, so 0-99999999999 costs nothing.
        const [from, to] = [range[1]!, range[2]!].map((end) => checkInt(end, flag.min, flag.max, () => fail(what))) as [number, number];
        if (from > to) fail('a list whose ranges go upwards, like 2-20');
        length += to - from + 1;
        if (length > MAX_LIST_LENGTH) fail(`a list of at most ${MAX_LIST_LENGTH} values`);
        return Array.from({ length: to - from + 1 }, (_, i) => from + i);
      });
      return checkList(values, flag, fail);
    }
    case 'number-list':
      return checkList(splitList(raw, fail).map((item) => checkNumber(item, flag, () => fail(`a comma-separated list of ${numberWhat(flag).replace('number', 'numbers')}`))), flag, fail);
    case 'choice-list':
      return checkList(splitList(raw, fail).map((item) => {
        if (!flag.choices.includes(item)) fail(`a comma-separated list of ${flag.choices.join(', ')}`);
        return item;
      }), flag, fail);
    case 'boolean':
      return true;
  }
}

function splitList(raw: string, fail: (what: string) => never): string[] {
  const items = raw.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) fail('a comma-separated list without empty items');
  if (items.length > MAX_LIST_LENGTH) fail(`a list of at most ${MAX_LIST_LENGTH} values`);
  return items;
}

function checkList<T>(values: T[], flag: ListFlag, fail: (what: string) => never): T[] {
  if (flag.distinct) {
    const repeated = values.find((value, index) => values.indexOf(value) !== index);
    if (repeated !== undefined) fail(`a list without repeats (${String(repeated)} appears twice)`);
  }
  return values;
}

function integerWhat(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return `integers from ${min} to ${max}`;
  if (min === 1) return 'positive integers';
  if (min === 0) return 'non-negative integers';
  if (min !== undefined) return `integers >= ${min}`;
  return 'integers';
}

function checkInt(raw: string, min: number | undefined, max: number | undefined, fail: (what: string) => never): number {
  const what = integerWhat(min, max).replace(/^integers/, 'an integer').replace(/^positive integers$/, 'a positive integer').replace(/^non-negative integers$/, 'a non-negative integer');
  if (!/^-?\d+$/.test(raw.trim())) fail(what);
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || (min !== undefined && value < min) || (max !== undefined && value > max)) fail(what);
  return value;
}

function numberWhat(flag: { positive?: boolean; min?: number; max?: number }): string {
  if (flag.positive) return 'positive number';
  if (flag.min !== undefined && flag.max !== undefined) return `number from ${flag.min} to ${flag.max}`;
  if (flag.min !== undefined) return `number >= ${flag.min}`;
  return 'finite number';
}

function checkNumber(raw: string, flag: { positive?: boolean; min?: number; max?: number }, fail: (what: string) => never): number {
  const what = `a ${numberWhat(flag)}`;
  // Number('') is 0 and Number('0x10') is 16: accept only plain decimal notation.
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(raw.trim())) fail(what);
  const value = Number(raw);
  if (!Number.isFinite(value)) fail(what);
  if (flag.positive && value <= 0) fail(what);
  if (flag.min !== undefined && value < flag.min) fail(what);
  if (flag.max !== undefined && value > flag.max) fail(what);
  return value;
}

/** The --help text of a subcommand, generated from its flag table. */
export function helpText<T extends FlagTable>(spec: CommandSpec<T>): string {
  const usage = `Usage: gradlab ${spec.name} [flags]${spec.positionals ? ` ${spec.positionals.names}` : ''}`;
  const rows: Array<readonly [string, string]> = Object.entries(spec.flags).map(([key, flag]) => {
    const value = flag.kind === 'boolean' ? '' : ` ${valueHint(flag)}`;
    return [`  --${flagName(key)}${value}`, `${flag.description}${defaultText(flag)}`] as const;
  });
  for (const [name, preset] of Object.entries(spec.presets ?? {})) {
    const values = Object.entries(preset.values).map(([key, value]) => `--${flagName(key)} ${Array.isArray(value) ? value.join(',') : String(value)}`);
    rows.push([`  --${flagName(name)}`, `${preset.description}: ${values.join(' ')} (flags given beside it win)`]);
  }
  rows.push(['  --quiet', 'No progress bar or progress lines (every command)']);
  rows.push(['  -h, --help', 'Show this help and exit']);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const lines = rows.map(([left, right]) => `${left.padEnd(width)}${right}`);
  return [usage, '', spec.summary, '', 'Flags:', ...lines, ...(spec.details ? ['', spec.details] : [])].join('\n');
}

function valueHint(flag: FlagSpec): string {
  switch (flag.kind) {
    case 'int': return 'N';
    case 'number': return 'X';
    case 'string': return flag.valueName ?? 'PATH';
    case 'choice': return flag.choices.join('|');
    case 'int-list': return 'N,N,…';
    case 'number-list': return 'X,X,…';
    case 'choice-list': return `{${flag.choices.join(',')}}`;
    case 'boolean': return '';
  }
}

/**
 * ` (default: …)` after a flag's description, unless the description already
 * says what the default is (a computed one, such as "the number of cores").
 */
function defaultText(flag: FlagSpec): string {
  if (flag.kind === 'boolean' || flag.default === undefined || flag.description.includes('(default:')) return '';
  const value = Array.isArray(flag.default) ? flag.default.join(',') : String(flag.default);
  return ` (default: ${value})`;
}
