/**
 * The safetensors reader against thousands of random and mutated files.
 *
 * Every input must either decode to exactly what its bytes say, or throw a
 * plain Error whose message starts `safetensors: <source>: ` (or, from
 * `load`, names the file); never another kind of exception, never a hang,
 * never an allocation sized by a header field that was not checked against
 * the file first. fast-check runs with fixed seeds, so a failure reproduces.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { Generator, MAX_ELEMENTS, Tensor } from '@gradlab/core';
import { MAX_HEADER_BYTES, decodeSafetensors, encodeSafetensors, load, mlp, type DecodedSafetensors, type Module } from '@gradlab/nn';

const directory = mkdtempSync(join(tmpdir(), 'gradlab-fuzz-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const SOURCE = 'fuzzed.safetensors';
const smallModel = (seed: string) => mlp({ inputs: 3, hidden: [4], outputs: 2, activation: 'prelu', generator: new Generator(seed) });
/** A valid file: the small model's parameters and some metadata (about 500 bytes). */
const VALID = encodeSafetensors(smallModel('fuzz').stateDict(), { format: 'gradlab', epoch: '7' });
const VALID_HEADER_LENGTH = Number(new DataView(VALID.buffer).getBigUint64(0, true));
const VALID_DATA_START = 8 + VALID_HEADER_LENGTH;

/** The 32-bit patterns of a tensor's elements (NaN payloads included). */
const bitsOf = (tensor: Tensor) => Array.from(new Uint32Array(Float32Array.from(tensor.data).buffer));
/** The little-endian 32-bit words of `bytes`. */
function wordsOf(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 4 }, (_, i) => view.getUint32(4 * i, true));
}

/** A file from header text (or bytes), data, and optionally a false header length. */
function rawFile(header: string | Uint8Array, data: Uint8Array, claimedLength?: bigint): Uint8Array {
  const headerBytes = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const bytes = new Uint8Array(8 + headerBytes.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, claimedLength ?? BigInt(headerBytes.length), true);
  bytes.set(headerBytes, 8);
  bytes.set(data, 8 + headerBytes.length);
  return bytes;
}

type Outcome = { ok: true; decoded: DecodedSafetensors } | { ok: false; error: Error };

/** Decodes, and checks that a failure is a plain Error with the reader's message prefix. */
function decodeOrError(bytes: Uint8Array): Outcome {
  try {
    return { ok: true, decoded: decodeSafetensors(bytes, SOURCE) };
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    // A TypeError or RangeError would mean some check was missing.
    expect((error as Error).constructor).toBe(Error);
    expect((error as Error).message.startsWith(`safetensors: ${SOURCE}: `), (error as Error).message).toBe(true);
    return { ok: false, error: error as Error };
  }
}

/**
 * A successful decode must agree with the bytes, read here independently:
 * the same tensor names, dtypes, shapes and metadata as the JSON header, each
 * tensor's bits equal to the words at its data_offsets, the data section
 * covered exactly, and a re-encode decoding to the same bits.
 */
function expectConsistent(bytes: Uint8Array, decoded: DecodedSafetensors): void {
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, unknown>;
  const data = bytes.subarray(8 + headerLength);
  const names = Object.keys(header).filter((key) => key !== '__metadata__');
  expect(Object.keys(decoded.tensors).sort()).toEqual(names.sort());
  expect(decoded.metadata).toEqual(header.__metadata__ ?? {});
  let covered = 0;
  for (const name of names) {
    const entry = header[name] as { dtype: unknown; shape: number[]; data_offsets: [number, number] };
    const tensor = decoded.tensors[name]!;
    expect(entry.dtype).toBe('F32');
    expect(tensor.shape).toEqual(entry.shape);
    const [start, end] = entry.data_offsets;
    expect(bitsOf(tensor)).toEqual(wordsOf(data.subarray(start, end)));
    covered += end - start;
  }
  expect(covered).toBe(data.length);
  // encodeSafetensors refuses an empty tensor name (no module has one), which a file may still hold.
  if (names.includes('')) return;
  const again = decodeSafetensors(encodeSafetensors(decoded.tensors, decoded.metadata));
  for (const name of names) expect(bitsOf(again.tensors[name]!)).toEqual(bitsOf(decoded.tensors[name]!));
}

/** Runs one fuzzed input through the decoder; returns whether it decoded. */
function check(bytes: Uint8Array): boolean {
  const outcome = decodeOrError(bytes);
  if (outcome.ok) expectConsistent(bytes, outcome.decoded);
  return outcome.ok;
}

// ---- arbitraries ------------------------------------------------------------

