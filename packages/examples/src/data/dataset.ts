/**
 * A labelled image dataset held in one flat Float32Array, the form every
 * loader in data/ produces and every experiment consumes.
 */

/** Images (row-major, one after another, values in [0, 1]) with one label per image. */
export interface Dataset {
  /** `count * rows * cols` pixel values in [0, 1]. */
  readonly images: Float32Array;
  /** The digit (0-9) of each image. */
  readonly labels: Uint8Array;
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
}

/** Number of pixels in one image of the dataset. */
export function pixelsPerImage(dataset: Dataset): number {
  return dataset.rows * dataset.cols;
}

/**
 * The images at the given positions, in that order, as a new dataset.
 *
 * @example
 * const firstTen = subset(mnist, Array.from({ length: 10 }, (_, i) => i));
 */
export function subset(dataset: Dataset, indices: ArrayLike<number>): Dataset {
  const pixels = pixelsPerImage(dataset);
  const images = new Float32Array(indices.length * pixels);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const source = indices[i]!;
    if (!Number.isInteger(source) || source < 0 || source >= dataset.count) {
      throw new Error(`subset: index ${source} is outside the dataset of ${dataset.count} images`);
    }
    images.set(dataset.images.subarray(source * pixels, (source + 1) * pixels), i * pixels);
    labels[i] = dataset.labels[source]!;
  }
  return { images, labels, count: indices.length, rows: dataset.rows, cols: dataset.cols };
}

/** How many images of each digit 0-9 the dataset holds. */
export function countPerLabel(dataset: Dataset, classes = 10): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const label of dataset.labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

/**
 * The first `count` images (all of them when count is 0 or at least the
 * dataset's size), sharing memory with the dataset. A split is already in a
 * seeded random order, so this is a random sample.
 *
 * @example
 * const probe = firstImages(train, 1000);
 */
export function firstImages(dataset: Dataset, count: number): Dataset {
  if (count <= 0 || count >= dataset.count) return dataset;
  const pixels = pixelsPerImage(dataset);
  return {
    images: dataset.images.subarray(0, count * pixels),
    labels: dataset.labels.subarray(0, count),
    count,
    rows: dataset.rows,
    cols: dataset.cols,
  };
}
