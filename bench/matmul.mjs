/**
 * Matmul throughput of one engine, on one thread: prints one JSON line per
 * product. Run by bench/run.mjs; by hand: `node bench/matmul.mjs gradlab-wasm`.
 *
 * Engines: gradlab-wasm, gradlab-tiled (the kernels, called on Float32Arrays),
 * gradlab-2threads (the opt-in two-thread wasm kernel: not a one-thread figure),
 * tfjs-cpu, tfjs-wasm (tf.matMul with transposeA / transposeB, then dataSync).
 */
import { PRODUCTS, measure } from './measure.mjs';

const engine = process.argv[2];

/** Returns run(product) → a function doing one multiplication of that product. */
async function setUp(name) {
  if (name.startsWith('gradlab')) {
    const kernels = await import('../packages/core/dist/kernels/matmul.js');
    const kernel = { 'gradlab-wasm': kernels.matmulWasm, 'gradlab-tiled': kernels.matmulTiled, 'gradlab-2threads': kernels.matmulThreads() }[name];
    if (kernel === null) throw new Error('the wasm kernel is not available (was `pnpm build` run?)');
    return ({ m, k, n, transposeA, transposeB }) => {
      const a = new Float32Array(m * k).map((_, i) => Math.sin(i));
      const b = new Float32Array(k * n).map((_, i) => Math.cos(i));
      const c = new Float32Array(m * n);
      return () => kernel(a, b, c, m, k, n, transposeA, transposeB, false);
    };
  }
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  if (name === 'tfjs-wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setThreadsCount(1);
  }
  await tf.setBackend(name === 'tfjs-wasm' ? 'wasm' : 'cpu');
  await tf.ready();
  return ({ m, k, n, transposeA, transposeB }) => {
    const a = tf.randomUniform(transposeA ? [k, m] : [m, k], -1, 1, 'float32', 1);
    const b = tf.randomUniform(transposeB ? [n, k] : [k, n], -1, 1, 'float32', 2);
    return () => {
      const c = tf.matMul(a, b, transposeA, transposeB);
      c.dataSync();
      c.dispose();
    };
  };
}

const prepare = await setUp(engine);
for (const product of PRODUCTS) {
  const run = prepare(product);
  const { m, k, n } = product;
  const timing = measure(run);
  const gflops = (2 * m * k * n) / (timing.medianMs * 1e6);
  console.log(JSON.stringify({ engine, product: product.name, form: product.form, m, k, n, gflops, ...timing }));
}
