import { describe, expect, it } from 'vitest';
import { Generator, randn, tensor, zeros, type Tensor } from '@gradlab/core';
import {
  Adam, Dense, GradientActivity, ReLU, SGD, Sequential, UnitLifetimes, crossEntropy, incomingDenseLayers, measureActivations, mlp, mseLoss,
} from '@gradlab/nn';

/** A Dense layer with the given weight ([inFeatures][outFeatures]) and bias (none when null). */
function dense(weight: number[][], bias: number[] | null): Dense {
  const layer = new Dense(weight.length, weight[0]!.length, { bias: bias !== null });
  layer.weight.data.set(weight.flat());
  if (bias !== null) layer.bias!.data.set(bias);
  return layer;
}

/** The dead units of every ReLU layer of `model` over `inputs`. */
function deadUnits(model: Sequential, inputs: Tensor): number[][] {
  return measureActivations(model, [inputs]).layers.map((layer) => layer.deadUnits);
}

/**
 * One input x = 1.
 * Layer 1 (no bias): h0 = relu(x), h1 = relu(-x) = 0: unit 1 is dead on the only input there is.
 * Layer 2: A = relu(h0), B = relu(-h0 + 0.5) = relu(-0.5) = 0: B is dead.
 * Output y = A + B, loss y². SGD (lr 0.3) trains layer 1's weight only.
 *
 * Step 1 by hand: y = 1, dL/dy = 2, dL/dz2 = [2, 0] (B dead), dL/dh0 = 1·2 + (-1)·0 = 2,
 * dL/dW1 = [[2, 0]], so W1 becomes [[0.4, -1]]. Now h0 = 0.4 and B = relu(0.1): B revived,
 * though its own weights never got a gradient; only layer 1 changed what it sees.
 * Steps 2 and 3: y = 0.4 + 0.1, dL/dz2 = [1, 1], dL/dh0 = 1 - 1 = 0: layer 1's weight gets an exact 0.
 * Layer 1's unit 1 sees the fixed input x = 1 through weight -1 and stays dead: its gradient is 0 at every step.
 */
