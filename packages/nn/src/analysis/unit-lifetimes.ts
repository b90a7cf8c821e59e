/**
 * Per-unit lifetimes: what happens to every hidden unit over a training run.
 *
 * `measureActivations` gives a snapshot: which units are inactive (dead,
 * dead-like or saturated) on a dataset at one moment. A unit inactive at one
 * snapshot may be active at the next, because the layers below it changed
 * what it sees, or because it fires on training images outside the measured
 * set. `UnitLifetimes` follows each unit through a sequence of snapshots and
 * keeps, per unit, only its state changes, from which it derives the step of
 * its first inactivity, its revivals, and whether it stayed inactive from its
 * first inactivity to the end (permanently dead over the run).
 *
 * `GradientActivity` adds evidence from the training itself: called after
 * each backward pass, it notes which units' incoming weights (and bias) got a
 * non-zero gradient. A unit whose incoming weights got none over a whole
 * interval between two snapshots was **frozen** in that interval. It also
 * notes which units' incoming weights changed over the interval: with Adam, a
 * frozen unit's weights keep moving on the moments stored from earlier steps.
 *
 * docs/dead-neurons.md defines snapshot-inactive, permanently dead, revived
 * and frozen, with sources.
 */
import { Dense } from '../layers/dense.js';
import { BatchNorm1d } from '../layers/normalization.js';
import { Activation } from '../activations/modules.js';
import type { Module } from '../module.js';

/** The life of one unit over a run, kept compactly as its state changes. */
export interface UnitTimeline {
  /** 0-based index of the unit's layer among the tracked layers. */
  readonly layer: number;
  /** 0-based index of the unit in its layer. */
  readonly unit: number;
  /** Its state at the first measurement. */
  readonly initiallyInactive: boolean;
  /** Steps of the measurements at which its state differed from the measurement before (it flips at each). */
  readonly changes: readonly number[];
  /** Step of the first measurement at which it was inactive; null if never. */
  readonly firstInactiveStep: number | null;
  /** Times it went from inactive at one measurement to active at the next. */
  readonly revivals: number;
  /** Inactive at the last measurement. */
  readonly inactiveAtEnd: boolean;
  /** Inactive at every measurement from its first inactive one to the last: it never came back. */
  readonly permanentlyDead: boolean;
  /**
   * Runs of measurement intervals in which its incoming weights got no
   * non-zero gradient, as [first, last] interval indices (interval i lies
   * between measurements i and i + 1); empty without gradient records.
   */
  readonly frozenIntervals: ReadonlyArray<readonly [number, number]>;
}

/** Per-layer totals over a run. */
export interface LifetimeLayerSummary {
  /** 0-based index among the tracked layers. */
  readonly layer: number;
  readonly units: number;
  /** Units inactive at the last measurement (the snapshot count). */
  readonly inactiveAtEnd: number;
  /** Units inactive from their first inactive measurement to the last. */
  readonly permanentlyDead: number;
  /** Units inactive at one measurement or more. */
  readonly everInactive: number;
  /** Units that revived at least once (inactive, then active at the next measurement). */
  readonly revived: number;
  /** Revival events, summed over units. */
  readonly revivals: number;
  /** (unit, interval) pairs with a gradient record. */
  readonly unitIntervals: number;
  /** Pairs in which the unit's incoming weights got no non-zero gradient. */
  readonly frozen: number;
  /** Pairs in which the unit was inactive at both ends of the interval. */
  readonly inactiveBothEnds: number;
  /** Pairs inactive at both ends and frozen. */
  readonly frozenAndInactiveBothEnds: number;
  /** Frozen pairs in which the unit's incoming weights or bias changed all the same (optimizer state). */
  readonly movedWhileFrozen: number;
}

/** What the training steps of one interval did to each unit, per tracked layer (1 = yes). */
export interface IntervalActivity {
  /** The unit's incoming weights or bias got a non-zero gradient at some step of the interval. */
  readonly gotGradient: readonly Uint8Array[];
  /** The unit's incoming weights or bias are not the same, bit for bit, as at the interval's start. */
  readonly moved: readonly Uint8Array[];
}

