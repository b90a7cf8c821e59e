/**
 * `gradlab graph`: the real executable draws the tiny MLP's loss graph through
 * Graphviz (WebAssembly), before and after backward(); the SVGs hold the node labels.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { toDot } from '@gradlab/core';
import { renderDotSvg, tinyMlpLoss } from '../../packages/examples/src/index.js';
import { filesWritten, gradlab, requireBuild, temporaryDirectory } from './helpers/cli.js';

beforeAll(() => requireBuild());

/** The text of every <text> element of an SVG, entities decoded as Graphviz writes them. */
function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((match) => match[1]!.replaceAll('&#45;', '-'));
}

describe('gradlab graph', () => {
  it('writes the DOT, SVG and PNG of the loss graph before and after backward()', () => {
    const out = join(temporaryDirectory('gradlab-graph-'), 'graph');
    const result = gradlab(['graph', '--out', out, '--quiet']);
    expect(result.status, result.stderr).toBe(0);
    expect(filesWritten(result.stdout).map((path) => path.slice(out.length + 1))).toEqual([
      'loss-graph-before.dot', 'loss-graph-before.svg', 'loss-graph-before.png',
      'loss-graph-after.dot', 'loss-graph-after.svg', 'loss-graph-after.png',
    ]);
    const before = svgTexts(readFileSync(join(out, 'loss-graph-before.svg'), 'utf8'));
    const after = svgTexts(readFileSync(join(out, 'loss-graph-after.svg'), 'utf8'));
    for (const label of ['inputs [2,2]', 'layers.0.weight [2,3]', 'layers.0.bias [3]', 'layers.2.weight [3,2]', 'layers.2.bias [2]', 'linear', 'relu', 'softmaxCrossEntropy', '[]']) {
      expect(before, label).toContain(label);
      expect(after, label).toContain(label);
    }
    expect(before.filter((text) => text.startsWith('grad '))).toEqual([]);
    // After backward() every tensor that requires grad shows its gradient: 4 parameters, 3 intermediates and the loss.
    expect(after.filter((text) => text.startsWith('grad '))).toHaveLength(8);
    expect(after).toContain('grad [1]'); // d loss / d loss
    // The loss printed in the summary is the value in the graph's last box.
    const loss = /loss (\d\.\d{4})/.exec(result.stdout)![1]!;
    expect(after).toContain(`data [${Number(Number(loss).toPrecision(4))}]`);
    for (const stage of ['before', 'after']) {
      expect(Array.from(readFileSync(join(out, `loss-graph-${stage}.png`)).subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
    }
    expect(readFileSync(join(out, 'loss-graph-after.dot'), 'utf8').startsWith('digraph gradlab {')).toBe(true);
  });

  it('renders the DOT toDot gives, and names Graphviz\'s complaint about invalid DOT', async () => {
    const { loss, names } = tinyMlpLoss(3);
    const svg = await renderDotSvg(toDot(loss, { names }));
    expect(svg).toContain('<svg');
    expect(svgTexts(svg)).toContain('layers.2.bias [2]');
    await expect(renderDotSvg('digraph { a -> }')).rejects.toThrow(/^renderDotSvg: Graphviz could not draw the graph: .*syntax error/);
  });

  it('refuses a bad seed with exit code 2', () => {
    const result = gradlab(['graph', '--seed', '-1']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('gradlab graph: --seed');
  });
});
