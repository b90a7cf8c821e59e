/**
 * A table of a model's layers, their output shapes and parameter counts,
 * as Keras's model.summary() and torchinfo's summary() print it.
 */
import { Tensor, formatShape, noGrad, zeros } from '@gradlab/core';
import type { Module } from './module.js';

/**
 * Runs one forward pass of zeros of `inputShape` (batch dimension included)
 * through `model`, in evaluation mode and without gradients, and returns a
 * table with one row per module below the root, indented by depth: its name
 * and class, its output shape and the number of parameter elements it holds
 * itself (so the column adds up to the total). The model is left as it was:
 * same mode, same buffers (evaluation mode does not update BatchNorm's
 * running statistics), no hooks.
 * A module that never runs in the forward pass shows `-` as its shape.
 *
 * @example
 * console.log(summary(mlp({ inputs: 4, hidden: [8], outputs: 2, activation: 'relu' }), [1, 4]));
 * // Layer (type)       Output shape   Params
 * // ========================================
 * // layers.0 (Dense)   [1, 8]             40
 * // …
 */
export function summary(model: Module, inputShape: readonly number[]): string {
  const modules = model.namedModules();
  const shapes = new Map<Module, readonly number[]>();
  const handles = modules.map(([, module]) => module.registerForwardHook((hooked, _input, output) => {
    if (!shapes.has(hooked)) shapes.set(hooked, output.shape);
  }));
  const wasTraining = modules.map(([, module]) => module.training);
  let output: Tensor;
  try {
    model.eval();
    output = noGrad(() => model.forward(zeros(inputShape)));
  } finally {
    for (const handle of handles) handle.remove();
    modules.forEach(([, module], index) => { module.training = wasTraining[index]!; });
  }
  const shapeText = (shape: readonly number[] | undefined) => (shape === undefined ? '-' : formatShape(shape).replaceAll(',', ', '));
  const rows = modules.slice(1).map(([name, module]) => {
    const depth = name.split('.').filter((part) => !/^\d+$/.test(part)).length - 1;
    const own = module.ownParameters().reduce((total, [, parameter]) => total + parameter.size, 0);
    return [`${'  '.repeat(Math.max(0, depth))}${name} (${module.constructor.name})`, shapeText(shapes.get(module)), own.toLocaleString('en-US')];
  });
  const header = ['Layer (type)', 'Output shape', 'Params'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) => `${cells[0]!.padEnd(widths[0]!)}   ${cells[1]!.padEnd(widths[1]!)}   ${cells[2]!.padStart(widths[2]!)}`;
  const rule = '='.repeat(widths[0]! + widths[1]! + widths[2]! + 6);
  const total = model.numParameters();
  const bufferElements = model.buffers().reduce((sum, buffer) => sum + buffer.size, 0);
  return [
    line(header),
    rule,
    ...rows.map(line),
    rule,
    `Input shape: ${shapeText(inputShape)}   Output shape: ${shapeText(output.shape)}`,
    `Parameters: ${total.toLocaleString('en-US')} (${((total * 4) / 1024).toFixed(1)} KiB as float32)`,
    `Buffers: ${bufferElements.toLocaleString('en-US')} elements (not trained)`,
    '',
  ].join('\n');
}
