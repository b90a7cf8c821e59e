/**
 * Builds the playground page into packages/examples/dist/playground-page/
 * (part of the `gradlab` package, which `gradlab playground` serves), with the
 * embedded digits packed next to it as mnist-digits.bin.gz. Run after tsc:
 * the digits come from the built loadEmbeddedMnist and packDigits, and the
 * page imports @gradlab/core and @gradlab/nn through their package exports
 * (the "browser" condition).
 *
 *   npx vite build --config packages/examples/playground/vite.config.ts   (pnpm build runs it)
 */
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** Emits mnist-digits.bin.gz: the embedded digits as the command line loads them, packed. */
function packedDigits(): Plugin {
  return {
    name: 'gradlab-packed-digits',
    async generateBundle() {
      const { loadEmbeddedMnist } = await import(here('../dist/data/mnist.js')) as typeof import('../src/data/mnist.js');
      const { packDigits } = await import(here('../dist/playground/digits.js')) as typeof import('../src/playground/digits.js');
      // mtime 0 in the gzip header: the same digits give the same bytes.
      this.emitFile({ type: 'asset', fileName: 'mnist-digits.bin.gz', source: gzipSync(packDigits(loadEmbeddedMnist()), { level: 9 }) });
    },
  };
}

export default defineConfig({
  root: here('.'),
  base: './',
  logLevel: 'warn',
  plugins: [packedDigits()],
  worker: { format: 'es' },
  build: {
    outDir: here('../dist/playground-page'),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
});
