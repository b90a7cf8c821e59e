/**
 * `pnpm bench`: gradlab side by side with TensorFlow.js (cpu and wasm
 * backends) and PyTorch, one thread each. Writes bench/results/latest.json
 * and bench/results/latest.md (the tables) and prints the tables.
 *
 * Every engine is a long-lived process of its own (bench/engine.mjs, or
 * bench/torch_bench.py serve), so its resident memory is its own. The
 * coordinator takes the engines' timed samples in turn: repeat 1 of every
 * engine, then repeat 2 of every engine, and so on. On a shared machine whose
 * speed drifts from minute to minute, every engine then sees the same minutes
 * and the ratios stay fair.
 *
 * Options: --quick (fewer training steps, for a smoke test), --skip-matmul, --skip-train, --skip-mainjob.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { MAIN_JOB, MODELS, PRODUCTS, REPEATS, median } from './measure.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const quick = process.argv.includes('--quick');
const PYTHON = '/usr/bin/python3';
// One thread for every engine: BLAS and OpenMP read these.
const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

// gradlab-wasm and gradlab run the wasm kernel with fused multiply-adds (relaxed SIMD), as
// the gradlab CLI does; gradlab-simd128 the plain SIMD128 build a Node 20 program gets by default.
const ENGINES = ['gradlab-wasm', 'gradlab-simd128', 'gradlab-tiled', 'tfjs-cpu', 'tfjs-wasm', 'pytorch', 'gradlab-2threads'];
const TRAINING_ENGINES = ['gradlab', 'gradlab-eager', 'gradlab-simd128', 'tfjs-cpu', 'tfjs-wasm', 'pytorch'];
const LABELS = {
  'gradlab-wasm': 'gradlab wasm', 'gradlab-simd128': 'gradlab wasm SIMD128', 'gradlab-tiled': 'gradlab TS tiled',
  gradlab: 'gradlab', 'gradlab-eager': 'gradlab eager',
  'tfjs-cpu': 'TF.js cpu', 'tfjs-wasm': 'TF.js wasm', pytorch: 'PyTorch',
  'gradlab-2threads': 'gradlab wasm, 2 threads',
};
/**
 * Training steps per engine: 2,000 where a step is fast; the TF.js backends
 * take 0.3 s (wasm) and 1 s (cpu) a step, so they run shorter, said in the table.
 */
const TRAIN_STEPS = quick
  ? { gradlab: 100, 'gradlab-eager': 100, 'gradlab-simd128': 100, pytorch: 100, 'tfjs-wasm': 20, 'tfjs-cpu': 20 }
  : { gradlab: 2000, 'gradlab-eager': 2000, 'gradlab-simd128': 2000, pytorch: 2000, 'tfjs-wasm': 100, 'tfjs-cpu': 20 };
const SEGMENTS = 20;
const WARMUP_STEPS = { 'tfjs-cpu': 2 };

/** A running engine process, answering one JSON request per line. */
class Engine {
  constructor(name) {
    this.name = name;
    const [command, args] = name === 'pytorch'
      ? [PYTHON, ['bench/torch_bench.py', 'serve']]
      : [process.execPath, ['--expose-gc', 'bench/engine.mjs', name]];
    this.child = spawn(command, args, { cwd: root, env, stdio: ['pipe', 'pipe', 'inherit'] });
    this.replies = [];
    this.waiting = [];
    // TensorFlow.js prints a banner on stdout: only JSON lines are replies.
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const reply = JSON.parse(line);
      const resolve = this.waiting.shift();
      if (resolve) resolve(reply);
      else this.replies.push(reply);
    });
  }

  async request(message) {
    this.child.stdin.write(`${JSON.stringify(message)}\n`);
    const reply = this.replies.length > 0 ? this.replies.shift() : await new Promise((resolve) => this.waiting.push(resolve));
    if (reply.error) throw new Error(`bench: ${reply.error}`);
    return reply;
  }

  /** Time per run, in ms, of `count` runs of the task set up last. */
  async sample(count) {
    return (await this.request({ op: 'sample', count })).ms;
  }

  close() {
    this.child.stdin.end();
  }
}

function torchAvailable() {
  return spawnSync(PYTHON, ['-c', 'import torch'], { env, encoding: 'utf8' }).status === 0;
}

