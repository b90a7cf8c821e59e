/**
 * '@gradlab/core/relaxed-simd' outside Node (package.json's "browser" and
 * "default" conditions): nothing to do. Node 20 needs a V8 flag set before
 * any WebAssembly is compiled to accept the fused multiply-add build of the
 * matmul kernel (relaxed-simd.ts); a browser either ships relaxed SIMD
 * (Chrome 114 and later) or does not, and the kernel loader then takes the
 * plain SIMD128 build. So a program can import it first thing wherever it runs.
 *
 * @example
 * import '@gradlab/core/relaxed-simd';   // in a browser bundle: a no-op
 */
export {};
