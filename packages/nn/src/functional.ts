/**
 * The ops @gradlab/nn adds to core, each written the core way: compute the
 * output with plain loops, then attach the backward closure right below.
 *
 * Two of them are fused: they do in one op what core could already do with
 * several, because the layers call them on every step of every training run.
 *   - linear: x·W + b. Composed, it is a matmul then a broadcast add, which
 *     copies the bias out to the full [rows, out] shape in the forward pass
 *     and sums it back with sumToShape in the backward pass. Fused, the bias
 *     is added in place and its gradient is one column sum.
 *   - softmaxCrossEntropy: composed from logSoftmax it is six ops and six
 *     [batch, classes] intermediate arrays (max, sub, exp, sum, log, sub),
 *     and its gradient flows back through all of them. Fused, it is two
 *     passes over the logits, the log-sum-exp is stable by construction, and
 *     the gradient is the textbook softmax(x) - onehot(label).
 * The third, prelu, is a primitive: core has no op with a learnable slope.
 */
import { Tensor, accumulateFreshGrad, formatShape, makeOutput } from '@gradlab/core';
import { columnSums, matmulKernel, recordCall, unsupported } from '@gradlab/core/kernels';

/**
 * Fused affine map: out = x·W + b.
 * Shape: x [..., inFeatures], weight [inFeatures, outFeatures], bias [outFeatures] or null
 * -> [..., outFeatures]. Leading dimensions are flattened into rows.
 *
 * @example
 * linear(tensor([[1, 2]]), tensor([[1, 0, 1], [0, 1, 1]]), tensor([0, 0, 10])).toArray(); // [[1, 2, 13]]
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (weight.ndim !== 2) {
    throw new Error(`linear: weight must be 2-D [inFeatures, outFeatures], got ${formatShape(weight.shape)}`);
  }
  const [inFeatures, outFeatures] = weight.shape as [number, number];
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== inFeatures) {
    throw new Error(`linear: input ${formatShape(x.shape)} does not fit weight ${formatShape(weight.shape)}: the last dimension of the input must be ${inFeatures}`);
  }
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== outFeatures)) {
    throw new Error(`linear: bias ${formatShape(bias.shape)} does not fit weight ${formatShape(weight.shape)}: expected [${outFeatures}]`);
  }
  const rows = x.size / Math.max(inFeatures, 1);
  const outShape = [...x.shape.slice(0, -1), outFeatures];
  const out = new Float32Array(rows * outFeatures);
  if (bias !== null) {
    biasRows(bias.data, out, rows, outFeatures);
    recordCall({ name: 'bias rows', module: null, operands: [{ array: bias.data, use: 'in' }, { array: out, use: 'out' }],
      replay: ({ views }) => biasRows(views[0] as Float32Array, views[1] as Float32Array, rows, outFeatures) });
  } else {
    // A captured step reuses memory: its replay starts from zeros as the fresh array does.
    recordCall({ name: 'zeros', module: null, operands: [{ array: out, use: 'out' }], replay: ({ views }) => views[0]!.fill(0) });
  }
  // With accumulate = true the kernel adds x·W onto the bias rows already in `out`.
  matmulKernel(x.data, weight.data, out, rows, inFeatures, outFeatures, false, false, true);
  const parents = bias === null ? [x, weight] : [x, weight, bias];
  return makeOutput('linear', out, outShape, parents, (grad) => {
    // out = x W + b  =>  dx = dout Wᵀ,  dW = xᵀ dout,  db = column sums of dout
    if (x.requiresGrad) {
      const gx = new Float32Array(x.size);
      matmulKernel(grad, weight.data, gx, rows, outFeatures, inFeatures, false, true, false);
      accumulateFreshGrad(x, gx);
    }
    if (weight.requiresGrad) {
      const gw = new Float32Array(weight.size);
      matmulKernel(x.data, grad, gw, inFeatures, rows, outFeatures, true, false, false);
      accumulateFreshGrad(weight, gw);
    }
    if (bias !== null && bias.requiresGrad) {
      // db = the column sums of dout, float32 sums in row order (a SIMD kernel in core).
      const gb = new Float32Array(outFeatures);
      columnSums(grad, rows, outFeatures, gb);
      accumulateFreshGrad(bias, gb);
    }
  });
}

/**
 * Every row of `out` [rows, outFeatures] starts as the bias: write the first row, then copy the
 * rows written so far after themselves (1, 2, 4, … rows), log2(rows) copies instead of one per row.
 */
