/**
 * Per-unit lifetimes in the dead-neurons experiment: which units are
 * inactive every `measureEvery` training steps (and at every epoch's end), on
 * the same fixed measured images, together with which units' incoming weights
 * got no non-zero gradient from the real training steps in between (frozen)
 * and which moved anyway. The measurements are plain data (saved in the
 * network's checkpoint); nn's `UnitLifetimes` turns them into each unit's
 * timeline and per-layer totals at the end.
 */
import {
  GradientActivity, UnitLifetimes, incomingDenseLayers,
  type ActivationReport, type InactiveMeaning, type IntervalActivity, type LifetimeLayerSummary, type Sequential, type UnitTimeline,
} from '@gradlab/nn';

/** The instrument's list of the inactive units of a layer, for each meaning of "inactive". */
const INACTIVE_UNITS: { readonly [M in InactiveMeaning]: (layer: ActivationReport['layers'][number]) => number[] } = {
  dead: (layer) => layer.deadUnits,
  'dead-like': (layer) => layer.deadLikeUnits,
  saturated: (layer) => layer.saturatedUnits,
};

/**
 * The inactive units of every layer of a report, for an activation whose
 * inactivity means `meaning` ('dead', 'dead-like' or 'saturated').
 *
 * @example
 * inactiveUnitsOf(measureActivations(model, batches), 'dead'); // [[3, 17], [], …]: per hidden layer
 */
export function inactiveUnitsOf(report: ActivationReport, meaning: InactiveMeaning): number[][] {
  return report.layers.map(INACTIVE_UNITS[meaning]);
}

/** One lifetime measurement: after `step` training steps (0 = at initialisation). */
export interface LifetimeMeasurement {
  readonly step: number;
  /** Inactive units per hidden layer. */
  readonly inactive: readonly (readonly number[])[];
  /** Units whose incoming weights and bias got no non-zero gradient since the previous measurement; null at the first. */
  readonly frozen: readonly (readonly number[])[] | null;
  /** Units whose incoming weights and bias did not change since the previous measurement; null at the first. */
  readonly unmoved: readonly (readonly number[])[] | null;
}

/**
 * Follows one network in training: `afterStep()` after every optimizer step
 * (reads the step's gradients: call it before the next zeroGrad), and
 * `measure(step, report)` at each measurement. Starting one at a checkpoint
 * (an epoch's end, where a measurement has just been taken) continues the
 * same record bit for bit.
 */
export class LifetimeRecorder {
  private readonly activity: GradientActivity;

  constructor(model: Sequential, readonly meaning: InactiveMeaning, readonly measurements: LifetimeMeasurement[] = []) {
    this.activity = new GradientActivity(incomingDenseLayers(model));
  }

  /** Notes which units got a non-zero gradient at this step. */
  afterStep(): void {
    this.activity.observe();
  }

  /** Records a measurement after `step` training steps from its activation report. */
  measure(step: number, report: ActivationReport): void {
    const inactive = inactiveUnitsOf(report, this.meaning);
    const activity = this.activity.takeInterval();
    const first = this.measurements.length === 0;
    this.measurements.push({
      step,
      inactive,
      frozen: first ? null : activity.gotGradient.map((flags) => unitsWhere(flags, 0)),
      unmoved: first ? null : activity.moved.map((flags) => unitsWhere(flags, 0)),
    });
  }
}

function unitsWhere(flags: Uint8Array, value: number): number[] {
  const units: number[] = [];
  flags.forEach((flag, unit) => { if (flag === value) units.push(unit); });
  return units;
}

/** A layer's lifetime totals, with its 1-based hidden-layer number. */
export type LifetimeLayer = Omit<LifetimeLayerSummary, 'layer'> & { readonly layer: number };

/** What results.json keeps of a network's lifetimes: totals, not units (those go to units.csv). */
export interface LifetimeRecord {
  /** Training steps between two measurements (each epoch's end is measured too). */
  readonly measureEvery: number;
  /** Steps of the measurements, 0 = at initialisation. */
  readonly steps: readonly number[];
  /** Inactive units per measurement and hidden layer. */
  readonly inactiveCounts: readonly (readonly number[])[];
  /** Per hidden layer (1 = nearest the input). */
  readonly layers: readonly LifetimeLayer[];
}

/**
 * Replays the measurements through nn's UnitLifetimes: every unit's
 * timeline, and the per-layer totals results.json keeps.
 *
 * @example
 * const { record, units } = lifetimesOf(recorder.measurements, [64, 64], 25);
 * record.layers[1].revived; // units of hidden layer 2 that were inactive, then active again
 */
export function lifetimesOf(measurements: readonly LifetimeMeasurement[], layerUnits: readonly number[], measureEvery: number): { record: LifetimeRecord; units: UnitTimeline[] } {
  const lifetimes = new UnitLifetimes(layerUnits);
  for (const measurement of measurements) {
    lifetimes.record(measurement.step, measurement.inactive, measurement.frozen === null ? undefined : activityOf(measurement, layerUnits));
  }
  const layers = lifetimes.layerSummaries().map((summary) => ({ ...summary, layer: summary.layer + 1 }));
  return { record: { measureEvery, steps: [...lifetimes.steps], inactiveCounts: lifetimes.inactiveCounts, layers }, units: lifetimes.timelines() };
}

function activityOf(measurement: LifetimeMeasurement, layerUnits: readonly number[]): IntervalActivity {
  const flagsAllBut = (lists: readonly (readonly number[])[]): Uint8Array[] => layerUnits.map((units, layer) => {
    const flags = new Uint8Array(units).fill(1);
    for (const unit of lists[layer]!) flags[unit] = 0;
    return flags;
  });
  return { gotGradient: flagsAllBut(measurement.frozen!), moved: flagsAllBut(measurement.unmoved!) };
}
