/**
 * Same seed, same result: trains MLP A and MLP B (and a small odd-shaped MLP
 * whose arrays fall below the kernels' size thresholds) for 20 plain-SGD
 * steps from a fixed seed and prints a SHA-256 of every parameter's bytes
 * and of the losses. A change meant to be a pure speed-up must leave the
 * hashes unchanged. Each model is hashed with the default (wasm) matmul and
 * with the tiled TypeScript one, so a change of the wasm kernel alone shows
 * up in the first column only, and, where the tree has captureStep, once more
 * through a captured step, which must give the first column's hash ('same').
 * Run by hand after `pnpm build`:
 *
 *   node bench/train-hash.mjs [root]
 *
 * `root` (default: this repository) is the folder whose built packages (dist) to
 * load, so a copy of the tree can be checked against another.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { BATCH, LEARNING_RATE, MODELS } from './measure.mjs';

const root = new URL(process.argv[2] === undefined ? '../' : `file://${resolve(process.argv[2])}/`, import.meta.url);
// As the gradlab CLI and the benchmark do: fused multiply-adds in the matmul where relaxed SIMD can be enabled.
const relaxedSimd = new URL('packages/core/dist/relaxed-simd.js', root);
if (existsSync(relaxedSimd)) await import(relaxedSimd.href);
const core = await import(new URL('packages/core/dist/index.js', root).href);
// The kernel functions moved to their own entry point (@gradlab/core/kernels); an older tree has them in index.js.
const kernelsEntry = new URL('packages/core/dist/kernels/index.js', root);
const kernels = existsSync(kernelsEntry) ? await import(kernelsEntry.href) : core;
const nn = await import(new URL('packages/nn/dist/index.js', root).href);

const STEPS = 20;
const CASES = [
  { name: 'A', hidden: MODELS.A.hidden, batch: BATCH },
  { name: 'B', hidden: MODELS.B.hidden, batch: BATCH },
  { name: 'small', hidden: [13, 7, 5], batch: 9 },
];

function trainHash({ hidden, batch }, capture = false) {
  const generator = new core.Generator(7);
  const network = nn.mlp({ inputs: 784, hidden, outputs: 10, activation: 'relu', generator });
  const optimizer = new nn.SGD(network.parameters(), { lr: LEARNING_RATE * 10 });
  const hash = createHash('sha256');
  const body = (x, labels) => {
    optimizer.zeroGrad();
    const loss = nn.crossEntropy(network.forward(x), labels);
    loss.backward();
    optimizer.step();
    return loss;
  };
  const step = capture ? core.captureStep(body) : body;
  for (let s = 0; s < STEPS; s++) {
    const x = new core.Tensor(Float32Array.from({ length: batch * 784 }, () => generator.normal()), [batch, 784]);
    const labels = Int32Array.from({ length: batch }, () => generator.integer(10));
    const loss = step(x, labels);
    hash.update(new Uint8Array(loss.data.buffer, loss.data.byteOffset, loss.data.byteLength));
  }
  for (const param of network.parameters()) {
    hash.update(new Uint8Array(param.data.buffer, param.data.byteOffset, param.data.byteLength));
  }
  return hash.digest('hex').slice(0, 16);
}

const defaultKernelName = `${kernels.activeMatmulKernelName()}${kernels.wasmMatmulInstructions ? ` (${kernels.wasmMatmulInstructions()})` : ''}`;
for (const testCase of CASES) {
  const withDefault = trainHash(testCase);
  const previous = kernels.setMatmulKernel(kernels.matmulTiled);
  const withTiled = trainHash(testCase);
  kernels.setMatmulKernel(previous);
  // A captured step (captureStep, where this tree has it) must give the default kernel's hash.
  const captured = core.captureStep === undefined ? '' : `  captured: ${trainHash(testCase, true) === withDefault ? 'same' : 'DIFFERENT'}`;
  console.log(`${testCase.name.padEnd(6)} ${defaultKernelName}: ${withDefault}  tiled: ${withTiled}${captured}`);
}
