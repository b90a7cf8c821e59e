/**
 * Reader for the IDX format of the original MNIST files
 * (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-…, or as Kaggle's
 * copy spells them, train-images.idx3-ubyte …), raw or gzipped.
 *
 * Layout: a 4-byte magic number [0, 0, dataType, dimensionCount], then one
 * big-endian uint32 per dimension, then the values row-major. MNIST uses only
 * dataType 0x08 (unsigned byte), the one type read here.
 *
 * Every length is checked against the header before anything is allocated, so
 * a corrupt header can neither crash the reader nor make it allocate gigabytes.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readRegularFile } from '@gradlab/nn';
import type { Dataset } from './dataset.js';

/** The unsigned-byte data type code of the IDX format. */
export const IDX_UNSIGNED_BYTE = 0x08;

/** The largest decompressed IDX file accepted (the full MNIST training images are 47 MB). */
export const MAX_IDX_BYTES = 256 * 1024 * 1024;

/** An IDX array: its dimensions and its bytes (row-major). */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

const DATA_TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64',
};

/**
 * Parses the bytes of an IDX file. `fileName` appears in every error.
 * Shape rule: the payload must hold exactly product(dims) bytes.
 *
 * @example
 * parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 7, 3]), 'labels'); // { dims: [2], data: [7, 3] }
 */
export function parseIdx(bytes: Uint8Array, fileName: string): IdxArray {
  if (bytes.length < 4) throw new Error(`idx: ${fileName} is ${bytes.length} bytes long, too short for the 4-byte IDX magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(`idx: ${fileName} does not start with an IDX magic number (expected bytes 00 00, got ${hex(bytes[0]!)} ${hex(bytes[1]!)})`);
  }
  const dataType = bytes[2]!;
  const dimensionCount = bytes[3]!;
  if (dataType !== IDX_UNSIGNED_BYTE) {
    const name = DATA_TYPE_NAMES[dataType] ?? 'unknown';
    throw new Error(`idx: ${fileName} has data type 0x${hex(dataType)} (${name}); only unsigned byte (0x08) IDX files are supported`);
  }
  if (dimensionCount === 0) throw new Error(`idx: ${fileName} declares 0 dimensions`);
  const headerLength = 4 + 4 * dimensionCount;
  if (bytes.length < headerLength) {
    throw new Error(`idx: ${fileName} is ${bytes.length} bytes long, too short for a header with ${dimensionCount} dimensions (${headerLength} bytes)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  // Exact even for 255 dimensions of 2^32 - 1, where a float product would
  // round or overflow to Infinity (and 0 × Infinity is NaN).
  let expected = 1n;
  for (let d = 0; d < dimensionCount; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    dims.push(size);
    expected *= BigInt(size);
  }
  const payload = bytes.length - headerLength;
  if (BigInt(payload) !== expected) {
    // 255 dimensions of 2^32 - 1 multiply to a number of 2,500 digits; no file that long can exist.
    const size = expected <= BigInt(Number.MAX_SAFE_INTEGER) ? `${expected}` : `more than ${Number.MAX_SAFE_INTEGER}`;
    throw new Error(`idx: ${fileName} has dimensions ${formatDims(dims)} (${size} bytes of data) but ${payload} bytes follow the header`);
  }
  // No copy: the array is a view of the file's bytes, sized by the bytes actually present.
  return { dims, data: bytes.subarray(headerLength) };
}

/**
 * Reads an IDX file from disk, gunzipping it first when it starts with the
 * gzip signature (1f 8b), whatever its name. Neither the file nor what it
 * decompresses to may be larger than `maxBytes` (MAX_IDX_BYTES by default):
 * decompression stops at that size, so a gzip bomb cannot exhaust memory.
 *
 * @example
 * readIdxFile('mnist/t10k-labels-idx1-ubyte.gz'); // { dims: [10000], data: Uint8Array(10000) }
 */
export function readIdxFile(path: string, maxBytes = MAX_IDX_BYTES): IdxArray {
  let bytes: Uint8Array = readRegularFile(path, { maxBytes, reader: 'idx' });
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (error) {
      const tooLarge = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
      const reason = tooLarge ? `it expands to more than the ${maxBytes}-byte limit` : (error as Error).message;
      throw new Error(`idx: ${path} looks gzipped but cannot be decompressed: ${reason}`);
    }
  }
  return parseIdx(bytes, path);
}

/**
 * The names an MNIST file goes by: the original (`train-images-idx3-ubyte`),
 * Kaggle's copy (`train-images.idx3-ubyte`), and each gzipped (`.gz`).
 *
 * @example
 * idxFileNames('t10k-labels-idx1-ubyte');
 * // ['t10k-labels-idx1-ubyte', 't10k-labels-idx1-ubyte.gz', 't10k-labels.idx1-ubyte', 't10k-labels.idx1-ubyte.gz']
 */
