/**
 * Dropout: a random mask in training, nothing in evaluation.
 */
import { Generator, Tensor, defaultGenerator } from '@gradlab/core';
import { Module } from '../module.js';

/** Options of `Dropout`. */
export interface DropoutOptions {
  /** The seeded generator the masks are drawn from; core's defaultGenerator() by default. */
  generator?: Generator;
}

/**
 * Inverted dropout (Srivastava et al. 2014), as PyTorch's nn.Dropout: in
 * training mode every element is zeroed with probability p and the survivors
 * are scaled by 1 / (1 - p), so the expected output is the input:
 *   y = x · mask / (1 - p),  mask_i ~ Bernoulli(1 - p) (mask_i = 1 when uniform() >= p).
 * In evaluation mode (`eval()`) it is the identity. The mask is a constant of
 * the graph, so the gradient is mask / (1 - p) through `mul` (no gradient code here).
 * Shape: any -> same.
 *
 * @example
 * const dropout = new Dropout(0.5, { generator: new Generator(0) });
 * dropout.forward(ones([1, 6])).toArray(); // e.g. [[2, 0, 2, 2, 0, 0]]; the same every run
 * dropout.eval().forward(ones([1, 6])).toArray(); // [[1, 1, 1, 1, 1, 1]]
 */
export class Dropout extends Module {
  readonly p: number;
  // Private: a generator is not a parameter, and its state is the caller's to save (generator.state()).
  readonly #generator: Generator | undefined;

  constructor(p = 0.5, options: DropoutOptions = {}) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p < 1)) {
      throw new Error(`Dropout: p must be a probability in [0, 1), got ${String(p)}`);
    }
    this.p = p;
    this.#generator = options.generator;
  }

  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const generator = this.#generator ?? defaultGenerator();
    const scale = 1 / (1 - this.p);
    const mask = new Float32Array(x.size);
    for (let i = 0; i < mask.length; i++) mask[i] = generator.uniform() >= this.p ? scale : 0;
    return x.mul(new Tensor(mask, x.shape));
  }

  override describe(): string {
    return `p=${this.p}`;
  }
}
