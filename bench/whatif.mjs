/**
 * The changes to the autodiff path that bench/profile-step.mjs measures,
 * patched in from here (the library files stay as they are):
 *   - SGD.step as one float32 axpy kernel call per parameter (momentum and
 *     weight decay 0, as in the benchmark), instead of the general loop;
 *   - ReLU forward and backward through the SIMD kernels in
 *     core/src/kernels/elementwise.ts, instead of the loops in ops.ts;
 *   - the Dense bias gradient as a matmul ones(1×rows)·grad through
 *     matmulKernel (float32), instead of float64 column sums in a JS loop.
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
  /** nn's fused linear (x·W + b), with the bias gradient computed by the matmul kernel. */
  function denseBiasMatmul(x) {
    const { weight, bias } = this;
    const [inFeatures, outFeatures] = weight.shape;
    const rows = x.size / inFeatures;
    const out = new Float32Array(rows * outFeatures);
    for (let r = 0; r < rows; r++) out.set(bias.data, r * outFeatures);
    core.matmulKernel(x.data, weight.data, out, rows, inFeatures, outFeatures, false, false, true);
    return core.makeOutput('linear', out, [...x.shape.slice(0, -1), outFeatures], [x, weight, bias], (grad) => {
      if (x.requiresGrad) {
        const gx = new Float32Array(x.size);
        core.matmulKernel(grad, weight.data, gx, rows, outFeatures, inFeatures, false, true, false);
        core.accumulateGrad(x, gx);
      }
      const gw = new Float32Array(weight.size);
      core.matmulKernel(x.data, grad, gw, inFeatures, rows, outFeatures, true, false, false);
      core.accumulateGrad(weight, gw);
      // db = column sums of dout = ones(1×rows) · dout
      if (ones.length < rows) ones = new Float32Array(rows).fill(1);
      const gb = new Float32Array(outFeatures);
      core.matmulKernel(ones, grad, gb, 1, rows, outFeatures, false, false, false);
      core.accumulateGrad(bias, gb);
    });
  }
  let ones = new Float32Array(0);
  const patch = (target, key, value) => {
    const original = target[key];
    target[key] = value;
    return () => { target[key] = original; };
  };
  return {
    sgdAxpy: () => patch(nn.SGD.prototype, 'step', sgdAxpy),
    reluKernels: (ownedGrad = false) => patch(nn.ReLU.prototype, 'forward', reluWithKernels(ownedGrad)),
    biasMatmul: () => patch(nn.Dense.prototype, 'forward', denseBiasMatmul),
  };
}
