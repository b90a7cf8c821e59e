/** What every benchmark measures, and how it times it. */

/** The products: the three sizes, each plain and in the two transposed forms the backward pass needs. */
export const PRODUCTS = [];
// The main job's layers are 64 wide (batch 64): (64×784)·(784×64) and (64×64)·(64×64) are its products.
for (const [m, k, n] of [[64, 784, 64], [64, 64, 64], [128, 784, 256], [128, 256, 256], [1024, 1024, 1024]]) {
  for (const [form, transposeA, transposeB] of [['A·B', false, false], ['Aᵀ·B', true, false], ['A·Bᵀ', false, true]]) {
    PRODUCTS.push({ name: `(${m}×${k})·(${k}×${n}) ${form}`, form, m, k, n, transposeA, transposeB });
  }
}

/** The two training models: 784 → hidden (ReLU) → 10, softmax cross-entropy, plain SGD, batch 128. */
export const MODELS = {
  A: { name: 'MLP A: 784 → 8×256 ReLU → 10', hidden: Array(8).fill(256) },
  B: { name: 'MLP B: 784 → 20×128 ReLU → 10', hidden: Array(20).fill(128) },
};
export const BATCH = 128;

/**
 * The main job: \`gradlab dead-neurons\`'s default training, one seed. 784 → 10×64 → 10, batch 64,
 * Adam (lr 0.005), 10 epochs over the 8,000 embedded training images (125 steps each), once per
 * activation. No measurements: the training alone. One timed segment = one epoch of one network.
 */
export const MAIN_JOB = {
  name: 'main job: 784 → 10×64 → 10, batch 64, Adam, 10 epochs × 3 activations',
  depth: 10, width: 64, batch: 64, lr: 0.005, epochs: 10, negativeSlope: 0.01,
  activations: ['relu', 'leaky-relu', 'sigmoid'],
};
export const LEARNING_RATE = 0.01;

/** Minimum repeats timed after warm-up; the figure reported is their median. */
export const REPEATS = 5;

function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Times `run`: warm-up calls (they also let V8 tier the code up; one is
 * enough for a call slower than half a second), then REPEATS samples of
 * `inner` calls each, `inner` chosen so a sample lasts about 100 ms.
 * Returns the median time of one call.
 */
export function measure(run) {
  let start = performance.now();
  run();
  let once = performance.now() - start;
  if (once < 500) {
    start = performance.now();
    run();
    once = Math.max(performance.now() - start, 1e-3);
  }
  const inner = Math.max(1, Math.round(100 / once));
  const samples = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) run();
    samples.push((performance.now() - t0) / inner);
  }
  return { medianMs: median(samples), minMs: Math.min(...samples), repeats: REPEATS, inner };
}

export { median };

/** Resident set and JS heap, in MiB, after a full garbage collection when --expose-gc is on. */
export function memorySample(step) {
  globalThis.gc?.();
  const usage = process.memoryUsage();
  const mib = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
  return { step, rssMiB: mib(usage.rss), heapUsedMiB: mib(usage.heapUsed), arrayBuffersMiB: mib(usage.arrayBuffers) };
}

/**
 * Runs `steps` training steps of `step()`, timing segments of `segment` steps;
 * throughput is the median segment (after `warmup` untimed steps). Memory is
 * sampled after warm-up, at the middle and at the end.
 */
export function trainLoop(step, { steps, segment, warmup }) {
  for (let i = 0; i < warmup; i++) step();
  const memory = [memorySample(0)];
  const segmentMs = [];
  let done = 0;
  while (done < steps) {
    const count = Math.min(segment, steps - done);
    const t0 = performance.now();
    for (let i = 0; i < count; i++) step();
    segmentMs.push((performance.now() - t0) / count);
    done += count;
    if (memory.length === 1 && done >= steps / 2) memory.push(memorySample(done));
  }
  memory.push(memorySample(done));
  const msPerStep = median(segmentMs);
  const bestMsPerStep = Math.min(...segmentMs);
  return {
    steps, segments: segmentMs.length, msPerStep, samplesPerSecond: (BATCH * 1000) / msPerStep,
    bestSamplesPerSecond: (BATCH * 1000) / bestMsPerStep, memory,
  };
}
