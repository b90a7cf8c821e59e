/**
 * One benchmark engine as a long-lived process, driven by bench/run.mjs: one
 * JSON request per line on stdin, one JSON reply per line on stdout. Keeping
 * every engine alive lets the coordinator take their timed samples in turn,
 * so a slow minute of a shared machine hits all engines alike instead of
 * whichever happened to run then.
 *
 * Usage: node --expose-gc bench/engine.mjs <engine>
 *   matmul engines:   gradlab-wasm, gradlab-simd128, gradlab-tiled, gradlab-2threads, tfjs-cpu, tfjs-wasm
 *   training engines: gradlab, gradlab-eager, gradlab-simd128, tfjs-cpu, tfjs-wasm
 *   (gradlab and gradlab-simd128 train through captureStep, as the gradlab CLI does; gradlab-eager does not)
 *   probe:            the machine-phase probe (below): the kernel's inner loop on data in L1
 * The gradlab engines import @gradlab/core/relaxed-simd first, as the gradlab
 * CLI does, so their wasm kernel uses fused multiply-adds; gradlab-simd128
 * does not, and runs the plain SIMD128 build that a program on Node 20 gets
 * without the flag.
 * Requests:
 *   { "op": "setup", "task": "matmul", "product": {...} }   -> { "kernel": ... }
 *   { "op": "setup", "task": "train", "model": "A" }        -> { "kernel": ... }
 *   { "op": "setup", "task": "probe" }                      -> { "kernel": ..., "flops": per run }
 *   { "op": "setup", "task": "mainjob" }                    -> { "kernel": ... }; each run is one epoch of one
 *                                                              network, the networks taking turns
 *   { "op": "sample", "count": n }  runs the task n times   -> { "ms": time per run }
 *   { "op": "memory", "step": s }                           -> { "step", "rssMiB", "heapUsedMiB", "arrayBuffersMiB" }
 *
 * The training step: a fixed batch of 128 random inputs in [0, 1) with random
 * labels (seeded), softmax cross-entropy, plain SGD (lr 0.01), so the
 * benchmark times the arithmetic of a step, not data loading.
 *   gradlab:          @gradlab/nn's public API (mlp, crossEntropy, SGD), the step captured (captureStep)
 *   tfjs-*:           the same network from tf ops (matMul, add, relu,
 *                     tf.losses.softmaxCrossEntropy) minimised by tf.train.sgd
 */
import { createInterface } from 'node:readline';
import { BATCH, LEARNING_RATE, MAIN_JOB, MODELS, memorySample } from './measure.mjs';

const engine = process.argv[2];
if ((engine.startsWith('gradlab') && engine !== 'gradlab-simd128') || engine === 'probe') {
  await import('../packages/core/dist/relaxed-simd.js');
}

/** The kernel a gradlab engine runs, e.g. 'wasm (relaxed-simd)'. */
async function gradlabKernelName() {
  const { activeMatmulKernelName, wasmMatmulInstructions } = await import('../packages/core/dist/kernels/matmul.js');
  return `${activeMatmulKernelName()} (${wasmMatmulInstructions()})`;
}

let tfjs = null;
/** TensorFlow.js with the engine's backend on one thread, loaded once. */
async function loadTfjs() {
  if (tfjs !== null) return tfjs;
  const tf = await import('@tensorflow/tfjs-core');
  await import('./tfjs-gradients.mjs');
  await import('@tensorflow/tfjs-backend-cpu');
  if (engine === 'tfjs-wasm') (await import('@tensorflow/tfjs-backend-wasm')).setThreadsCount(1);
  await tf.setBackend(engine === 'tfjs-wasm' ? 'wasm' : 'cpu');
  await tf.ready();
  tfjs = tf;
  return tf;
}