export function idxFileNames(name: string): string[] {
  const kaggle = name.replace(/-(idx\d-ubyte)$/, '.$1');
  return [name, `${name}.gz`, kaggle, `${kaggle}.gz`];
}

/** Finds the file `name` stands for in `dir`, under any of its names (idxFileNames). */
function findIdxFile(dir: string, name: string): string {
  const names = idxFileNames(name);
  for (const candidate of names) {
    const path = join(dir, candidate);
    if (existsSync(path)) return path;
  }
  throw new Error(`idx: ${dir} has no ${names.slice(0, -1).join(', ')} or ${names.at(-1)}`);
}

/**
 * Pairs an images file ([count, rows, cols]) with a labels file ([count],
 * digits 0-9) into a Dataset with pixels scaled to [0, 1].
 */
export function idxToDataset(images: IdxArray, labels: IdxArray, imagesName: string, labelsName: string): Dataset {
  if (images.dims.length !== 3) {
    throw new Error(`idx: ${imagesName} should hold images [count, rows, cols] but has dimensions ${formatDims(images.dims)}`);
  }
  if (labels.dims.length !== 1) {
    throw new Error(`idx: ${labelsName} should hold labels [count] but has dimensions ${formatDims(labels.dims)}`);
  }
  const [count, rows, cols] = images.dims as [number, number, number];
  // Consistent files, but nothing a network can train on.
  if (count === 0) throw new Error(`idx: ${imagesName} holds no images (dimensions ${formatDims(images.dims)})`);
  if (rows === 0 || cols === 0) throw new Error(`idx: ${imagesName} holds images of ${rows}x${cols} pixels; an image needs at least one pixel`);
  if (labels.dims[0] !== count) {
    throw new Error(`idx: ${imagesName} has ${count} images but ${labelsName} has ${labels.dims[0]} labels`);
  }
  const badLabel = labels.data.findIndex((label) => label > 9);
  if (badLabel >= 0) throw new Error(`idx: ${labelsName} has label ${labels.data[badLabel]} at position ${badLabel}; digits are 0-9`);
  const pixels = new Float32Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i]! / 255;
  return { images: pixels, labels: Uint8Array.from(labels.data), count, rows, cols };
}

/**
 * Loads the standard MNIST files from a directory:
 * train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
 * t10k-labels-idx1-ubyte, each raw or with a .gz suffix, or with Kaggle's
 * names (train-images.idx3-ubyte, …).
 *
 * @example
 * const { train, test } = loadMnistDirectory('./mnist'); // 60,000 and 10,000 images
 */
export function loadMnistDirectory(dir: string): { train: Dataset; test: Dataset } {
  return { train: loadMnistFiles(dir, 'train'), test: loadMnistFiles(dir, 't10k') };
}

/**
 * Loads one pair of MNIST files from a directory: `train` (60,000 images) or
 * `t10k` (the 10,000 test images), under any of the names loadMnistDirectory takes.
 * A folder that holds only the test files is enough for `loadMnistFiles(dir, 't10k')`.
 *
 * @example
 * const test = loadMnistFiles('./mnist', 't10k'); // 10,000 images
 */
export function loadMnistFiles(dir: string, set: 'train' | 't10k'): Dataset {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`idx: --data-dir ${dir} is not a directory`);
  const imagesPath = findIdxFile(dir, `${set}-images-idx3-ubyte`);
  const labelsPath = findIdxFile(dir, `${set}-labels-idx1-ubyte`);
  return idxToDataset(readIdxFile(imagesPath), readIdxFile(labelsPath), basename(imagesPath), basename(labelsPath));
}

/**
 * Encodes an unsigned-byte IDX file; used by tests and for writing small
 * datasets in the same format the reader takes.
 */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const headerLength = 4 + 4 * dims.length;
  const bytes = new Uint8Array(headerLength + data.length);
  bytes[2] = IDX_UNSIGNED_BYTE;
  bytes[3] = dims.length;
  const view = new DataView(bytes.buffer);
  dims.forEach((size, d) => view.setUint32(4 + 4 * d, size, false));
  bytes.set(data, headerLength);
  return bytes;
}

/** "[60000,28,28]"; past 8 dimensions only the first 8 and the count, so a hostile header cannot flood the message. */
function formatDims(dims: readonly number[]): string {
  return dims.length <= 8 ? `[${dims.join(',')}]` : `[${dims.slice(0, 8).join(',')},…] (${dims.length} dimensions)`;
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
