/**
 * The graph behind a tensor as Graphviz DOT: micrograd's draw_dot for gradlab.
 * Every tensor is a box (its name or shape, and for small tensors its values
 * and gradient); every op is an ellipse between the tensors it read and the
 * one it made. Render with any Graphviz (`dot -Tsvg`), or with
 * `gradlab graph`, which uses a WebAssembly build of Graphviz.
 */
import { topologicalOrder } from './autograd.js';
import { formatShape } from './shape.js';
import type { Tensor } from './tensor.js';

/** Options of `toDot`. */
export interface ToDotOptions {
  /** Names to show for some tensors (parameters, inputs), e.g. from `model.namedParameters()`. */
  names?: ReadonlyMap<Tensor, string>;
  /** Show values and gradients of tensors with at most this many elements. Default 8. */
  maxValues?: number;
  /** Graphviz layout direction. Default 'LR' (left to right, as micrograd). */
  rankdir?: 'LR' | 'TB';
  /** The font of every label. Default 'Helvetica'. */
  fontname?: string;
}

/** Up to 4 significant digits, without trailing zeros: 0.5, -1.234, 1.5e-7. */
function short(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}

/** DOT record labels treat {}|<> as structure; escape them (and quotes and backslashes) in text. */
function escapeRecord(text: string): string {
  return text.replace(/[\\{}|<>"]/g, (character) => `\\${character}`);
}

/**
 * The computation graph behind `root` as a Graphviz DOT string. Tensors are
 * record boxes `[name] shape | data [...] | grad [...]`, one field above the other (values only
 * for tensors of at most `maxValues` elements; `grad` once backward() has
 * filled it; dashed for tensors that do not require grad); each op is an
 * ellipse with an edge from every input and one to its output. Nodes are
 * numbered t0, t1, … with inputs before outputs.
 *
 * @example
 * const w = tensor([3, 4], { requiresGrad: true });
 * const loss = tensor([1, 2]).mul(w).sum();
 * loss.backward();
 * toDot(loss, { names: new Map([[w, 'w']]) }); // 'digraph gradlab {\n  rankdir=LR; …'
 */
export function toDot(root: Tensor, options: ToDotOptions = {}): string {
  const maxValues = options.maxValues ?? 8;
  const rankdir = options.rankdir ?? 'LR';
  const order = topologicalOrder(root, () => true); // inputs that need no gradient are drawn too
  const ids = new Map(order.map((tensor, index) => [tensor, `t${index}`]));
  const lines = [
    'digraph gradlab {',
    `  rankdir=${rankdir};`,
    `  node [fontname="${escapeRecord(options.fontname ?? 'Helvetica')}", fontsize=11];`,
  ];
  for (const tensor of order) {
    const id = ids.get(tensor)!;
    const name = options.names?.get(tensor);
    const fields = [name === undefined ? formatShape(tensor.shape) : `${name} ${formatShape(tensor.shape)}`];
    if (tensor.size <= maxValues) {
      fields.push(`data [${Array.from(tensor.data, short).join(', ')}]`);
      if (tensor.grad !== null) fields.push(`grad [${Array.from(tensor.grad.data, short).join(', ')}]`);
    }
    const style = tensor.requiresGrad ? '' : ', style=dashed';
    // Record fields run across the rank direction: unbraced in LR, braced in TB, they stack vertically.
    const record = fields.map(escapeRecord).join(' | ');
    lines.push(`  ${id} [shape=record${style}, label="${rankdir === 'LR' ? record : `{ ${record} }`}"];`);
    if (tensor.parents.length > 0) {
      lines.push(`  ${id}_op [shape=ellipse, label="${escapeRecord(tensor.op)}"];`);
      for (const parent of tensor.parents) lines.push(`  ${ids.get(parent)!} -> ${id}_op;`);
      lines.push(`  ${id}_op -> ${id};`);
    }
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
