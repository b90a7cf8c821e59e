/**
 * The readable mode: one switch that makes every op run its plain TypeScript
 * loop (the math you read in ops.ts, and `matmulReference` for every matrix
 * product) instead of the WebAssembly kernels.
 *
 * Use it to step through an op in a debugger, to print inside a loop, or to
 * check that a result does not depend on the fast kernels. It is slower (a
 * [128, 784]·[784, 256] matmul about 50 times), and results agree with the
 * fast kernels within float32 rounding: bit for bit for the elementwise ops, which compute the same
 * float64 arithmetic in the same order; within 1e-5 of the values' scale for
 * matmul, whose reference loop sums in float64 where the wasm kernel sums in
 * float32 (test/core/reading-mode.test.ts).
 *
 * From the command line, set the environment variable before the program
 * starts: `GRADLAB_KERNELS=reference gradlab train` (worker threads inherit it).
 */

/** Which kernels the ops run: the fast ones ('fast', the default) or the readable loops ('reference'). */
export type KernelMode = 'fast' | 'reference';

/** The values GRADLAB_KERNELS may take, and what each means. */
export const KERNEL_MODES: Readonly<Record<KernelMode, string>> = {
  fast: 'WebAssembly SIMD kernels where the runtime has them (the default)',
  reference: 'the plain TypeScript loops of ops.ts and matmulReference, for reading and debugging',
};

/**
 * The mode GRADLAB_KERNELS asks for: unset or empty means 'fast'. Throws an
 * error naming the variable and the allowed values for anything else.
 *
 * @example
 * kernelModeFromEnvironment('reference'); // 'reference'
 */
export function kernelModeFromEnvironment(value: string | undefined): KernelMode {
  if (value === undefined || value === '') return 'fast';
  if (Object.hasOwn(KERNEL_MODES, value)) return value as KernelMode;
  throw new Error(`GRADLAB_KERNELS must be ${Object.keys(KERNEL_MODES).map((mode) => `'${mode}'`).join(' or ')}, got '${value}'`);
}

let mode: KernelMode = 'fast';
try {
  mode = kernelModeFromEnvironment(globalThis.process?.env?.['GRADLAB_KERNELS']);
} catch (error) {
  // A library must not throw at import; the gradlab CLI checks the variable itself and exits 2.
  globalThis.process?.emitWarning?.(`${(error as Error).message}; using the fast kernels`);
}

/**
 * Switches every op to its readable TypeScript loop (`on = true`, the
 * default) or back to the fast kernels (`on = false`). Returns the previous mode.
 *
 * @example
 * const previous = useReferenceKernels();
 * try { relu(x).backward(); } finally { useReferenceKernels(previous === 'reference'); }
 */
export function useReferenceKernels(on = true): KernelMode {
  const previous = mode;
  mode = on ? 'reference' : 'fast';
  return previous;
}

/**
 * The mode the ops run in now.
 *
 * @example
 * kernelMode(); // 'fast', unless GRADLAB_KERNELS=reference or useReferenceKernels() was called
 */
export function kernelMode(): KernelMode {
  return mode;
}

/**
 * Runs `fn` with the readable kernels and restores the previous mode afterwards.
 *
 * @example
 * const y = withReferenceKernels(() => matmul(a, b)); // computed by matmulReference
 */
export function withReferenceKernels<T>(fn: () => T): T {
  const previous = useReferenceKernels(true);
  try {
    return fn();
  } finally {
    mode = previous;
  }
}
