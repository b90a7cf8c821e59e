/**
 * Reverse-mode automatic differentiation.
 *
 * Every op returns a tensor that remembers its `parents` and a `backwardFn`:
 * a closure that receives the gradient of the final result with respect to
 * that output and adds each parent's share into the parent's `.grad`.
 * `backward()` sorts the graph so that a node runs only after every node that
 * uses it, then calls the closures from the result back to the leaves.
 */
import { broadcastShapes, sumToShape } from './broadcast.js';
import { recordCall, recording, unsupported } from './kernels/recording.js';
import { formatShape, sameShape, sizeOf, type Shape } from './shape.js';
import { Tensor } from './tensor.js';

let gradEnabled = true;
let anomalyDetection = false;
/** The op whose backward closure `backward()` is running, to name it when its gradient is wrong. */
let runningBackwardOf: string | null = null;

/** False inside `noGrad`: ops then build no graph. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Runs `fn` without recording operations for differentiation, as in
 * evaluation or when updating weights. Returns what `fn` returns.
 *
 * @example
 * const logits = noGrad(() => model.forward(x)); // logits.requiresGrad === false
 */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/**
 * Turns anomaly detection on or off. When on, every op's output and every
 * gradient a backward closure produces is checked for NaN and Infinity, and
 * the first one throws an Error naming the op and its input shapes. It costs
 * one pass over every array, so it is off by default: switch it on to find
 * where a NaN loss comes from. Returns the previous setting.
 *
 * @example
 * detectAnomaly(true);
 * tensor([-1]).log(); // Error: log: produced NaN at element 0 of its output of shape [1] (inputs of shape [1]) …
 */
export function detectAnomaly(enabled: boolean): boolean {
  const previous = anomalyDetection;
  anomalyDetection = enabled;
  return previous;
}

/** Whether anomaly detection is on (see `detectAnomaly`). */
export function isAnomalyDetectionEnabled(): boolean {
  return anomalyDetection;
}

/** Index of the first NaN or ±Infinity in `values`, or -1. */
function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
  return -1;
}

function describeInputs(parents: readonly Tensor[]): string {
  return parents.map((parent) => formatShape(parent.shape)).join(', ');
}

/**
 * Creates the output of an op. When gradients are being recorded and some
 * input requires them, the output joins the graph with `backwardFn`;
 * otherwise it is a plain tensor and the closure is dropped.
 */
export function makeOutput(
  op: string,
  data: Float32Array,
  shape: Shape,
  parents: readonly Tensor[],
  backwardFn: (grad: Float32Array) => void,
): Tensor {
  if (anomalyDetection) {
    const bad = firstNonFinite(data);
    if (bad >= 0) {
      throw new Error(`${op}: produced ${data[bad]} at element ${bad} of its output of shape ${formatShape(shape)} (inputs of shape ${describeInputs(parents)}); anomaly detection is on`);
    }
  }
  const requiresGrad = gradEnabled && parents.some((parent) => parent.requiresGrad);
  const out = new Tensor(data, shape, { requiresGrad });
  if (requiresGrad) out.setGraph(op, parents, backwardFn);
  const capture = recording();
  if (capture !== null) {
    // A captured step replays kernels only: an output no recorded kernel wrote was computed by code a replay would skip.
    if (!capture.written.has(data)) unsupported(`the op ${op} (it has no captured kernel)`);
    if (anomalyDetection) unsupported('anomaly detection (its checks are not kernels)');
    capture.tensors.push(out);
  }
  return out;
}

/**
 * Adds `grad` into `tensor.grad`. `gradShape` is the shape the gradient has
 * (the op's broadcast output shape); if it differs from the tensor's, the
 * gradient is summed back first. This is the only place broadcasting is undone.
 * A tensor's first gradient is copied, because a closure may pass the same
 * array to several parents (add does) and later gradients are added into it.
 */
export function accumulateGrad(tensor: Tensor, grad: Float32Array, gradShape: Shape = tensor.shape): void {
  addIntoGrad(tensor, grad, gradShape, false);
}

/**
 * `accumulateGrad` for an array the closure has just allocated and hands over
 * for good (it keeps no reference and passes it to no other parent): a tensor
 * without a gradient yet takes the array itself as its `.grad` instead of a
 * copy. Most backward closures allocate their gradients this way.
 *
 * @example
 * const gx = new Float32Array(grad.length);
 * for (let i = 0; i < gx.length; i++) gx[i] = 2 * x.data[i]! * grad[i]!;
 * accumulateFreshGrad(x, gx); // gx is not used again
 */
export function accumulateFreshGrad(tensor: Tensor, grad: Float32Array, gradShape: Shape = tensor.shape): void {
  addIntoGrad(tensor, grad, gradShape, true);
}

function addIntoGrad(tensor: Tensor, grad: Float32Array, gradShape: Shape, gradIsFresh: boolean): void {
  if (!tensor.requiresGrad) return;
  checkGradient(tensor, grad, gradShape);
  const reduced = sumToShape(grad, gradShape, tensor.shape);
  const capture = recording();
  if (capture !== null && reduced !== grad) unsupported('a gradient summed back over broadcast dimensions');
  if (tensor.grad === null) {
    // sumToShape returns a new array whenever it sums, so that one needs no copy either.
    const adopt = gradIsFresh || reduced !== grad;
    tensor.grad = new Tensor(adopt ? reduced : copyGrad(reduced), tensor.shape);
  } else {
    addGrad(reduced, tensor.grad.data);
  }
  if (capture !== null && tensor.isLeaf) capture.leafGrads.set(tensor, tensor.grad.data);
}

