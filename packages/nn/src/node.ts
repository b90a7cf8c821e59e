/**
 * @gradlab/nn in Node: everything in index.ts (which runs anywhere), plus
 * what needs Node's file system: saving and loading checkpoints
 * (safetensors files, written atomically) and the checked file reads they
 * use. package.json's `exports` give this module to Node (the "node"
 * condition) and index.ts to browsers and everything else.
 *
 * @example
 * import { mlp, save, load } from '@gradlab/nn';   // in Node: this module
 */
export * from './index.js';
export {
  save, load, writeFileAtomic, removeLeftoverTemporaries, readRegularFile, fileProblem, MAX_CHECKPOINT_BYTES,
} from './checkpoint/files.js';
export type { ReadFileOptions } from './checkpoint/files.js';