/** Values that break JSON fields: wrong types, negative, fractional, huge, unsafe integers. */
const nastyNumber = fc.oneof(
  fc.constantFrom(-1, -0, 0.5, 1.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 1e308, MAX_ELEMENTS, MAX_ELEMENTS + 1),
  fc.integer({ min: -16, max: 1024 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const nastyValue = fc.oneof(nastyNumber, fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('F32', 'F16', 'f32', 'I64', 'BF16', '', null, [], {}, [0], [0, 4], [4, 0], [0, 0, 0], ['0', '4'], [0, 2 ** 53]));
const tensorName = fc.oneof(
  fc.constantFrom('layers.0.weight', 'layers.0.bias', 'layers.1.negativeSlope', 'layers.2.weight', 'layers.2.bias', '__proto__', 'constructor', 'toString', '', '__metadata__', 'x'),
  fc.string({ maxLength: 12, unit: 'binary' }),
);

/** Byte-level mutations of the valid file. */
const byteMutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), length: fc.nat({ max: VALID.length - 1 }) }),
  fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({
    kind: fc.constant('length' as const),
    claimed: fc.oneof(
      fc.bigInt(0n, 2n ** 64n - 1n),
      fc.constantFrom(2n ** 40n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n, BigInt(MAX_HEADER_BYTES), BigInt(MAX_HEADER_BYTES) + 1n, 0n),
      fc.integer({ min: -16, max: 16 }).map((delta) => BigInt(Math.max(0, VALID_HEADER_LENGTH + delta))),
    ),
  }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), removed: fc.nat({ max: 32 }), inserted: fc.uint8Array({ maxLength: 32 }) }),
);

type ByteMutation = typeof byteMutation extends fc.Arbitrary<infer T> ? T : never;

function applyByteMutation(mutation: ByteMutation): Uint8Array {
  const bytes = Uint8Array.from(VALID);
  switch (mutation.kind) {
    case 'flip':
      for (const [position, mask] of mutation.flips) bytes[position % bytes.length]! ^= mask;
      return bytes;
    case 'truncate':
      return bytes.subarray(0, mutation.length);
    case 'extend': {
      const longer = new Uint8Array(bytes.length + mutation.extra.length);
      longer.set(bytes);
      longer.set(mutation.extra, bytes.length);
      return longer;
    }
    case 'length':
      new DataView(bytes.buffer).setBigUint64(0, mutation.claimed, true);
      return bytes;
    case 'splice': {
      const at = mutation.at % bytes.length;
      return Uint8Array.from([...bytes.subarray(0, at), ...mutation.inserted, ...bytes.subarray(at + mutation.removed)]);
    }
  }
}

/** JSON-level edits of the valid file's header; the data is kept, resized or replaced. */
const headerEdit = fc.record({
  edits: fc.array(fc.oneof(
    fc.record({ kind: fc.constant('field' as const), tensor: fc.nat(), field: fc.constantFrom('dtype', 'shape', 'data_offsets'), value: nastyValue }),
    fc.record({ kind: fc.constant('dimension' as const), tensor: fc.nat(), index: fc.nat({ max: 2 }), value: nastyNumber }),
    fc.record({ kind: fc.constant('offset' as const), tensor: fc.nat(), index: fc.nat({ max: 1 }), value: nastyNumber }),
    fc.record({ kind: fc.constant('copy-offsets' as const), from: fc.nat(), to: fc.nat() }),
    fc.record({ kind: fc.constant('delete' as const), tensor: fc.nat() }),
    fc.record({ kind: fc.constant('add' as const), name: tensorName, value: nastyValue }),
    fc.record({ kind: fc.constant('metadata' as const), value: fc.oneof(nastyValue, fc.dictionary(fc.string({ maxLength: 6 }), nastyValue, { maxKeys: 3 })) }),
  ), { minLength: 1, maxLength: 4 }),
  data: fc.oneof(
    fc.constant('keep' as const),
    fc.integer({ min: -16, max: 16 }).map((delta) => ({ resize: delta })),
    fc.uint8Array({ maxLength: 256 }).map((bytes) => ({ replace: bytes })),
  ),
  padding: fc.nat({ max: 9 }),
});
type HeaderEdit = typeof headerEdit extends fc.Arbitrary<infer T> ? T : never;

