/**
 * `pnpm bench`: gradlab side by side with TensorFlow.js (cpu and wasm
 * backends) and PyTorch, one thread each. Writes bench/results/latest.json
 * and bench/results/latest.md (the tables) and prints the tables.
 *
 * Every engine runs in its own process (so resident memory is its own):
 *   node bench/matmul.mjs <engine>            matmul GFLOP/s, 9 products
 *   node bench/train.mjs <engine> <A|B> <n>   samples/s and memory over n steps
 *   python3 bench/torch_bench.py ...          the same for PyTorch
 *
 * Options: --quick (fewer training steps, for a smoke test), --skip-matmul, --skip-train.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODELS, PRODUCTS } from './measure.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const quick = process.argv.includes('--quick');
const PYTHON = '/usr/bin/python3';
// One thread for every engine: BLAS and OpenMP read these.
const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

const ENGINES = ['gradlab-wasm', 'gradlab-tiled', 'tfjs-cpu', 'tfjs-wasm', 'pytorch', 'gradlab-2threads'];
const LABELS = {
  'gradlab-wasm': 'gradlab wasm', 'gradlab-tiled': 'gradlab TS tiled', gradlab: 'gradlab',
  'tfjs-cpu': 'TF.js cpu', 'tfjs-wasm': 'TF.js wasm', pytorch: 'PyTorch',
  'gradlab-2threads': 'gradlab wasm, 2 threads',
  'gradlab-kernels': 'gradlab + recommended kernels (what-if)',
};
/**
 * Training steps per engine: 2,000 where a step is fast; the TF.js backends
 * take 0.3 s (wasm) and 1 s (cpu) a step, so they run shorter, said in the table.
 */
const TRAIN_STEPS = quick
  ? { gradlab: 100, 'gradlab-kernels': 50, pytorch: 100, 'tfjs-wasm': 10, 'tfjs-cpu': 3 }
  : { gradlab: 2000, 'gradlab-kernels': 300, pytorch: 2000, 'tfjs-wasm': 100, 'tfjs-cpu': 20 };

/** Runs a benchmark process and returns the JSON objects it printed, one per line. */
function run(command, args) {
  const started = performance.now();
  process.stderr.write(`bench: ${command === process.execPath ? 'node' : command} ${args.join(' ')} ... `);
  const result = spawnSync(command, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  process.stderr.write(`${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  if (result.status !== 0) throw new Error(`bench: ${command} ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
}

function torchAvailable() {
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { env, encoding: 'utf8' });
  return probe.status === 0;
}

const hasTorch = torchAvailable();
const environment = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  logicalCpus: cpus().length,
  threads: 1,
  tfjs: '4.22.0',
  torch: hasTorch ? run(PYTHON, ['bench/torch_bench.py', 'version'])[0] : null,
  quick,
};
if (!hasTorch) console.log(`PyTorch was skipped: \`${PYTHON} -c 'import torch'\` failed.`);

const matmul = [];
if (!process.argv.includes('--skip-matmul')) {
  for (const engine of ENGINES) {
    if (engine === 'pytorch') {
      if (hasTorch) matmul.push(...run(PYTHON, ['bench/torch_bench.py', 'matmul']));
    } else {
      matmul.push(...run(process.execPath, ['bench/matmul.mjs', engine]));
    }
  }
}

const training = [];
if (!process.argv.includes('--skip-train')) {
  for (const model of Object.keys(MODELS)) {
    for (const engine of ['gradlab', 'gradlab-kernels', 'tfjs-cpu', 'tfjs-wasm', 'pytorch']) {
      const steps = String(TRAIN_STEPS[engine]);
      if (engine === 'pytorch') {
        if (hasTorch) training.push(...run(PYTHON, ['bench/torch_bench.py', 'train', model, steps]));
      } else {
        training.push(...run(process.execPath, ['--expose-gc', 'bench/train.mjs', engine, model, steps]));
      }
    }
  }
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
    `| product | ${oneThread.map((engine) => `${LABELS[engine]} GFLOP/s`).join(' | ')} | ${peers.map((engine) => `wasm / ${LABELS[engine]}`).join(' | ')} |${threads.map((engine) => ` ${LABELS[engine]} GFLOP/s |`).join('')}`,
    `|---|${oneThread.map(() => '---:').join('|')}|${peers.map(() => '---:').join('|')}|${threads.map(() => '---:|').join('')}`,
  ];
  for (const { name } of PRODUCTS) {
    const ours = gflops('gradlab-wasm', name);
    lines.push(`| ${name} | ${oneThread.map((engine) => fixed(gflops(engine, name))).join(' | ')} | ${peers.map((engine) => ratio(ours, gflops(engine, name))).join(' | ')} |${threads.map((engine) => ` ${fixed(gflops(engine, name))} |`).join('')}`);
  }
  return lines.join('\n');
}

