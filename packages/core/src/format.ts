/**
 * Printing tensors the way PyTorch prints them: one format for all elements
 * (fixed with 4 decimals, `1.` for whole numbers, or scientific when the
 * magnitudes span more than 1000× or leave [1e-4, 1e8]), right-aligned to one
 * width, rows broken at 80 columns, and for tensors of more than 1000
 * elements only the first and last 3 entries of each dimension around `...`.
 * gradlab adds the shape and the dtype, which PyTorch leaves out.
 */
import { formatShape, sizeOf, stridesOf, type Shape } from './shape.js';

/** PyTorch's print options (torch.set_printoptions defaults). */
const PRECISION = 4;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const LINE_WIDTH = 80;

/** Python's '{:.4e}': the exponent has a sign and at least two digits. */
function scientific(value: number): string {
  const [mantissa, exponent] = value.toExponential(PRECISION).split('e');
  const sign = exponent!.startsWith('-') ? '-' : '+';
  return `${mantissa}e${sign}${exponent!.replace(/^[-+]/, '').padStart(2, '0')}`;
}

/** Python's repr of a non-finite float. */
function nonFinite(value: number): string {
  return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
}

/** Chooses one format for all the shown values and pads every element to the widest (PyTorch's _Formatter). */
function makeFormatter(values: readonly number[]): (value: number) => string {
  const finite = values.filter((value) => Number.isFinite(value));
  const magnitudes = finite.map(Math.abs).filter((value) => value !== 0);
  const wholeNumbers = finite.every((value) => Number.isInteger(value));
  let format: (value: number) => string;
  if (magnitudes.length === 0) {
    format = wholeNumbers ? (value) => `${value.toFixed(0)}.` : (value) => value.toFixed(PRECISION);
  } else {
    const largest = Math.max(...magnitudes);
    const smallest = Math.min(...magnitudes);
    const wide = largest / smallest > 1000 || largest > 1e8;
    if (wholeNumbers) format = wide ? scientific : (value) => `${value.toFixed(0)}.`;
    else format = wide || smallest < 1e-4 ? scientific : (value) => value.toFixed(PRECISION);
  }
  const text = (value: number) => (Number.isFinite(value) ? format(Object.is(value, -0) ? 0 : value) : nonFinite(value));
  const width = Math.max(0, ...values.map((value) => text(value).length));
  return (value) => text(value).padStart(width);
}

/** The indices shown along a dimension of `size`: all, or the first and last EDGE_ITEMS with null for `...`. */
function shownIndices(size: number, summarize: boolean): Array<number | null> {
  const all = Array.from({ length: size }, (_, i) => i);
  if (!summarize || size <= 2 * EDGE_ITEMS) return all;
  return [...all.slice(0, EDGE_ITEMS), null, ...all.slice(size - EDGE_ITEMS)];
}

/**
 * The bracketed values of a tensor, laid out as PyTorch's `_tensor_str`: the
 * continuation lines are indented by `indent` (the width of what precedes the
 * first bracket), consecutive slices of an n-d tensor are separated by n - 1 newlines.
 *
 * @example
 * formatValues(Float32Array.from([1, 2.5]), [2], 7); // '[1.0000, 2.5000]'
 */
export function formatValues(data: Float32Array, shape: Shape, indent: number): string {
  const summarize = data.length > THRESHOLD;
  const strides = stridesOf(shape);
  // Only the shown elements decide the format, as in PyTorch's get_summarized_data.
  const shown: number[] = [];
  const collect = (dim: number, offset: number): void => {
    if (dim === shape.length) {
      shown.push(data[offset]!);
      return;
    }
    for (const i of shownIndices(shape[dim]!, summarize)) if (i !== null) collect(dim + 1, offset + i * strides[dim]!);
  };
  collect(0, 0);
  const format = makeFormatter(shown);
  if (shape.length === 0) return format(data[0]!);

  const vector = (offset: number, depth: number): string => {
    const size = shape[shape.length - 1]!;
    const elements = shownIndices(size, summarize).map((i) => (i === null ? ' ...' : format(data[offset + i]!)));
    const perLine = Math.max(1, Math.floor((LINE_WIDTH - indent - depth) / (format(shown[0] ?? 0).length + 2)));
    const lines: string[] = [];
    for (let i = 0; i < elements.length; i += perLine) lines.push(elements.slice(i, i + perLine).join(', '));
    return `[${lines.join(`,\n${' '.repeat(indent + depth + 1)}`)}]`;
  };
  const block = (dim: number, offset: number): string => {
    if (dim === shape.length - 1) return vector(offset, dim);
    const slices = shownIndices(shape[dim]!, summarize).map((i) => (i === null ? '...' : block(dim + 1, offset + i * strides[dim]!)));
    const separator = `,${'\n'.repeat(shape.length - dim - 1)}${' '.repeat(indent + dim + 1)}`;
    return `[${slices.join(separator)}]`;
  };
  return block(0, 0);
}

/**
 * `tensor(<values>, shape=[…], dtype=float32[, requiresGrad=true | op=<name>])`,
 * laid out as PyTorch prints tensors (see the file comment). What
 * `Tensor.toString()` and `console.log(tensor)` show.
 *
 * @example
 * formatTensor(Float32Array.from([1, 2, 3, 4]), [2, 2], '');
 * // 'tensor([[1., 2.],\n        [3., 4.]], shape=[2, 2], dtype=float32)'
 */
export function formatTensor(data: Float32Array, shape: Shape, suffix: string): string {
  const prefix = 'tensor(';
  const values = sizeOf(shape) === 0 ? '[]' : formatValues(data, shape, prefix.length);
  const shapeText = formatShape(shape).replaceAll(',', ', ');
  return `${prefix}${values}, shape=${shapeText}, dtype=float32${suffix === '' ? '' : `, ${suffix}`})`;
}