const hasTorch = torchAvailable();
const environment = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  logicalCpus: cpus().length,
  threads: 1,
  tfjs: '4.22.0',
  torch: hasTorch ? JSON.parse(spawnSync(PYTHON, ['bench/torch_bench.py', 'version'], { cwd: root, env, encoding: 'utf8' }).stdout) : null,
  interleaved: true,
  quick,
};
if (!hasTorch) console.log(`PyTorch was skipped: \`${PYTHON} -c 'import torch'\` failed.`);
const log = (text) => process.stderr.write(`bench: ${text}\n`);

/** Runs of the probe per sample: about 50 ms on a quiet core. */
const PROBE_RUNS = 16;

/**
 * Starts the machine-phase probe (bench/engine.mjs, `probe`); `sample()` gives
 * its GFLOP/s now, or null where the wasm kernel cannot run (the column then reads –).
 */
async function startProbe() {
  const engine = new Engine('probe');
  let flops;
  try {
    ({ flops } = await engine.request({ op: 'setup', task: 'probe' }));
    await engine.sample(PROBE_RUNS);
  } catch (error) {
    log(`the probe is skipped: ${error.message}`);
    return { sample: async () => null, close: () => engine.close() };
  }
  return { sample: async () => flops / ((await engine.sample(PROBE_RUNS)) * 1e6), close: () => engine.close() };
}

/** The probe's GFLOP/s over one section: median, lowest and highest (null without a probe). */
function phase(readings) {
  const samples = readings.filter((reading) => reading !== null);
  if (samples.length === 0) return { probeGflops: null, probeMin: null, probeMax: null, probeSamples: 0 };
  return { probeGflops: median(samples), probeMin: Math.min(...samples), probeMax: Math.max(...samples), probeSamples: samples.length };
}

