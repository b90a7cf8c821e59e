/**
 * Checks a wasm kernel with a function of its own against its TypeScript
 * definition on every one of the 2^32 float32 inputs:
 *   sigmoid: core's activationKernels.sigmoid (WebAssembly, with an exp of
 *            its own) against the sigmoid op's loop in ops.ts (Math.exp),
 *            run in the readable mode;
 *   tanh:    activationKernels.tanh (WebAssembly, with an expm1 of its own)
 *            against the tanh op's loop (Math.tanh).
 * The wasm kernel must store the same float32 as the definition, bit for bit,
 * or NaN where that one gives NaN. The test suite checks a sweep of every
 * 4099th input; this script checks them all, in about two minutes on the
 * benchmark machine. Run by hand after `pnpm build`:
 *
 *   node bench/exhaustive.mjs sigmoid      (or tanh)
 *
 * It prints the inputs that gave different bits, if any, and exits 1 when
 * there were some. (The float64 values behind the outputs do differ in the
 * last bit now and then, too little to change a float32.)
 */
const core = await import(new URL('../packages/core/dist/kernels/index.js', import.meta.url).href);
const ops = await import(new URL('../packages/core/dist/index.js', import.meta.url).href);
/** The op's own TypeScript loop: the op in the readable mode, its output copied into `out`. */
const definition = (op) => (x, out) => out.set(ops.withReferenceKernels(() => op(new ops.Tensor(x, [x.length]))).data);
const KERNELS = {
  sigmoid: [core.activationKernels.sigmoid, definition(ops.sigmoid)],
  tanh: [core.activationKernels.tanh, definition(ops.tanh)],
};
const name = process.argv[2] ?? '';
if (!(name in KERNELS)) {
  console.error(`exhaustive: name the kernel to check: ${Object.keys(KERNELS).join(' or ')} (got '${name}')`);
  process.exit(2);
}
const [viaKernel, definition] = KERNELS[name];
if (!core.elementwiseWasmAvailable()) {
  console.error(`exhaustive: WebAssembly SIMD is not available here, so there is no wasm ${name} kernel to check`);
  process.exit(1);
}

const bits = new Uint32Array(core.CHUNK_FLOATS * 32);
const x = new Float32Array(bits.buffer);
const viaWasm = new Float32Array(bits.length);
const viaTs = new Float32Array(bits.length);
const wasmBits = new Uint32Array(viaWasm.buffer);
const tsBits = new Uint32Array(viaTs.buffer);

const started = Date.now();
let different = 0;
const TOTAL = 2 ** 32;
for (let start = 0; start < TOTAL; start += bits.length) {
  for (let i = 0; i < bits.length; i++) bits[i] = start + i;
  viaKernel(x, viaWasm);
  definition(x, viaTs);
  for (let i = 0; i < bits.length; i++) {
    if (wasmBits[i] !== tsBits[i] && !(Number.isNaN(viaWasm[i]) && Number.isNaN(viaTs[i]))) {
      different++;
      if (different <= 20) console.log(`different: x = ${x[i]} (bits 0x${bits[i].toString(16)}): wasm ${viaWasm[i]}, TypeScript ${viaTs[i]}`);
    }
  }
  if ((start / bits.length) % 256 === 255) {
    const done = (start + bits.length) / TOTAL;
    console.log(`${name}: ${(100 * done).toFixed(0)} % of the float32 inputs, ${different} different, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}

console.log(`${name}: ${TOTAL} float32 inputs checked in ${((Date.now() - started) / 1000).toFixed(0)} s: ${different} with different bits`);
process.exit(different === 0 ? 0 : 1);
