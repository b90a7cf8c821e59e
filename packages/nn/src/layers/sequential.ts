/**
 * A chain of modules.
 */
import { Tensor } from '@gradlab/core';
import { Module } from '../module.js';

/**
 * Runs its modules one after the other: forward(x) = layers[n-1](… layers[0](x)).
 * Its children live in the `layers` array, so parameter names read
 * `layers.0.weight`, `layers.2.bias`, …
 *
 * @example
 * const model = new Sequential(new Dense(2, 8), new ReLU(), new Dense(8, 1));
 * model.forward(zeros([5, 2])).shape; // [5, 1]
 */
export class Sequential extends Module {
  readonly layers: Module[];

  constructor(...layers: Module[]) {
    super();
    layers.forEach((layer, index) => {
      if (!(layer instanceof Module)) {
        throw new Error(`Sequential: argument ${index} is not a Module (got ${typeof layer})`);
      }
    });
    this.layers = layers;
  }

  /** Feeds x through every layer in order; the shape changes as each layer says. */
  forward(x: Tensor): Tensor {
    let output = x;
    for (const layer of this.layers) output = layer.forward(output);
    return output;
  }

  /** The number of modules in the chain. */
  get length(): number {
    return this.layers.length;
  }
}
