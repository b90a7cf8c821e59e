import { describe, expect, it } from 'vitest';
import { closestName, commandLine, formatDuration, helpText, parseCommandLine, Progress, quantity, UsageError } from 'gradlab';

const spec = {
  name: 'dead-neurons',
  summary: 'test command',
  flags: {
    lr: { kind: 'number', positive: true, default: 0.005, description: 'Learning rate' },
    depth: { kind: 'int', min: 1, max: 200, default: 10, description: 'Hidden layers' },
    momentum: { kind: 'number', min: 0, max: 0.999, default: 0, description: 'Momentum' },
    optimizer: { kind: 'choice', choices: ['sgd', 'adam'], default: 'adam', description: 'Optimizer' },
    activations: { kind: 'choice-list', choices: ['relu', 'leaky-relu', 'sigmoid'], default: ['relu'], description: 'Activations' },
    depths: { kind: 'int-list', min: 1, default: [2], description: 'Depths' },
    lrs: { kind: 'number-list', positive: true, default: [0.1], description: 'Learning rates' },
    dataDir: { kind: 'string', description: 'Data' },
    verbose: { kind: 'boolean', description: 'Talk more' },
  },
} as const;

function parse(argv: string[]) {
  const result = parseCommandLine(spec, argv);
  if (result.help) throw new Error('unexpected help');
  return result.flags;
}

