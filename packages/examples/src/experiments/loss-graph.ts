/**
 * The network `gradlab graph` draws: small enough that every box of its
 * autodiff graph shows its values and gradient.
 */
import { Generator, Tensor, tensor } from '@gradlab/core';
import { crossEntropy, mlp } from '@gradlab/nn';

/**
 * The loss of a 2 → 3 → 2 ReLU MLP on two examples, and the names of its
 * inputs and parameters for the picture.
 *
 * @example
 * const { loss, names } = tinyMlpLoss(0); loss.backward();
 */
export function tinyMlpLoss(seed: number): { loss: Tensor; names: Map<Tensor, string> } {
  const model = mlp({ inputs: 2, hidden: [3], outputs: 2, activation: 'relu', generator: new Generator(seed) });
  const inputs = tensor([[0.5, -1], [1, 0.25]]);
  const loss = crossEntropy(model.forward(inputs), [0, 1]);
  const names = new Map<Tensor, string>([[inputs, 'inputs'], ...model.namedParameters().map(([name, parameter]) => [parameter, name] as [Tensor, string])]);
  return { loss, names };
}