function applyHeaderEdit({ edits, data, padding }: HeaderEdit): Uint8Array {
  const header = JSON.parse(new TextDecoder().decode(VALID.subarray(8, VALID_DATA_START))) as Record<string, Record<string, unknown>>;
  const names = () => Object.keys(header).filter((key) => key !== '__metadata__');
  const pick = (index: number) => names()[index % Math.max(names().length, 1)];
  for (const edit of edits) {
    const name = 'tensor' in edit ? pick(edit.tensor) : undefined;
    // An earlier edit may have replaced the entry by a number or an array.
    const isEntry = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
    const entry = name !== undefined && isEntry(header[name]) ? header[name] : undefined;
    switch (edit.kind) {
      case 'field': if (entry) entry[edit.field] = edit.value; break;
      case 'dimension': if (entry && Array.isArray(entry.shape)) (entry.shape as unknown[])[edit.index] = edit.value; break;
      case 'offset': if (entry && Array.isArray(entry.data_offsets)) (entry.data_offsets as unknown[])[edit.index] = edit.value; break;
      case 'copy-offsets': {
        const from = header[pick(edit.from) ?? ''];
        const to = header[pick(edit.to) ?? ''];
        if (isEntry(from) && isEntry(to)) to.data_offsets = from.data_offsets;
        break;
      }
      case 'delete': if (name !== undefined) delete header[name]; break;
      case 'add': Object.defineProperty(header, edit.name, { value: edit.value, enumerable: true, configurable: true, writable: true }); break;
      case 'metadata': (header as Record<string, unknown>).__metadata__ = edit.value; break;
    }
  }
  const original = VALID.subarray(VALID_DATA_START);
  let body: Uint8Array = original;
  if (data !== 'keep' && 'resize' in data) {
    body = new Uint8Array(Math.max(0, original.length + data.resize));
    body.set(original.subarray(0, body.length));
  } else if (data !== 'keep') {
    body = data.replace;
  }
  return rawFile(JSON.stringify(header) + ' '.repeat(padding), body);
}

/** Random but internally consistent files: these must all decode, to exactly their bytes. */
const consistentFile = fc.record({
  tensors: fc.uniqueArray(fc.record({
    name: fc.string({ minLength: 1, maxLength: 10, unit: 'binary' }).filter((name) => name !== '__metadata__'),
    shape: fc.array(fc.nat({ max: 3 }), { maxLength: 3 }),
  }), { selector: (tensor) => tensor.name, maxLength: 5 }),
  order: fc.array(fc.nat()),
  metadata: fc.dictionary(fc.string({ maxLength: 8, unit: 'binary' }), fc.string({ maxLength: 8, unit: 'binary' }), { maxKeys: 3 }),
  seed: fc.nat(),
  padding: fc.nat({ max: 9 }),
}).map(({ tensors, order, metadata, seed, padding }) => {
  // Lay the tensors out in a shuffled order, so data_offsets do not follow the header order.
  const layout = tensors.map((tensor, index) => ({ ...tensor, rank: order[index] ?? index }));
  const byOffset = [...layout].sort((a, b) => a.rank - b.rank);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const offsets = new Map<string, [number, number]>();
  for (const tensor of byOffset) {
    const bytes = 4 * tensor.shape.reduce((size, dim) => size * dim, 1);
    offsets.set(tensor.name, [offset, offset + bytes]);
    offset += bytes;
  }
  for (const tensor of layout) {
    Object.defineProperty(header, tensor.name, { value: { dtype: 'F32', shape: tensor.shape, data_offsets: offsets.get(tensor.name) }, enumerable: true });
  }
  // Every bit pattern, NaNs with payloads included.
  const data = new Uint8Array(offset);
  const generator = new Generator(seed);
  for (let i = 0; i < data.length; i++) data[i] = generator.integer(256);
  return rawFile(JSON.stringify(header) + ' '.repeat(padding), data);
});

// ---- properties ---------------------------------------------------------------

