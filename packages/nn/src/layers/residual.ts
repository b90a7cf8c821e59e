/**
 * The residual (skip) connection.
 */
import { Tensor, formatShape, sameShape } from '@gradlab/core';
import { Module } from '../module.js';

/**
 * A residual block (He et al. 2016): y = x + f(x), where f is any module that
 * keeps the shape. The identity path carries the gradient straight through:
 * dy/dx = 1 + df/dx, which is why deep stacks of these train.
 * Shape: any -> same (f must not change it). Parameters are f's, named `block.…`.
 *
 * @example
 * const block = new Residual(new Sequential(new Dense(8, 8), new ReLU()));
 * block.forward(zeros([4, 8])).shape; // [4, 8]
 */
export class Residual extends Module {
  readonly block: Module;

  constructor(block: Module) {
    super();
    if (!(block instanceof Module)) throw new Error(`Residual: the block must be a Module, got ${typeof block}`);
    this.block = block;
  }

  forward(x: Tensor): Tensor {
    const fx = this.block.forward(x);
    if (!sameShape(fx.shape, x.shape)) {
      throw new Error(`Residual: the block turned ${formatShape(x.shape)} into ${formatShape(fx.shape)}; x + f(x) needs the same shape`);
    }
    return x.add(fx);
  }
}
