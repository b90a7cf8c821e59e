/**
 * Exercise 7, mini-mlp: a small network built from core ops, and the step that trains it.
 *
 *   logits = relu(x·w1 + b1)·w2 + b2        x: [batch, inputs], w1: [inputs, hidden], b1: [hidden],
 *   logp   = logSoftmax(logits)                 w2: [hidden, classes], b2: [classes]
 *   loss   = -mean over the batch of logp[b][labels[b]]
 *
 * To pick logp[b][labels[b]] with ops, multiply logp by a one-hot tensor (1 at
 * [b][labels[b]], 0 elsewhere; make it with tensor([...])) and sum over axis 1.
 *
 * sgdStep(params, lr): for every parameter p, p ← p - lr · p.grad, then clear
 * the gradient (p.grad = null), because gradients accumulate across backward() calls.
 * Update p.data in place: an update is not an op to differentiate.
 *
 * Replace the `throw new Error('TODO …')` lines, then run:
 *
 *   npx -y pnpm@12.4.2 exercise mini-mlp
 *
 * The grader checks the loss and its gradients, then trains your network on XOR.
 */
import { Tensor } from '@gradlab/core';

export interface MlpParams { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor }

export function mlpLoss(x: Tensor, labels: readonly number[], params: MlpParams): Tensor {
  // TODO 1: compute the loss above from ops imported from '@gradlab/core' (matmul, add, relu, logSoftmax, mul, sum, mean, neg).
  throw new Error('TODO 1 in exercises/mini-mlp.ts: compute the loss');
}

export function sgdStep(params: Record<string, Tensor>, lr: number): void {
  // TODO 2: for each parameter p in Object.values(params): p.data[i] -= lr * p.grad.data[i], then p.grad = null.
  throw new Error('TODO 2 in exercises/mini-mlp.ts: write the SGD step');
}