describe('decodeSafetensors on fuzzed input: a correct result or a clear Error', () => {
  it('2000 byte-level mutations of a valid file (flips, truncation, extension, false header lengths, splices)', () => {
    let decoded = 0;
    fc.assert(fc.property(byteMutation, (mutation) => {
      if (check(applyByteMutation(mutation))) decoded++;
    }), { seed: 1, numRuns: 2000 });
    // Flips that land in the data section leave a valid file: some must decode.
    expect(decoded).toBeGreaterThan(0);
  });

  it('1000 flips inside the data section always decode, to the flipped bits', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 16 }), (flips) => {
      const bytes = Uint8Array.from(VALID);
      const dataLength = bytes.length - VALID_DATA_START;
      for (const [position, mask] of flips) bytes[VALID_DATA_START + (position % dataLength)]! ^= mask;
      expect(check(bytes)).toBe(true);
    }), { seed: 2, numRuns: 1000 });
  });

  it('1500 JSON-level edits of the header (wrong dtypes, shapes, offsets, overlaps, keys, metadata)', () => {
    let decoded = 0;
    fc.assert(fc.property(headerEdit, (edit) => {
      if (check(applyHeaderEdit(edit))) decoded++;
    }), { seed: 3, numRuns: 1500 });
    expect(decoded).toBeLessThan(1500);
  });

  it('1000 random consistent files (any names, shapes with zeros, any bit patterns, shuffled offsets) all decode exactly', () => {
    fc.assert(fc.property(consistentFile, (bytes) => {
      expect(check(bytes)).toBe(true);
    }), { seed: 4, numRuns: 1000 });
  });

  it('1000 random headers: any JSON value, any text, any bytes', () => {
    const header = fc.oneof(
      fc.jsonValue().map((value) => new TextEncoder().encode(JSON.stringify(value) ?? 'null')),
      fc.dictionary(tensorName, fc.record({ dtype: nastyValue, shape: fc.oneof(nastyValue, fc.array(nastyNumber, { maxLength: 4 })), data_offsets: fc.oneof(nastyValue, fc.tuple(nastyNumber, nastyNumber)) }, { requiredKeys: [] }), { maxKeys: 4 })
        .map((value) => new TextEncoder().encode(JSON.stringify(value))),
      fc.string({ maxLength: 64, unit: 'binary' }).map((text) => new TextEncoder().encode(text)),
      fc.uint8Array({ maxLength: 64 }),
    );
    let decoded = 0;
    fc.assert(fc.property(header, fc.uint8Array({ maxLength: 64 }), (headerBytes, data) => {
      if (check(rawFile(headerBytes, data))) decoded++;
    }), { seed: 5, numRuns: 1000 });
    expect(decoded).toBeGreaterThan(0); // e.g. {} with no data is a valid, empty file
  });

  it('1000 files of random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      check(bytes);
    }), { seed: 6, numRuns: 1000 });
  });

  it('hand-picked hostile headers', () => {
    const hostile: Array<[string, Uint8Array, RegExp]> = [
      ['JSON nested 100,000 deep', rawFile('['.repeat(100_000) + ']'.repeat(100_000), new Uint8Array(0)), /not a JSON object|not valid UTF-8 JSON/],
      ['a 20 MB header of spaces', rawFile(`{}${' '.repeat(20_000_000)}`, new Uint8Array(0)), /^$/],
      ['a duplicated key (the last one wins, leaving a hole)', rawFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', new Uint8Array(8)),
        /tensor 'a': data_offsets \[4, 8\] leave bytes 0\.\.4 unused/],
      ['a byte-order mark before the JSON', rawFile(Uint8Array.from([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{}')]), new Uint8Array(0)), /^$/],
      ['offsets as unsafe integers', rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[${2 ** 53},${2 ** 53 + 4}]}}`, new Uint8Array(4)),
        /data_offsets \[9007199254740992,9007199254740996\] is not a pair of non-negative integers/],
      ['a shape past the element limit', rawFile(`{"a":{"dtype":"F32","shape":[65536,65536],"data_offsets":[0,4]}}`, new Uint8Array(4)),
        /tensor 'a': shape \[65536,65536\] has 4294967296 elements, more than the limit of 1073741824/],
      ['an empty tensor with an absurd dimension', rawFile(`{"a":{"dtype":"F32","shape":[0,1e300],"data_offsets":[0,0]}}`, new Uint8Array(0)),
        /has a dimension of 1e\+300, more than the limit/],
      ['metadata holding an object', rawFile('{"__metadata__":{"epoch":{"n":1}}}', new Uint8Array(0)), /metadata 'epoch' must be a string, got \{"n":1\}/],
      ['metadata that is an array', rawFile('{"__metadata__":["a"]}', new Uint8Array(0)), /'__metadata__' must be an object of strings/],
      ['a zero-length tensor inside another', rawFile('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}', new Uint8Array(8)),
        /tensor 'b': data_offsets \[4, 4\] overlap the previous tensor/],
    ];
    for (const [name, bytes, message] of hostile) {
      const outcome = decodeOrError(bytes);
      if (message.source === '^$') {
        // These are valid files; the reader must accept them.
        expect(outcome.ok, name).toBe(true);
        if (outcome.ok) expectConsistent(bytes, outcome.decoded);
      } else {
        expect(outcome.ok, name).toBe(false);
        if (!outcome.ok) expect(outcome.error.message, name).toMatch(message);
      }
    }
  });
});

describe('hostile tensor names survive a round trip', () => {
  it("a tensor named '__proto__' is written as a key, not lost as a prototype (a bug the fuzzer found)", () => {
    const tensors = Object.fromEntries([['__proto__', new Tensor(Float32Array.of(1.5), [1])], ['constructor', new Tensor(Float32Array.of(-2), [1])]]);
    const decoded = decodeSafetensors(encodeSafetensors(tensors, Object.fromEntries([['__proto__', 'meta']])));
    expect(Object.keys(decoded.tensors)).toEqual(['__proto__', 'constructor']);
    expect(Array.from(Object.getOwnPropertyDescriptor(decoded.tensors, '__proto__')!.value.data as Float32Array)).toEqual([1.5]);
    expect(Object.getOwnPropertyDescriptor(decoded.metadata, '__proto__')!.value).toBe('meta');
    expect(Object.getPrototypeOf(decoded.tensors)).toBe(Object.prototype);
  });
});

describe('no allocation from an unchecked header length', () => {
  // The header is only decoded (TextDecoder, JSON.parse) after its length has
  // been checked against MAX_HEADER_BYTES and against the bytes present; the
  // spy proves no claimed length reaches the decoder.
  it.each([
    ['2^40 in a 100-byte file', 2n ** 40n, /the header length 1099511627776 is absurd \(more than 100000000 bytes\)/],
    ['2^53 in a 100-byte file', 2n ** 53n, /the header length 9007199254740992 is absurd/],
    ['2^64 - 1 in a 100-byte file', 2n ** 64n - 1n, /the header length 18446744073709551615 is absurd/],
    ['MAX_HEADER_BYTES + 1', BigInt(MAX_HEADER_BYTES) + 1n, /the header length 100000001 is absurd/],
    ['MAX_HEADER_BYTES in a 100-byte file', BigInt(MAX_HEADER_BYTES), /the header claims 100000000 bytes but only 92 follow the length/],
    ['one byte more than the file holds', 93n, /the header claims 93 bytes but only 92 follow the length/],
  ])('a header length of %s throws before the header is read', (_name, claimed, message) => {
    const decode = vi.spyOn(TextDecoder.prototype, 'decode');
    const bytes = new Uint8Array(100);
    new DataView(bytes.buffer).setBigUint64(0, claimed, true);
    bytes.set(new TextEncoder().encode('{}'), 8);
    expect(() => decodeSafetensors(bytes, 'huge.safetensors')).toThrow(message);
    expect(decode).not.toHaveBeenCalled();
  });

  it('tensor sizes are checked against the data present before their arrays are allocated', () => {
    // 2^28 elements (1 GiB) is within MAX_ELEMENTS, but the file holds 4 bytes of data.
    const bytes = rawFile(`{"a":{"dtype":"F32","shape":[${2 ** 28}],"data_offsets":[0,${2 ** 30}]}}`, new Uint8Array(4));
    expect(() => decodeSafetensors(bytes, 'big.safetensors')).toThrow("tensor 'a': data_offsets [0, 1073741824] lie outside the 4 bytes of data");
  });
});

describe('load on fuzzed files: the model is loaded exactly, or left unchanged with an Error naming the file', () => {
  const path = join(directory, 'model.safetensors');
  const snapshot = (model: Module) => model.parameters().map(bitsOf);

  function loadOrError(bytes: Uint8Array, model: Module): boolean {
    writeFileSync(path, bytes);
    const before = snapshot(model);
    try {
      load(model, path);
    } catch (error) {
      expect((error as Error).constructor).toBe(Error);
      const message = (error as Error).message;
      expect(message.startsWith(`safetensors: ${path}: `) || message.startsWith(`load: ${path}: `), message).toBe(true);
      expect(snapshot(model)).toEqual(before);
      return false;
    }
    const { tensors } = decodeSafetensors(bytes);
    for (const [name, parameter] of model.namedParameters()) expect(bitsOf(parameter), name).toEqual(bitsOf(tensors[name]!));
    return true;
  }

  it('500 mutated files of the right model', () => {
    const model = smallModel('target');
    let loaded = 0;
    const mutated = fc.oneof(
      byteMutation.map(applyByteMutation),
      headerEdit.map(applyHeaderEdit),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }).map((flips) => {
        const bytes = Uint8Array.from(VALID);
        for (const [position, mask] of flips) bytes[VALID_DATA_START + (position % (bytes.length - VALID_DATA_START))]! ^= mask;
        return bytes;
      }),
    );
    fc.assert(fc.property(mutated, (bytes) => {
      if (loadOrError(bytes, model)) loaded++;
    }), { seed: 7, numRuns: 500 });
    expect(loaded).toBeGreaterThan(0);
    expect(loaded).toBeLessThan(500);
  });
});
