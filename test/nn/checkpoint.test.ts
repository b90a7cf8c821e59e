import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Generator, Tensor, randn, tensor, zeros } from '@gradlab/core';
import { MAX_HEADER_BYTES, VERSION, decodeSafetensors, encodeSafetensors, load, mlp, save, type Module } from '@gradlab/nn';

const directory = mkdtempSync(join(tmpdir(), 'gradlab-checkpoint-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const file = (name: string) => join(directory, name);

const build = (seed: string) => mlp({ inputs: 3, hidden: [6, 4], outputs: 2, activation: 'prelu', preluPerUnit: true, generator: new Generator(seed) });
const snapshot = (model: Module) => model.parameters().map((p) => Array.from(p.data));
const bits = (t: Tensor) => Array.from(new Uint32Array(Float32Array.from(t.data).buffer));

/** A hand-made safetensors file: 8-byte length, the given header text, then `data`. */
function rawFile(headerText: string, data: Uint8Array = new Uint8Array(0), claimedLength?: bigint): Uint8Array {
  const header = new TextEncoder().encode(headerText);
  const bytes = new Uint8Array(8 + header.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, claimedLength ?? BigInt(header.length), true);
  bytes.set(header, 8);
  bytes.set(data, 8 + header.length);
  return bytes;
}

describe('safetensors encoding', () => {
  it('writes the documented layout: u64 LE header length, JSON padded with spaces to 8 bytes, LE float32 data', () => {
    const bytes = encodeSafetensors({ a: tensor([1, -2]), b: tensor([[0.5]]) }, { note: 'x' });
    const view = new DataView(bytes.buffer);
    const headerLength = Number(view.getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const headerText = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
    expect(headerText.trimEnd().length).toBeLessThanOrEqual(headerLength);
    expect(headerText.slice(headerText.trimEnd().length)).toMatch(/^ *$/);
    expect(JSON.parse(headerText)).toEqual({
      __metadata__: { note: 'x' },
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [1, 1], data_offsets: [8, 12] },
    });
    const data = 8 + headerLength;
    expect(bytes.length).toBe(data + 12);
    expect([view.getFloat32(data, true), view.getFloat32(data + 4, true), view.getFloat32(data + 8, true)]).toEqual([1, -2, 0.5]);
  });

  it('round-trips shapes, metadata and every bit (-0, the smallest denormal, -3.4e38, Infinity)', () => {
    const odd = new Tensor(Float32Array.from([-0, 1e-45, -3.4e38, Infinity, 0.1]), [5]);
    const decoded = decodeSafetensors(encodeSafetensors({ odd, scalar: tensor(7), empty: zeros([0, 3]) }, { k: 'v' }));
    expect(decoded.metadata).toEqual({ k: 'v' });
    expect(bits(decoded.tensors.odd!)).toEqual(bits(odd));
    expect(decoded.tensors.scalar!.shape).toEqual([]);
    expect(decoded.tensors.empty!.shape).toEqual([0, 3]);
  });

  it('refuses metadata that is not a string', () => {
    expect(() => encodeSafetensors({}, { epoch: 3 as unknown as string })).toThrow("encodeSafetensors: metadata 'epoch' must be a string");
  });
});

describe('compatibility with the reference safetensors package', () => {
  // test/fixtures/torch/nn-safetensors.json holds a file written by Python's
  // safetensors.numpy.save (see scripts/torch-fixtures/nn.py).
  interface Reference {
    fileBase64: string;
    metadata: Record<string, string>;
    tensors: Record<string, { shape: number[]; data: number[] }>;
  }
  const reference = JSON.parse(readFileSync(new URL('../fixtures/torch/nn-safetensors.json', import.meta.url), 'utf8')) as Reference;

  it('reads a file written by the reference implementation', () => {
    const decoded = decodeSafetensors(Buffer.from(reference.fileBase64, 'base64'), 'reference');
    expect(decoded.metadata).toEqual(reference.metadata);
    expect(Object.keys(decoded.tensors).sort()).toEqual(Object.keys(reference.tensors).sort());
    for (const [name, expected] of Object.entries(reference.tensors)) {
      expect(decoded.tensors[name]!.shape, name).toEqual(expected.shape);
      expect(Array.from(decoded.tensors[name]!.data), name).toEqual(expected.data.map(Math.fround));
    }
  });

  it('writes the same tensors and metadata the reference file holds when given them back', () => {
    const decoded = decodeSafetensors(Buffer.from(reference.fileBase64, 'base64'), 'reference');
    const again = decodeSafetensors(encodeSafetensors(decoded.tensors, decoded.metadata));
    expect(again.metadata).toEqual(reference.metadata);
    for (const [name, t] of Object.entries(decoded.tensors)) expect(bits(again.tensors[name]!)).toEqual(bits(t));
  });
});

describe('save and load', () => {
  it('round-trip a model: same parameters, bit-identical outputs', () => {
    const original = build('original');
    const path = file('model.safetensors');
    save(original, path, { epoch: '3' });
    const restored = build('a different init');
    const x = randn([5, 3], { generator: new Generator(1) });
    expect(bits(restored.forward(x))).not.toEqual(bits(original.forward(x)));
    const metadata = load(restored, path);
    expect(bits(restored.forward(x))).toEqual(bits(original.forward(x)));
    expect(snapshot(restored)).toEqual(snapshot(original));
    expect(metadata).toEqual({
      format: 'gradlab',
      'gradlab.version': VERSION,
      architecture: 'Sequential(Dense(3, 6), PReLU(numParameters=6), Dense(6, 4), PReLU(numParameters=4), Dense(4, 2))',
      epoch: '3',
    });
  });

  it('keys are the stateDict keys', () => {
    const model = build('keys');
    save(model, file('keys.safetensors'));
    const { tensors } = decodeSafetensors(readFileSync(file('keys.safetensors')));
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(model.stateDict()).sort());
  });

  it('writes atomically: the old file survives a failed write and no temporary file is left behind', () => {
    const path = file('atomic.safetensors');
    save(build('first'), path);
    const before = readFileSync(path);
    // A metadata value that is not a string makes encoding fail before anything is written.
    expect(() => save(build('second'), path, { bad: 1 as unknown as string })).toThrow('must be a string');
    expect(readFileSync(path).equals(before)).toBe(true);
    // Renaming onto a directory fails after the temporary file was written: it must be removed.
    const aDirectory = file('a-directory');
    mkdirSync(aDirectory);
    expect(() => save(build('third'), aDirectory)).toThrow(/EISDIR|ENOTEMPTY|EEXIST|EPERM/);
    expect(readdirSync(directory).filter((name) => name.includes('.tmp-'))).toEqual([]);
    save(build('third'), path);
    expect(readFileSync(path).equals(before)).toBe(false);
    expect(readdirSync(directory).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('version metadata matches package.json', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../packages/nn/package.json', import.meta.url), 'utf8')) as { version: string };
    expect(VERSION).toBe(manifest.version);
  });
});

describe('loading refuses every kind of corrupt or mismatched file, naming the file and the key', () => {
  const model = build('target');
  const goodBytes = () => encodeSafetensors(build('source').stateDict());
  const headerOf = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const dataOf = (bytes: Uint8Array) => bytes.subarray(8 + Number(new DataView(bytes.buffer).getBigUint64(0, true)));
  const withHeader = (edit: (header: ReturnType<typeof headerOf>) => void, data?: Uint8Array) => {
    const bytes = goodBytes();
    const header = headerOf(bytes);
    edit(header);
    return rawFile(JSON.stringify(header), data ?? dataOf(bytes));
  };

  const cases: Array<[string, () => Uint8Array, RegExp]> = [
    ['an empty file', () => new Uint8Array(0), /bad\.safetensors: the file is 0 bytes long, too short for the 8-byte header length/],
    ['a 5-byte file', () => new Uint8Array(5), /the file is 5 bytes long, too short/],
    ['a header longer than the file (truncated)', () => goodBytes().subarray(0, 40), /the header claims \d+ bytes but only 32 follow the length \(the file is truncated or corrupt\)/],
    ['an absurd header length', () => rawFile('{}', new Uint8Array(0), 2n ** 62n), new RegExp(`the header length ${2n ** 62n} is absurd \\(more than ${MAX_HEADER_BYTES} bytes\\)`)],
    ['a header that is not JSON', () => rawFile('{"a": [1, 2'), /the header is not valid UTF-8 JSON/],
    ['a header that is not UTF-8', () => { const b = rawFile('{"a":1}'); b[9] = 0xff; return b; }, /the header is not valid UTF-8 JSON/],
    ['a header that is a JSON array', () => rawFile('[1, 2]'), /the header is not a JSON object/],
    ['a non-F32 dtype', () => withHeader((h) => { h['layers.0.bias']!.dtype = 'F16'; }), /tensor 'layers\.0\.bias': dtype "F16" is not supported; gradlab reads only F32/],
    ['a bad shape', () => withHeader((h) => { h['layers.0.bias']!.shape = [-6]; }), /tensor 'layers\.0\.bias': shape \[-6\] is not a list of non-negative integers/],
    ['offsets past the end of the data', () => withHeader((h) => { const o = h['layers.4.bias']!.data_offsets; h['layers.4.bias']!.data_offsets = [o[0] + 4, o[1] + 4]; }),
      /tensor 'layers\.4\.bias': data_offsets \[\d+, \d+\] lie outside the \d+ bytes of data/],
    ['offsets that do not match the shape', () => withHeader((h) => { h['layers.0.bias']!.shape = [5]; }),
      /tensor 'layers\.0\.bias': data_offsets \[\d+, \d+\] span 24 bytes but shape \[5\] of F32 needs 20/],
    ['overlapping tensors', () => withHeader((h) => { h['layers.0.bias']!.data_offsets = [0, 24]; }),
      /tensor 'layers\.0\.weight': data_offsets \[0, 72\] overlap the previous tensor, which ends at 24/],
    ['trailing bytes after the last tensor', () => { const bytes = goodBytes(); const longer = new Uint8Array(bytes.length + 4); longer.set(bytes); return longer; },
      /the tensors cover \d+ bytes of data but the file holds \d+/],
    ['metadata that is not strings', () => withHeader((h) => { (h as Record<string, unknown>).__metadata__ = { epoch: 3 }; }), /metadata 'epoch' must be a string, got 3/],
    ['a missing key', () => { const state = build('source').stateDict(); delete state['layers.2.bias']; return encodeSafetensors(state); },
      /load: .*bad\.safetensors: loadStateDict: Sequential: missing keys 'layers\.2\.bias'/],
    ['an extra key', () => encodeSafetensors({ ...build('source').stateDict(), 'layers.9.weight': zeros([2]) }),
      /load: .*bad\.safetensors: loadStateDict: Sequential: unexpected keys 'layers\.9\.weight'/],
    ['a "__proto__" tensor name (an extra key, not a prototype change)', () => {
      const bytes = goodBytes();
      const header = headerOf(bytes);
      const data = dataOf(bytes);
      const text = JSON.stringify(header).slice(0, -1) + `,"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[${data.length},${data.length + 4}]}}`;
      const longer = new Uint8Array(data.length + 4);
      longer.set(data);
      return rawFile(text, longer);
    }, /unexpected keys '__proto__'/],
    ['a tensor of the wrong shape', () => encodeSafetensors({ ...build('source').stateDict(), 'layers.1.negativeSlope': zeros([5]) }),
      /'layers\.1\.negativeSlope' has shape \[5\] but the model's is \[6\]/],
  ];

  it.each(cases)('%s', (_, makeBytes, message) => {
    const path = file('bad.safetensors');
    writeFileSync(path, makeBytes());
    const before = snapshot(model);
    expect(() => load(model, path)).toThrow(message);
    expect(snapshot(model)).toEqual(before);
  });

  it('the overlap check itself fires on overlapping offsets of equal total size', () => {
    // Two 2-element tensors claiming [0,8] and [4,12] in 12 bytes of data.
    const bytes = rawFile(JSON.stringify({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }), new Uint8Array(12));
    expect(() => decodeSafetensors(bytes, 'overlap.safetensors')).toThrow("safetensors: overlap.safetensors: tensor 'b': data_offsets [4, 12] overlap the previous tensor, which ends at 8");
    const hole = rawFile(JSON.stringify({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }), new Uint8Array(8));
    expect(() => decodeSafetensors(hole, 'hole.safetensors')).toThrow("tensor 'a': data_offsets [4, 8] leave bytes 0..4 unused");
  });

  it('never allocates from an unchecked header length (a 2^60-byte claim in a 16-byte file fails fast)', () => {
    const bytes = rawFile('{}      ', new Uint8Array(0), 2n ** 60n);
    expect(() => decodeSafetensors(bytes, 'huge.safetensors')).toThrow('is absurd');
    const claimsMore = rawFile('{}      ', new Uint8Array(0), 1000n);
    expect(() => decodeSafetensors(claimsMore, 'short.safetensors')).toThrow('the header claims 1000 bytes but only 8 follow the length');
  });

  it('a missing file is reported by the file system with its path', () => {
    const missing = file('does-not-exist.safetensors');
    expect(() => load(model, missing)).toThrow(new Error(`load: cannot read ${missing}: it does not exist (ENOENT); check the path`));
  });
});
