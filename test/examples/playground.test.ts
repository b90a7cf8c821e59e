/**
 * The playground's Node side: the packed digits are the command line's digits
 * bit for bit, the page's split is `loadData`'s, and a playground run shows the
 * numbers `gradlab dead-neurons` writes for the same settings (the command
 * line the page prints, run for real). The page itself, in Chromium, is
 * test/browser/playground.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ACTIVATION_KINDS } from '@gradlab/nn';
import { loadData } from '../../packages/examples/src/data/load.js';
import { loadEmbeddedMnist } from '../../packages/examples/src/data/mnist.js';
import { packDigits, unpackDigits } from '../../packages/examples/src/playground/digits.js';
import {
  commandLine, DEFAULT_SETTINGS, PLAYGROUND_INITS, PlaygroundRun, playgroundConfig, splitDigits, type PlaygroundSettings,
} from '../../packages/examples/src/playground/session.js';

const cli = fileURLToPath(new URL('../../packages/examples/dist/cli/main.js', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'gradlab-playground-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const digits = loadEmbeddedMnist();
/** The index of the first element whose bits differ, or -1 (toEqual on millions of elements is too slow). */
function firstDifference(a: Float32Array | Uint8Array, b: Float32Array | Uint8Array): number {
  const bytesA = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const bytesB = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (bytesA.length !== bytesB.length) return Math.min(bytesA.length, bytesB.length);
  for (let i = 0; i < bytesA.length; i++) if (bytesA[i] !== bytesB[i]) return Math.floor(i / a.BYTES_PER_ELEMENT);
  return -1;
}

describe('the packed digits the page loads', () => {
  const packed = packDigits(digits);

  it('unpack to the embedded digits, bit for bit, in 20 bytes of header, a palette and one byte per pixel and label', () => {
    const unpacked = unpackDigits(packed);
    expect(unpacked.count).toBe(10000);
    expect([unpacked.rows, unpacked.cols]).toEqual([28, 28]);
    expect(firstDifference(unpacked.images, digits.images)).toBe(-1);
    expect(firstDifference(unpacked.labels, digits.labels)).toBe(-1);
    const paletteSize = new DataView(packed.buffer).getUint32(16, true);
    expect(paletteSize).toBe(256);
    expect(packed.length).toBe(20 + 4 * paletteSize + 10000 + 10000 * 784);
  });

  // Two 2×2 images with three grey values: a palette of 3, so an index can point past it.
  const tiny = packDigits({ images: Float32Array.from([0, 1, 0.5, 0, 1, 1, 0, 0]), labels: Uint8Array.from([3, 7]), count: 2, rows: 2, cols: 2 });

  it('unpacks a small file to its values, with a palette of the distinct values only', () => {
    expect(tiny.length).toBe(20 + 3 * 4 + 2 + 8);
    const unpacked = unpackDigits(tiny);
    expect(Array.from(unpacked.images)).toEqual([0, 1, 0.5, 0, 1, 1, 0, 0]);
    expect(Array.from(unpacked.labels)).toEqual([3, 7]);
  });

  it.each([
    ['no header', (bytes: Uint8Array) => bytes.slice(0, 10), 'not a packed digits file'],
    ['another format', (bytes: Uint8Array) => Uint8Array.from([71, 76, 68, 57, ...bytes.subarray(4)]), 'not a packed digits file'],
    ['a truncated file', (bytes: Uint8Array) => bytes.slice(0, bytes.length - 1), '41 bytes, expected 42 for 2 images of 2x2'],
    ['a palette index past the palette', (bytes: Uint8Array) => Uint8Array.from(bytes, (byte, i) => (i === bytes.length - 1 ? 5 : byte)), 'pixel 7 indexes palette entry 5 of 3'],
    ['a label above 9', (bytes: Uint8Array) => Uint8Array.from(bytes, (byte, i) => (i === 32 ? 12 : byte)), 'a label is outside 0…9'],
    ['a palette value outside [0, 1]', (bytes: Uint8Array) => {
      const copy = bytes.slice();
      new DataView(copy.buffer).setFloat32(24, 2, true);
      return copy;
    }, 'a pixel value is outside [0, 1]'],
  ])('refuses %s with an error naming the problem', (_name, damage, message) => {
    expect(() => unpackDigits(damage(tiny))).toThrow(message);
  });

  it('split as the command line splits them: the same 8,000 training and 2,000 test images', () => {
    const page = splitDigits(unpackDigits(packed));
    const command = loadData({});
    for (const half of ['train', 'test'] as const) {
      expect(page[half].count).toBe(command[half].count);
      expect(firstDifference(page[half].images, command[half].images)).toBe(-1);
      expect(firstDifference(page[half].labels, command[half].labels)).toBe(-1);
    }
  });
});