function trainingTable() {
  const row = (engine, model) => training.find((entry) => entry.engine === engine && entry.model === model);
  const engines = ['gradlab', 'tfjs-cpu', 'tfjs-wasm', 'pytorch'].filter((engine) => training.some((entry) => entry.engine === engine));
  const peers = engines.filter((engine) => engine !== 'gradlab');
  const whatIf = training.some((entry) => entry.engine === 'gradlab-kernels') ? ['gradlab-kernels'] : [];
  const lines = [
    `| model (batch ${128}) | ${engines.map((engine) => `${LABELS[engine]} samples/s`).join(' | ')} | ${peers.map((engine) => `gradlab / ${LABELS[engine]}`).join(' | ')} |${whatIf.map((engine) => ` ${LABELS[engine]} samples/s | what-if / TF.js wasm | what-if / PyTorch |`).join('')}`,
    `|---|${engines.map(() => '---:').join('|')}|${peers.map(() => '---:').join('|')}|${whatIf.map(() => '---:|---:|---:|').join('')}`,
  ];
  for (const [key, model] of Object.entries(MODELS)) {
    const ours = row('gradlab', key)?.samplesPerSecond;
    const cells = whatIf.map((engine) => {
      const theirs = row(engine, key)?.samplesPerSecond;
      return ` ${fixed(theirs, 0)} | ${ratio(theirs, row('tfjs-wasm', key)?.samplesPerSecond)} | ${ratio(theirs, row('pytorch', key)?.samplesPerSecond)} |`;
    });
    lines.push(`| ${model.name} | ${engines.map((engine) => fixed(row(engine, key)?.samplesPerSecond, 0)).join(' | ')} | ${peers.map((engine) => ratio(ours, row(engine, key)?.samplesPerSecond)).join(' | ')} |${cells.join('')}`);
  }
  return lines.join('\n');
}

function memoryTable() {
  const lines = [
    '| engine | model | steps | RSS MiB (start / middle / end) | JS heap MiB (start / middle / end) | ArrayBuffers MiB (start / middle / end) |',
    '|---|---|---:|---|---|---|',
  ];
  for (const entry of training.filter((run) => run.engine !== 'gradlab-kernels')) {
    const series = (field) => entry.memory.map((sample) => fixed(sample[field])).join(' / ');
    lines.push(`| ${LABELS[entry.engine]} | ${entry.model} | ${entry.steps} | ${series('rssMiB')} | ${series('heapUsedMiB')} | ${series('arrayBuffersMiB')} |`);
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

## Matmul, GFLOP/s (2·m·k·n per product)

One thread each; the last column is gradlab's opt-in two-thread kernel, for comparison only.

${matmul.length > 0 ? matmulTable() : '(skipped)'}

## Training throughput: softmax cross-entropy, plain SGD (lr 0.01), batch 128

Each run is timed in 20 segments (one step per segment when the run is shorter); the figure is the median segment.
The what-if columns patch in the changes recommended for the autodiff path (bench/whatif.mjs: SGD as an axpy kernel, ReLU through the SIMD kernels; ${TRAIN_STEPS['gradlab-kernels']} steps): they are not the library as shipped.

${training.length > 0 ? trainingTable() : '(skipped)'}

## Memory over the training run (after a full GC where the engine allows; PyTorch: RSS only)

Steps: gradlab and PyTorch ${TRAIN_STEPS.gradlab}; TF.js wasm ${TRAIN_STEPS['tfjs-wasm']} and TF.js cpu ${TRAIN_STEPS['tfjs-cpu']} (a step takes them 0.3 s and 1 s).

${training.length > 0 ? memoryTable() : '(skipped)'}
`;

/** Temp file and rename: a reader never sees half a result. */
function writeAtomic(path, text) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

writeAtomic(join(here, 'results/latest.json'), `${JSON.stringify({ environment, matmul, training }, null, 2)}\n`);
writeAtomic(join(here, 'results/latest.md'), markdown);
console.log(markdown);
