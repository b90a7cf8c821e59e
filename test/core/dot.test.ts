/**
 * toDot: the Graphviz DOT text of a known two-op graph, before and after backward().
 */
import { describe, expect, it } from 'vitest';
import { tensor, toDot } from '@gradlab/core';

const header = 'digraph gradlab {\n  rankdir=LR;\n  node [fontname="Helvetica", fontsize=11];\n';

describe('toDot', () => {
  it('x * w, summed: tensors as records with values, ops as ellipses, gradients after backward()', () => {
    const x = tensor([1, 2]);
    const w = tensor([3, 4], { requiresGrad: true });
    const loss = x.mul(w).sum();
    const names = new Map([[x, 'x'], [w, 'w']]);
    const edges = '  t2_op [shape=ellipse, label="mul"];\n  t0 -> t2_op;\n  t1 -> t2_op;\n  t2_op -> t2;\n';
    const sumEdges = '  t3_op [shape=ellipse, label="sum"];\n  t2 -> t3_op;\n  t3_op -> t3;\n}\n';
    expect(toDot(loss, { names })).toBe(
      header
      + '  t0 [shape=record, style=dashed, label="x [2] | data [1, 2]"];\n'
      + '  t1 [shape=record, label="w [2] | data [3, 4]"];\n'
      + '  t2 [shape=record, label="[2] | data [3, 8]"];\n'
      + edges
      + '  t3 [shape=record, label="[] | data [11]"];\n'
      + sumEdges,
    );
    loss.backward();
    expect(toDot(loss, { names })).toBe(
      header
      + '  t0 [shape=record, style=dashed, label="x [2] | data [1, 2]"];\n'
      + '  t1 [shape=record, label="w [2] | data [3, 4] | grad [1, 2]"];\n'
      + '  t2 [shape=record, label="[2] | data [3, 8] | grad [1, 1]"];\n'
      + edges
      + '  t3 [shape=record, label="[] | data [11] | grad [1]"];\n'
      + sumEdges,
    );
  });

  it('leaves out the values of large tensors, escapes record syntax in names, and lists a shared input once', () => {
    const big = tensor(Array.from({ length: 9 }, (_, i) => i), { requiresGrad: true });
    const dot = toDot(big.mul(big), { names: new Map([[big, 'a|b']]), rankdir: 'TB' });
    expect(dot).toContain('rankdir=TB;');
    expect(dot).toContain('t0 [shape=record, label="{ a\\|b [9] }"];');
    expect(dot.match(/t0 -> t1_op;/g)).toHaveLength(2);
    expect(dot).not.toContain('data');
  });
});
