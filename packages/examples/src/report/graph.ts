/**
 * Rendering a DOT graph (core's `toDot`) to SVG with Graphviz itself, built
 * for WebAssembly: the `@viz-js/viz` package (Graphviz compiled with
 * Emscripten, its wasm inlined in the JavaScript: no native code, no network,
 * runs in Node 20). PNG comes from the SVG through resvg, as for the charts.
 */
/** The font of the graph's labels: the charts' DejaVu Sans, the only font resvg is given. */
export const GRAPH_FONT = 'DejaVu Sans';

/**
 * Lays out and draws `dot` with Graphviz's `dot` engine and returns the SVG
 * text. Throws an Error with Graphviz's own messages if the DOT is invalid.
 *
 * @example
 * const svg = await renderDotSvg('digraph { a -> b }'); // '<?xml version="1.0" …<svg …'
 */
export async function renderDotSvg(dot: string): Promise<string> {
  // Imported when first needed: its 1.2 MB of JavaScript carries Graphviz's WebAssembly inline.
  const { instance } = await import('@viz-js/viz');
  const viz = await instance();
  const result = viz.render(dot, { format: 'svg', engine: 'dot' });
  if (result.status !== 'success') {
    const messages = result.errors.map((error) => error.message.trim()).join('; ');
    throw new Error(`renderDotSvg: Graphviz could not draw the graph: ${messages}`);
  }
  return result.output;
}
