import { describe, expect, it } from 'vitest';
import { chartFontFile, renderSvg, resvgOptions, svgToPixels, svgToPng } from 'gradlab';
import { existsSync } from 'node:fs';

/** Number of pixels that are not white in an RGBA buffer. */
function inkPixels(pixels: Uint8Array): number {
  let ink = 0;
  for (let i = 0; i < pixels.length; i += 4) if (pixels[i]! < 200 || pixels[i + 1]! < 200 || pixels[i + 2]! < 200) ink++;
  return ink;
}

describe('charts', () => {
  it('renders a Vega-Lite spec to SVG with its title, axis titles and data', async () => {
    const svg = await renderSvg({
      title: 'Dead units',
      data: { values: [{ epoch: 0, fraction: 0.1 }, { epoch: 1, fraction: 0.3 }] },
      mark: 'line',
      encoding: { x: { field: 'epoch', type: 'quantitative', title: 'epoch' }, y: { field: 'fraction', type: 'quantitative', title: 'fraction dead' } },
    });
    expect(svg.startsWith('<svg')).toBe(true);
    for (const text of ['Dead units', 'epoch', 'fraction dead', 'font-family="DejaVu Sans']) expect(svg).toContain(text);
  });

  it('draws text in the PNG with the shipped font alone (no system fonts)', () => {
    expect(existsSync(chartFontFile())).toBe(true);
    const withText = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><text x="5" y="28" font-family="DejaVu Sans" font-size="20">gradlab</text></svg>';
    const blank = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"></svg>';
    expect(resvgOptions(1)?.font?.loadSystemFonts).toBe(false);
    expect(inkPixels(svgToPixels(withText).pixels)).toBeGreaterThan(100);
    expect(inkPixels(svgToPixels(blank).pixels)).toBe(0);
    const png = svgToPng(withText);
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });
});
