/**
 * Where a gradlab training step spends its time. Not part of `pnpm bench`;
 * run by hand after `pnpm build`:
 *
 *   node bench/profile-step.mjs A      (or B)
 *
 * 1. A CPU profile of steady-state steps (node:inspector), self time grouped
 *    by what the code does.
 * 2. Interleaved rounds of timed steps, each split into the time spent inside
 *    matmulKernel (arithmetic, packing and the copies in and out of wasm
 *    memory) and everything else (the autodiff, the elementwise ops, SGD, the
 *    allocations and the garbage collector).
 * 3. The bound on what removing overheads can win: the step's own matmul
 *    calls, recorded once and replayed as the wasm kernel alone on operands
 *    already in its memory (packing and arithmetic only), in rounds
 *    interleaved with steps. If everything else were free (the copies into
 *    and out of wasm memory, the allocations, the autodiff, the elementwise
 *    ops, SGD), a step would take that long.
 *
 * The what-if variants this script used to time (SGD as one axpy, ReLU through
 * the SIMD kernels, the bias gradient as a matmul) have all shipped; see
 * docs/performance.md (their patches are in the git history, bench/whatif.mjs).
 */
import { Session } from 'node:inspector';
import { BATCH, LEARNING_RATE, MODELS, median } from './measure.mjs';

// As the gradlab CLI and the benchmark do: fused multiply-adds where relaxed SIMD can be enabled.
await import('../packages/core/dist/relaxed-simd.js');
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

// --- 1. the profile -----------------------------------------------------------

const CATEGORIES = [
  ['matmul arithmetic (wasm macro)', (f) => f.url.startsWith('wasm') && f.functionName === 'macro'],
  ['matmul packing (wasm)', (f) => f.url.startsWith('wasm') && /pack|element/.test(f.functionName)],
  ['elementwise kernels (wasm)', (f) => f.url.startsWith('wasm')],
  ['matmul copies in/out of wasm memory', (f) => /matmul-wasm/.test(f.url)],
  ['ReLU / SGD copies in/out of wasm memory', (f) => /kernels\/elementwise/.test(f.url)],
  ['ReLU forward/backward: allocations (core ops.js)', (f) => /core\/dist\/ops\.js/.test(f.url)],
  ['SGD step', (f) => /optim\/sgd/.test(f.url)],
  ['softmax cross-entropy', (f) => f.functionName === 'softmaxCrossEntropy'],
  ['linear: allocations, bias rows (functional.js)', (f) => /nn\/dist\/functional\.js/.test(f.url)],
  ['accumulateGrad / sumToShape copies', (f) => /core\/dist\/(autograd|broadcast)/.test(f.url)],
  ['garbage collector', (f) => f.functionName === '(garbage collector)'],
  // node:inspector's own message handling while it records: not part of a step.
  ['the profiler itself', (f) => f.functionName === 'dispatch' && f.url === ''],
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
const kernelName = `${core.activeMatmulKernelName()}${core.wasmMatmulInstructions?.() ? ` (${core.wasmMatmulInstructions()})` : ''}`;
console.log(`${model.name}, batch ${BATCH}, kernel ${kernelName}`);
console.log('\nSelf time per step, by what the code does (CPU profile of 30 steps):');
const { rows, top } = await profile(30);
for (const { category, msPerStep, share } of rows) {
  console.log(`  ${category.padEnd(50)} ${msPerStep.toFixed(2).padStart(6)} ms  ${(share * 100).toFixed(1).padStart(5)} %`);
}
console.log(`  (largest in 'other': ${top.join('; ')})`);

// --- 2. inside and outside matmulKernel ----------------------------------------

const kernel = core.setMatmulKernel(core.matmulTiled);
let matmulMs = 0;
core.setMatmulKernel((...args) => {
  const t0 = performance.now();
  kernel(...args);
  matmulMs += performance.now() - t0;
});
const ROUNDS = 15;
const STEPS = 10;
const stepMs = [];
const outsideMs = [];
for (let round = 0; round < ROUNDS; round++) {
  matmulMs = 0;
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) step();
  const ms = (performance.now() - t0) / STEPS;
  stepMs.push(ms);
  outsideMs.push(ms - matmulMs / STEPS);
}
core.setMatmulKernel(kernel);
const ms = median(stepMs);
const outside = median(outsideMs);
console.log(`\nMedian of ${ROUNDS} rounds of ${STEPS} steps: ${ms.toFixed(2)} ms/step (${((BATCH * 1000) / ms).toFixed(0)} samples/s), of which ${(ms - outside).toFixed(2)} ms inside matmulKernel and ${outside.toFixed(2)} ms outside it`);

// --- 3. the bound: the step's matmuls alone ---------------------------------------

const calls = [];
core.setMatmulKernel((a, b, c, m, k, n, transposeA, transposeB, accumulate) => {
  calls.push({ a: a.slice(), b: b.slice(), c: c.slice(), m, k, n, transposeA, transposeB, accumulate });
  kernel(a, b, c, m, k, n, transposeA, transposeB, accumulate);
});
step();
core.setMatmulKernel(kernel);
const flops = calls.reduce((sum, { m, k, n }) => sum + 2 * m * k * n, 0);
const { WasmMatmul } = await import('../packages/core/dist/kernels/matmul-wasm.js');
const wasm = core.wasmMatmulInstructions() === null ? null : WasmMatmul.create({ instructions: core.wasmMatmulInstructions() });
/** The wasm kernel alone: each product is staged first (untimed), then only `run` is timed. */
const kernelAlone = () => {
  let total = 0;
  for (const { a, b, c, m, k, n, transposeA, transposeB, accumulate } of calls) {
    const job = wasm.stage(a, b, c, m, k, n, transposeA, transposeB, accumulate);
    const t0 = performance.now();
    wasm.run(job);
    total += performance.now() - t0;
  }
  return total;
};
const bound = { step: [], kernel: [], ratio: [] };
for (let round = 0; round < ROUNDS; round++) {
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) step();
  bound.step.push((performance.now() - t0) / STEPS);
  if (wasm !== null) {
    let total = 0;
    for (let i = 0; i < STEPS; i++) total += kernelAlone();
    bound.kernel.push(total / STEPS);
    bound.ratio.push(bound.step.at(-1) / bound.kernel.at(-1));
  }
}
const gflops = (milliseconds) => (flops / milliseconds / 1e6).toFixed(1);
const boundStep = median(bound.step);
console.log(`\nThe step's ${calls.length} matmul calls (${(flops / 1e6).toFixed(0)} MFLOP), ${ROUNDS} interleaved rounds of ${STEPS}, medians:`);
console.log(`  the training step                                 ${boundStep.toFixed(2).padStart(6)} ms  (${gflops(boundStep)} GFLOP/s of matmul)`);
if (wasm !== null) {
  const boundKernel = median(bound.kernel);
  console.log(`  the wasm kernel alone (packing and arithmetic)    ${boundKernel.toFixed(2).padStart(6)} ms  (${gflops(boundKernel)} GFLOP/s)`);
  // The ratio is taken round by round (a step and the kernel timed back to back), then its median.
  console.log(`  so removing everything but the kernel would make a step at most ${median(bound.ratio).toFixed(2)}× faster`);
}
