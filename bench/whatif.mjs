/**
 * The changes to the autodiff path that bench/profile-step.mjs measures,
 * patched in from here (the library files stay as they are):
 *   - SGD.step as one float32 axpy kernel call per parameter (momentum and
 *     weight decay 0, as in the benchmark), instead of the general loop;
 *   - ReLU forward and backward through the SIMD kernels in
 *     core/src/kernels/elementwise.ts, instead of the loops in ops.ts.
 * Each patch returns a function that undoes it.
 */
export async function whatIfPatches() {
  const core = await import('../packages/core/dist/index.js');
  const { reluForward, reluBackward, axpy } = await import('../packages/core/dist/kernels/elementwise.js');
  const nn = await import('../packages/nn/dist/index.js');

  function sgdAxpy() {
    for (const param of this.params) if (param.grad !== null) axpy(-this.lr, param.grad.data, param.data);
  }
  /** relu(x) as core's op, with the kernels doing the loops; ownedGrad skips accumulateGrad's copy. */
  function reluWithKernels(ownedGrad) {
    return function forward(input) {
      const out = new Float32Array(input.size);
      reluForward(input.data, out);
      return core.makeOutput('relu', out, input.shape, [input], (grad) => {
        // d relu/dx = 1 if x > 0 else 0
        const gx = new Float32Array(grad.length);
        reluBackward(input.data, grad, gx);
        if (ownedGrad && input.grad === null) input.grad = new core.Tensor(gx, input.shape);
        else core.accumulateGrad(input, gx);
      });
    };
  }
  const patch = (target, key, value) => {
    const original = target[key];
    target[key] = value;
    return () => { target[key] = original; };
  };
  return {
    sgdAxpy: () => patch(nn.SGD.prototype, 'step', sgdAxpy),
    reluKernels: (ownedGrad = false) => patch(nn.ReLU.prototype, 'forward', reluWithKernels(ownedGrad)),
  };
}
