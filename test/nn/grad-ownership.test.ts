/**
 * nn's fused ops (linear, softmaxCrossEntropy, prelu) hand their freshly
 * allocated gradients to their inputs without a copy: no two tensors may end
 * up sharing a gradient array, and a second backward pass must add exactly the
 * same gradients into the parameters.
 */
import { expect, it } from 'vitest';
import { Generator, Tensor, add, randn, tensor, topologicalOrder } from '@gradlab/core';
import { crossEntropy, mlp, prelu } from '@gradlab/nn';

it('an MLP with a PReLU and a skip connection: distinct gradient arrays, and a second pass doubles them exactly', () => {
  const generator = new Generator(5);
  const network = mlp({ inputs: 6, hidden: [5, 5], outputs: 3, activation: 'relu', generator });
  const x = randn([4, 6], { generator, requiresGrad: true });
  const slope = tensor([0.25], { requiresGrad: true });
  const lossOf = () => crossEntropy(network.forward(add(prelu(x, slope), x)), [0, 2, 1, 2]);
  const loss = lossOf();
  loss.backward();
  const nodes = topologicalOrder(loss).filter((node): node is Tensor & { grad: Tensor } => node.grad !== null);
  expect(nodes.length).toBeGreaterThan(10);
  expect(new Set(nodes.map((node) => node.grad.data.buffer)).size).toBe(nodes.length);

  // Leaves that get one share per pass; x gets two, so its second pass is (g + a) + b, not exactly 2g.
  const leaves = [...network.parameters(), slope];
  const first = leaves.map((t) => Array.from(t.grad!.data));
  lossOf().backward();
  leaves.forEach((t, i) => expect(Array.from(t.grad!.data)).toEqual(first[i]!.map((g) => 2 * g)));
});
