import { describe, expect, it } from 'vitest';
import { commandLine, formatDuration, helpText, parseCommandLine, Progress, UsageError } from '@gradlab/examples';

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
