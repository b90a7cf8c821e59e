/**
 * `gradlab graph`: micrograd's picture for gradlab. The computation graph of
 * a tiny MLP's loss, drawn by Graphviz (WebAssembly) before and after
 * `backward()`: the same boxes, and afterwards each one also shows its gradient.
 */
import { join } from 'node:path';
import { toDot } from '@gradlab/core';
import { tinyMlpLoss } from '../experiments/loss-graph.js';
import { writeOutputFile } from '../io/atomic.js';
import { svgToPng } from '../report/charts.js';
import { GRAPH_FONT, renderDotSvg } from '../report/graph.js';
import { defineCommand } from './command.js';

const flags = {
  seed: { kind: 'int', min: 0, max: 2 ** 31 - 1, default: 0, description: 'Seed of the network\'s weights' },
  out: { kind: 'string', default: 'reports/graph', description: 'Directory for the .dot, .svg and .png files' },
} as const;

export const graphCommand = defineCommand(
  {
    name: 'graph',
    summary: 'Draws the autodiff graph of a tiny MLP\'s loss (values, then gradients after backward()) with Graphviz compiled to WebAssembly.',
    details: 'Writes <out>/loss-graph-before.{dot,svg,png} and <out>/loss-graph-after.{dot,svg,png}.',
    flags,
  },
  async (options, _positionals, context) => {
    const { loss, names } = tinyMlpLoss(options.seed);
    const filesWritten: string[] = [];
    const draw = async (stage: string) => {
      const dot = toDot(loss, { names, fontname: GRAPH_FONT });
      const svg = await renderDotSvg(dot);
      const base = join(options.out, `loss-graph-${stage}`);
      writeOutputFile(`${base}.dot`, dot);
      writeOutputFile(`${base}.svg`, svg);
      writeOutputFile(`${base}.png`, svgToPng(svg));
      filesWritten.push(`${base}.dot`, `${base}.svg`, `${base}.png`);
      context.log(`graph: ${stage} backward() drawn`);
    };
    await draw('before');
    loss.backward();
    await draw('after');
    return { filesWritten, summary: `loss ${loss.item().toFixed(4)}; ${filesWritten.length} files` };
  },
);
