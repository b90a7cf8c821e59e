/**
 * Every bad input is a clear Error: it names the class or op, the offending
 * value and what is allowed. One table, one row per mistake; the expected
 * text is the exact message (or its exact opening, where the rest is a hint).
 * Core's own table is test/core/errors.test.ts; the rows here are the nn
 * paths and the core checks they rely on.
 */
import { describe, expect, it } from 'vitest';
import * as core from '@gradlab/core';
import { Generator, MAX_ELEMENTS, tensor, zeros } from '@gradlab/core';
import {
  ACTIVATION_KINDS, Adam, DivergedError, Dense, INIT_NAMES, LeakyReLU, PReLU, SGD, Sequential,
  checkFiniteLoss, fillConstant, heGain, heNormal, heUniform, initialize, mlp, xavierNormal, xavierUniform,
} from '@gradlab/nn';

const params = () => [zeros([2, 2], { requiresGrad: true }), zeros([2], { requiresGrad: true })];
const anyValue = <T>(value: unknown) => value as T;
const INITS = INIT_NAMES.join(', ');
const ACTIVATIONS = ACTIVATION_KINDS.join(', ');

const cases: Array<[string, () => unknown, string]> = [
  // Layer sizes: 0, negative, fractional, not a number, past the element limit.
  ['Dense with 0 inputs', () => new Dense(0, 3), 'Dense: inFeatures must be a positive integer, got 0'],
  ['Dense with negative inputs', () => new Dense(-2, 3), 'Dense: inFeatures must be a positive integer, got -2'],
  ['Dense with fractional outputs', () => new Dense(2, 2.5), 'Dense: outFeatures must be a positive integer, got 2.5'],
  ['Dense with NaN outputs', () => new Dense(2, NaN), 'Dense: outFeatures must be a positive integer, got NaN'],
  ['Dense with Infinity inputs', () => new Dense(Infinity, 2), 'Dense: inFeatures must be a positive integer, got Infinity'],
  ['Dense with a size given as a string', () => new Dense(anyValue<number>('4'), 2), 'Dense: inFeatures must be a positive integer, got 4'],
  ['Dense past the element limit (fails before allocating)', () => new Dense(1 << 16, 1 << 16),
    `Dense: shape [65536,65536] has 4294967296 elements, more than the limit of ${MAX_ELEMENTS}`],
  ['Dense with an unknown init', () => new Dense(2, 3, { init: anyValue('orthogonal') }),
    `Dense: unknown init 'orthogonal'; expected one of ${INITS}, or a function that fills the weight`],
  ['Dense with a NaN negativeSlope', () => new Dense(2, 3, { negativeSlope: NaN }), 'Dense: negativeSlope must be a finite number, got NaN'],
  ['Dense with an infinite biasInit', () => new Dense(2, 3, { biasInit: Infinity }), 'Dense: biasInit must be a finite number, got Infinity'],
  ['mlp with a hidden width of 0', () => mlp({ inputs: 2, hidden: [0], outputs: 1, activation: 'relu' }),
    'mlp: layer widths must be positive integers, got 0 in [2, 0, 1] (inputs, ...hidden, outputs)'],
  ['mlp with a negative hidden width', () => mlp({ inputs: 2, hidden: [8, -4], outputs: 1, activation: 'relu' }),
    'mlp: layer widths must be positive integers, got -4 in [2, 8, -4, 1]'],
  ['mlp with a fractional hidden width', () => mlp({ inputs: 2, hidden: [1.5], outputs: 1, activation: 'tanh' }),
    'mlp: layer widths must be positive integers, got 1.5 in [2, 1.5, 1]'],
  ['mlp with 0 inputs', () => mlp({ inputs: 0, hidden: [], outputs: 1, activation: 'relu' }), 'mlp: layer widths must be positive integers, got 0 in [0, 1]'],
  ['mlp with NaN outputs', () => mlp({ inputs: 2, hidden: [], outputs: NaN, activation: 'relu' }), 'mlp: layer widths must be positive integers, got NaN in [2, NaN]'],
  ['mlp with hidden not an array', () => mlp({ inputs: 2, hidden: anyValue(64), outputs: 1, activation: 'relu' }),
    'mlp: hidden must be an array of layer widths such as [64, 64] ([] for none), got 64'],
  ['mlp past the element limit', () => mlp({ inputs: 2, hidden: [1 << 16, 1 << 16], outputs: 1, activation: 'relu' }),
    `Dense: shape [65536,65536] has 4294967296 elements, more than the limit of ${MAX_ELEMENTS}`],
  ['PReLU with 0 parameters', () => new PReLU({ numParameters: 0 }), 'PReLU: numParameters must be a positive integer, got 0'],
  ['PReLU with negative parameters', () => new PReLU({ numParameters: -3 }), 'PReLU: numParameters must be a positive integer, got -3'],
  ['PReLU with fractional parameters', () => new PReLU({ numParameters: 2.5 }), 'PReLU: numParameters must be a positive integer, got 2.5'],
  ['PReLU past the element limit', () => new PReLU({ numParameters: 2 ** 31 }),
    `PReLU: shape [2147483648] has a dimension of 2147483648, more than the limit of ${MAX_ELEMENTS}`],
  ['PReLU with a NaN initial slope', () => new PReLU({ init: NaN }), 'PReLU: init must be a finite number, got NaN'],

  // Names: the message lists the valid ones.
  ['mlp with an unknown activation', () => mlp({ inputs: 2, hidden: [3], outputs: 1, activation: anyValue('swish') }),
    `mlp: unknown activation 'swish'; expected one of ${ACTIVATIONS}`],
  ['mlp with an unknown init', () => mlp({ inputs: 2, hidden: [3], outputs: 1, activation: 'relu', init: anyValue('lecun') }),
    `mlp: unknown init 'lecun'; expected one of ${INITS}`],
  ['initialize with an unknown name', () => initialize(zeros([2, 2]), anyValue('orthogonal')),
    `initialize: unknown initialiser 'orthogonal'; expected one of ${INITS}`],

  // Negative slopes and gains that are not finite.
  ['LeakyReLU with a NaN slope', () => new LeakyReLU({ negativeSlope: NaN }), 'LeakyReLU: negativeSlope must be a finite number, got NaN'],
  ['LeakyReLU with an infinite slope', () => new LeakyReLU({ negativeSlope: -Infinity }), 'LeakyReLU: negativeSlope must be a finite number, got -Infinity'],
  ['mlp with an infinite negativeSlope', () => mlp({ inputs: 2, hidden: [3], outputs: 1, activation: 'leaky-relu', negativeSlope: Infinity }),
    'mlp: negativeSlope must be a finite number, got Infinity'],
  ['mlp with a NaN PReLU slope', () => mlp({ inputs: 2, hidden: [3], outputs: 1, activation: 'prelu', negativeSlope: NaN }),
    'mlp: negativeSlope must be a finite number, got NaN'],
  ['heNormal with a NaN negativeSlope', () => heNormal(zeros([2, 2]), { negativeSlope: NaN }), 'heNormal: negativeSlope must be a finite number, got NaN'],
  ['heUniform with an infinite negativeSlope', () => heUniform(zeros([2, 2]), { negativeSlope: Infinity }), 'heUniform: negativeSlope must be a finite number, got Infinity'],
  ['heGain of -Infinity', () => heGain(-Infinity), 'heGain: negativeSlope must be a finite number, got -Infinity'],
  ['xavierNormal with gain 0', () => xavierNormal(zeros([2, 2]), { gain: 0 }), 'xavierNormal: gain must be a finite number > 0, got 0'],
  ['xavierUniform with a NaN gain', () => xavierUniform(zeros([2, 2]), { gain: NaN }), 'xavierUniform: gain must be a finite number > 0, got NaN'],
  ['fillConstant with NaN', () => fillConstant(zeros([2]), NaN), 'fillConstant: value must be finite, got NaN'],

  // Learning rates and other optimizer options.
  ['SGD with lr 0', () => new SGD(params(), { lr: 0 }), 'SGD: lr must be a finite number > 0, got 0'],
  ['SGD with a negative lr', () => new SGD(params(), { lr: -0.1 }), 'SGD: lr must be a finite number > 0, got -0.1'],
  ['SGD with a NaN lr', () => new SGD(params(), { lr: NaN }), 'SGD: lr must be a finite number > 0, got NaN'],
  ['SGD with an infinite lr', () => new SGD(params(), { lr: Infinity }), 'SGD: lr must be a finite number > 0, got Infinity'],
  ['SGD with lr given as a string', () => new SGD(params(), { lr: anyValue('0.1') }), 'SGD: lr must be a finite number > 0, got 0.1'],
  ['SGD with no lr', () => new SGD(params(), anyValue({})), 'SGD: lr must be a finite number > 0, got undefined'],
  ['SGD with a negative momentum', () => new SGD(params(), { lr: 0.1, momentum: -0.5 }), 'SGD: momentum must be a finite number >= 0, got -0.5'],
  ['SGD with momentum 1', () => new SGD(params(), { lr: 0.1, momentum: 1 }), 'SGD: momentum must be < 1 (allowed: [0, 1)), got 1'],
  ['SGD with momentum 1.5', () => new SGD(params(), { lr: 0.1, momentum: 1.5 }), 'SGD: momentum must be < 1 (allowed: [0, 1)), got 1.5'],
  ['SGD with a NaN momentum', () => new SGD(params(), { lr: 0.1, momentum: NaN }), 'SGD: momentum must be a finite number >= 0, got NaN'],
  ['SGD with dampening 2', () => new SGD(params(), { lr: 0.1, momentum: 0.9, dampening: 2 }), 'SGD: dampening must be a finite number >= 0 and <= 1, got 2'],
  ['SGD with a negative weight decay', () => new SGD(params(), { lr: 0.1, weightDecay: -1e-4 }), 'SGD: weightDecay must be a finite number >= 0, got -0.0001'],
  ['SGD with an infinite weight decay', () => new SGD(params(), { lr: 0.1, weightDecay: Infinity }), 'SGD: weightDecay must be a finite number >= 0, got Infinity'],
  ['SGD stepping after a schedule set lr to NaN', () => { const sgd = new SGD(params(), { lr: 0.1 }); sgd.lr = NaN; sgd.step(); },
    'SGD.step: lr must be a finite number > 0, got NaN'],
  ['Adam with lr 0', () => new Adam(params(), { lr: 0 }), 'Adam: lr must be a finite number > 0, got 0'],
  ['Adam with a NaN lr', () => new Adam(params(), { lr: NaN }), 'Adam: lr must be a finite number > 0, got NaN'],
  ['Adam with beta1 = 1', () => new Adam(params(), { betas: [1, 0.999] }), 'Adam: betas[0] must be a finite number >= 0 and < 1, got 1'],
  ['Adam with a negative beta1', () => new Adam(params(), { betas: [-0.1, 0.999] }), 'Adam: betas[0] must be a finite number >= 0 and < 1, got -0.1'],
  ['Adam with a NaN beta2', () => new Adam(params(), { betas: [0.9, NaN] }), 'Adam: betas[1] must be a finite number >= 0 and < 1, got NaN'],
  ['Adam with eps 0', () => new Adam(params(), { eps: 0 }), 'Adam: eps must be a finite number > 0, got 0'],
  ['Adam with a negative eps', () => new Adam(params(), { eps: -1e-8 }), 'Adam: eps must be a finite number > 0, got -1e-8'],
  ['Adam with a negative weight decay', () => new Adam(params(), { weightDecay: -0.01 }), 'Adam: weightDecay must be a finite number >= 0, got -0.01'],
  ['Adam with a NaN weight decay', () => new Adam(params(), { weightDecay: NaN }), 'Adam: weightDecay must be a finite number >= 0, got NaN'],
  ['Adam stepping after a schedule set lr to Infinity', () => { const adam = new Adam(params()); adam.lr = Infinity; adam.step(); },
    'Adam.step: lr must be a finite number > 0, got Infinity'],
  ['Adam.loadStateDict with eps 0', () => {
    const adam = new Adam(params());
    const saved = adam.stateDict();
    adam.loadStateDict({ ...saved, options: { ...saved.options, eps: 0 } });
  }, 'Adam.loadStateDict: eps must be a finite number > 0, got 0'],
  ['SGD.loadStateDict with momentum 1', () => {
    const sgd = new SGD(params(), { lr: 0.1 });
    const saved = sgd.stateDict();
    sgd.loadStateDict({ ...saved, options: { ...saved.options, momentum: 1 } });
  }, 'SGD.loadStateDict: momentum must be < 1 (allowed: [0, 1)), got 1'],

  // Shapes and sizes, through the core checks every nn path reaches.
  ['a shape that is not an array', () => zeros(anyValue(5)), 'full: a shape must be an array of dimensions such as [2, 3], got 5'],
  ['a NaN dimension', () => zeros([2, NaN]), 'full: shape [2,NaN] is invalid: every dimension must be a non-negative integer, got NaN'],
  ['a negative dimension', () => core.randn([2, -3]), 'randn: shape [2,-3] is invalid: every dimension must be a non-negative integer, got -3'],
  ['a fractional dimension', () => core.rand([0.5]), 'rand: shape [0.5] is invalid: every dimension must be a non-negative integer, got 0.5'],
  ['an empty tensor with a huge dimension', () => zeros([0, 2 ** 31]), `full: shape [0,2147483648] has a dimension of 2147483648, more than the limit of ${MAX_ELEMENTS}`],
  ['a Tensor shape past the limit', () => tensor(new Float32Array(0), { shape: [2 ** 15, 2 ** 15, 2] }),
    `Tensor: shape [32768,32768,2] has 2147483648 elements, more than the limit of ${MAX_ELEMENTS}`],
  ['arange past the limit (fails before allocating)', () => core.arange(0, 1e12),
    `arange: shape [1000000000000] has a dimension of 1000000000000, more than the limit of ${MAX_ELEMENTS}`],
  ['a nested array holding a string', () => tensor(anyValue([[1, 'x']])), 'tensor: expected a number at depth 2 of the nested array, got string "x"'],
  ['rand with low > high', () => core.rand([2], { low: 1, high: 0 }), 'rand: low and high must be finite numbers with low <= high, got low=1, high=0'],
  ['rand with a NaN bound', () => core.rand([2], { low: NaN }), 'rand: low and high must be finite numbers with low <= high, got low=NaN, high=1'],
  ['randn with a negative std', () => core.randn([2], { std: -1 }), 'randn: mean must be a finite number and std a finite number >= 0, got mean=0, std=-1'],

  // Seeds and generator states (what a resumed run restores).
  ['a NaN seed', () => new Generator(NaN), 'Generator: seed must be a finite number or a string, got NaN'],
  ['a missing seed', () => core.manualSeed(anyValue(undefined)), 'Generator: seed must be a finite number or a string, got undefined'],
  ['a generator state with no fields', () => Generator.fromState(anyValue({ alea: {} })),
    'Generator.fromState: expected { alea: { c, s0, s1, s2 } } with c a non-negative integer and s0, s1, s2 in [0, 1), got {"alea":{}}'],
  ['a generator state out of range', () => Generator.fromState({ alea: { c: 1, s0: 5, s1: 0, s2: 0 } }),
    'Generator.fromState: expected { alea: { c, s0, s1, s2 } } with c a non-negative integer and s0, s1, s2 in [0, 1), got {"alea":{"c":1,"s0":5,"s1":0,"s2":0}}'],
  ['a random integer in the empty range [0, 0)', () => new Generator(0).integer(0), 'Generator.integer: n must be a positive integer, got 0'],
  ['a permutation of -1 elements', () => new Generator(0).permutation(-1), `Generator.permutation: n must be an integer in [0, ${MAX_ELEMENTS}], got -1`],
  ['a permutation of 1.5 elements', () => new Generator(0).permutation(1.5), `Generator.permutation: n must be an integer in [0, ${MAX_ELEMENTS}], got 1.5`],

  // Modules and training helpers.
  ['Sequential of something that is not a Module', () => new Sequential(new Dense(2, 2), anyValue(() => 0)), 'Sequential: argument 1 is not a Module (got function)'],
  ['checkFiniteLoss of a vector', () => checkFiniteLoss(zeros([2]), { epoch: 1, step: 1 }),
    'checkFiniteLoss: the loss must be a number or a one-element tensor, got a tensor of shape [2]'],

  // Library edges (issue #18, item 8): each used to be a TypeError or a silent NaN.
  ['mlp()', () => anyValue<(options?: unknown) => unknown>(mlp)(), 'mlp: expected options { inputs, hidden, outputs, activation }, e.g. mlp({ inputs: 784, hidden: [64], outputs: 10, activation: \'relu\' }), got undefined'],
  ['mlp(null)', () => mlp(anyValue(null)), 'mlp: expected options { inputs, hidden, outputs, activation }'],
  ['new SGD(params) without options', () => new SGD(params(), anyValue(undefined)), 'SGD: expected options with a learning rate, e.g. new SGD(model.parameters(), { lr: 0.1 }), got undefined'],
  ['new SGD(undefined)', () => new SGD(anyValue(undefined), { lr: 0.1 }), 'SGD: expected the parameters to optimize, e.g. new SGD(model.parameters(), …), got undefined'],
  ['new Adam(a model, not its parameters)', () => new Adam(anyValue(new Dense(2, 2))), 'Adam: expected the parameters to optimize, e.g. new Adam(model.parameters(), …), got object'],
  ['module.loadStateDict(null)', () => new Dense(2, 2).loadStateDict(anyValue(null)), 'loadStateDict: expected an object of tensors by name (what stateDict() returns), got null'],
  ['module.loadStateDict([])', () => new Dense(2, 2).loadStateDict(anyValue([])), 'loadStateDict: expected an object of tensors by name (what stateDict() returns), got an array'],
  ['optimizer.loadStateDict(null)', () => new SGD(params(), { lr: 0.1 }).loadStateDict(anyValue(null)), "SGD.loadStateDict: expected an object with a 'state' array, got null"],
  ['add(undefined)', () => core.add(tensor([1]), anyValue(undefined)), 'add: expected a Tensor or a number, got undefined'],
  ['add([1, 2])', () => core.add(anyValue([1, 2]), tensor([1])), 'add: expected a Tensor or a number, got the array [1,2] (wrap it in tensor(...))'],
  ['mul({})', () => core.mul(tensor([1]), anyValue({})), 'mul: expected a Tensor or a number, got object'],
  ['sub(null)', () => core.sub(tensor([1]), anyValue(null)), 'sub: expected a Tensor or a number, got null'],
  ['div by a string', () => core.div(tensor([1]), anyValue('2')), 'div: expected a Tensor or a number, got string'],
  ['maximum of a boolean', () => core.maximum(tensor([1]), anyValue(true)), 'maximum: expected a Tensor or a number, got boolean'],
  ['tensor.add(undefined)', () => tensor([1]).add(anyValue(undefined)), 'add: expected a Tensor or a number, got undefined'],
  ['gradcheck of a function returning a number', () => core.gradcheck(anyValue(() => 3), [tensor([1], { requiresGrad: true })]), 'gradcheck: fn must return a Tensor (the output to differentiate), got number'],
  ['a 100,000-deep nested array', () => {
    let nested: unknown = 1;
    for (let i = 0; i < 100_000; i++) nested = [nested];
    return tensor(anyValue(nested));
  }, 'tensor: the nested array is 100000 levels deep; at most 64 dimensions are allowed'],
];

