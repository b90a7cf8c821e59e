/** Reference solution of exercises/mini-mlp.ts. */
import { Tensor, add, logSoftmax, matmul, mean, mul, neg, relu, sum, tensor } from '@gradlab/core';

export interface MlpParams { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor }

export function mlpLoss(x: Tensor, labels: readonly number[], params: MlpParams): Tensor {
  const hidden = relu(add(matmul(x, params.w1), params.b1));
  const logp = logSoftmax(add(matmul(hidden, params.w2), params.b2));
  const classes = logp.shape[1]!;
  const oneHot = tensor(labels.map((label) => Array.from({ length: classes }, (_, j) => (j === label ? 1 : 0))));
  return neg(mean(sum(mul(logp, oneHot), 1)));
}

export function sgdStep(params: Record<string, Tensor>, lr: number): void {
  for (const p of Object.values(params)) {
    if (p.grad === null) continue;
    for (let i = 0; i < p.size; i++) p.data[i]! -= lr * p.grad.data[i]!;
    p.grad = null;
  }
}
