/**
 * Where a gradlab training step spends its time, and what the recommended
 * changes to the autodiff path would save. Not part of `pnpm bench`; run by
 * hand after `pnpm build`:
 *
 *   node bench/profile-step.mjs A      (or B)
 *
 * 1. A CPU profile of steady-state steps (node:inspector), self time grouped
 *    by what the code does.
 * 2. What-if variants, patched in from this script only (the library files
 *    are untouched), timed in interleaved rounds so that a slow phase of the
 *    machine hits every variant alike:
 *      baseline        @gradlab/nn as it is
 *      +sgd-axpy       SGD.step as one float32 axpy kernel call per parameter
 *      +relu-kernels   ReLU forward/backward through the SIMD kernels
 *      +owned-grad     ...and its backward hands its fresh gradient array to
 *                      the input instead of accumulateGrad copying it
 *      +bias-matmul    the Dense bias gradient as ones(1×rows)·grad through
 *                      the matmul kernel instead of a float64 JS loop
 */
import { Session } from 'node:inspector';
import { BATCH, LEARNING_RATE, MODELS, median } from './measure.mjs';
import { whatIfPatches } from './whatif.mjs';

const modelKey = process.argv[2] ?? 'A';
const model = MODELS[modelKey];
const core = await import('../packages/core/dist/index.js');
const nn = await import('../packages/nn/dist/index.js');

const generator = new core.Generator(1);
const network = nn.mlp({ inputs: 784, hidden: model.hidden, outputs: 10, activation: 'relu', generator });
const optimizer = new nn.SGD(network.parameters(), { lr: LEARNING_RATE });
const x = new core.Tensor(Float32Array.from({ length: BATCH * 784 }, () => generator.uniform()), [BATCH, 784]);
const labels = Int32Array.from({ length: BATCH }, () => generator.integer(10));
const step = () => {
  optimizer.zeroGrad();
  const loss = nn.crossEntropy(network.forward(x), labels);
  loss.backward();
  optimizer.step();
};

// --- the patches -----------------------------------------------------------

const patches = await whatIfPatches();
let undo = [];
const use = (...apply) => () => {
  for (const restore of undo) restore();
  undo = apply.map((patch) => patch());
};
const VARIANTS = {
  baseline: use(),
  '+sgd-axpy': use(patches.sgdAxpy),
  '+relu-kernels': use(patches.sgdAxpy, () => patches.reluKernels(false)),
  '+owned-grad': use(patches.sgdAxpy, () => patches.reluKernels(true)),
  '+bias-matmul': use(patches.sgdAxpy, () => patches.reluKernels(true), patches.biasMatmul),
};

// --- 1. the profile -----------------------------------------------------------

const CATEGORIES = [
  ['matmul arithmetic (wasm macro)', (f) => f.url.startsWith('wasm') && f.functionName === 'macro'],
  ['matmul packing (wasm)', (f) => f.url.startsWith('wasm') && /pack|transpose|element/.test(f.functionName)],
  ['elementwise kernels (wasm)', (f) => f.url.startsWith('wasm')],
  ['matmul copies in/out of wasm memory', (f) => /matmul-wasm/.test(f.url)],
  ['ReLU forward/backward (core ops.js)', (f) => /core\/dist\/ops\.js/.test(f.url)],
  ['SGD step', (f) => /optim\/sgd/.test(f.url)],
  ['softmax cross-entropy', (f) => f.functionName === 'softmaxCrossEntropy'],
  ['linear: bias rows, bias gradient (functional.js)', (f) => /nn\/dist\/functional\.js/.test(f.url)],
  ['accumulateGrad / sumToShape copies', (f) => /core\/dist\/(autograd|broadcast)/.test(f.url)],
  ['garbage collector', (f) => f.functionName === '(garbage collector)'],
];

function post(session, method, params) {
  return new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
}

async function profile(steps) {
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: 200 });
  await post(session, 'Profiler.start');
  for (let i = 0; i < steps; i++) step();
  const { profile: cpuProfile } = await post(session, 'Profiler.stop');
  session.disconnect();
  const nodes = new Map(cpuProfile.nodes.map((node) => [node.id, node]));
  const totals = new Map();
  const others = new Map();
  let all = 0;
  cpuProfile.samples.forEach((id, i) => {
    const delta = cpuProfile.timeDeltas[i] ?? 0;
    const frame = nodes.get(id).callFrame;
    const category = CATEGORIES.find(([, test]) => test(frame))?.[0] ?? 'other';
    totals.set(category, (totals.get(category) ?? 0) + delta);
    if (category === 'other') {
      const name = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`;
      others.set(name, (others.get(name) ?? 0) + delta);
    }
    all += delta;
  });
  const top = [...others].sort((p, q) => q[1] - p[1]).slice(0, 5).map(([name, micros]) => `${name} ${(micros / 1000 / steps).toFixed(2)} ms`);
  const rows = [...totals].sort((p, q) => q[1] - p[1]).map(([category, micros]) => ({ category, msPerStep: micros / 1000 / steps, share: micros / all }));
  return { rows, top };
}

for (let i = 0; i < 10; i++) step();
console.log(`${model.name}, batch ${BATCH}, kernel ${(await import('../packages/core/dist/kernels/matmul.js')).activeMatmulKernelName()}`);
console.log('\nSelf time per step, by what the code does (CPU profile of 30 steps):');
const { rows, top } = await profile(30);
for (const { category, msPerStep, share } of rows) {
  console.log(`  ${category.padEnd(50)} ${msPerStep.toFixed(2).padStart(6)} ms  ${(share * 100).toFixed(1).padStart(5)} %`);
}
console.log(`  (largest in 'other': ${top.join('; ')})`);

// --- 2. the what-ifs ----------------------------------------------------------

const rounds = Object.fromEntries(Object.keys(VARIANTS).map((name) => [name, []]));
for (const [name, apply] of Object.entries(VARIANTS)) {
  apply();
  for (let i = 0; i < 3; i++) step();
}
for (let round = 0; round < 7; round++) {
  for (const [name, apply] of Object.entries(VARIANTS)) {
    apply();
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) step();
    rounds[name].push((performance.now() - t0) / 10);
  }
}
VARIANTS.baseline();
console.log('\nWhat-if (median of 7 interleaved rounds of 10 steps; each line includes the ones above):');
const baseMs = median(rounds.baseline);
for (const [name, times] of Object.entries(rounds)) {
  const ms = median(times);
  console.log(`  ${name.padEnd(16)} ${ms.toFixed(2).padStart(7)} ms/step  ${((BATCH * 1000) / ms).toFixed(0).padStart(6)} samples/s  ${(baseMs / ms).toFixed(2)}× baseline`);
}
