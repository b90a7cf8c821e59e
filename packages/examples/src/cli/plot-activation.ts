/**
 * `gradlab plot-activation`: the picture of the Leaky ReLU spec (the function
 * and its derivative on [-10, 10]), and the same for every activation in nn's
 * table, with derivatives from gradlab's autodiff. An activation with a slope
 * for x < 0 (LeakyReLU, PReLU) gets a second panel, x < 0 on a y axis of its
 * own: at the spec's alpha = 0.01 the slope is 1% of the first panel's height.
 */
import { join } from 'node:path';
import { ACTIVATIONS } from '@gradlab/nn';
import { activationCurve, CURVE_ACTIVATIONS, linspace, type CurveActivation, type CurvePoint } from '../experiments/activation-curves.js';
import { writeOutputFile } from '../io/atomic.js';
import { writeChart, type ChartSpec } from '../report/charts.js';
import { toCsv } from '../report/csv.js';
import { shortestFloat32 } from '../report/format.js';
import { UsageError } from './args.js';
import { defineCommand } from './command.js';

const flags = {
  activations: { kind: 'choice-list', distinct: true, choices: CURVE_ACTIVATIONS, default: [...CURVE_ACTIVATIONS], description: 'Which activations to plot' },
  alpha: { kind: 'number', min: 0, max: 1, default: 0.01, description: 'Slope for x < 0 of LeakyReLU (the spec\'s alpha) and PReLU, as --alpha of the other commands' },
  from: { kind: 'number', min: -1e6, max: 1e6, default: -10, description: 'Left end of the x range' },
  to: { kind: 'number', min: -1e6, max: 1e6, default: 10, description: 'Right end of the x range' },
  points: { kind: 'int', min: 2, max: 100000, default: 401, description: 'Grid points (401 puts one exactly at x = 0)' },
  out: { kind: 'string', default: 'reports/activations', description: 'Directory for the charts and the CSV' },
} as const;

/** One chart per activation, styled as the spec's matplotlib figure: function solid blue, derivative dashed red. */
function curveChart(activation: CurveActivation, points: readonly CurvePoint[], negativeSlope: number, from: number): ChartSpec {
  const { label: title, slope } = ACTIVATIONS[activation];
  // The same legend settings on both channels make Vega-Lite merge them into one legend.
  const legend = { orient: 'top-left', fillColor: 'white', strokeColor: '#ccc', padding: 6, symbolStrokeWidth: 2.2, labelLimit: 400 } as const;
  const curves = [`${title} function`, `${title} derivative (autodiff)`];
  const long = points.flatMap((point) => [
    { x: point.x, y: point.value, curve: curves[0] },
    { x: point.x, y: point.derivative, curve: curves[1] },
  ]);
  const encoding = {
    x: { field: 'x', type: 'quantitative', title: 'Input (x)' },
    y: { field: 'y', type: 'quantitative', title: 'Output' },
    color: { field: 'curve', type: 'nominal', title: null, scale: { domain: curves, range: ['#1f4fd6', '#d62728'] }, legend: legend },
    strokeDash: { field: 'curve', type: 'nominal', title: null, scale: { domain: curves, range: [[1, 0], [6, 4]] }, legend: legend },
  } as const;
  const mark = { type: 'line', strokeWidth: 2.2, clip: true } as const;
  const chartTitle = {
    text: `${title} Activation Function and Its Derivative`,
    subtitle: slope !== null ? `alpha = ${negativeSlope}; derivative from gradlab's reverse-mode autodiff` : "derivative from gradlab's reverse-mode autodiff",
  };
  const whole = { width: 560, height: 320, mark, encoding };
  if (slope === null || from >= 0) return { title: chartTitle, data: { values: long }, ...whole };
  // The negative side alone, on a y axis of its own, where a slope of 0.01 is as steep as the panel is tall.
  const negativeSide = {
    title: { text: `x < 0, zoomed: slope ${negativeSlope}`, fontSize: 12, fontWeight: 'normal' as const },
    width: 260,
    height: 320,
    transform: [{ filter: 'datum.x < 0' }],
    mark,
    encoding: { ...encoding, x: { ...encoding.x, scale: { domain: [from, 0] } }, y: { ...encoding.y, title: null, scale: { zero: false } } },
  };
  return { title: chartTitle, data: { values: long }, hconcat: [whole, negativeSide] };
}

export const plotActivationCommand = defineCommand(
  {
    name: 'plot-activation',
    summary: 'Plots every activation in the table with its derivative; the derivatives come from autodiff (sum(f(x)).backward()), not from a formula. ' +
      'LeakyReLU and PReLU get a second panel, x < 0 on a y axis of its own, where the slope alpha shows.',
    details: 'Writes <out>/<activation>.svg and .png for each activation, and <out>/activations.csv with x, f(x), f\'(x).',
    flags,
  },
  async (options, _positionals, context) => {
    if (!(options.from < options.to)) throw new UsageError(`plot-activation: --from must be less than --to, got --from ${options.from} --to ${options.to}`);
    const grid = linspace(options.from, options.to, options.points);
    const filesWritten: string[] = [];
    const allPoints: CurvePoint[] = [];
    for (const activation of options.activations) {
      const points = activationCurve(activation, grid, options.alpha);
      allPoints.push(...points);
      filesWritten.push(...(await writeChart(options.out, activation, curveChart(activation, points, options.alpha, options.from))));
      context.log(`plot-activation: ${activation} drawn`);
    }
    const csvPath = join(options.out, 'activations.csv');
    writeOutputFile(csvPath, toCsv(allPoints.map((point) => ({
      activation: point.activation,
      x: shortestFloat32(point.x),
      value: shortestFloat32(point.value),
      derivative: shortestFloat32(point.derivative),
    })), ['activation', 'x', 'value', 'derivative']));
    filesWritten.push(csvPath);
    return { filesWritten };
  },
);