/** A copy of a gradient (a captured step replays the copy). */
function copyGrad(grad: Float32Array): Float32Array {
  const copy = grad.slice();
  recordCall({ name: 'copy gradient', module: null, operands: [{ array: grad, use: 'in' }, { array: copy, use: 'out' }], replay: ({ views }) => views[1]!.set(views[0]!) });
  return copy;
}

/** into[i] += grad[i]: the second and later gradients of a tensor (a captured step replays the same loop). */
function addGrad(grad: Float32Array, into: Float32Array): void {
  addInto(grad, into);
  recordCall({ name: 'add gradient', module: null, operands: [{ array: grad, use: 'in' }, { array: into, use: 'inout' }], replay: ({ views }) => addInto(views[0] as Float32Array, views[1] as Float32Array) });
}

function addInto(grad: Float32Array, into: Float32Array): void {
  for (let i = 0; i < into.length; i++) into[i]! += grad[i]!;
}

/**
 * Refuses a gradient that cannot be this tensor's: its length is not that of
 * its stated shape, or that shape does not reduce to the tensor's (the tensor
 * must broadcast to it). Without this check a wrong-length gradient from a
 * backward closure would be read past its end (undefined, so NaN) or cut short.
 */
function checkGradient(tensor: Tensor, grad: Float32Array, gradShape: Shape): void {
  const source = runningBackwardOf === null ? 'accumulateGrad' : `backward of ${runningBackwardOf}`;
  const expected = sizeOf(gradShape);
  if (grad.length !== expected) {
    throw new Error(`${source}: gave a gradient of ${grad.length} values as shape ${formatShape(gradShape)} (${expected} values) for an input of shape ${formatShape(tensor.shape)}`);
  }
  if (sameShape(gradShape, tensor.shape)) return;
  let broadcast: number[] | null;
  try {
    broadcast = broadcastShapes(source, tensor.shape, gradShape);
  } catch {
    broadcast = null;
  }
  if (broadcast === null || !sameShape(broadcast, gradShape)) {
    throw new Error(`${source}: gave a gradient of shape ${formatShape(gradShape)} for an input of shape ${formatShape(tensor.shape)}, which does not broadcast to it`);
  }
}

/**
 * The nodes of the graph below `root` that require gradients (or, with
 * `follow`, every parent it accepts), each listed after all of its parents.
 * Iterative depth-first search, so a chain of 100,000 ops does not overflow
 * the call stack.
 */
export function topologicalOrder(root: Tensor, follow: (parent: Tensor) => boolean = (parent) => parent.requiresGrad): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>([root]);
  const stack: Array<{ node: Tensor; nextParent: number }> = [{ node: root, nextParent: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const parents = frame.node.parents;
    if (frame.nextParent < parents.length) {
      const parent = parents[frame.nextParent++]!;
      if (follow(parent) && !visited.has(parent)) {
        visited.add(parent);
        stack.push({ node: parent, nextParent: 0 });
      }
    } else {
      order.push(frame.node);
      stack.pop();
    }
  }
  return order;
}

/**
 * Computes the gradient of `root` with respect to every tensor in its graph
 * that requires one, adding it into `.grad`. Leaves (tensors you created)
 * accumulate across calls, as in PyTorch: call `zeroGrad` between steps.
 *
 * @param gradient d(something)/d(root), required when root is not a scalar.
 */
export function backward(root: Tensor, gradient?: Tensor | Float32Array): void {
  if (!root.requiresGrad) {
    throw new Error(`backward: the tensor of shape ${formatShape(root.shape)} does not require grad; create its inputs with { requiresGrad: true }`);
  }
  let seed: Float32Array;
  if (gradient === undefined) {
    if (root.size !== 1) {
      throw new Error(`backward: output of shape ${formatShape(root.shape)} is not a scalar; pass a gradient of that shape`);
    }
    seed = new Float32Array([1]);
  } else if (gradient instanceof Tensor) {
    if (!sameShape(gradient.shape, root.shape)) {
      throw new Error(`backward: gradient of shape ${formatShape(gradient.shape)} does not match output of shape ${formatShape(root.shape)}`);
    }
    seed = gradient.data;
  } else {
    if (gradient.length !== root.size) {
      throw new Error(`backward: gradient has ${gradient.length} elements but output of shape ${formatShape(root.shape)} has ${root.size}`);
    }
    seed = gradient;
  }

  const order = topologicalOrder(root);
  // Intermediate gradients belong to this pass only; leaves keep accumulating.
  for (const node of order) if (!node.isLeaf) node.grad = null;
  accumulateGrad(root, seed);
  try {
    for (let i = order.length - 1; i >= 0; i--) {
      const node = order[i]!;
      if (node.backwardFn !== null && node.grad !== null) {
        runningBackwardOf = node.op;
        node.backwardFn(node.grad.data);
        if (anomalyDetection) checkParentGradients(node);
      }
    }
  } finally {
    runningBackwardOf = null;
  }
}

/** Anomaly detection for the backward pass: did `node`'s closure hand a parent a NaN or Infinity? */
function checkParentGradients(node: Tensor): void {
  node.parents.forEach((parent, index) => {
    if (parent.grad === null) return;
    const bad = firstNonFinite(parent.grad.data);
    if (bad >= 0) {
      throw new Error(`backward of ${node.op}: produced ${parent.grad.data[bad]} in the gradient of input ${index} (inputs of shape ${describeInputs(node.parents)}), at element ${bad}; anomaly detection is on`);
    }
  });
}
