/**
 * The indexing and comparison ops (ops-indexing.ts, ops-compare.ts): PyTorch
 * fixtures, finite-difference gradient checks, the doc comments' examples, and
 * the errors.
 */
import { describe, expect, it } from 'vitest';
import {
  Generator, Tensor, arange, argmax, argmin, clamp, concat, gather, gradcheck, indexSelect, maximum, minimum,
  rand, slice, stack, tensor, where,
} from '@gradlab/core';
import { fromJson, mismatches, staples, type TensorJson } from '../helpers/staples-fixture.js';

interface OpCase {
  name: string;
  op: string;
  args: Record<string, any>;
  inputs: TensorJson[];
  weight: TensorJson;
  output: TensorJson;
  grads: TensorJson[];
}

// Each op called the way a user would, with the fixture's arguments.
const OPS: Record<string, (inputs: Tensor[], args: OpCase['args']) => Tensor> = {
  slice: ([x], a) => slice(x!, a.axis, a.start, a.end, a.step),
  indexSelect: ([x], a) => x!.indexSelect(a.axis, a.indices),
  gather: ([x], a) => x!.gather(a.axis, tensor(a.index)),
  concat: (xs, a) => concat(xs, a.axis),
  stack: (xs, a) => stack(xs, a.axis),
  clamp: ([x], a) => x!.clamp(a.min ?? undefined, a.max ?? undefined),
  where: ([x, y], a) => where(tensor(a.condition), x!, y!),
  maximum: ([x, y]) => x!.maximum(y!),
  minimum: ([x, y]) => minimum(x!, y!),
};

const cases = staples.ops as OpCase[];

describe('indexing and comparison ops against PyTorch (test/fixtures/torch/staples.json)', () => {
  it('has a case for every op in the table', () => {
    expect(new Set(cases.map((entry) => entry.op))).toEqual(new Set(Object.keys(OPS)));
  });

  it.each(cases.map((entry) => [entry.name, entry] as const))('%s', (_name, entry) => {
    const inputs = entry.inputs.map((input) => fromJson(input, true));
    const output = OPS[entry.op]!(inputs, entry.args);
    output.backward(fromJson(entry.weight));
    expect([
      ...mismatches('output', output, entry.output),
      ...inputs.flatMap((input, i) => mismatches(`grad of input ${i}`, input.grad, entry.grads[i]!)),
    ]).toEqual([]);
  });

  it('argmax / argmin give PyTorch\'s indices', () => {
    const x = fromJson(staples.arg.input);
    expect(Array.from(argmax(x, 1).data)).toEqual(staples.arg.argmaxAxis1);
    expect(Array.from(x.argmax(0).data)).toEqual(staples.arg.argmaxAxis0);
    expect(Array.from(argmin(x, 1).data)).toEqual(staples.arg.argminAxis1);
    expect(argmax(x).item()).toBe(staples.arg.argmaxAll);
  });
});