/**
 * Follows every unit of some layers through a run's measurements. Give it,
 * at each measurement in step order, the inactive units of every layer (as
 * `measureActivations` lists them) and, from the second measurement on,
 * optionally what the steps since the previous one did (`GradientActivity`).
 *
 * @example
 * const lifetimes = new UnitLifetimes([64, 64]);
 * lifetimes.record(0, [[3], []]);
 * lifetimes.record(25, [[], [7]], activity.takeInterval());
 * lifetimes.timelines()[3]; // { layer: 0, unit: 3, initiallyInactive: true, changes: [25], revivals: 1, … }
 */
export class UnitLifetimes {
  /** Steps of the measurements so far. */
  readonly steps: number[] = [];
  /** Inactive units per measurement and layer. */
  readonly inactiveCounts: number[][] = [];
  private readonly state: Uint8Array[];
  private readonly initial: Uint8Array[];
  private readonly changes: number[][][];
  private readonly firstInactive: Int32Array[];
  private readonly revivalCount: Int32Array[];
  /** 1 while a unit has not revived (so an inactive unit with a 1 has been inactive since its first inactivity). */
  private readonly neverRevived: Uint8Array[];
  private readonly frozen: Array<Array<Array<[number, number]>>>;
  private readonly totals: Array<{ unitIntervals: number; frozen: number; inactiveBothEnds: number; frozenAndInactiveBothEnds: number; movedWhileFrozen: number }>;

  constructor(readonly layerUnits: readonly number[]) {
    for (const units of layerUnits) {
      if (!Number.isInteger(units) || units < 0) throw new Error(`UnitLifetimes: layer sizes must be non-negative integers, got ${layerUnits.join(', ')}`);
    }
    this.state = layerUnits.map((units) => new Uint8Array(units));
    this.initial = layerUnits.map((units) => new Uint8Array(units));
    this.changes = layerUnits.map((units) => Array.from({ length: units }, () => []));
    this.firstInactive = layerUnits.map((units) => new Int32Array(units).fill(-1));
    this.revivalCount = layerUnits.map((units) => new Int32Array(units));
    this.neverRevived = layerUnits.map((units) => new Uint8Array(units).fill(1));
    this.frozen = layerUnits.map((units) => Array.from({ length: units }, () => []));
    this.totals = layerUnits.map(() => ({ unitIntervals: 0, frozen: 0, inactiveBothEnds: 0, frozenAndInactiveBothEnds: 0, movedWhileFrozen: 0 }));
  }

  /**
   * Records one measurement: `inactiveUnits[layer]` lists the layer's
   * inactive unit indices; `activity` (from the second measurement on) says
   * what the steps since the previous measurement did to each unit.
   */
  record(step: number, inactiveUnits: readonly (readonly number[])[], activity?: IntervalActivity): void {
    const previousStep = this.steps[this.steps.length - 1];
    if (!Number.isInteger(step) || (previousStep !== undefined && step <= previousStep)) {
      throw new Error(`UnitLifetimes.record: steps must be integers in increasing order, got ${step} after ${previousStep}`);
    }
    if (inactiveUnits.length !== this.layerUnits.length) {
      throw new Error(`UnitLifetimes.record: expected the inactive units of ${this.layerUnits.length} layers, got ${inactiveUnits.length}`);
    }
    if (activity !== undefined && previousStep === undefined) throw new Error('UnitLifetimes.record: the first measurement has no interval before it, so no activity');
    const first = previousStep === undefined;
    const interval = this.steps.length - 1;
    const counts: number[] = [];
    this.layerUnits.forEach((units, layer) => {
      const now = new Uint8Array(units);
      for (const unit of inactiveUnits[layer]!) {
        if (!(Number.isInteger(unit) && unit >= 0 && unit < units)) throw new Error(`UnitLifetimes.record: layer ${layer} has ${units} units, got unit ${unit}`);
        now[unit] = 1;
      }
      counts.push(inactiveUnits[layer]!.length);
      const before = this.state[layer]!;
      const gotGradient = activity?.gotGradient[layer];
      const moved = activity?.moved[layer];
      if (activity !== undefined && (gotGradient?.length !== units || moved?.length !== units)) {
        throw new Error(`UnitLifetimes.record: the activity of layer ${layer} must have ${units} units`);
      }
      const totals = this.totals[layer]!;
      for (let unit = 0; unit < units; unit++) {
        const inactive = now[unit]!;
        if (first) this.initial[layer]![unit] = inactive;
        else if (inactive !== before[unit]) {
          this.changes[layer]![unit]!.push(step);
          if (inactive === 0) {
            this.revivalCount[layer]![unit]!++;
            this.neverRevived[layer]![unit] = 0;
          }
        }
        if (inactive === 1 && this.firstInactive[layer]![unit] === -1) this.firstInactive[layer]![unit] = step;
        if (gotGradient !== undefined) {
          const isFrozen = gotGradient[unit] === 0;
          const bothEnds = inactive === 1 && before[unit] === 1;
          totals.unitIntervals++;
          if (isFrozen) {
            totals.frozen++;
            if (moved![unit] === 1) totals.movedWhileFrozen++;
            const runs = this.frozen[layer]![unit]!;
            const last = runs[runs.length - 1];
            if (last !== undefined && last[1] === interval - 1) last[1] = interval;
            else runs.push([interval, interval]);
          }
          if (bothEnds) totals.inactiveBothEnds++;
          if (bothEnds && isFrozen) totals.frozenAndInactiveBothEnds++;
        }
      }
      this.state[layer] = now;
    });
    this.steps.push(step);
    this.inactiveCounts.push(counts);
  }