describe('flag parsing', () => {
  it('fills in defaults and converts types', () => {
    expect(parse([])).toEqual({
      lr: 0.005, depth: 10, momentum: 0, optimizer: 'adam', activations: ['relu'], depths: [2], lrs: [0.1], dataDir: undefined, verbose: false,
    });
    expect(parse(['--lr', '1e-3', '--depth', '4', '--optimizer', 'sgd', '--activations', 'relu,sigmoid', '--depths', '2-4,10', '--lrs', '0.1,.5', '--data-dir', '/x', '--verbose'])).toEqual({
      lr: 0.001, depth: 4, momentum: 0, optimizer: 'sgd', activations: ['relu', 'sigmoid'], depths: [2, 3, 4, 10], lrs: [0.1, 0.5], dataDir: '/x', verbose: true,
    });
    expect(parse(['--lr=0.25']).lr).toBe(0.25);
    expect(parse(['--depths', '3', '--momentum', '0.5']).momentum).toBe(0.5);
  });

  const invalid: Array<[string[], string]> = [
    [['--lr', 'abc'], "dead-neurons: --lr must be a positive number, got 'abc'"],
    [['--lr', '-1'], "dead-neurons: --lr must be a positive number, got '-1'"],
    [['--lr', '0'], "dead-neurons: --lr must be a positive number, got '0'"],
    [['--lr', 'Infinity'], "dead-neurons: --lr must be a positive number, got 'Infinity'"],
    [['--lr', '0x10'], "dead-neurons: --lr must be a positive number, got '0x10'"],
    [['--depth', '2.5'], "dead-neurons: --depth must be an integer from 1 to 200, got '2.5'"],
    [['--depth', '0'], "dead-neurons: --depth must be an integer from 1 to 200, got '0'"],
    [['--depth', ''], "dead-neurons: --depth must be an integer from 1 to 200, got ''"],
    [['--momentum', '1'], "dead-neurons: --momentum must be a number from 0 to 0.999, got '1'"],
    [['--optimizer', 'rmsprop'], "dead-neurons: --optimizer must be one of sgd, adam, got 'rmsprop'"],
    [['--activations', 'relu,tanh'], "dead-neurons: --activations must be a comma-separated list of relu, leaky-relu, sigmoid, got 'relu,tanh'"],
    [['--depths', '3,,4'], "dead-neurons: --depths must be a comma-separated list without empty items, got '3,,4'"],
    [['--depths', '5-2'], "dead-neurons: --depths must be a list whose ranges go upwards, like 2-20, got '5-2'"],
    [['--lrs', '0.1,x'], "dead-neurons: --lrs must be a comma-separated list of positive numbers, got '0.1,x'"],
    [['--bogus'], 'dead-neurons: unknown flag --bogus (see --help)'],
    [['--lr'], 'dead-neurons: --lr needs a value'],
    [['extra'], "dead-neurons: unexpected argument 'extra'"],
  ];
  it.each(invalid)('rejects %j with a UsageError naming the flag and the value', (argv, message) => {
    expect(() => parseCommandLine(spec, argv)).toThrow(UsageError);
    expect(() => parseCommandLine(spec, argv)).toThrow(message);
  });

  it('answers --help with the help text, which lists every flag with its default', () => {
    expect(parseCommandLine(spec, ['--help'])).toEqual({ help: true });
    const text = helpText(spec);
    for (const flag of ['--lr X', '--depth N', '--momentum X', '--optimizer sgd|adam', '--activations {relu,leaky-relu,sigmoid}', '--depths N,N,…', '--lrs X,X,…', '--data-dir PATH', '--verbose', '--help']) {
      expect(text).toContain(flag);
    }
    expect(text).toContain('Learning rate (default: 0.005)');
    expect(text).toContain('Activations (default: relu)');
  });

  it('answers -h as --help, and shows "-h, --help" in the help text', () => {
    expect(parseCommandLine(spec, ['-h'])).toEqual({ help: true });
    expect(parseCommandLine(spec, ['--lr', '0.1', '-h'])).toEqual({ help: true });
    expect(helpText(spec)).toMatch(/^ {2}-h, --help +Show this help and exit$/m);
  });

  const typos: Array<[string, string]> = [
    ['--dept', '--depth'], ['--dpeth', '--depth'], ['--depths2', '--depths'], ['--optimiser', '--optimizer'],
    ['--learning-rate', ''], ['--data_dir', '--data-dir'], ['--verbos', '--verbose'], ['--x', ''],
  ];
  it.each(typos)('names the closest flag for the mistyped %s (%s)', (typo, meant) => {
    const message = meant === '' ? `dead-neurons: unknown flag ${typo} (see --help)` : `dead-neurons: unknown flag ${typo}; did you mean ${meant}?`;
    expect(() => parseCommandLine(spec, [typo, '1'])).toThrow(new UsageError(message));
  });

  it('finds the closest name within two edits, and nothing for a word that is not close', () => {
    expect(closestName('dept', ['depth', 'width'])).toBe('depth');
    expect(closestName('widht', ['depth', 'width'])).toBe('width');
    expect(closestName('sed', ['seed', 'seeds'])).toBe('seed');
    expect(closestName('xyz', ['depth', 'width'])).toBeUndefined();
    expect(closestName('lr', ['lrs', 'alpha'])).toBe('lrs');
    expect(closestName('a', ['lr'])).toBeUndefined();
  });

  const repeats: Array<[string[], string]> = [
    [['--lr', '0.1', '--lr', '0.2'], 'dead-neurons: --lr is given twice (0.1 and 0.2); give it once'],
    [['--lr=0.1', '--depth', '3', '--lr', '0.1'], 'dead-neurons: --lr is given twice (0.1 and 0.1); give it once'],
    [['--verbose', '--verbose'], 'dead-neurons: --verbose is given twice; give it once'],
    [['--activations', 'relu', '--activations', 'sigmoid'], 'dead-neurons: --activations is given twice (relu and sigmoid); give it once'],
  ];
  it.each(repeats)('refuses the repeated flag in %j, naming it', (argv, message) => {
    expect(() => parseCommandLine(spec, argv)).toThrow(new UsageError(message));
  });

  it("prints each flag's default once, and a computed default in the description instead of the value", () => {
    const computed = { ...spec, flags: { ...spec.flags, workers: { kind: 'int', min: 1, default: 7, description: 'Worker threads (default: number of cores)' } } } as const;
    const text = helpText(computed);
    expect(text).toContain('Worker threads (default: number of cores)\n');
    expect(text).not.toContain('(default: 7)');
    for (const line of text.split('\n')) expect(line.split('(default:').length, line).toBeLessThanOrEqual(2);
  });

  it('names a string value by its valueName (--shard I/N), else PATH', () => {
    const withShard = { ...spec, flags: { ...spec.flags, shard: { kind: 'string', valueName: 'I/N', description: 'Shard i of n' } } } as const;
    const text = helpText(withShard);
    expect(text).toMatch(/^ {2}--shard I\/N +Shard i of n$/m);
    expect(text).toMatch(/^ {2}--data-dir PATH +Data$/m);
  });

  it('applies a preset switch in place of the defaults; flags given beside it win', () => {
    const withPreset = { ...spec, presets: { quick: { description: 'A small run', values: { depth: 2, lrs: [0.5, 1], verbose: true } } } } as const;
    const quick = parseCommandLine(withPreset, ['--quick']);
    expect(quick.help ? null : quick.flags).toMatchObject({ depth: 2, lrs: [0.5, 1], verbose: true, lr: 0.005 });
    const both = parseCommandLine(withPreset, ['--quick', '--depth', '5']);
    expect(both.help ? null : both.flags).toMatchObject({ depth: 5, lrs: [0.5, 1] });
    const without = parseCommandLine(withPreset, []);
    expect(without.help ? null : without.flags).toMatchObject({ depth: 10, lrs: [0.1], verbose: false });
    expect(helpText(withPreset)).toContain('--quick  ');
    expect(helpText(withPreset)).toContain('A small run: --depth 2 --lrs 0.5,1 --verbose true (flags given beside it win)');
    expect(() => parseCommandLine(withPreset, ['--quick', '--quick'])).toThrow('dead-neurons: --quick is given twice; give it once');
  });

  it('writes counts with their nouns in the singular for one', () => {
    expect([quantity(0, 'epoch'), quantity(1, 'epoch'), quantity(2, 'epoch'), quantity(1, 'grid point'), quantity(3, 'grid point')])
      .toEqual(['0 epochs', '1 epoch', '2 epochs', '1 grid point', '3 grid points']);
  });

  it('writes the command line that reproduces a run, with only non-default flags', () => {
    expect(commandLine('dead-neurons', { lr: 0.1, depth: 10, activations: ['relu', 'sigmoid'], dataDir: undefined, verbose: true }, { lr: 0.005, depth: 10, activations: ['relu'] }))
      .toBe('gradlab dead-neurons --lr 0.1 --activations relu,sigmoid --verbose');
  });
});

