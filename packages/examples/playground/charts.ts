/**
 * The page's charts, drawn on canvases with nothing but the 2D context:
 * line charts, the unit raster and the digits.
 */
import type { LifetimeMeasurement } from '../src/experiments/lifetimes.js';

/** One colour per hidden layer (cycled past ten). */
export const LAYER_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const MARGIN = { left: 36, right: 8, top: 8, bottom: 18 };

function context(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const drawing = canvas.getContext('2d');
  if (drawing === null) throw new Error('playground: no 2D canvas');
  return drawing;
}

/** A line chart of several series over x in [0, xMax] and y in [0, yMax], with its axes labelled. */
export function drawLines(canvas: HTMLCanvasElement, chart: {
  xMax: number;
  yMax: number;
  series: ReadonlyArray<{ colour: string; points: ReadonlyArray<readonly [number, number]>; label: string; dots?: boolean }>;
}): void {
  const drawing = context(canvas);
  const width = canvas.width - MARGIN.left - MARGIN.right;
  const height = canvas.height - MARGIN.top - MARGIN.bottom;
  const x = (value: number): number => MARGIN.left + (value / chart.xMax) * width;
  const y = (value: number): number => MARGIN.top + height - (Math.min(Math.max(value, 0), chart.yMax) / chart.yMax) * height;
  drawing.clearRect(0, 0, canvas.width, canvas.height);
  drawing.fillStyle = '#fff';
  drawing.fillRect(0, 0, canvas.width, canvas.height);
  drawing.strokeStyle = '#bbb';
  drawing.lineWidth = 1;
  drawing.strokeRect(MARGIN.left, MARGIN.top, width, height);
  drawing.fillStyle = '#555';
  drawing.font = '10px sans-serif';
  drawing.fillText(chart.yMax.toFixed(chart.yMax < 10 ? 1 : 0), 2, MARGIN.top + 8);
  drawing.fillText('0', 2, MARGIN.top + height);
  drawing.fillText('step 0', MARGIN.left, canvas.height - 4);
  const end = `step ${chart.xMax}`;
  drawing.fillText(end, MARGIN.left + width - drawing.measureText(end).width, canvas.height - 4);
  let legendX = MARGIN.left + 60;
  for (const series of chart.series) {
    drawing.strokeStyle = series.colour;
    drawing.fillStyle = series.colour;
    drawing.lineWidth = 1.5;
    if (series.dots === true) {
      for (const [px, py] of series.points) {
        drawing.beginPath();
        drawing.arc(x(px), y(py), 3, 0, 2 * Math.PI);
        drawing.fill();
      }
    } else {
      drawing.beginPath();
      series.points.forEach(([px, py], i) => (i === 0 ? drawing.moveTo(x(px), y(py)) : drawing.lineTo(x(px), y(py))));
      drawing.stroke();
    }
    if (chart.series.length <= 4) {
      drawing.fillText(series.label, legendX, canvas.height - 4);
      legendX += drawing.measureText(series.label).width + 14;
    }
  }
}

/** The raster's colours by unit state. */
const STATE_COLOURS = { active: '#e4ebf2', inactive: '#b03a2e', revived: '#27ae60' } as const;

/**
 * The unit raster: one row per hidden unit (layer 1 at the top), one column
 * per lifetime measurement; a cell is inactive (red), active (pale), or
 * active again after having been inactive at an earlier measurement (green:
 * a revival). Returns how many units are inactive and revived at the last measurement.
 */
export function drawRaster(canvas: HTMLCanvasElement, measurements: readonly LifetimeMeasurement[], depth: number, width: number): { inactive: number; revived: number } {
  const drawing = context(canvas);
  drawing.fillStyle = '#fff';
  drawing.fillRect(0, 0, canvas.width, canvas.height);
  const units = depth * width;
  const columns = Math.max(measurements.length, 1);
  const cellWidth = canvas.width / Math.max(columns, 51);
  const cellHeight = canvas.height / units;
  const everInactive = new Uint8Array(units);
  const counts = { inactive: 0, revived: 0 };
  measurements.forEach((measurement, column) => {
    const inactive = new Uint8Array(units);
    measurement.inactive.forEach((list, layer) => { for (const unit of list) inactive[layer * width + unit] = 1; });
    counts.inactive = 0;
    counts.revived = 0;
    for (let unit = 0; unit < units; unit++) {
      const state = inactive[unit] === 1 ? 'inactive' : everInactive[unit] === 1 ? 'revived' : 'active';
      if (state !== 'active') counts[state]++;
      drawing.fillStyle = STATE_COLOURS[state];
      drawing.fillRect(column * cellWidth, unit * cellHeight, Math.ceil(cellWidth), Math.ceil(cellHeight));
      if (inactive[unit] === 1) everInactive[unit] = 1;
    }
  });
  drawing.strokeStyle = '#fff';
  drawing.lineWidth = 1;
  for (let layer = 1; layer < depth; layer++) {
    drawing.beginPath();
    drawing.moveTo(0, layer * width * cellHeight);
    drawing.lineTo(canvas.width, layer * width * cellHeight);
    drawing.stroke();
  }
  return counts;
}

/** A digit's grey values ([0, 1], 1 = ink) as a side×side image, ink dark on white. */
export function drawDigit(canvas: HTMLCanvasElement, pixels: Float32Array, side: number): void {
  const drawing = context(canvas);
  const image = drawing.createImageData(side, side);
  for (let i = 0; i < side * side; i++) {
    const grey = Math.round(255 * (1 - pixels[i]!));
    image.data.set([grey, grey, grey, 255], i * 4);
  }
  drawing.putImageData(image, 0, 0);
}