describe('unit lifetimes on a network where the truth is known', () => {
  const x = tensor([[1]]);
  const first = dense([[1, -1]], null);
  const second = dense([[1, -1], [0, 0]], [0, 0.5]);
  const model = new Sequential(first, new ReLU(), second, new ReLU(), dense([[1], [1]], [0]));
  const optimizer = new SGD([first.weight], { lr: 0.3 });
  const activity = new GradientActivity(incomingDenseLayers(model));
  const lifetimes = new UnitLifetimes([2, 2]);
  lifetimes.record(0, deadUnits(model, x));
  const weightsAfterStep: number[][] = [];
  for (let step = 1; step <= 3; step++) {
    optimizer.zeroGrad();
    second.weight.grad = null;
    second.bias!.grad = null;
    mseLoss(model.forward(x), zeros([1, 1])).backward();
    activity.observe();
    optimizer.step();
    weightsAfterStep.push(Array.from(first.weight.data));
    lifetimes.record(step, deadUnits(model, x), activity.takeInterval());
  }

  it('follows the training by hand', () => {
    expect(weightsAfterStep.map((weights) => weights.map((w) => Number(w.toFixed(6))))).toEqual([[0.4, -1], [0.4, -1], [0.4, -1]]);
    expect(lifetimes.steps).toEqual([0, 1, 2, 3]);
    expect(lifetimes.inactiveCounts).toEqual([[1, 1], [1, 0], [1, 0], [1, 0]]);
  });

  it('sees the layer-2 unit revived by a change in layer 1, and the layer-1 unit stay dead', () => {
    const [firstAlive, firstDead, secondAlive, revived] = lifetimes.timelines();
    expect(revived).toEqual({
      layer: 1, unit: 1, initiallyInactive: true, changes: [1], firstInactiveStep: 0, revivals: 1,
      inactiveAtEnd: false, permanentlyDead: false, frozenIntervals: [[0, 0]],
    });
    expect(firstDead).toEqual({
      layer: 0, unit: 1, initiallyInactive: true, changes: [], firstInactiveStep: 0, revivals: 0,
      inactiveAtEnd: true, permanentlyDead: true, frozenIntervals: [[0, 2]],
    });
    // Alive all along, yet frozen in steps 2-3: its gradients cancel exactly (dL/dh0 = 1 - 1).
    expect(firstAlive).toMatchObject({ initiallyInactive: false, changes: [], revivals: 0, permanentlyDead: false, frozenIntervals: [[1, 2]] });
    expect(secondAlive).toMatchObject({ initiallyInactive: false, firstInactiveStep: null, frozenIntervals: [] });
  });

  it('sums each layer: permanently dead against inactive at the end, revivals, frozen intervals', () => {
    expect(lifetimes.layerSummaries()).toEqual([
      {
        layer: 0, units: 2, inactiveAtEnd: 1, permanentlyDead: 1, everInactive: 1, revived: 0, revivals: 0,
        unitIntervals: 6, frozen: 5, inactiveBothEnds: 3, frozenAndInactiveBothEnds: 3, movedWhileFrozen: 0,
      },
      {
        layer: 1, units: 2, inactiveAtEnd: 0, permanentlyDead: 0, everInactive: 1, revived: 1, revivals: 1,
        unitIntervals: 6, frozen: 1, inactiveBothEnds: 0, frozenAndInactiveBothEnds: 0, movedWhileFrozen: 0,
      },
    ]);
  });

  it('tells a unit that died, revived and died again from one that never came back', () => {
    const tracker = new UnitLifetimes([3]);
    tracker.record(0, [[]]);
    tracker.record(10, [[0, 1]]);
    tracker.record(20, [[1]]);
    tracker.record(30, [[0, 1]]);
    const [again, stayed, never] = tracker.timelines();
    expect(again).toMatchObject({ changes: [10, 20, 30], firstInactiveStep: 10, revivals: 1, inactiveAtEnd: true, permanentlyDead: false });
    expect(stayed).toMatchObject({ changes: [10], firstInactiveStep: 10, revivals: 0, inactiveAtEnd: true, permanentlyDead: true });
    expect(never).toMatchObject({ changes: [], firstInactiveStep: null, revivals: 0, inactiveAtEnd: false, permanentlyDead: false });
    expect(tracker.layerSummaries()[0]).toMatchObject({ inactiveAtEnd: 2, permanentlyDead: 1, everInactive: 2, revived: 1, unitIntervals: 0 });
  });

  it('refuses steps out of order, unknown units and activity without an interval', () => {
    const tracker = new UnitLifetimes([2]);
    expect(() => tracker.timelines()).toThrow(/UnitLifetimes.timelines: nothing recorded yet/);
    expect(() => tracker.record(0, [[2]])).toThrow(/layer 0 has 2 units, got unit 2/);
    expect(() => tracker.record(0, [[0], []])).toThrow(/expected the inactive units of 1 layers, got 2/);
    expect(() => tracker.record(0, [[0]], { gotGradient: [new Uint8Array(2)], moved: [new Uint8Array(2)] })).toThrow(/first measurement has no interval/);
    tracker.record(5, [[0]]);
    expect(() => tracker.record(5, [[0]])).toThrow(/increasing order, got 5 after 5/);
  });
});