  /** Every unit's timeline, layer by layer, unit by unit. */
  timelines(): UnitTimeline[] {
    this.requireMeasurements('timelines');
    return this.layerUnits.flatMap((units, layer) => Array.from({ length: units }, (_, unit): UnitTimeline => {
      const firstInactive = this.firstInactive[layer]![unit]!;
      const inactiveAtEnd = this.state[layer]![unit] === 1;
      return {
        layer,
        unit,
        initiallyInactive: this.initial[layer]![unit] === 1,
        changes: [...this.changes[layer]![unit]!],
        firstInactiveStep: firstInactive === -1 ? null : firstInactive,
        revivals: this.revivalCount[layer]![unit]!,
        inactiveAtEnd,
        permanentlyDead: inactiveAtEnd && this.neverRevived[layer]![unit] === 1,
        frozenIntervals: this.frozen[layer]![unit]!.map(([from, to]) => [from, to] as const),
      };
    }));
  }

  /** Per-layer totals: snapshot-inactive at the end, permanently dead, revived, frozen. */
  layerSummaries(): LifetimeLayerSummary[] {
    const timelines = this.timelines();
    return this.layerUnits.map((units, layer) => {
      const own = timelines.filter((timeline) => timeline.layer === layer);
      return {
        layer,
        units,
        inactiveAtEnd: own.filter((timeline) => timeline.inactiveAtEnd).length,
        permanentlyDead: own.filter((timeline) => timeline.permanentlyDead).length,
        everInactive: own.filter((timeline) => timeline.firstInactiveStep !== null).length,
        revived: own.filter((timeline) => timeline.revivals > 0).length,
        revivals: own.reduce((sum, timeline) => sum + timeline.revivals, 0),
        ...this.totals[layer]!,
      };
    });
  }

  private requireMeasurements(what: string): void {
    if (this.steps.length === 0) throw new Error(`UnitLifetimes.${what}: nothing recorded yet`);
  }
}

/**
 * The Dense layer that feeds each activation layer of a model, in the order
 * of the forward pass: the layer whose weight column j and bias j are unit
 * j's incoming weights. The modules are read depth first (`namedModules`),
 * which is the forward order of a Sequential, of Residual blocks inside it
 * (`mlp({ residual: true })`) and of Sequentials inside those. Between the
 * Dense and its activation only a per-unit `BatchNorm1d` may stand
 * (`mlp({ batchNorm: true })`): unit j is still column j. Throws if an
 * activation has no such Dense before it.
 *
 * @example
 * incomingDenseLayers(mlp({ inputs: 784, hidden: [64, 64], outputs: 10, activation: 'relu' })).length; // 2
 * incomingDenseLayers(mlp({ inputs: 8, hidden: [8, 8], outputs: 2, activation: 'relu', residual: true, batchNorm: true })).length; // 2
 */