/** Returns { run, kernel }: one multiplication of the product. */
async function setUpMatmul({ m, k, n, transposeA, transposeB }) {
  if (engine.startsWith('gradlab')) {
    const kernels = await import('../packages/core/dist/kernels/matmul.js');
    const kernel = {
      'gradlab-wasm': kernels.matmulWasm, 'gradlab-simd128': kernels.matmulWasm, 'gradlab-tiled': kernels.matmulTiled,
      'gradlab-2threads': kernels.matmulThreads(),
    }[engine];
    if (kernel === null || kernel === undefined) throw new Error(`${engine}: kernel not available (was \`pnpm build\` run?)`);
    const a = new Float32Array(m * k).map((_, i) => Math.sin(i));
    const b = new Float32Array(k * n).map((_, i) => Math.cos(i));
    const c = new Float32Array(m * n);
    return {
      run: () => kernel(a, b, c, m, k, n, transposeA, transposeB, false),
      kernel: engine === 'gradlab-tiled' ? 'tiled' : `${engine} (${kernels.wasmMatmulInstructions()})`,
    };
  }
  const tf = await loadTfjs();
  const a = tf.randomUniform(transposeA ? [k, m] : [m, k], -1, 1, 'float32', 1);
  const b = tf.randomUniform(transposeB ? [n, k] : [k, n], -1, 1, 'float32', 2);
  const run = () => {
    const c = tf.matMul(a, b, transposeA, transposeB);
    c.dataSync();
    c.dispose();
  };
  return { run, kernel: tf.getBackend() };
}

/** Returns { run, kernel }: one training step of the model. */
async function setUpTraining(modelKey) {
  const model = MODELS[modelKey];
  if (engine === 'gradlab' || engine === 'gradlab-eager' || engine === 'gradlab-simd128') {
    const { Generator, Tensor, captureStep } = await import('../packages/core/dist/index.js');
    const { mlp, crossEntropy, SGD } = await import('../packages/nn/dist/index.js');
    const generator = new Generator(1);
    const network = mlp({ inputs: 784, hidden: model.hidden, outputs: 10, activation: 'relu', generator });
    const optimizer = new SGD(network.parameters(), { lr: LEARNING_RATE });
    const inputs = new Float32Array(BATCH * 784);
    for (let i = 0; i < inputs.length; i++) inputs[i] = generator.uniform();
    const x = new Tensor(inputs, [BATCH, 784]);
    const labels = Int32Array.from({ length: BATCH }, () => generator.integer(10));
    const body = (inputs, targets) => {
      optimizer.zeroGrad();
      const loss = crossEntropy(network.forward(inputs), targets);
      loss.backward();
      optimizer.step();
      return loss;
    };
    // gradlab and gradlab-simd128 capture the step, as the gradlab CLI's trainers do; gradlab-eager does not.
    const step = engine === 'gradlab-eager' ? body : captureStep(body);
    const run = () => step(x, labels);
    const arena = () => (step.plans === undefined ? {} : { arenaBytes: step.plans[0]?.arenaBytes, eagerArrayBytes: step.plans[0] && step.plans[0].persistentBytes + step.plans[0].unsharedTemporaryBytes, eagerReason: step.eagerReason });
    return { run, arena, kernel: `${await gradlabKernelName()}${engine === 'gradlab-eager' ? ', eager' : ', captured'}` };
  }
  const tf = await loadTfjs();
  const widths = [784, ...model.hidden, 10];
  const weights = [];
  const biases = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    // He-normal initialisation, as gradlab's mlp uses for ReLU.
    weights.push(tf.variable(tf.randomNormal([widths[i], widths[i + 1]], 0, Math.sqrt(2 / widths[i]), 'float32', i + 1)));
    biases.push(tf.variable(tf.zeros([widths[i + 1]])));
  }
  const x = tf.randomUniform([BATCH, 784], 0, 1, 'float32', 100);
  const labels = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32', 101), 10);
  const optimizer = tf.train.sgd(LEARNING_RATE);
  const loss = () => {
    let h = x;
    for (let i = 0; i < weights.length; i++) {
      h = tf.add(tf.matMul(h, weights[i]), biases[i]);
      if (i + 1 < weights.length) h = tf.relu(h);
    }
    return tf.losses.softmaxCrossEntropy(labels, h);
  };
  const run = () => {
    const value = optimizer.minimize(loss, true);
    value.dataSync();
    value.dispose();
  };
  return { run, kernel: tf.getBackend() };
}

/**
 * The main job (MAIN_JOB): the three networks of \`gradlab dead-neurons\` (seed 0), trained by the
 * CLI's own training loop (gradlab's startTraining and trainEpoch, as the command runs them) on the
 * embedded training images. Each run is one epoch of the next network: relu, leaky-relu, sigmoid,
 * relu, … so that a network's epochs are spread over the whole benchmark like the other engines'.
 */
