/**
 * The IDX reader (MNIST's file format) against thousands of random and
 * mutated files: flipped bytes, truncations, extensions, wrong magic numbers
 * and data types, hostile dimension counts and sizes (2^31 × 2^31, 255
 * dimensions of 2^32 - 1, zeros among huge ones), random bytes, gzip of
 * garbage, truncated and corrupted gzip, a gzip bomb.
 *
 * Every input must either parse to exactly what its bytes say, read here
 * independently, or throw a plain Error whose message names the file and the
 * problem; never another kind of exception (a TypeError or RangeError would
 * mean a missing check, including an allocation sized by an unchecked
 * header), never a hang. fast-check runs with fixed seeds, so a failure
 * reproduces; the counts are checked at the end.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeIdx, idxToDataset, loadMnistDirectory, parseIdx, readIdxFile, type IdxArray } from 'gradlab';

const directory = mkdtempSync(join(tmpdir(), 'gradlab-idx-fuzz-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const NAME = 'fuzzed-idx3-ubyte';
const counts = { parsed: 0, refused: 0, files: 0, directories: 0 };

// ---- the independent reading -------------------------------------------------

type Reading =
  | { readonly ok: true; readonly dims: number[]; readonly headerLength: number }
  | { readonly ok: false; readonly message: string };

/**
 * What the bytes say, following the IDX layout directly: the problem the
 * reader must report first (its message after `idx: <name> `), or the dims.
 */