export function incomingDenseLayers(model: Module): Dense[] {
  const found: Dense[] = [];
  let feeding: Dense | null = null;
  for (const [name, module] of model.namedModules()) {
    if (module.children().length > 0) continue;
    if (module instanceof Dense) {
      feeding = module;
    } else if (module instanceof Activation) {
      if (feeding === null) throw new Error(`incomingDenseLayers: activation layer ${found.length} is not preceded by a Dense layer (it is '${name}')`);
      found.push(feeding);
      feeding = null;
    } else if (!(module instanceof BatchNorm1d)) {
      // Anything else between a Dense and an activation mixes or reshapes units.
      feeding = null;
    }
  }
  return found;
}

/**
 * Cheap counters in the training step, from the real backward passes: call
 * `observe()` after each `backward()` (before the gradients are cleared) and
 * `takeInterval()` at each measurement. Unit j of a Dense layer
 * ([inFeatures, outFeatures] weight) got a gradient when column j of
 * weight.grad, or bias.grad[j], holds a non-zero value. No extra pass: it
 * reads the gradients the step computed anyway.
 *
 * @example
 * const activity = new GradientActivity(incomingDenseLayers(model));
 * loss.backward(); activity.observe(); optimizer.step();
 * const { gotGradient, moved } = activity.takeInterval(); // per layer, 1 per unit that got a gradient / moved
 */
export class GradientActivity {
  private gotGradient: Uint8Array[];
  private startWeights: Float32Array[];
  private startBiases: Array<Float32Array | null>;

  constructor(readonly layers: readonly Dense[]) {
    this.gotGradient = layers.map((layer) => new Uint8Array(layer.outFeatures));
    this.startWeights = layers.map((layer) => Float32Array.from(layer.weight.data));
    this.startBiases = layers.map((layer) => (layer.bias === null ? null : Float32Array.from(layer.bias.data)));
  }

  /** Notes, for every unit, whether this step's gradients of its incoming weights or bias are non-zero anywhere. */
  observe(): void {
    this.layers.forEach((layer, index) => {
      const flags = this.gotGradient[index]!;
      const columns = layer.outFeatures;
      const weightGrad = layer.weight.grad?.data;
      if (weightGrad !== undefined) {
        for (let row = 0, offset = 0; row < layer.inFeatures; row++, offset += columns) {
          for (let unit = 0; unit < columns; unit++) if (weightGrad[offset + unit] !== 0) flags[unit] = 1;
        }
      }
      const biasGrad = layer.bias?.grad?.data;
      if (biasGrad !== undefined) for (let unit = 0; unit < columns; unit++) if (biasGrad[unit] !== 0) flags[unit] = 1;
    });
  }

  /** What the steps since the last call (or construction) did to each unit; starts a new interval. */
  takeInterval(): IntervalActivity {
    const moved = this.layers.map((layer, index) => {
      const flags = new Uint8Array(layer.outFeatures);
      const columns = layer.outFeatures;
      const weights = layer.weight.data;
      const start = this.startWeights[index]!;
      for (let i = 0; i < weights.length; i++) if (!Object.is(weights[i], start[i])) flags[i % columns] = 1;
      const bias = layer.bias?.data;
      const startBias = this.startBiases[index];
      if (bias !== undefined && startBias !== null && startBias !== undefined) {
        for (let unit = 0; unit < columns; unit++) if (!Object.is(bias[unit], startBias[unit])) flags[unit] = 1;
      }
      return flags;
    });
    const gotGradient = this.gotGradient;
    this.gotGradient = this.layers.map((layer) => new Uint8Array(layer.outFeatures));
    this.startWeights = this.layers.map((layer) => Float32Array.from(layer.weight.data));
    this.startBiases = this.layers.map((layer) => (layer.bias === null ? null : Float32Array.from(layer.bias.data)));
    return { gotGradient, moved };
  }
}
