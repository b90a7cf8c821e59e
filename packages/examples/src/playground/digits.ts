/**
 * The embedded MNIST digits as one compact binary file, for the playground
 * page: a browser has no `mnist` package to read, so the build packs the
 * digits `loadEmbeddedMnist` returns into a file the page fetches, and the
 * page unpacks the very same Float32Array values (bit for bit, which the
 * tests check), so that it trains on the numbers `gradlab dead-neurons` does.
 *
 * The 7,840,000 grey values take only 256 distinct float32 values, so each
 * pixel is stored as a one-byte index into a palette of them:
 *
 *   bytes 0-3    "GLD1" (the format)
 *   bytes 4-15   count, rows, cols: uint32 little-endian
 *   bytes 16-19  palette size P (1…256): uint32 little-endian
 *   then         P float32 palette values (little-endian), count labels (one byte each),
 *                count·rows·cols pixel indices (one byte each)
 */
import type { Dataset } from '../data/dataset.js';

const MAGIC = 'GLD1';
const HEADER_BYTES = 20;

/**
 * Packs a dataset whose pixels take at most 256 distinct float32 values.
 * Throws, naming the count, if they take more.
 *
 * @example
 * const bytes = packDigits(loadEmbeddedMnist()); // 7,850,044 bytes
 */
export function packDigits(dataset: Dataset): Uint8Array {
  // Keyed by each value's float32 bits, so that the palette holds exactly the values stored.
  const bits = new Uint32Array(dataset.images.buffer, dataset.images.byteOffset, dataset.images.length);
  const palette = new Map<number, number>();
  for (const pattern of bits) {
    if (palette.has(pattern)) continue;
    if (palette.size === 256) throw new Error('packDigits: the pixels take more than 256 distinct values');
    palette.set(pattern, palette.size);
  }
  const bytes = new Uint8Array(HEADER_BYTES + palette.size * 4 + dataset.count + bits.length);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 4; i++) bytes[i] = MAGIC.charCodeAt(i);
  view.setUint32(4, dataset.count, true);
  view.setUint32(8, dataset.rows, true);
  view.setUint32(12, dataset.cols, true);
  view.setUint32(16, palette.size, true);
  let at = HEADER_BYTES;
  for (const pattern of palette.keys()) {
    view.setUint32(at, pattern, true);
    at += 4;
  }
  bytes.set(dataset.labels.subarray(0, dataset.count), at);
  at += dataset.count;
  for (let i = 0; i < bits.length; i++) bytes[at + i] = palette.get(bits[i]!)!;
  return bytes;
}

/**
 * Unpacks what `packDigits` wrote, checking the format, the sizes and every
 * index and label; throws an Error naming what is wrong.
 *
 * @example
 * const digits = unpackDigits(new Uint8Array(await (await fetch('mnist-digits.bin')).arrayBuffer()));
 */
export function unpackDigits(bytes: Uint8Array): Dataset {
  const fail = (problem: string): never => {
    throw new Error(`unpackDigits: ${problem}`);
  };
  if (bytes.length < HEADER_BYTES || String.fromCharCode(...bytes.subarray(0, 4)) !== MAGIC) fail(`not a packed digits file (no "${MAGIC}" header)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(4, true);
  const rows = view.getUint32(8, true);
  const cols = view.getUint32(12, true);
  const paletteSize = view.getUint32(16, true);
  if (paletteSize < 1 || paletteSize > 256) fail(`palette size ${paletteSize} is outside 1…256`);
  const pixels = count * rows * cols;
  const expected = HEADER_BYTES + paletteSize * 4 + count + pixels;
  if (bytes.length !== expected) fail(`${bytes.length} bytes, expected ${expected} for ${count} images of ${rows}x${cols}`);
  const palette = new Uint32Array(paletteSize);
  for (let i = 0; i < paletteSize; i++) palette[i] = view.getUint32(HEADER_BYTES + i * 4, true);
  const labelsAt = HEADER_BYTES + paletteSize * 4;
  const labels = bytes.slice(labelsAt, labelsAt + count);
  if (labels.some((label) => label > 9)) fail('a label is outside 0…9');
  const images = new Float32Array(pixels);
  const bits = new Uint32Array(images.buffer);
  const indicesAt = labelsAt + count;
  for (let i = 0; i < pixels; i++) {
    const index = bytes[indicesAt + i]!;
    if (index >= paletteSize) fail(`pixel ${i} indexes palette entry ${index} of ${paletteSize}`);
    bits[i] = palette[index]!;
  }
  if (images.some((value) => !(value >= 0 && value <= 1))) fail('a pixel value is outside [0, 1]');
  return { images, labels, count, rows, cols };
}
