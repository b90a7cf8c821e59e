/**
 * The usage example of the Leaky ReLU spec, run through gradlab:
 * [-2, -1, 0, 1, 2] -> [-0.02, -0.01, 0, 1, 2], with the gradient from autodiff.
 */
import { leakyRelu, tensor } from '@gradlab/core';

/** Formats float32 values at their shortest float32 round-trip, e.g. -0.02 rather than -0.019999999552965164. */
function formatFloat32(values: ArrayLike<number>): string {
  return `[${Array.from(values, (v) => String(Number(v.toPrecision(7)))).join(', ')}]`;
}

const input = tensor([-2, -1, 0, 1, 2], { requiresGrad: true });
const output = leakyRelu(input, 0.01);
output.sum().backward();

console.log(`Input:      ${formatFloat32(input.data)}`);
console.log(`Output:     ${formatFloat32(output.data)}`);
console.log(`Derivative: ${formatFloat32(input.grad!.data)}`);