/** Matmul: for each product, warm every engine up, then REPEATS interleaved samples of ~100 ms each. */
async function benchMatmul() {
  const engines = ENGINES.filter((name) => name !== 'pytorch' || hasTorch).map((name) => new Engine(name));
  const probe = await startProbe();
  const rows = [];
  for (const product of PRODUCTS) {
    const started = performance.now();
    const inner = new Map();
    for (const engine of engines) {
      await engine.request({ op: 'setup', task: 'matmul', product });
      let once = await engine.sample(1);
      if (once < 500) once = await engine.sample(1);
      inner.set(engine, Math.max(1, Math.round(100 / once)));
    }
    const samples = new Map(engines.map((engine) => [engine, []]));
    const probeSamples = [];
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      for (const engine of engines) samples.get(engine).push(await engine.sample(inner.get(engine)));
      probeSamples.push(await probe.sample());
    }
    phases.push({ section: 'matmul', product: product.name, ...phase(probeSamples) });
    for (const engine of engines) {
      const times = samples.get(engine);
      const { m, k, n } = product;
      rows.push({
        engine: engine.name, product: product.name, form: product.form, m, k, n,
        gflops: (2 * m * k * n) / (median(times) * 1e6), medianMs: median(times), minMs: Math.min(...times),
        repeats: REPEATS, inner: inner.get(engine),
      });
    }
    log(`${product.name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  for (const engine of engines) engine.close();
  probe.close();
  return rows;
}

/**
 * Training, one model at a time with fresh processes: warm-up, then SEGMENTS
 * rounds in which every engine runs 1/SEGMENTS of its steps; throughput is
 * the median segment. Memory is sampled after warm-up, at the middle and at the end.
 */
async function benchTraining(modelKey) {
  const started = performance.now();
  const engines = TRAINING_ENGINES.filter((name) => name !== 'pytorch' || hasTorch).map((name) => new Engine(name));
  const probe = await startProbe();
  const probeSamples = [];
  const runs = new Map();
  for (const engine of engines) {
    const { kernel } = await engine.request({ op: 'setup', task: 'train', model: modelKey });
    await engine.sample(WARMUP_STEPS[engine.name] ?? 5);
    runs.set(engine, { kernel, segmentMs: [], memory: [await engine.request({ op: 'memory', step: 0 })] });
  }
  for (let segment = 0; segment < SEGMENTS; segment++) {
    for (const engine of engines) {
      const run = runs.get(engine);
      run.segmentMs.push(await engine.sample(TRAIN_STEPS[engine.name] / SEGMENTS));
      if (segment === SEGMENTS / 2 - 1 || segment === SEGMENTS - 1) {
        run.memory.push(await engine.request({ op: 'memory', step: ((segment + 1) * TRAIN_STEPS[engine.name]) / SEGMENTS }));
      }
    }
    probeSamples.push(await probe.sample());
  }
  for (const engine of engines) engine.close();
  probe.close();
  phases.push({ section: 'training', model: modelKey, ...phase(probeSamples) });
  log(`training ${modelKey}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return engines.map((engine) => {
    const { kernel, segmentMs, memory } = runs.get(engine);
    const msPerStep = median(segmentMs);
    return {
      engine: engine.name, model: modelKey, kernel, steps: TRAIN_STEPS[engine.name], segments: SEGMENTS, msPerStep,
      samplesPerSecond: (128 * 1000) / msPerStep, bestSamplesPerSecond: (128 * 1000) / Math.min(...segmentMs), memory,
    };
  });
}

/** The engines of the main job: gradlab as its CLI trains, and PyTorch. */
const MAIN_JOB_ENGINES = ['gradlab', 'gradlab-eager', 'pytorch'];
/** Epochs of every network in the main job (--quick: 2). */
const MAIN_JOB_EPOCHS = quick ? 2 : MAIN_JOB.epochs;

/**
 * The main job: each engine trains the three networks one epoch at a time (relu, leaky-relu,
 * sigmoid, relu, …), and the engines take turns epoch by epoch, so every engine sees the same
 * minutes. PyTorch reads the same training images from a temporary file the coordinator writes.
 * Reported: the sum of the epochs (the job's training time), per network and in all.
 */
async function benchMainJob() {
  const started = performance.now();
  const { loadData } = await import('../packages/examples/dist/data/load.js');
  const { train } = loadData({});
  const dataPath = join(tmpdir(), `gradlab-bench-mainjob-${process.pid}.bin`);
  const bytes = new Uint8Array(train.images.byteLength + train.labels.byteLength);
  bytes.set(new Uint8Array(train.images.buffer, train.images.byteOffset, train.images.byteLength), 0);
  bytes.set(new Uint8Array(train.labels.buffer, train.labels.byteOffset, train.labels.byteLength), train.images.byteLength);
  writeFileSync(dataPath, bytes);
  const engines = MAIN_JOB_ENGINES.filter((name) => name !== 'pytorch' || hasTorch).map((name) => new Engine(name));
  const probe = await startProbe();
  const probeSamples = [];
  const runs = new Map();
  try {
    for (const engine of engines) {
      const { kernel } = await engine.request({ op: 'setup', task: 'mainjob', data: dataPath, count: train.count, job: MAIN_JOB });
      runs.set(engine, { kernel, epochMs: [] });
    }
    for (let round = 0; round < MAIN_JOB_EPOCHS * MAIN_JOB.activations.length; round++) {
      for (const engine of engines) runs.get(engine).epochMs.push(await engine.sample(1));
      probeSamples.push(await probe.sample());
    }
  } finally {
    for (const engine of engines) engine.close();
    probe.close();
    rmSync(dataPath, { force: true });
  }
  phases.push({ section: 'mainjob', ...phase(probeSamples) });
  log(`main job: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const networks = MAIN_JOB.activations.length;
  return engines.map((engine) => {
    const { kernel, epochMs } = runs.get(engine);
    const sum = (values) => values.reduce((total, value) => total + value, 0);
    const perActivation = Object.fromEntries(MAIN_JOB.activations.map((activation, a) => [activation, sum(epochMs.filter((_, i) => i % networks === a)) / 1000]));
    return { engine: engine.name, kernel, epochs: MAIN_JOB_EPOCHS, trainImages: train.count, epochMs, seconds: sum(epochMs) / 1000, perActivation };
  });
}

/** The machine-phase probe's readings, one entry per matmul product and per trained model. */
const phases = [];
const matmul = process.argv.includes('--skip-matmul') ? [] : await benchMatmul();
const mainJob = process.argv.includes('--skip-mainjob') ? [] : await benchMainJob();
const training = [];
if (!process.argv.includes('--skip-train')) {
  for (const model of Object.keys(MODELS)) training.push(...(await benchTraining(model)));
}

// ---------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------

const fixed = (value, digits = 1) => (value === undefined || value === null ? '–' : value.toFixed(digits));
const ratio = (ours, theirs) => (ours === undefined || theirs === undefined ? '–' : `${(ours / theirs).toFixed(2)}×`);

function matmulTable() {
  const gflops = (engine, product) => matmul.find((row) => row.engine === engine && row.product === product)?.gflops;
  const present = ENGINES.filter((engine) => matmul.some((row) => row.engine === engine));
  const peers = present.filter((engine) => !engine.startsWith('gradlab'));
  const threads = present.includes('gradlab-2threads') ? ['gradlab-2threads'] : [];
  const oneThread = present.filter((engine) => engine !== 'gradlab-2threads');
  const lines = [
    `| product | ${oneThread.map((engine) => `${LABELS[engine]} GFLOP/s`).join(' | ')} | ${peers.map((engine) => `wasm / ${LABELS[engine]}`).join(' | ')} |${threads.map((engine) => ` ${LABELS[engine]} GFLOP/s |`).join('')} probe GFLOP/s |`,
    `|---|${oneThread.map(() => '---:').join('|')}|${peers.map(() => '---:').join('|')}|${threads.map(() => '---:|').join('')}---:|`,
  ];
  for (const { name } of PRODUCTS) {
    const ours = gflops('gradlab-wasm', name);
    const probe = phases.find((entry) => entry.section === 'matmul' && entry.product === name)?.probeGflops;
    lines.push(`| ${name} | ${oneThread.map((engine) => fixed(gflops(engine, name))).join(' | ')} | ${peers.map((engine) => ratio(ours, gflops(engine, name))).join(' | ')} |${threads.map((engine) => ` ${fixed(gflops(engine, name))} |`).join('')} ${fixed(probe)} |`);
  }
  return lines.join('\n');
}

function trainingTable() {
  const row = (engine, model) => training.find((entry) => entry.engine === engine && entry.model === model);
  const engines = TRAINING_ENGINES.filter((engine) => training.some((entry) => entry.engine === engine));
  const peers = engines.filter((engine) => !engine.startsWith('gradlab'));
  const lines = [
    `| model (batch ${128}) | ${engines.map((engine) => `${LABELS[engine]} samples/s`).join(' | ')} | ${peers.map((engine) => `gradlab / ${LABELS[engine]}`).join(' | ')} | probe GFLOP/s |`,
    `|---|${engines.map(() => '---:').join('|')}|${peers.map(() => '---:').join('|')}|---:|`,
  ];
  for (const [key, model] of Object.entries(MODELS)) {
    const ours = row('gradlab', key)?.samplesPerSecond;
    const probe = phases.find((entry) => entry.section === 'training' && entry.model === key)?.probeGflops;
    lines.push(`| ${model.name} | ${engines.map((engine) => fixed(row(engine, key)?.samplesPerSecond, 0)).join(' | ')} | ${peers.map((engine) => ratio(ours, row(engine, key)?.samplesPerSecond)).join(' | ')} | ${fixed(probe)} |`);
  }
  return lines.join('\n');
}

function mainJobTable() {
  const row = (engine) => mainJob.find((entry) => entry.engine === engine);
  const engines = MAIN_JOB_ENGINES.filter((engine) => row(engine) !== undefined);
  const torch = row('pytorch');
  const probe = phases.find((entry) => entry.section === 'mainjob')?.probeGflops;
  const lines = [
    `| engine | ${MAIN_JOB.activations.map((activation) => `${activation} s`).join(' | ')} | all three s | PyTorch time / engine time | probe GFLOP/s |`,
    `|---|${MAIN_JOB.activations.map(() => '---:').join('|')}|---:|---:|---:|`,
  ];
  for (const engine of engines) {
    const entry = row(engine);
    lines.push(`| ${LABELS[engine]} | ${MAIN_JOB.activations.map((activation) => fixed(entry.perActivation[activation], 2)).join(' | ')} | ${fixed(entry.seconds, 2)} | ${torch === undefined ? '–' : ratio(torch.seconds, entry.seconds)} | ${fixed(probe)} |`);
  }
  return lines.join('\n');
}

function memoryTable() {
  const lines = [
    '| engine | model | steps | RSS MiB (start / middle / end) | JS heap MiB (start / middle / end) | ArrayBuffers MiB (start / middle / end) | arena MiB | the same arrays unshared MiB |',
    '|---|---|---:|---|---|---|---:|---:|',
  ];
  const mib = (bytes) => (bytes === undefined ? '–' : (bytes / 2 ** 20).toFixed(2));
  for (const entry of training) {
    const series = (field) => entry.memory.map((sample) => fixed(sample[field])).join(' / ');
    const last = entry.memory.at(-1);
    lines.push(`| ${LABELS[entry.engine]} | ${entry.model} | ${entry.steps} | ${series('rssMiB')} | ${series('heapUsedMiB')} | ${series('arrayBuffersMiB')} | ${mib(last.arenaBytes)} | ${mib(last.eagerArrayBytes)} |`);
  }
  return lines.join('\n');
}

const torchLine = environment.torch === null
  ? 'PyTorch: skipped (`import torch` failed).'
  : `PyTorch ${environment.torch.torch} with ${environment.torch.blas}, torch.set_num_threads(1).`;
const markdown = `# gradlab benchmark

${environment.date} · Node ${environment.node} · ${environment.cpu} (${environment.logicalCpus} logical CPUs) · one thread per engine${quick ? ' · QUICK RUN' : ''}

TensorFlow.js ${environment.tfjs} (\`cpu\` backend; \`wasm\` backend with setThreadsCount(1)). ${torchLine}
Each figure is the median of ${5} timed repeats after warm-up. Reproduce with \`pnpm bench\`.

The last column of each table says how quiet the machine was: a probe, sampled in the same rounds as the
engines, that runs gradlab's micro-kernel on packed panels held in the L1 cache (fused multiply-adds fed by
loads; no packing, no copies), median GFLOP/s. On a quiet core it reads about 31 GFLOP/s, near the ceiling
of WebAssembly SIMD with FMA (16 flops a cycle, about 34 GFLOP/s at 2.1 GHz); when another hyper-thread
shares the core it drops, and the engines' figures drop with it.

## Matmul, GFLOP/s (2·m·k·n per product)

One thread each, but the column before the probe: gradlab's opt-in two-thread kernel, for comparison only.
"gradlab wasm" multiplies and adds with fused multiply-adds (relaxed SIMD: Node 22, or Node 20 with
\`import '@gradlab/core/relaxed-simd'\` first, as the gradlab CLI does); "gradlab wasm SIMD128" is the same
kernel built with a multiply and an add, which a Node 20 program gets without the flag. The ratios are of "gradlab wasm".

${matmul.length > 0 ? matmulTable() : '(skipped)'}

## The main job: \`gradlab dead-neurons\`'s training, one seed

${MAIN_JOB.name}: ${mainJob[0]?.trainImages ?? '–'} training images, ${MAIN_JOB_EPOCHS} epochs${quick ? ' (QUICK RUN)' : ''}; training only, no measurements,
after an untimed warm-up epoch of each network of another seed.
Each engine trains its three networks one epoch at a time, and the engines take turns epoch by epoch. Times are the sum of the epochs, in seconds;
the ratio above 1 means gradlab was faster. "gradlab" trains through the CLI's own loop (startTraining, trainEpoch: captured steps), "gradlab eager"
through the same loop without capture (\`capture: false\`); PyTorch trains the same
network (same initialisation scheme, Adam, the same images, batches drawn by torch.randperm) with torch.set_num_threads(1).

${mainJob.length > 0 ? mainJobTable() : '(skipped)'}

## Training throughput: softmax cross-entropy, plain SGD (lr 0.01), batch 128

Each run is timed in ${SEGMENTS} segments, the engines' segments taken in turn; the figure is the median segment.
"gradlab" trains as the gradlab CLI does (fused multiply-adds, the step captured by captureStep); "gradlab eager" the same without capture;
"gradlab wasm SIMD128" captured, with the plain build. The ratios are of "gradlab".

${training.length > 0 ? trainingTable() : '(skipped)'}

## Memory over the training run (after a full GC where the engine allows; PyTorch: RSS only)

Steps: gradlab (every variant) and PyTorch ${TRAIN_STEPS.gradlab}; TF.js wasm ${TRAIN_STEPS['tfjs-wasm']} and TF.js cpu ${TRAIN_STEPS['tfjs-cpu']} (a step takes them 0.3 s and 1 s). Memory is sampled after warm-up, half-way and at the end.
"arena MiB" is the captured step's one wasm memory (parameters, gradients, activations, scratch); the last column is what the same
arrays take when every one has memory of its own, as in an eager step (which also has its kernels' own wasm memories).

${training.length > 0 ? memoryTable() : '(skipped)'}
`;

/** Temp file and rename: a reader never sees half a result. */
function writeAtomic(path, text) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

writeAtomic(join(here, 'results/latest.json'), `${JSON.stringify({ environment, matmul, mainJob, training, phases }, null, 2)}\n`);
writeAtomic(join(here, 'results/latest.md'), markdown);
console.log(markdown);
