/**
 * The safetensors format (https://github.com/huggingface/safetensors), for
 * float32 tensors only:
 *
 *   bytes 0..7     N, the header length: unsigned 64-bit little-endian
 *   bytes 8..8+N   the header: UTF-8 JSON, padded with spaces to a multiple of 8
 *                  { "<name>": { "dtype": "F32", "shape": [..], "data_offsets": [start, end] },
 *                    "__metadata__": { "<key>": "<string value>" } }
 *   bytes 8+N..    the data: every tensor's float32 values, little-endian,
 *                  at [start, end) counted from the start of the data
 *
 * The decoder trusts nothing in the file: every length and offset is checked
 * against the bytes actually present before it is used, and the data
 * section must be covered exactly, with no overlaps and no holes (as the
 * reference implementation requires).
 */
import { Tensor, checkShape, formatShape, sizeOf } from '@gradlab/core';

/** A header longer than this is refused as corrupt rather than parsed. */
export const MAX_HEADER_BYTES = 100_000_000;

/** The reserved header key holding string metadata. */
const METADATA_KEY = '__metadata__';

/** What `decodeSafetensors` returns. */
export interface DecodedSafetensors {
  /** The tensors by name, in the order of their data offsets. */
  tensors: Record<string, Tensor>;
  /** The `__metadata__` strings ({} if absent). */
  metadata: Record<string, string>;
}

/**
 * Serialises float32 tensors and string metadata to safetensors bytes.
 *
 * @example
 * const bytes = encodeSafetensors({ weight: tensor([[1, 2]]) }, { note: 'hi' });
 * decodeSafetensors(bytes).tensors.weight.toArray(); // [[1, 2]]
 */
export function encodeSafetensors(tensors: Readonly<Record<string, Tensor>>, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') {
      throw new Error(`encodeSafetensors: metadata '${key}' must be a string (safetensors metadata is string to string), got ${typeof value}`);
    }
  }
  // Built as a list of entries and turned into an object by Object.fromEntries,
  // never by assignment: `header['__proto__'] = …` would set the object's
  // prototype instead of adding a key, and that tensor would vanish from the header.
  const header: Array<[string, unknown]> = [];
  if (Object.keys(metadata).length > 0) header.push([METADATA_KEY, { ...metadata }]);
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    if (name === '' || name === METADATA_KEY) throw new Error(`encodeSafetensors: '${name}' cannot be a tensor name`);
    if (!(tensor instanceof Tensor)) throw new Error(`encodeSafetensors: '${name}' is not a Tensor`);
    const end = offset + tensor.size * 4;
    header.push([name, { dtype: 'F32', shape: [...tensor.shape], data_offsets: [offset, end] }]);
    offset = end;
  }
  const json = new TextEncoder().encode(JSON.stringify(Object.fromEntries(header)));
  const padded = Math.ceil(json.length / 8) * 8;
  const bytes = new Uint8Array(8 + padded + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(padded), true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + padded); // spaces: still valid JSON
  let position = 8 + padded;
  for (const tensor of Object.values(tensors)) {
    // Each float32 is copied as its 32-bit pattern, through a Uint32Array view:
    // a trip through a JS number could change a NaN's payload bits. DataView
    // with littleEndian = true writes the same bytes on any machine.
    const words = new Uint32Array(tensor.data.buffer, tensor.data.byteOffset, tensor.size);
    for (let i = 0; i < words.length; i++, position += 4) view.setUint32(position, words[i]!, true);
  }
  return bytes;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses safetensors bytes, validating everything; `source` (a file name)
 * starts every error message.
 *
 * @example
 * const { tensors, metadata } = decodeSafetensors(readFileSync('model.safetensors'), 'model.safetensors');
 */