function independentReading(bytes: Uint8Array): Reading {
  const fail = (message: string): Reading => ({ ok: false, message });
  const hex = (byte: number) => byte.toString(16).padStart(2, '0');
  if (bytes.length < 4) return fail(`is ${bytes.length} bytes long, too short for the 4-byte IDX magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) return fail(`does not start with an IDX magic number (expected bytes 00 00, got ${hex(bytes[0]!)} ${hex(bytes[1]!)})`);
  if (bytes[2] !== 8) return fail(`has data type 0x${hex(bytes[2]!)} (`);
  const dimensionCount = bytes[3]!;
  if (dimensionCount === 0) return fail('declares 0 dimensions');
  const headerLength = 4 + 4 * dimensionCount;
  if (bytes.length < headerLength) return fail(`is ${bytes.length} bytes long, too short for a header with ${dimensionCount} dimensions (${headerLength} bytes)`);
  const dims = Array.from({ length: dimensionCount }, (_, d) => {
    const at = 4 + 4 * d;
    return bytes[at]! * 2 ** 24 + bytes[at + 1]! * 2 ** 16 + bytes[at + 2]! * 2 ** 8 + bytes[at + 3]!;
  });
  const product = dims.reduce((total, size) => total * BigInt(size), 1n);
  const payload = bytes.length - headerLength;
  if (product !== BigInt(payload)) {
    const shown = dims.length <= 8 ? `[${dims.join(',')}]` : `[${dims.slice(0, 8).join(',')},…] (${dims.length} dimensions)`;
    const size = product <= BigInt(Number.MAX_SAFE_INTEGER) ? String(product) : `more than ${Number.MAX_SAFE_INTEGER}`;
    return fail(`has dimensions ${shown} (${size} bytes of data) but ${payload} bytes follow the header`);
  }
  return { ok: true, dims, headerLength };
}

/** A plain Error (not a TypeError, RangeError, …) whose message starts `idx: <file> `. */
function expectReaderError(error: unknown, file: string): string {
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).constructor, (error as Error).message).toBe(Error);
  const message = (error as Error).message;
  expect(message.startsWith(`idx: ${file} `), message).toBe(true);
  return message.slice(`idx: ${file} `.length);
}

/** Checks one outcome (a parse or an error) of `bytes` named `file` against the independent reading. */
function expectAgreement(bytes: Uint8Array, file: string, parse: () => IdxArray): void {
  const expected = independentReading(bytes);
  let result: IdxArray;
  try {
    result = parse();
  } catch (error) {
    const message = expectReaderError(error, file);
    expect(expected.ok, `refused a file the bytes say is valid: ${message}`).toBe(false);
    if (!expected.ok) expect(message.startsWith(expected.message), `${message}\nexpected: ${expected.message}`).toBe(true);
    counts.refused++;
    return;
  }
  expect(expected.ok, `parsed a file the bytes say is invalid: ${expected.ok ? '' : expected.message}`).toBe(true);
  if (!expected.ok) return;
  expect(result.dims).toEqual(expected.dims);
  expect(Buffer.from(result.data).equals(Buffer.from(bytes.subarray(expected.headerLength)))).toBe(true);
  counts.parsed++;
}

function checkParse(bytes: Uint8Array): void {
  expectAgreement(bytes, NAME, () => parseIdx(bytes, NAME));
}

// ---- arbitraries ----------------------------------------------------------------

/** A valid file: 1-4 dimensions of 0-6 and bytes to match. */
const validFile = fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 4 }).chain((dims) => {
  const size = dims.reduce((a, b) => a * b, 1);
  return fc.uint8Array({ minLength: size, maxLength: size }).map((data) => encodeIdx(dims, data));
});

/** Sizes that break arithmetic: zero, 2^31, 2^32 - 1 and friends. */
const hostileSize = fc.oneof(fc.constantFrom(0, 1, 2, 255, 256, 65536, 2 ** 24, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1), fc.integer({ min: 0, max: 2 ** 32 - 1 }));

type Mutation =
  | { kind: 'flip'; flips: Array<[number, number]> }
  | { kind: 'truncate'; at: number }
  | { kind: 'extend'; extra: Uint8Array }
  | { kind: 'splice'; at: number; remove: number; insert: Uint8Array }
  | { kind: 'dtype'; code: number }
  | { kind: 'dimension-count'; count: number }
  | { kind: 'dimension'; index: number; size: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), remove: fc.nat({ max: 16 }), insert: fc.uint8Array({ maxLength: 16 }) }),
  fc.record({ kind: fc.constant('dtype' as const), code: fc.oneof(fc.constantFrom(0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e), fc.integer({ min: 0, max: 255 })) }),
  fc.record({ kind: fc.constant('dimension-count' as const), count: fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 255), fc.integer({ min: 0, max: 255 })) }),
  fc.record({ kind: fc.constant('dimension' as const), index: fc.nat({ max: 3 }), size: hostileSize }),
);

function mutate(original: Uint8Array, change: Mutation): Uint8Array {
  const bytes = Uint8Array.from(original);
  switch (change.kind) {
    case 'flip':
      for (const [at, mask] of change.flips) bytes[at % bytes.length]! ^= mask;
      return bytes;
    case 'truncate':
      return bytes.subarray(0, change.at % bytes.length);
    case 'extend':
      return Uint8Array.from([...bytes, ...change.extra]);
    case 'splice': {
      const at = change.at % (bytes.length + 1);
      return Uint8Array.from([...bytes.subarray(0, at), ...change.insert, ...bytes.subarray(at + change.remove)]);
    }
    case 'dtype':
      bytes[2] = change.code;
      return bytes;
    case 'dimension-count':
      bytes[3] = change.count;
      return bytes;
    case 'dimension': {
      const at = 4 + 4 * (change.index % bytes[3]!);
      if (at + 4 <= bytes.length) new DataView(bytes.buffer).setUint32(at, change.size, false);
      return bytes;
    }
  }
}

const mutatedFile = fc.tuple(validFile, fc.array(mutation, { minLength: 1, maxLength: 3 }))
  .map(([file, changes]) => changes.reduce(mutate, file));

/** A header of hostile dimensions followed by a few bytes, or by exactly the bytes a small product needs. */
const hostileHeader = fc.tuple(fc.array(hostileSize, { minLength: 1, maxLength: 6 }), fc.uint8Array({ maxLength: 32 })).map(([dims, tail]) => {
  const header = encodeIdx(dims, new Uint8Array(0));
  return Uint8Array.from([...header, ...tail]);
});

/** Random bytes, half of them starting like an unsigned-byte IDX file. */
const randomBytes = fc.tuple(fc.boolean(), fc.uint8Array({ maxLength: 200 })).map(([idxLike, bytes]) =>
  idxLike && bytes.length >= 4 ? Uint8Array.from([0, 0, 8, bytes[3]! % 5, ...bytes.subarray(4)]) : bytes);

// ---- the tests --------------------------------------------------------------------

describe('parseIdx on fuzzed bytes', () => {
  it('parses 1,000 random valid files exactly', () => {
    fc.assert(fc.property(validFile, (bytes) => {
      const parsed = parseIdx(bytes, NAME);
      // A view of the input, not a copy: nothing is allocated from the header.
      expect(parsed.data.buffer).toBe(bytes.buffer);
      checkParse(bytes);
    }), { seed: 601, numRuns: 1000 });
  });

  it('2,500 mutated files: each parses to what its bytes say or is refused with the first problem, naming the file', () => {
    fc.assert(fc.property(mutatedFile, checkParse), { seed: 602, numRuns: 2500 });
  });

  it('1,000 hostile headers (2^31 × 2^31, 2^32 - 1, zeros among huge sizes) and 1,000 random byte strings', () => {
    fc.assert(fc.property(hostileHeader, checkParse), { seed: 603, numRuns: 1000 });
    fc.assert(fc.property(randomBytes, checkParse), { seed: 604, numRuns: 1000 });
  });

  it('hand-picked extremes', () => {
    const dims255 = new Uint8Array(4 + 4 * 255).fill(0xff);
    dims255.set([0, 0, 8, 255]);
    const cases: Array<[Uint8Array, string]> = [
      [Uint8Array.from([0, 0, 8, 2, 0x80, 0, 0, 0, 0x80, 0, 0, 0]), 'has dimensions [2147483648,2147483648] (more than 9007199254740991 bytes of data) but 0 bytes follow the header'],
      [dims255, `has dimensions [${Array(8).fill(4294967295).join(',')},…] (255 dimensions) (more than 9007199254740991 bytes of data) but 0 bytes follow the header`],
      [dims255.subarray(0, 1000), 'is 1000 bytes long, too short for a header with 255 dimensions (1024 bytes)'],
      [Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1]), 'has dimensions [0,4294967295,4294967295] (0 bytes of data) but 1 bytes follow the header'],
      [Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]), 'has data type 0x0d (float32); only unsigned byte (0x08) IDX files are supported'],
      [Uint8Array.from([0, 0, 0x42, 1]), 'has data type 0x42 (unknown); only unsigned byte (0x08) IDX files are supported'],
      [Uint8Array.from([0x1f, 0x8b, 8, 0]), 'does not start with an IDX magic number (expected bytes 00 00, got 1f 8b)'],
      [new Uint8Array(0), 'is 0 bytes long, too short for the 4-byte IDX magic number'],
    ];
    for (const [bytes, message] of cases) expect(() => parseIdx(bytes, NAME)).toThrow(new Error(`idx: ${NAME} ${message}`));
    // Zero among huge sizes with no data is consistent: the reader returns it, and the dataset check refuses it.
    const empty = parseIdx(Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), NAME);
    expect([empty.dims, empty.data.length]).toEqual([[0, 4294967295, 4294967295], 0]);
    expect(() => idxToDataset(empty, parseIdx(encodeIdx([0], new Uint8Array(0)), 'labels'), NAME, 'labels')).toThrow(`idx: ${NAME} holds no images (dimensions [0,4294967295,4294967295])`);
    const noPixels = parseIdx(encodeIdx([3, 0, 4294967295], new Uint8Array(0)), NAME);
    expect(() => idxToDataset(noPixels, parseIdx(encodeIdx([3], new Uint8Array(3)), 'labels'), NAME, 'labels')).toThrow(`idx: ${NAME} holds images of 0x4294967295 pixels; an image needs at least one pixel`);
  });
});

describe('readIdxFile on fuzzed files, raw and gzipped', () => {
  const folder = join(directory, 'files');
  mkdirSync(folder);
  let serial = 0;
  const write = (bytes: Uint8Array): string => {
    const path = join(folder, `file-${serial++}`);
    writeFileSync(path, bytes);
    counts.files++;
    return path;
  };

  it('600 mutated files, each also gzipped: the same outcome as parsing the bytes, naming the path', () => {
    fc.assert(fc.property(fc.oneof(mutatedFile, validFile, hostileHeader), (bytes) => {
      const raw = write(bytes);
      expectAgreement(bytes, raw, () => readIdxFile(raw));
      const gzipped = write(gzipSync(bytes));
      expectAgreement(bytes, gzipped, () => readIdxFile(gzipped));
    }), { seed: 605, numRuns: 600 });
  });

  /** A gzip stream: what it inflates to is read by the reader, or it cannot be inflated and the reader says so. */
  function checkGzip(bytes: Uint8Array): void {
    const path = write(bytes);
    let inflated: Uint8Array | null;
    try {
      inflated = gunzipSync(bytes);
    } catch {
      inflated = null;
    }
    if (inflated !== null) {
      expectAgreement(inflated, path, () => readIdxFile(path));
      return;
    }
    try {
      readIdxFile(path);
      expect.unreachable(`${path} cannot be inflated, yet it was read`);
    } catch (error) {
      expect(expectReaderError(error, path).startsWith('looks gzipped but cannot be decompressed: ')).toBe(true);
      counts.refused++;
    }
  }

  it('400 gzip files of garbage, truncated, or with flipped bytes', () => {
    const gzipOf = fc.oneof(validFile, fc.uint8Array({ maxLength: 300 }));
    const damagedGzip = fc.tuple(gzipOf, fc.oneof(
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('flip' as const), flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }) }),
      fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
      fc.constant({ kind: 'none' as const }),
    )).map(([content, change]) => {
      const gz = gzipSync(content);
      // Keep the gzip signature: a flipped signature is simply a raw file, covered above.
      const damaged = change.kind === 'none' ? gz : mutate(gz, change);
      return damaged.length >= 2 ? Uint8Array.from([0x1f, 0x8b, ...damaged.subarray(2)]) : Uint8Array.from([0x1f, 0x8b]);
    });
    fc.assert(fc.property(damagedGzip, checkGzip), { seed: 606, numRuns: 400 });
  });

  it('stops a gzip bomb at the size limit, and refuses a file larger than the limit before reading it', () => {
    const megabyteOfZeros = gzipSync(new Uint8Array(2 ** 20)); // about 1 KB
    const bomb = write(Buffer.concat([megabyteOfZeros, megabyteOfZeros, megabyteOfZeros])); // 3 MB once inflated
    expect(() => readIdxFile(bomb, 2 ** 21)).toThrow(new Error(`idx: ${bomb} looks gzipped but cannot be decompressed: it expands to more than the 2097152-byte limit`));
    const large = write(new Uint8Array(2 ** 21 + 1));
    expect(() => readIdxFile(large, 2 ** 21)).toThrow(new Error(`idx: cannot read ${large}: it is 2097153 bytes, more than the limit of 2097152 bytes for this kind of file; is it the right file?`));
    expect(() => readIdxFile(folder)).toThrow(new Error(`idx: cannot read ${folder}: it is a folder, not a file; give the path of a file`));
    expect(() => readIdxFile(join(folder, 'missing'))).toThrow(new Error(`idx: cannot read ${join(folder, 'missing')}: it does not exist (ENOENT); check the path`));
  });
});

describe('loadMnistDirectory with one fuzzed file among four', () => {
  it('300 directories: a dataset consistent with the files, or an Error naming the file', () => {
    const names = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
    const images = (count: number) => encodeIdx([count, 3, 2], Uint8Array.from({ length: count * 6 }, (_, i) => (i * 37) % 256));
    const labels = (count: number) => encodeIdx([count], Uint8Array.from({ length: count }, (_, i) => i % 10));
    const valid = [images(5), labels(5), images(3), labels(3)];
    let serial = 0;
    fc.assert(fc.property(fc.nat({ max: 3 }), mutation, fc.boolean(), (which, change, gzip) => {
      const folder = join(directory, `mnist-${serial++}`);
      mkdirSync(folder);
      const files = valid.map((bytes, index) => (index === which ? mutate(bytes, change) : bytes));
      files.forEach((bytes, index) => writeFileSync(join(folder, `${names[index]}${gzip ? '.gz' : ''}`), gzip ? gzipSync(bytes) : bytes));
      counts.directories++;
      let loaded: ReturnType<typeof loadMnistDirectory>;
      try {
        loaded = loadMnistDirectory(folder);
      } catch (error) {
        expect((error as Error).constructor).toBe(Error);
        expect((error as Error).message).toMatch(/^idx: /);
        // The message names a file of the set (by path when it failed to parse, by name when the pair disagrees).
        expect(names.some((name) => (error as Error).message.includes(name)), (error as Error).message).toBe(true);
        return;
      }
      // Loaded: the pair of each split agrees with what its files say.
      for (const [split, imagesIndex] of [[loaded.train, 0], [loaded.test, 2]] as const) {
        const imageFile = parseIdx(files[imagesIndex]!, 'images');
        const labelFile = parseIdx(files[imagesIndex + 1]!, 'labels');
        expect([split.count, split.rows, split.cols]).toEqual(imageFile.dims);
        expect(Array.from(split.labels)).toEqual(Array.from(labelFile.data));
        expect(Array.from(split.images)).toEqual(Array.from(imageFile.data, (byte) => Math.fround(byte / 255)));
      }
    }), { seed: 607, numRuns: 300 });
  });
});

describe('the fuzzing itself', () => {
  it('fed thousands of files, with both outcomes common', () => {
    if (process.env['GRADLAB_TEST_VERBOSE']) console.log(counts);
    // 1,000 + 2,500 + 2,000 byte strings and 1,200 + 400 files checked against the independent reading,
    // 2 more files by hand, 300 directories.
    expect(counts.parsed + counts.refused).toBe(7100);
    expect(counts.parsed).toBeGreaterThan(1500);
    expect(counts.refused).toBeGreaterThan(2000);
    expect(counts.files).toBe(1602);
    expect(counts.directories).toBe(300);
  });
});