describe('progress', () => {
  it('prints one line per 10% when stderr is not a terminal', () => {
    const lines: string[] = [];
    const progress = new Progress('train', 40, { write: (text: string) => lines.push(text), isTTY: false });
    for (let i = 0; i < 40; i++) progress.tick(1, `step ${i + 1}`);
    progress.done();
    // A first line as soon as work starts, then one per 10% step.
    expect(lines.map((line) => line.split(' ')[1])).toEqual(['3%', '10%', '20%', '30%', '40%', '50%', '60%', '70%', '80%', '90%', '100%']);
    expect(lines.every((line) => line.endsWith('\n') && !line.includes('\r'))).toBe(true);
    expect(lines[1]).toMatch(/^train: 10% \(4\/40\) ETA \d+:\d\d {2}step 4\n$/);
    expect(lines.at(-1)).toMatch(/^train: 100% \(40\/40\) in \d+:\d\d {2}step 40\n$/);
  });

  it('redraws a bar in place on a terminal and ends the line when done', () => {
    let output = '';
    const progress = new Progress('sweep', 4, { write: (text: string) => (output += text), isTTY: true, columns: 120 });
    progress.tick(2);
    progress.done();
    expect(output.startsWith('\r\x1b[2Ksweep ')).toBe(true);
    expect(output).toContain('100% 4/4 in 0:00');
    expect(output.endsWith('\n')).toBe(true);
  });

  it('formats durations', () => {
    expect([formatDuration(0), formatDuration(75), formatDuration(3725)]).toEqual(['0:00', '1:15', '1:02:05']);
  });
});