describe('frozen counters from the real backward passes', () => {
  it('agree, step by step, with the gradients read separately and with the units dead on each batch', () => {
    const generator = new Generator('frozen-check');
    const model = mlp({ inputs: 6, hidden: [8, 8, 8], outputs: 3, activation: 'relu', generator });
    // Push a few units towards death so that both answers occur.
    const denses = incomingDenseLayers(model);
    denses[1]!.bias!.data[2] = -50;
    denses[2]!.bias!.data[5] = -3;
    const optimizer = new Adam(model.parameters(), { lr: 0.05 });
    const activity = new GradientActivity(denses);
    const nameOf = new Map(model.namedParameters().map(([name, parameter]) => [parameter, name]));
    let frozenSeen = 0;
    for (let step = 0; step < 12; step++) {
      const inputs = randn([5, 6], { generator });
      const labels = [0, 1, 2, 0, 1];
      // The units with a positive pre-activation on this batch, per layer, from a forward hook.
      const everPositive = denses.map((layer) => new Uint8Array(layer.outFeatures));
      const handles = denses.map((layer, index) => layer.registerForwardHook((_module, _input, output) => {
        output.data.forEach((value, i) => { if (value > 0) everPositive[index]![i % layer.outFeatures] = 1; });
      }));
      optimizer.zeroGrad();
      crossEntropy(model.forward(inputs), labels).backward();
      handles.forEach((handle) => handle.remove());
      activity.observe();
      // Separately: every column of every weight gradient, read as nested arrays.
      const gradients = new Map(model.namedParameters().map(([name, parameter]) => [name, parameter.grad!.toArray()]));
      optimizer.step();
      const { gotGradient } = activity.takeInterval();
      denses.forEach((layer, index) => {
        const weightGrad = gradients.get(nameOf.get(layer.weight)!) as number[][];
        const biasGrad = gradients.get(nameOf.get(layer.bias!)!) as number[];
        const expected = Array.from({ length: layer.outFeatures }, (_, unit) =>
          (weightGrad.some((row) => row[unit] !== 0) || biasGrad[unit] !== 0 ? 1 : 0));
        expect(Array.from(gotGradient[index]!), `step ${step}, layer ${index}`).toEqual(expected);
        // ReLU: a unit whose pre-activation is never positive on the batch gets exactly no gradient.
        for (let unit = 0; unit < layer.outFeatures; unit++) if (everPositive[index]![unit] === 0) expect(gotGradient[index]![unit]).toBe(0);
        frozenSeen += expected.filter((flag) => flag === 0).length;
      });
    }
    expect(frozenSeen).toBeGreaterThan(12); // the unit with bias -50 alone is frozen at all 12 steps
  });

  it('sees Adam move the weights of a unit that got no gradient in the interval', () => {
    const layer = dense([[1]], [0]);
    const model = new Sequential(layer, new ReLU());
    const optimizer = new Adam(model.parameters(), { lr: 0.1 });
    const activity = new GradientActivity(incomingDenseLayers(model));
    const lifetimes = new UnitLifetimes([1]);
    const dead = tensor([[-1]]);
    lifetimes.record(0, deadUnits(model, dead));
    for (const input of [tensor([[1]]), dead]) {
      optimizer.zeroGrad();
      model.forward(input).sum().neg().backward();
      activity.observe();
      optimizer.step();
      lifetimes.record(lifetimes.steps.length, deadUnits(model, dead), activity.takeInterval());
    }
    // Step 1 (input 1) gave a gradient; step 2 (input -1) none, but Adam's first moment still stepped the weight.
    expect(lifetimes.timelines()[0]!.frozenIntervals).toEqual([[1, 1]]);
    expect(lifetimes.layerSummaries()[0]).toMatchObject({ unitIntervals: 2, frozen: 1, inactiveBothEnds: 2, frozenAndInactiveBothEnds: 1, movedWhileFrozen: 1 });
  });

  it('finds the Dense layer feeding each activation, and refuses a model where there is none', () => {
    const model = mlp({ inputs: 4, hidden: [3, 5], outputs: 2, activation: 'relu', generator: new Generator(1) });
    expect(incomingDenseLayers(model).map((layer) => layer.outFeatures)).toEqual([3, 5]);
    expect(() => incomingDenseLayers(new Sequential(new ReLU(), new Dense(2, 2)))).toThrow(/activation layer 0 is not preceded by a Dense layer/);
  });
});

describe('a network with an entirely dead hidden layer', () => {
  /**
   * x (2 inputs) -> layer 1 (2 units, alive) -> layer 2 (2 units, bias -100: dead on these inputs)
   * -> layer 3 (2 units, bias b3) -> output (1 unit). Layer 3 sees only zeros, so its output is relu(b3).
   */
  function gradientsWith(b3: number): Map<string, number[]> {
    const model = new Sequential(
      dense([[1, 0], [0, 1]], [0, 0]), new ReLU(),
      dense([[1, 1], [1, 1]], [-100, -100]), new ReLU(),
      dense([[1, -1], [2, 1]], [b3, b3]), new ReLU(),
      dense([[1], [1]], [0]),
    );
    mseLoss(model.forward(tensor([[1, 2], [3, 1]])), tensor([[5], [5]])).backward();
    return new Map(model.namedParameters().map(([name, parameter]) => [name, Array.from(parameter.grad!.data)]));
  }
  const anyNonZero = (values: number[]): boolean => values.some((value) => value !== 0);

  it('with zero biases above it, only the output bias learns', () => {
    const gradients = gradientsWith(0);
    const learning = [...gradients].filter(([, values]) => anyNonZero(values)).map(([name]) => name);
    expect(learning).toEqual(['layers.6.bias']);
  });

  it('with a positive bias above it, the layers above learn too; below it, nothing does', () => {
    const gradients = gradientsWith(0.5);
    const learning = [...gradients].filter(([, values]) => anyNonZero(values)).map(([name]) => name);
    // Layer 3's bias (its input is 0, so its weights get none) and the output layer's weights and bias.
    expect(learning).toEqual(['layers.4.bias', 'layers.6.weight', 'layers.6.bias']);
  });
});
