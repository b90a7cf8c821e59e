/**
 * The lifetime charts of the dead-neurons report: a raster of every hidden
 * unit's state over training (one panel per activation, layers stacked, the
 * first seed's networks) and the revived fraction per layer with its 95%
 * interval over seeds.
 */
import { ACTIVATIONS, type UnitTimeline } from '@gradlab/nn';
import type { ActivationRun, DeadNeuronsResults } from '../experiments/dead-neurons.js';
import type { ChartSpec } from './charts.js';
import { layerIntervalChart, subtitle } from './dead-neurons.js';

/** The raster's states, in legend order, with their colours. */
const RASTER_STATES = [
  ['active', '#d9d9d9'],
  ['inactive, still gets a gradient', '#fd8d3c'],
  ['inactive and frozen', '#7f0000'],
] as const;

/** One stretch of a unit's life in one state, from step `from` to step `to`. */
export interface RasterSegment {
  readonly layer: number;
  readonly unit: number;
  readonly from: number;
  readonly to: number;
  readonly state: (typeof RASTER_STATES)[number][0];
}

/**
 * A unit's life as segments of equal state between consecutive measurements:
 * the interval from measurement i to i + 1 takes the state at measurement i,
 * split by whether the unit was frozen in it. Consecutive intervals of one
 * state merge into one segment.
 *
 * @example
 * rasterSegments(unit, [0, 25, 50]); // [{ from: 0, to: 25, state: 'active' }, { from: 25, to: 50, state: 'inactive and frozen' }]
 */
export function rasterSegments(unit: UnitTimeline, steps: readonly number[]): RasterSegment[] {
  const frozen = new Set<number>();
  for (const [from, to] of unit.frozenIntervals) for (let interval = from; interval <= to; interval++) frozen.add(interval);
  const segments: RasterSegment[] = [];
  let inactive = unit.initiallyInactive;
  let change = 0;
  for (let interval = 0; interval + 1 < steps.length; interval++) {
    const step = steps[interval]!;
    while (change < unit.changes.length && unit.changes[change]! <= step) {
      if (unit.changes[change] === step) inactive = !inactive;
      change++;
    }
    const state = !inactive ? 'active' : frozen.has(interval) ? 'inactive and frozen' : 'inactive, still gets a gradient';
    const last = segments[segments.length - 1];
    if (last !== undefined && last.state === state && last.to === step) {
      segments[segments.length - 1] = { ...last, to: steps[interval + 1]! };
    } else {
      segments.push({ layer: unit.layer + 1, unit: unit.unit, from: step, to: steps[interval + 1]!, state });
    }
  }
  return segments;
}

/** The units × steps raster of the first seed's network of each activation, layers stacked, coloured by state. */
export function unitRasterChart(results: DeadNeuronsResults): ChartSpec {
  const firstSeed = results.config.seeds[0];
  const shown = results.runs.filter((run) => run.seed === firstSeed);
  const values = shown.flatMap((run: ActivationRun) => run.units.flatMap((unit) =>
    rasterSegments(unit, run.lifetimes.steps).map((segment) => ({ ...segment, label: ACTIVATIONS[run.activation].label }))));
  const unitsPerLayer = Math.max(1, results.config.width);
  return {
    title: {
      text: 'Every hidden unit over training',
      subtitle: [`${subtitle(results).replace(/seeds? [\d, ]+;/, `seed ${firstSeed};`)}`, 'one row per unit, layers stacked (layer 1 on top); x: training step'],
    },
    data: { values },
    facet: {
      row: { field: 'layer', type: 'ordinal', title: 'hidden layer', header: { labelAngle: 0, labelFontSize: 11 } },
      column: { field: 'label', type: 'nominal', title: null, sort: shown.map((run) => ACTIVATIONS[run.activation].label), header: { labelFontSize: 13 } },
    },
    spacing: { row: 3, column: 12 },
    spec: {
      width: 260,
      height: Math.min(48, Math.max(12, unitsPerLayer * 0.75)),
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'from', type: 'quantitative', title: 'training step', scale: { nice: false } },
        x2: { field: 'to' },
        y: { field: 'unit', type: 'quantitative', title: null, axis: null, scale: { domain: [0, unitsPerLayer] } },
        y2: { field: 'unitEnd' },
        color: {
          field: 'state', type: 'nominal', title: 'state', legend: { labelLimit: 300 },
          scale: { domain: RASTER_STATES.map(([state]) => state), range: RASTER_STATES.map(([, color]) => color) },
        },
      },
    },
    transform: [{ calculate: 'datum.unit + 1', as: 'unitEnd' }],
    resolve: { scale: { x: 'shared', y: 'shared' } },
  } as unknown as ChartSpec;
}

/** Revived units / units ever inactive, per layer and activation: mean over seeds with its 95% interval. */
export function revivalsByLayerChart(results: DeadNeuronsResults): ChartSpec {
  return layerIntervalChart(results, (layer) => layer.revived, {
    text: 'Units that came back, per layer',
    note: 'units that revived at least once / units ever inactive; bar: mean over seeds, whisker: 95% interval',
    yTitle: 'revived / ever inactive',
  });
}