const generator = new Generator('staples-ops');
/** Values in [-2, 2) whose pairwise gaps exceed 2·eps, so no finite difference crosses a tie or a clamp bound. */
function spread(shape: number[]): Tensor {
  const count = shape.reduce((a, b) => a * b, 1);
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = generator.integer(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return tensor(Float32Array.from(order, (k) => -2 + (4 * k + 1) / (count + 1) + 0.013), { shape, requiresGrad: true });
}
const any = (shape: number[]) => rand(shape, { generator, low: -2, high: 2, requiresGrad: true });

const gradCases: Array<{ name: string; inputs: () => Tensor[]; fn: (...args: Tensor[]) => Tensor }> = [
  { name: 'slice (axis 1, step 2)', inputs: () => [any([3, 7, 2])], fn: (x) => slice(x!, 1, 1, 7, 2) },
  { name: 'slice (negative start)', inputs: () => [any([5, 3])], fn: (x) => x!.slice(0, -2) },
  { name: 'indexSelect (repeats)', inputs: () => [any([4, 3])], fn: (x) => indexSelect(x!, 1, [2, 2, 0]) },
  { name: 'gather (class scores)', inputs: () => [any([4, 5])], fn: (x) => gather(x!, 1, tensor([[1], [4], [0], [4]])) },
  { name: 'concat (axis -1, three inputs)', inputs: () => [any([2, 3]), any([2, 1]), any([2, 4])], fn: (a, b, c) => concat([a!, b!, c!], -1) },
  { name: 'stack (axis 1)', inputs: () => [any([3, 2]), any([3, 2])], fn: (a, b) => stack([a!, b!], 1) },
  { name: 'clamp', inputs: () => [spread([4, 5])], fn: (x) => clamp(x!, -1, 0.8) },
  { name: 'where (broadcast)', inputs: () => [any([3, 4]), any([4])], fn: (a, b) => where(tensor([[1], [0], [1]]), a!, b!) },
  { name: 'maximum (broadcast)', inputs: () => distinctLeaves([3, 5], [5]), fn: (a, b) => maximum(a!, b!) },
  { name: 'minimum', inputs: () => distinctLeaves([2, 3], [2, 3]), fn: (a, b) => minimum(a!, b!) },
];

/** Fresh leaves of the given shapes holding distinct values from one spread, so no two elements tie. */
function distinctLeaves(...shapes: number[][]): Tensor[] {
  const sizes = shapes.map((shape) => shape.reduce((a, b) => a * b, 1));
  const all = spread([sizes.reduce((a, b) => a + b, 0)]).data;
  let offset = 0;
  return shapes.map((shape, i) => {
    const leaf = new Tensor(all.slice(offset, offset + sizes[i]!), shape, { requiresGrad: true });
    offset += sizes[i]!;
    return leaf;
  });
}

describe('gradient checks (central differences)', () => {
  it.each(gradCases.map((entry) => [entry.name, entry] as const))('%s', (_name, entry) => {
    const result = gradcheck(entry.fn, entry.inputs());
    expect(result.passed, result.message).toBe(true);
  });
});

describe('the doc comments\' examples and conventions', () => {
  it('slice, indexSelect, gather, concat, stack', () => {
    expect(slice(tensor([[1, 2, 3], [4, 5, 6]]), 1, 1).toArray()).toEqual([[2, 3], [5, 6]]);
    expect(slice(arange(6), 0, 0, 6, 2).toArray()).toEqual([0, 2, 4]);
    expect(slice(arange(6), 0, 4, 2).shape).toEqual([0]);
    expect(indexSelect(tensor([[1, 2], [3, 4], [5, 6]]), 0, [2, 0, 2]).toArray()).toEqual([[5, 6], [1, 2], [5, 6]]);
    expect(gather(tensor([[1, 2, 3], [4, 5, 6]]), 1, tensor([[2], [0]])).toArray()).toEqual([[3], [4]]);
    expect(concat([tensor([[1, 2]]), tensor([[3, 4], [5, 6]])], 0).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(concat([tensor([[1], [2]]), tensor([[3], [4]])], 1).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(stack([tensor([1, 2]), tensor([3, 4])]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(stack([tensor([1, 2]), tensor([3, 4])], 1).toArray()).toEqual([[1, 3], [2, 4]]);
  });

  it('argmax, argmin, clamp, where, maximum, minimum', () => {
    expect(argmax(tensor([[1, 5, 2], [7, 0, 7]]), 1).toArray()).toEqual([1, 0]);
    expect(argmax(tensor([[1, 5], [7, 0]])).item()).toBe(2);
    expect(argmax(tensor([[1, 5], [7, 0]]), 0, true).shape).toEqual([1, 2]);
    expect(argmin(tensor([[1, 5, 2], [7, 0, 7]]), 1).toArray()).toEqual([0, 1]);
    expect(argmax(tensor([1, NaN, 3])).item()).toBe(1); // NaN counts as the largest, as in PyTorch
    expect(argmax(tensor([[1, 2]], { requiresGrad: true }), 1).requiresGrad).toBe(false);
    expect(clamp(tensor([-2, 0.5, 3]), 0, 1).toArray()).toEqual([0, 0.5, 1]);
    expect(where(tensor([1, 0, 1]), tensor([1, 2, 3]), 0).toArray()).toEqual([1, 0, 3]);
    expect(maximum(tensor([1, 5, 3]), tensor([4, 2, 3])).toArray()).toEqual([4, 5, 3]);
    expect(minimum(tensor([1, 5, 3]), 2).toArray()).toEqual([1, 2, 2]);
    expect(Number.isNaN(maximum(tensor([NaN]), 1).item())).toBe(true);
  });

  it('clamp passes the gradient at its bounds (inclusive, as PyTorch); maximum splits a tie in halves', () => {
    const x = tensor([0, 0.5, 1, 2], { requiresGrad: true });
    clamp(x, 0, 1).sum().backward();
    expect(x.grad!.toArray()).toEqual([1, 1, 1, 0]);
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([1, 3], { requiresGrad: true });
    maximum(a, b).sum().backward();
    expect(a.grad!.toArray()).toEqual([0.5, 0]);
    expect(b.grad!.toArray()).toEqual([0.5, 1]);
  });

  it('gather picks each example\'s class score, and its gradient lands on that score only', () => {
    const logits = tensor([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]], { requiresGrad: true });
    const picked = gather(logits, 1, tensor([[1], [0]]));
    expect(picked.toArray()).toEqual([[Math.fround(0.7)], [0.5]]);
    picked.sum().backward();
    expect(logits.grad!.toArray()).toEqual([[0, 1, 0], [1, 0, 0]]);
  });
});

describe('errors name the op, the shapes and what is allowed', () => {
  it.each([
    ['slice axis', () => slice(arange(4), 1, 0), 'slice: axis 1 is out of range for a tensor with 1 dimension'],
    ['slice step', () => slice(arange(4), 0, 0, 4, 0), 'slice: start and end must be integers and step a positive integer, got start=0, end=4, step=0'],
    ['indexSelect index', () => indexSelect(arange(4), 0, [4]), 'indexSelect: index for axis 0 of shape [4]: 4 (at position 0) is not an integer in [0, 4)'],
    ['gather shape', () => gather(tensor([[1, 2]]), 1, tensor([1])), 'gather: index of shape [1] does not fit input of shape [1,2] along axis 1'],
    ['gather index', () => gather(tensor([[1, 2]]), 1, tensor([[2]])), 'gather: index for axis 1 of shape [1,2]: 2 (at position 0) is not an integer in [0, 2)'],
    ['concat shapes', () => concat([tensor([[1, 2]]), tensor([[1, 2, 3]])], 0), 'concat: shapes [1,2], [1,3] differ outside axis 0'],
    ['concat empty', () => concat([]), 'concat: expected a non-empty array of tensors'],
    ['stack shapes', () => stack([tensor([1]), tensor([1, 2])]), 'stack: every tensor must have the same shape, got [1], [2]'],
    ['clamp bounds', () => clamp(arange(3), 2, 1), 'clamp: need min <= max (either may be left out), got min=2, max=1'],
    ['where broadcast', () => where(tensor([1, 0]), tensor([1, 2, 3]), 0), 'where: cannot broadcast shapes [2] and [3]'],
    ['argmax empty', () => argmax(tensor([])), 'argmax: cannot reduce the empty tensor of shape [0]'],
  ])('%s', (_name, fn, message) => {
    expect(fn).toThrow(message);
  });
});
