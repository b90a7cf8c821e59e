/**
 * Training throughput and memory of one engine on one model: prints one JSON line.
 * Run by bench/run.mjs; by hand: `node --expose-gc bench/train.mjs gradlab A 2000`.
 *
 * The batch is fixed (128 random inputs in [0, 1), random labels, seeded): the
 * benchmark times the arithmetic of a step, not data loading.
 * gradlab: @gradlab/nn's public API (mlp, crossEntropy, SGD).
 * gradlab-kernels: the same with the recommended kernel changes of
 * bench/whatif.mjs patched in (a what-if, not the library as shipped).
 * tfjs-cpu / tfjs-wasm: the same network from tf ops (matMul, add, relu,
 * tf.losses.softmaxCrossEntropy) minimised by tf.train.sgd.
 */
import { BATCH, LEARNING_RATE, MODELS, trainLoop } from './measure.mjs';
import { whatIfPatches } from './whatif.mjs';

const [engine, modelKey, stepsArgument] = process.argv.slice(2);
const model = MODELS[modelKey];
if (model === undefined) throw new Error(`train: unknown model '${modelKey}', expected A or B`);
const steps = Number(stepsArgument ?? 2000);
const widths = [784, ...model.hidden, 10];

async function gradlabStep(withKernels) {
  if (withKernels) {
    const patches = await whatIfPatches();
    patches.sgdAxpy();
    patches.reluKernels();
  }
  const { Generator, Tensor } = await import('../packages/core/dist/index.js');
  const { activeMatmulKernelName } = await import('../packages/core/dist/kernels/matmul.js');
  const { mlp, crossEntropy, SGD } = await import('../packages/nn/dist/index.js');
  const generator = new Generator(1);
  const network = mlp({ inputs: 784, hidden: model.hidden, outputs: 10, activation: 'relu', generator });
  const optimizer = new SGD(network.parameters(), { lr: LEARNING_RATE });
  const inputs = new Float32Array(BATCH * 784);
  for (let i = 0; i < inputs.length; i++) inputs[i] = generator.uniform();
  const x = new Tensor(inputs, [BATCH, 784]);
  const labels = Int32Array.from({ length: BATCH }, () => generator.integer(10));
  const step = () => {
    optimizer.zeroGrad();
    const loss = crossEntropy(network.forward(x), labels);
    loss.backward();
    optimizer.step();
  };
  return { step, kernel: activeMatmulKernelName() };
}

async function tfjsStep(backend) {
  const tf = await import('@tensorflow/tfjs-core');
  await import('./tfjs-gradients.mjs');
  await import('@tensorflow/tfjs-backend-cpu');
  if (backend === 'wasm') (await import('@tensorflow/tfjs-backend-wasm')).setThreadsCount(1);
  await tf.setBackend(backend);
  await tf.ready();
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
  const forward = () => {
    let h = x;
    for (let i = 0; i < weights.length; i++) {
      h = tf.add(tf.matMul(h, weights[i]), biases[i]);
      if (i + 1 < weights.length) h = tf.relu(h);
    }
    return tf.losses.softmaxCrossEntropy(labels, h);
  };
  const step = () => {
    const loss = optimizer.minimize(forward, true);
    loss.dataSync();
    loss.dispose();
  };
  return { step, kernel: tf.getBackend() };
}

const { step, kernel } = engine.startsWith('gradlab')
  ? await gradlabStep(engine === 'gradlab-kernels')
  : await tfjsStep(engine === 'tfjs-wasm' ? 'wasm' : 'cpu');
// Segments of ~1/20 of the run, at least one step; warm-up of 5 steps (2 for the slow cpu backend).
const segment = Math.max(1, Math.round(steps / 20));
const result = trainLoop(step, { steps, segment, warmup: engine === 'tfjs-cpu' ? 2 : 5 });
console.log(JSON.stringify({ engine, model: modelKey, kernel, ...result }));
