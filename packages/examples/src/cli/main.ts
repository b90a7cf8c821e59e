#!/usr/bin/env node
/**
 * The `gradlab` executable: runs the program (program.ts) on the command
 * line's arguments and exits with its code (0 success, 1 failure while
 * running, 2 bad command line).
 */
// First, before anything loads @gradlab/core: on Node 20 this lets the matmul
// kernel use fused multiply-adds (see the module's comment).
import '@gradlab/core/relaxed-simd';
import { main } from './program.js';

// `gradlab … | head` closes the pipe early; that is the reader's choice, not an error of ours.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2), process, { handleInterrupt: true });
