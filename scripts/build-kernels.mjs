#!/usr/bin/env node
/**
 * Compiles the WebAssembly kernels kept as text (packages/core/src/kernels/wasm/*.wat,
 * packages/nn/src/optim/wasm/*.wat, packages/nn/src/analysis/wasm/*.wat) into .wasm binaries, with the `wabt` package (a WebAssembly build of the
 * WebAssembly Binary Toolkit, so no native toolchain is needed).
 *
 * A kernel whose memory import is marked `;; shared-variant` is also built
 * with that memory shared (name.shared.wasm), for worker threads.
 *
 * A kernel that uses `f32x4.relaxed_madd` (fused multiply-add, from the
 * relaxed-SIMD proposal) is also built as name.simd128.wasm, with each
 * relaxed_madd spelled out as an f32x4.add of an f32x4.mul, for runtimes
 * without relaxed SIMD (Node 20 without --experimental-wasm-relaxed-simd).
 *
 * Each binary is written twice, because the kernel loader finds it next to
 * itself: in src/…/wasm/ for the tests (vitest runs the TypeScript sources)
 * and in dist/…/wasm/ for the built package. Both are build output and are not committed.
 *
 * Usage: node scripts/build-kernels.mjs   (run by `pnpm build` and `pnpm typecheck`)
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import wabtFactory from 'wabt';

// Lets V8 check the relaxed-SIMD builds below (Node 22 has it on already).
setFlagsFromString('--experimental-wasm-relaxed-simd');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/**
 * The kernel folders, each relative to its package's src/ (and dist/): core's
 * tensor kernels, and the kernels nn owns (the optimizers' updates, the
 * dead-neuron instrument's reductions), which run through core's
 * loadWasmKernels.
 */
const KERNEL_DIRS = [
  ['packages/core', 'kernels/wasm'],
  ['packages/nn', 'optim/wasm'],
  ['packages/nn', 'analysis/wasm'],
];

/** Writes through a temporary file and a rename, so a reader never sees half a binary. */
function writeFileAtomic(path, bytes) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, path);
}

/**
 * Compiles WAT text to a validated binary, or exits naming the file and the error.
 * wabt's own validator does not know shared memories, so the threads build is
 * validated by V8 instead.
 */
function compile(wabt, label, text, threads) {
  try {
    const module = wabt.parseWat(label, text, { simd: true, relaxed_simd: true, threads });
    if (!threads) module.validate();
    const { buffer } = module.toBinary({ log: false, write_debug_names: true });
    module.destroy();
    if (threads) new WebAssembly.Module(buffer);
    return buffer;
  } catch (error) {
    console.error(`build-kernels: ${label} does not compile:\n${error.message}`);
    process.exit(1);
  }
}

/** The memory import of a kernel that worker threads can share: `;; shared-variant` marks it. */
const SHARED_MARK = /\(memory (\d+) (\d+)\)\)( *;; shared-variant)/;

/** `(f32x4.relaxed_madd (local.get $a) (local.get $b) (local.get $c))`: a·b + c, the one form the kernels use. */
const RELAXED_MADD = /\(f32x4\.relaxed_madd \(local\.get (\$\w+)\) \(local\.get (\$\w+)\) \(local\.get (\$\w+)\)\)/g;

/** The same kernel in plain SIMD128: every relaxed_madd as an add of a product, or an exit naming what is left. */
function withoutRelaxedSimd(label, text) {
  const plain = text.replace(RELAXED_MADD, '(f32x4.add (local.get $3) (f32x4.mul (local.get $1) (local.get $2)))');
  if (/relaxed/.test(plain.replace(/;;.*$/gm, ''))) {
    console.error(`build-kernels: ${label} uses a relaxed-SIMD instruction in a form other than (f32x4.relaxed_madd (local.get …) ×3)`);
    process.exit(1);
  }
  return plain;
}

const wabt = await wabtFactory();
for (const [pkg, folder] of KERNEL_DIRS) {
const sourceDir = join(root, pkg, 'src', folder);
const outputDirs = [sourceDir, join(root, pkg, 'dist', folder)];
const sources = readdirSync(sourceDir).filter((name) => name.endsWith('.wat'));
for (const name of sources) {
  const path = join(sourceDir, name);
  const text = readFileSync(path, 'utf8');
  const base = name.replace(/\.wat$/, '');
  // [output name, text]: the kernel as written, then its plain SIMD128 version if it uses relaxed SIMD.
  const texts = [[base, text]];
  if (text.includes('f32x4.relaxed_madd')) texts.push([`${base}.simd128`, withoutRelaxedSimd(path, text)]);
  const builds = [];
  for (const [output, source] of texts) {
    builds.push([`${output}.wasm`, compile(wabt, `${path} (${output})`, source, false)]);
    // The same kernel on a shared memory, for the two-thread matmul (kernels/matmul-threads.ts).
    if (SHARED_MARK.test(source)) {
      const sharedText = source.replace(SHARED_MARK, '(memory $1 $2 shared))$3');
      builds.push([`${output}.shared.wasm`, compile(wabt, `${path} (${output}, shared memory)`, sharedText, true)]);
    }
  }
  for (const [output, buffer] of builds) {
    for (const dir of outputDirs) writeFileAtomic(join(dir, output), buffer);
    console.log(`build-kernels: ${name} -> ${output} (${buffer.length} bytes)`);
  }
}
}