function biasRows(bias: Float32Array, out: Float32Array, rows: number, outFeatures: number): void {
  if (rows === 0) return;
  out.set(bias, 0);
  for (let filled = 1; filled < rows; filled *= 2) out.copyWithin(filled * outFeatures, 0, Math.min(filled, rows - filled) * outFeatures);
}

/** The error for a label that is not a class index (checkLabels and the captured loss give the same). */
function labelError(op: string, label: number, position: number, logits: Tensor): Error {
  return new Error(`${op}: label ${label} at position ${position} is not a class index in [0, ${logits.shape[1]! - 1}] (logits ${formatShape(logits.shape)})`);
}

/** Checks class-index labels against logits of shape [batch, classes] and returns them as integers. */
export function checkLabels(op: string, logits: Tensor, labels: ArrayLike<number>): Int32Array {
  if (logits.ndim !== 2) {
    throw new Error(`${op}: logits must be 2-D [batch, classes], got ${formatShape(logits.shape)}`);
  }
  const [batch, classes] = logits.shape as [number, number];
  if (labels.length !== batch) {
    throw new Error(`${op}: ${labels.length} labels for a batch of ${batch} (logits ${formatShape(logits.shape)})`);
  }
  const checked = new Int32Array(batch);
  for (let i = 0; i < batch; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label >= classes) throw labelError(op, label, i, logits);
    checked[i] = label;
  }
  return checked;
}

/**
 * Fused, numerically stable softmax cross-entropy, averaged over the batch:
 *   loss = mean_i [ log sum_j e^(x_ij) - x_i,label_i ],
 * with the log-sum-exp computed as m + log sum_j e^(x_ij - m), m = max_j x_ij.
 * Shape: logits [batch, classes], labels: `batch` class indices -> scalar.
 *
 * @example
 * softmaxCrossEntropy(tensor([[0, 0]]), [1]).item(); // ln 2 = 0.6931
 */
export function softmaxCrossEntropy(logits: Tensor, labels: ArrayLike<number>): Tensor {
  const targets = checkLabels('softmaxCrossEntropy', logits, labels);
  const [batch, classes] = logits.shape as [number, number];
  if (batch === 0) throw new Error(`softmaxCrossEntropy: the batch is empty (logits ${formatShape(logits.shape)})`);
  if (classes === 0) throw new Error(`softmaxCrossEntropy: there are no classes (logits ${formatShape(logits.shape)})`);
  // Kept for the backward pass: softmax probabilities, one row per example.
  const probabilities = new Float32Array(logits.size);
  const out = new Float32Array(1);
  crossEntropyForward(logits.data, targets, probabilities, out, batch, classes);
  // A captured step replays the same loops on the labels it is given, checked as checkLabels checks them.
  const captured = labels instanceof Int32Array ? labels : null;
  if (captured === null) unsupported('softmaxCrossEntropy with labels not in an Int32Array');
  else {
    recordCall({ name: 'softmaxCrossEntropy', module: null,
      operands: [{ array: logits.data, use: 'in' }, { array: captured, use: 'in' }, { array: probabilities, use: 'out' }, { array: out, use: 'out' }],
      replay: ({ views }) => {
        const given = views[1] as Int32Array;
        for (let i = 0; i < batch; i++) if (!(given[i]! >= 0 && given[i]! < classes)) throw labelError('softmaxCrossEntropy', given[i]!, i, logits);
        crossEntropyForward(views[0] as Float32Array, given, views[2] as Float32Array, views[3] as Float32Array, batch, classes);
      } });
  }
  return makeOutput('softmaxCrossEntropy', out, [], [logits], (grad) => {
    const gx = new Float32Array(logits.size);
    crossEntropyBackward(probabilities, targets, grad, gx, batch, classes);
    if (captured !== null) {
      recordCall({ name: 'softmaxCrossEntropy backward', module: null,
        operands: [{ array: probabilities, use: 'in' }, { array: captured, use: 'in' }, { array: grad, use: 'in' }, { array: gx, use: 'out' }],
        replay: ({ views }) => crossEntropyBackward(views[0] as Float32Array, views[1] as Int32Array, views[2] as Float32Array, views[3] as Float32Array, batch, classes) });
    }
    accumulateFreshGrad(logits, gx);
  });
}

