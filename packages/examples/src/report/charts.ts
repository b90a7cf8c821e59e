/**
 * Charts: a Vega-Lite specification, compiled by Vega to SVG, rasterised to
 * PNG by resvg. No browser and no network are involved.
 *
 * resvg draws text only with fonts it is given. A fresh machine may have no
 * system fonts at all, so we hand it DejaVu Sans from the pinned
 * `dejavu-fonts-ttf` package and tell Vega to use that family: the PNG then
 * looks the same everywhere.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ACTIVATIONS, isActivationKind } from '@gradlab/nn';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import { writeOutputFile } from '../io/atomic.js';

/** The font family of every chart; its TTF ships with the dejavu-fonts-ttf package. */
export const CHART_FONT = 'DejaVu Sans';

/**
 * An activation's colour, the same in every chart and report: its `color` in
 * nn's activation table; grey for a name the table does not know (a record
 * written by another version).
 *
 * @example
 * activationColor('relu'); // '#d62728'
 */
export function activationColor(name: string): string {
  return isActivationKind(name) ? ACTIVATIONS[name].color : '#444';
}

/** A Vega-Lite spec, as written in the report modules. */
export type ChartSpec = TopLevelSpec;

let fontFile: string | undefined;

/** Absolute path of DejaVuSans.ttf inside the installed dejavu-fonts-ttf package. */
export function chartFontFile(): string {
  if (fontFile === undefined) {
    const require = createRequire(import.meta.url);
    fontFile = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf', 'DejaVuSans.ttf');
  }
  return fontFile;
}

/** Shared look: white background, our font, readable sizes. */
function withHouseConfig(spec: ChartSpec): ChartSpec {
  return {
    background: 'white',
    padding: 12,
    ...spec,
    config: {
      font: CHART_FONT,
      title: { fontSize: 15, anchor: 'start', subtitleFontSize: 12, subtitleColor: '#555' },
      axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
      legend: { labelFontSize: 11, titleFontSize: 12 },
      header: { labelFontSize: 12, titleFontSize: 12 },
      view: { stroke: '#ccc' },
      ...(spec.config ?? {}),
    },
  } as ChartSpec;
}

/**
 * Renders a Vega-Lite spec to SVG text.
 *
 * @example
 * const svg = await renderSvg({ data: { values: [{ x: 1, y: 2 }] }, mark: 'point', encoding: { x: { field: 'x', type: 'quantitative' } } });
 */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  const compiled = vegaLite.compile(withHouseConfig(spec)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * The resvg settings of every chart: white background, `scale` times the SVG
 * size, and only the shipped font (system fonts are ignored, so a machine
 * with different fonts renders the same picture).
 */
export function resvgOptions(scale = 2): ConstructorParameters<typeof Resvg>[1] {
  return {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: {
      loadSystemFonts: false,
      fontFiles: [chartFontFile()],
      defaultFontFamily: CHART_FONT,
      sansSerifFamily: CHART_FONT,
    },
  };
}

/** Rasterises SVG text to raw RGBA pixels (row-major, 4 bytes each), for tests that look at the picture. */
export function svgToPixels(svg: string, scale = 1): { pixels: Uint8Array; width: number; height: number } {
  const image = new Resvg(svg, resvgOptions(scale)).render();
  return { pixels: new Uint8Array(image.pixels), width: image.width, height: image.height };
}

/** Rasterises SVG text to PNG bytes at `scale` times its size, with the shipped font. */
export function svgToPng(svg: string, scale = 2): Uint8Array {
  return new Resvg(svg, resvgOptions(scale)).render().asPng();
}

/**
 * Writes `<dir>/<name>.svg` and `<dir>/<name>.png` atomically and returns
 * both paths.
 *
 * @example
 * const files = await writeChart('reports/dead-neurons', 'dead-fraction', spec);
 */
export async function writeChart(dir: string, name: string, spec: ChartSpec): Promise<string[]> {
  const svg = await renderSvg(spec);
  const svgPath = join(dir, `${name}.svg`);
  const pngPath = join(dir, `${name}.png`);
  writeOutputFile(svgPath, svg);
  writeOutputFile(pngPath, svgToPng(svg));
  return [svgPath, pngPath];
}
