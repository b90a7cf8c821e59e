#!/usr/bin/env node
/**
 * Compiles the WebAssembly kernels kept as text in packages/core/src/kernels/wasm/*.wat
 * into .wasm binaries, with the `wabt` package (a WebAssembly build of the
 * WebAssembly Binary Toolkit, so no native toolchain is needed).
 *
 * Each binary is written twice, because the kernel loader finds it next to
 * itself: in packages/core/src/kernels/wasm/ for the tests (vitest runs the
 * TypeScript sources) and in packages/core/dist/kernels/wasm/ for the built
 * package. Both are build output and are not committed.
 *
 * Usage: node scripts/build-kernels.mjs   (run by `pnpm build` and `pnpm typecheck`)
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtFactory from 'wabt';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'packages/core/src/kernels/wasm');
const outputDirs = [sourceDir, join(root, 'packages/core/dist/kernels/wasm')];

/** Writes through a temporary file and a rename, so a reader never sees half a binary. */
function writeFileAtomic(path, bytes) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, path);
}

const wabt = await wabtFactory();
const sources = readdirSync(sourceDir).filter((name) => name.endsWith('.wat'));
for (const name of sources) {
  const path = join(sourceDir, name);
  let buffer;
  try {
    const module = wabt.parseWat(name, readFileSync(path, 'utf8'), { simd: true });
    module.validate();
    buffer = module.toBinary({ log: false, write_debug_names: true }).buffer;
    module.destroy();
  } catch (error) {
    console.error(`build-kernels: ${path} does not compile:\n${error.message}`);
    process.exit(1);
  }
  for (const dir of outputDirs) writeFileAtomic(join(dir, name.replace(/\.wat$/, '.wasm')), buffer);
  console.log(`build-kernels: ${name} -> ${buffer.length} bytes`);
}