/** The loss of softmaxCrossEntropy into out[0], and the softmax of each row of x into `probabilities`. */
function crossEntropyForward(x: Float32Array, targets: Int32Array, probabilities: Float32Array, out: Float32Array, batch: number, classes: number): void {
  let total = 0;
  for (let i = 0; i < batch; i++) {
    const row = i * classes;
    let rowMax = -Infinity;
    for (let j = 0; j < classes; j++) rowMax = Math.max(rowMax, x[row + j]!);
    let sumExp = 0;
    for (let j = 0; j < classes; j++) {
      const e = Math.exp(x[row + j]! - rowMax);
      probabilities[row + j] = e;
      sumExp += e;
    }
    for (let j = 0; j < classes; j++) probabilities[row + j]! /= sumExp;
    const logSumExp = rowMax + Math.log(sumExp);
    total += logSumExp - x[row + targets[i]!]!;
  }
  out[0] = total / batch;
}

/** d loss/d x_ij = (softmax(x_i)_j - [j = label_i]) / batch, times the loss's gradient grad[0], into gx. */
function crossEntropyBackward(probabilities: Float32Array, targets: Int32Array, grad: Float32Array, gx: Float32Array, batch: number, classes: number): void {
  const scale = grad[0]! / batch;
  for (let i = 0; i < batch; i++) {
    const row = i * classes;
    for (let j = 0; j < classes; j++) gx[row + j] = probabilities[row + j]! * scale;
    gx[row + targets[i]!]! -= scale;
  }
}

/**
 * Parametric ReLU (He et al., 2015): out = x for x >= 0, slope * x for x < 0,
 * where `slope` is learnable and has either one element (shared by the layer)
 * or one per feature (the last dimension of x).
 * Derivatives: d out/dx = 1 for x >= 0 (1 at the kink, like core's leakyRelu)
 * and slope for x < 0; d out/d slope = x for x < 0 and 0 otherwise, summed
 * over every element that shares the slope.
 * Shape: x [..., features], slope [1] or [features] -> x.shape.
 *
 * @example
 * prelu(tensor([-2, 3]), tensor([0.25])).toArray(); // [-0.5, 3]
 */
export function prelu(x: Tensor, slope: Tensor): Tensor {
  const features = x.ndim === 0 ? 1 : x.shape[x.ndim - 1]!;
  if (slope.ndim !== 1 || (slope.size !== 1 && slope.size !== features)) {
    throw new Error(`prelu: slope ${formatShape(slope.shape)} must be [1] or [${features}] for input ${formatShape(x.shape)}`);
  }
  const perFeature = slope.size !== 1;
  const slopeOf = (i: number): number => slope.data[perFeature ? i % features : 0]!;
  const out = new Float32Array(x.size);
  for (let i = 0; i < out.length; i++) {
    const v = x.data[i]!;
    out[i] = v >= 0 ? v : slopeOf(i) * v;
  }
  return makeOutput('prelu', out, x.shape, [x, slope], (grad) => {
    // d prelu/dx = 1 if x >= 0 else slope;  d prelu/d slope = x if x < 0 else 0
    if (x.requiresGrad) {
      const gx = new Float32Array(x.size);
      for (let i = 0; i < gx.length; i++) gx[i] = x.data[i]! >= 0 ? grad[i]! : slopeOf(i) * grad[i]!;
      accumulateFreshGrad(x, gx);
    }
    if (slope.requiresGrad) {
      const sums = new Float64Array(slope.size);
      for (let i = 0; i < x.size; i++) {
        const v = x.data[i]!;
        if (v < 0) sums[perFeature ? i % features : 0]! += v * grad[i]!;
      }
      accumulateFreshGrad(slope, Float32Array.from(sums));
    }
  });
}