async function setUpMainJob(capture) {
  const { loadData, startTraining, trainEpoch } = await import('../packages/examples/dist/index.js');
  const { train } = loadData({});
  const start = (seed) => MAIN_JOB.activations.map((activation) => startTraining(
    { hidden: Array(MAIN_JOB.depth).fill(MAIN_JOB.width), activation, negativeSlope: MAIN_JOB.negativeSlope, init: 'default' },
    { optimizer: 'adam', lr: MAIN_JOB.lr, momentum: 0 }, 784, seed));
  const epoch = (state) => {
    state.epochsDone++;
    trainEpoch(state.model, state.optimizer, train, { batchSize: MAIN_JOB.batch, dataGenerator: state.dataGenerator, epoch: state.epochsDone, capture });
  };
  // Warm-up, untimed: one epoch of each network of another seed (V8 compiles the loop's code meanwhile).
  for (const state of start(1)) epoch(state);
  const networks = start(0);
  let turn = 0;
  const run = () => epoch(networks[turn++ % networks.length]);
  return { run, kernel: await gradlabKernelName() };
}

/**
 * The machine-phase probe: gradlab's own micro-kernel (`macro` of the fused
 * wasm build) on packed panels that stay in the L1 cache, 8 rows × 16 columns
 * × depth 256: fused multiply-adds fed by vector and splat loads, no packing,
 * no copies, no memory beyond L1. It reads what the core gives the kernel at
 * this moment. A register-only FMA loop is not enough for that: in one noisy
 * minute such a loop ran at its full 34-36 GFLOP/s while this one and the
 * kernel ran at 17-21, so what a busy neighbour takes is the load path.
 */
async function setUpProbe() {
  const { WasmMatmul } = await import('../packages/core/dist/kernels/matmul-wasm.js');
  const wasm = WasmMatmul.create();
  if (wasm === null) throw new Error('probe: the wasm kernel cannot run here');
  const [ROWS, COLUMNS, DEPTH, CALLS] = [8, 16, 256, 1500];
  const { scratch, packedA, packedB } = wasm.workspaces[0];
  const c = packedB + COLUMNS * DEPTH * 4 + 4096;
  const heap = new Float32Array(wasm.memory.buffer);
  for (let i = 0; i < ROWS * DEPTH; i++) heap[packedA / 4 + i] = 0.5 + (i % 7) / 16;
  for (let i = 0; i < COLUMNS * DEPTH; i++) heap[packedB / 4 + i] = 0.5 + (i % 5) / 16;
  const { macro } = wasm.kernel;
  const run = () => {
    for (let call = 0; call < CALLS; call++) macro(packedA, packedB, c, ROWS, COLUMNS, DEPTH, COLUMNS, 0, scratch);
  };
  return { run, kernel: `micro-kernel (${wasm.instructions}) on L1-resident panels`, flops: CALLS * 2 * ROWS * COLUMNS * DEPTH };
}

let task = null;
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const request = JSON.parse(line);
  let reply;
  try {
    if (request.op === 'setup') {
      if (request.task === 'matmul') task = await setUpMatmul(request.product);
      else if (request.task === 'train') task = await setUpTraining(request.model);
      else if (request.task === 'probe') task = await setUpProbe();
      else if (request.task === 'mainjob') task = await setUpMainJob(engine !== 'gradlab-eager');
      else throw new Error(`unknown task ${request.task}`);
      reply = { kernel: task.kernel, flops: task.flops };
    } else if (request.op === 'sample') {
      const t0 = performance.now();
      for (let i = 0; i < request.count; i++) task.run();
      reply = { ms: (performance.now() - t0) / request.count };
    } else if (request.op === 'memory') {
      reply = { ...memorySample(request.step), ...task?.arena?.() };
    } else {
      throw new Error(`unknown request ${line}`);
    }
  } catch (error) {
    reply = { error: `${engine}: ${error.stack ?? error}` };
  }
  process.stdout.write(`${JSON.stringify(reply)}\n`);
}
// Stdin closed: the coordinator is done with this engine. (A two-thread kernel's worker is unref'd.)
process.exit(0);