describe('every bad input is a clear Error naming what was wrong and what is allowed', () => {
  it.each(cases)('%s', (_name, misuse, message) => {
    let thrown: unknown = null;
    try {
      misuse();
    } catch (error) {
      thrown = error;
    }
    expect(thrown, 'it should have thrown').toBeInstanceOf(Error);
    // A plain Error, not a TypeError or RangeError leaking out of the runtime.
    expect((thrown as Error).constructor).toBe(Error);
    expect((thrown as Error).message).toContain(message);
  });

  it('a diverged loss is a DivergedError, not a bad input', () => {
    expect(() => checkFiniteLoss(NaN, { epoch: 0, step: 0 })).toThrow(DivergedError);
  });

  it('the limits in the messages are the stated ones', () => {
    expect(MAX_ELEMENTS).toBe(2 ** 30);
    expect(INIT_NAMES).toEqual(['he-normal', 'he-uniform', 'xavier-normal', 'xavier-uniform', 'zeros']);
    expect(ACTIVATION_KINDS).toEqual(['relu', 'leaky-relu', 'prelu', 'sigmoid', 'tanh', 'elu', 'selu', 'gelu', 'silu', 'softplus']);
  });

  it('the boundary values just inside each rule are accepted', () => {
    expect(new Dense(1, 1).weight.shape).toEqual([1, 1]);
    expect(new SGD(params(), { lr: Number.MIN_VALUE, momentum: 0.999999, dampening: 1, weightDecay: 0 }).lr).toBe(Number.MIN_VALUE);
    expect(new Adam(params(), { betas: [0, 0], eps: Number.MIN_VALUE }).eps).toBe(Number.MIN_VALUE);
    expect(new LeakyReLU({ negativeSlope: -3 }).negativeSlope).toBe(-3);
    // PyTorch's positional slope (it used to be ignored for the default 0.01).
    expect(new LeakyReLU(0.2).negativeSlope).toBe(0.2);
    expect(new LeakyReLU(0.2).forward(tensor([-1, 2])).toArray()).toEqual([Math.fround(-0.2), 2]);
    expect(() => new LeakyReLU(NaN)).toThrow('LeakyReLU: negativeSlope must be a finite number, got NaN');
    let deep: unknown = 1;
    for (let i = 0; i < 64; i++) deep = [deep];
    expect(tensor(anyValue(deep)).ndim).toBe(64);
    expect(zeros([0, MAX_ELEMENTS]).size).toBe(0);
    expect(new Generator(0).integer(1)).toBe(0);
    expect(new Generator(0).permutation(0)).toEqual(new Int32Array(0));
    expect(core.rand([3], { low: 2, high: 2 }).toArray()).toEqual([2, 2, 2]);
    const state = new Generator('resume').state();
    expect(Generator.fromState(state).uniform()).toBe(new Generator('resume').uniform());
  });
});