describe('a playground run', () => {
  const data = splitDigits(digits);

  it('offers every activation of the table and every initialiser of nn, and the command line its settings would need', () => {
    expect(PLAYGROUND_INITS[0]).toBe('default');
    expect(commandLine(DEFAULT_SETTINGS, [ACTIVATION_KINDS[0]!, ACTIVATION_KINDS[1]!])).toBe(
      `gradlab dead-neurons --activations ${ACTIVATION_KINDS[0]},${ACTIVATION_KINDS[1]} --seeds 0 --depth 10 --width 64 --optimizer adam --lr 0.005 --init default`);
    expect(playgroundConfig(DEFAULT_SETTINGS, ['relu'])).toMatchObject({ depth: 10, width: 64, batchSize: 64, measureEvery: 25, measureSize: 2000 });
  });

  it('shows after one epoch the numbers gradlab dead-neurons writes for the command line it prints', () => {
    const settings: PlaygroundSettings = { ...DEFAULT_SETTINGS, depth: 3, width: 16, lr: 0.01, seed: 3 };
    const activations = ['relu', 'leaky-relu'] as const;
    const out = join(scratch, 'dead-neurons');
    const words = commandLine(settings, activations).split(' ').slice(1);
    execFileSync(process.execPath, [cli, ...words, '--epochs', '1', '--out', out, '--quiet'], { encoding: 'utf8', timeout: 300_000 });
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
      runs: Array<{ activation: string; epochs: unknown[]; lifetimes: { steps: number[]; inactiveCounts: number[][] } }>;
    };
    for (const activation of activations) {
      const run = new PlaygroundRun(settings, activation, data);
      const stepsPerEpoch = run.stepsPerEpoch;
      expect(stepsPerEpoch).toBe(125);
      for (let step = 0; step < stepsPerEpoch; step++) expect(run.advance()).toBe(true);
      const expected = results.runs.find((candidate) => candidate.activation === activation)!;
      const network = run.current.network;
      // Same snapshots (loss, accuracy, every layer's counts, mean and std) at initialisation and after epoch 1.
      expect(network.epochs).toEqual(expected.epochs);
      expect(network.lifetimeMeasurements.map((measurement) => measurement.step)).toEqual(expected.lifetimes.steps);
      expect(network.lifetimeMeasurements.map((measurement) => measurement.inactive.map((units) => units.length))).toEqual(expected.lifetimes.inactiveCounts);
    }
  });

  it('runs one step per advance, the first mini-batch loss first, and predicts a digit per image', () => {
    const settings: PlaygroundSettings = { ...DEFAULT_SETTINGS, depth: 2, width: 8 };
    const run = new PlaygroundRun(settings, 'relu', data);
    expect(run.current).toMatchObject({ step: 0, epoch: 0, loss: null });
    expect(run.current.network.epochs).toHaveLength(1);
    expect(run.advance()).toBe(true);
    expect(run.current.step).toBe(1);
    expect(run.current.loss).toBeGreaterThan(1.5);
    expect(run.current.loss).toBeLessThan(3.5);
    const again = new PlaygroundRun(settings, 'relu', data);
    again.advance();
    expect(again.current.loss).toBe(run.current.loss);
    const predictions = run.predict({ ...data.test, images: data.test.images.subarray(0, 5 * 784), labels: data.test.labels.subarray(0, 5), count: 5 });
    expect(predictions).toHaveLength(5);
    for (const digit of predictions) expect(digit >= 0 && digit <= 9).toBe(true);
  });

  it('gives equal parameter digests for equal runs and different ones after a different step count', async () => {
    const settings: PlaygroundSettings = { ...DEFAULT_SETTINGS, depth: 2, width: 8 };
    const [a, b] = [new PlaygroundRun(settings, 'relu', data), new PlaygroundRun(settings, 'relu', data)];
    for (let i = 0; i < 3; i++) { a.advance(); b.advance(); }
    expect(await a.parameterDigest()).toBe(await b.parameterDigest());
    expect(await a.parameterDigest()).toMatch(/^[0-9a-f]{64}$/);
    b.advance();
    expect(await a.parameterDigest()).not.toBe(await b.parameterDigest());
  });
});