export function decodeSafetensors(bytes: Uint8Array, source = '<buffer>'): DecodedSafetensors {
  function fail(message: string): never {
    throw new Error(`safetensors: ${source}: ${message}`);
  }
  if (bytes.length < 8) {
    fail(`the file is ${bytes.length} bytes long, too short for the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const claimed = view.getBigUint64(0, true);
  if (claimed > BigInt(MAX_HEADER_BYTES)) {
    fail(`the header length ${claimed} is absurd (more than ${MAX_HEADER_BYTES} bytes); the file is corrupt or not safetensors`);
  }
  const headerLength = Number(claimed);
  if (8 + headerLength > bytes.length) {
    fail(`the header claims ${headerLength} bytes but only ${bytes.length - 8} follow the length (the file is truncated or corrupt)`);
  }

  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
    header = JSON.parse(text);
  } catch (error) {
    fail(`the header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(header)) fail('the header is not a JSON object');
  const entries = header as Record<string, unknown>;

  // Results are built with Object.fromEntries, never by assignment, so a key
  // such as "__proto__" in a hostile file becomes a plain (and then
  // unexpected) key instead of changing an object's prototype.
  const metadataEntries: Array<[string, string]> = [];
  const rawMetadata = entries[METADATA_KEY];
  if (rawMetadata !== undefined) {
    if (!isPlainObject(rawMetadata)) fail(`'${METADATA_KEY}' must be an object of strings`);
    for (const [key, value] of Object.entries(rawMetadata as Record<string, unknown>)) {
      if (typeof value !== 'string') fail(`metadata '${key}' must be a string, got ${JSON.stringify(value)}`);
      metadataEntries.push([key, value as string]);
    }
  }

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const layout: Array<{ name: string; shape: number[]; start: number; end: number }> = [];
  for (const [name, entry] of Object.entries(entries)) {
    if (name === METADATA_KEY) continue;
    if (!isPlainObject(entry)) fail(`tensor '${name}': its header entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (dtype !== 'F32') {
      fail(`tensor '${name}': dtype ${JSON.stringify(dtype)} is not supported; gradlab reads only F32`);
    }
    if (!Array.isArray(shape) || !shape.every((dim) => Number.isInteger(dim) && dim >= 0)) {
      fail(`tensor '${name}': shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    }
    try {
      checkShape(`tensor '${name}'`, shape as number[]);
    } catch (error) {
      fail((error as Error).message);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((offset) => Number.isSafeInteger(offset) && offset >= 0)) {
      fail(`tensor '${name}': data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`);
    }
    const [start, end] = offsets as [number, number];
    if (start > end || end > dataLength) {
      fail(`tensor '${name}': data_offsets [${start}, ${end}] lie outside the ${dataLength} bytes of data`);
    }
    const expectedBytes = sizeOf(shape as number[]) * 4;
    if (end - start !== expectedBytes) {
      fail(`tensor '${name}': data_offsets [${start}, ${end}] span ${end - start} bytes but shape ${formatShape(shape as number[])} of F32 needs ${expectedBytes}`);
    }
    layout.push({ name, shape: shape as number[], start, end });
  }

  // Sorted by offset, each tensor must start exactly where the previous one
  // ended: anything else is an overlap (two tensors sharing bytes) or a hole.
  layout.sort((a, b) => a.start - b.start || a.end - b.end);
  let covered = 0;
  for (const { name, start, end } of layout) {
    if (start < covered) fail(`tensor '${name}': data_offsets [${start}, ${end}] overlap the previous tensor, which ends at ${covered}`);
    if (start > covered) fail(`tensor '${name}': data_offsets [${start}, ${end}] leave bytes ${covered}..${start} unused`);
    covered = end;
  }
  if (covered !== dataLength) {
    fail(`the tensors cover ${covered} bytes of data but the file holds ${dataLength} (trailing garbage or a truncated header)`);
  }

  const tensors = Object.fromEntries(layout.map(({ name, shape, start, end }): [string, Tensor] => {
    const data = new Float32Array((end - start) / 4);
    const words = new Uint32Array(data.buffer); // bit patterns, as in the encoder
    for (let i = 0; i < words.length; i++) words[i] = view.getUint32(dataStart + start + 4 * i, true);
    return [name, new Tensor(data, shape)];
  }));
  return { tensors, metadata: Object.fromEntries(metadataEntries) };
}
