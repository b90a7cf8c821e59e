/**
 * The grader behind `npx -y pnpm@12.4.2 exercise <name>`: for each exercise,
 * a list of checks (values worked out by hand, gradients compared with
 * finite differences by `gradcheck`, and with gradlab's own ops), each of which
 * explains a failure in plain words and says what to look at.
 *
 * scripts/exercise.mjs loads the learner's file and calls `grade`;
 * test/exercises/grader.test.ts runs `grade` on the reference solutions
 * (every exercise passes) and on wrong answers (each is rejected with a useful message).
 */
import {
  Generator, Tensor, add, gradcheck, logSoftmax, matmul, mean, mul, neg, noGrad, relu, sum, tensor,
} from '@gradlab/core';

/** A check that did not pass, with the explanation the learner reads. */
export class ExerciseFailure extends Error {}

function fail(message: string): never {
  throw new ExerciseFailure(message);
}

/** One check of an exercise: `run` throws an ExerciseFailure, in plain words, when the answer is wrong. */
interface Check {
  readonly what: string;
  readonly run: (answer: Record<string, unknown>) => void;
}

interface Exercise {
  /** One line: what the learner builds. */
  readonly title: string;
  /** The functions the learner's file must export. */
  readonly exports: readonly string[];
  readonly checks: readonly Check[];
}

/** The exercises, from an elementwise op to a small network, in the order to do them. */
export const EXERCISES = {
  'relu-backward': {
    title: 'an elementwise op: ReLU, forward and backward, with makeOutput',
    exports: ['relu'],
    checks: [
      {
        what: 'forward: relu([-2, -1, 0, 0.5, 3]) = [0, 0, 0, 0.5, 3]',
        run: (answer) => {
          const out = call(answer, 'relu', [tensor([-2, -1, 0, 0.5, 3])]);
          expectShape('relu', out, [5]);
          expectValues('relu([-2, -1, 0, 0.5, 3])', out.data, [0, 0, 0, 0.5, 3], 'relu(x) = max(x, 0): keep positive values, write 0 for the rest (0 stays 0).');
        },
      },
      {
        what: 'forward keeps the shape of its input ([2, 3] in, [2, 3] out)',
        run: (answer) => {
          const out = call(answer, 'relu', [tensor([[1, -1, 2], [-3, 4, -5]])]);
          expectShape('relu', out, [2, 3]);
          expectValues('relu([[1, -1, 2], [-3, 4, -5]])', out.data, [1, 0, 2, 0, 4, 0], 'relu works element by element, whatever the shape.');
        },
      },
      {
        what: 'backward: with upstream gradient [10, 20, 30, 40, 50], x gets [0, 0, 0, 40, 50]',
        run: (answer) => {
          const x = tensor([-2, -1, 0, 0.5, 3], { requiresGrad: true });
          backwardWith(call(answer, 'relu', [x]), [10, 20, 30, 40, 50]);
          expectGrad('x', x, [0, 0, 0, 40, 50],
            'gx[i] = grad[i] where x[i] > 0, else 0: the chain rule multiplies the upstream gradient grad[i] by the local derivative (1 or 0). At x = 0 the derivative is taken as 0, as in PyTorch.');
        },
      },
      {
        what: 'gradcheck: the backward agrees with finite differences of the forward',
        run: (answer) => gradcheckOf('relu', (x) => call(answer, 'relu', [x]), [awayFromZero([3, 4], 1)]),
      },
    ],
  },
  'broadcast-add': {
    title: 'broadcasting: add a bias [n] to every row of x [m, n], and undo the broadcast in backward',
    exports: ['addBias'],
    checks: [
      {
        what: 'forward: [[1, 2, 3], [4, 5, 6]] + [10, 20, 30] = [[11, 22, 33], [14, 25, 36]]',
        run: (answer) => {
          const out = call(answer, 'addBias', [tensor([[1, 2, 3], [4, 5, 6]]), tensor([10, 20, 30])]);
          expectShape('addBias', out, [2, 3]);
          expectValues('addBias', out.data, [11, 22, 33, 14, 25, 36], 'out[i][j] = x[i][j] + bias[j]; in the flat arrays, out[i * n + j] = x.data[i * n + j] + bias.data[j].');
        },
      },
      {
        what: 'backward: x gets the upstream gradient as it is; the bias gets its column sums',
        run: (answer) => {
          const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
          const bias = tensor([10, 20, 30], { requiresGrad: true });
          backwardWith(call(answer, 'addBias', [x, bias]), [1, 2, 3, 10, 20, 30]);
          expectGrad('x', x, [1, 2, 3, 10, 20, 30], 'd(x + b)/dx = 1, so gx = grad, element for element.');
          expectGrad('bias', bias, [11, 22, 33],
            'bias[j] was used by every row, so its gradient is the sum over the rows: gbias[j] = Σ_i grad[i * n + j]. This sum is how broadcasting is undone (core does it once, in sumToShape).');
        },
      },
      {
        what: 'gradcheck on x [4, 3] and bias [3]',
        run: (answer) => gradcheckOf('addBias', (x, b) => call(answer, 'addBias', [x!, b!]), [randomInput([4, 3], 2), randomInput([3], 3)]),
      },
    ],
  },
  'sum-rows': {
    title: 'a reduction: the sum of each row, [m, n] -> [m]',
    exports: ['sumRows'],
    checks: [
      {
        what: 'forward: sumRows([[1, 2, 3], [4, 5, 6]]) = [6, 15]',
        run: (answer) => {
          const out = call(answer, 'sumRows', [tensor([[1, 2, 3], [4, 5, 6]])]);
          expectShape('sumRows', out, [2]);
          expectValues('sumRows', out.data, [6, 15], 'out[i] = Σ_j x[i][j] = Σ_j x.data[i * n + j]; the output has one element per row.');
        },
      },
      {
        what: 'backward: every element of row i gets the gradient of out[i]',
        run: (answer) => {
          const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
          backwardWith(call(answer, 'sumRows', [x]), [10, -1]);
          expectGrad('x', x, [10, 10, 10, -1, -1, -1],
            'd out[i] / d x[i][j] = 1, so gx[i * n + j] = grad[i]: the reduction\'s backward copies each row\'s gradient back across the row.');
        },
      },
      {
        what: 'gradcheck on x [3, 5]',
        run: (answer) => gradcheckOf('sumRows', (x) => call(answer, 'sumRows', [x!]), [randomInput([3, 5], 4)]),
      },
    ],
  },
  'matmul-backward': {
    title: "matmul's backward: dA = dC·Bᵀ and dB = Aᵀ·dC, as loops",
    exports: ['matmul2d'],
    checks: [
      {
        what: 'forward (given): [[1, 2]] · [[3], [4]] = [[11]]',
        run: (answer) => {
          const out = call(answer, 'matmul2d', [tensor([[1, 2]]), tensor([[3], [4]])]);
          expectShape('matmul2d', out, [1, 1]);
          expectValues('matmul2d', out.data, [11], 'The forward loop was given: put it back as it was.');
        },
      },
      {
        what: 'backward on a [2, 3] · [3, 4] product: the same gradients as gradlab\'s matmul',
        run: (answer) => {
          const [a, b] = [randomInput([2, 3], 5), randomInput([3, 4], 6)];
          const upstream = Array.from(randomInput([2, 4], 7).data);
          backwardWith(call(answer, 'matmul2d', [a, b]), upstream);
          const [aRef, bRef] = [copyOf(a), copyOf(b)];
          backwardWith(matmul(aRef, bRef), upstream);
          expectGrad('A', a, Array.from(aRef.grad!.data),
            'dA = dC·Bᵀ: dA[i][p] = Σ_j dC[i][j] · B[p][j], of A\'s shape [m, k] (here [2, 3]). In the flat arrays: ga[i * k + p] += grad[i * n + j] * b.data[p * n + j].');
          expectGrad('B', b, Array.from(bRef.grad!.data),
            'dB = Aᵀ·dC: dB[p][j] = Σ_i A[i][p] · dC[i][j], of B\'s shape [k, n] (here [3, 4]). In the flat arrays: gb[p * n + j] += a.data[i * k + p] * grad[i * n + j].');
        },
      },
      {
        what: 'gradcheck on [3, 5] · [5, 2]',
        run: (answer) => gradcheckOf('matmul2d', (a, b) => call(answer, 'matmul2d', [a!, b!]), [randomInput([3, 5], 8), randomInput([5, 2], 9)]),
      },
    ],
  },
  'mse-loss': {
    title: 'a composite: the mean squared error, built from core ops, with no gradient code of its own',
    exports: ['mse'],
    checks: [
      {
        what: 'value: mse([1, 2, 3], [1, 0, 6]) = (0 + 4 + 9) / 3 = 13/3',
        run: (answer) => {
          const out = call(answer, 'mse', [tensor([1, 2, 3]), tensor([1, 0, 6])]);
          expectShape('mse', out, []);
          expectValues('mse([1, 2, 3], [1, 0, 6])', out.data, [13 / 3], 'mse = mean((prediction - target)²): the mean over all elements, a scalar (shape []).');
        },
      },
      {
        what: 'built from ops: the prediction gets a gradient, 2 (prediction - target) / N',
        run: (answer) => {
          const prediction = tensor([[1, 2], [3, 4]], { requiresGrad: true });
          const out = call(answer, 'mse', [prediction, tensor([[0, 2], [5, 4]])]);
          if (!out.requiresGrad) fail('mse: the result does not require grad, so backward() cannot reach the prediction. Build it from gradlab ops (sub, mul or pow, mean) on the tensors themselves, not on .data.');
          out.backward();
          expectGrad('prediction', prediction, [0.5, 0, -1, 0], 'd mse / d p_i = 2 (p_i - t_i) / N, with N the number of elements (here 4).');
        },
      },
      {
        what: 'gradcheck on a [4, 3] prediction',
        run: (answer) => {
          const target = randomInput([4, 3], 10).detach();
          gradcheckOf('mse', (p) => call(answer, 'mse', [p!, target]), [randomInput([4, 3], 11)]);
        },
      },
    ],
  },
  softmax: {
    title: 'a composite: a numerically stable softmax over the last axis, from core ops',
    exports: ['softmax'],
    checks: [
      {
        what: 'value: softmax([[0, ln 3]]) = [[0.25, 0.75]], and every row sums to 1',
        run: (answer) => {
          const out = call(answer, 'softmax', [tensor([[0, Math.log(3)], [5, 5]])]);
          expectShape('softmax', out, [2, 2]);
          expectValues('softmax([[0, ln 3], [5, 5]])', out.data, [0.25, 0.75, 0.5, 0.5], 'softmax(x)_j = e^(x_j) / Σ_k e^(x_k), over each row (the last axis: sum(e, -1, true) keeps the axis so it broadcasts back).');
        },
      },
      {
        what: 'stable for large logits: softmax([[1000, 1001]]) is finite',
        run: (answer) => {
          const out = call(answer, 'softmax', [tensor([[1000, 1001]])]);
          expectValues('softmax([[1000, 1001]])', out.data, [1 / (1 + Math.E), Math.E / (1 + Math.E)],
            'e^1000 overflows to Infinity and Infinity / Infinity is NaN. Subtract each row\'s maximum first (max(x, -1, true)): softmax(x - c) = softmax(x) for any constant c. Detach the maximum: it is a constant, not a path for gradients.');
        },
      },
      {
        what: 'gradcheck on x [3, 4]',
        run: (answer) => gradcheckOf('softmax', (x) => call(answer, 'softmax', [x!]), [randomInput([3, 4], 12)]),
      },
    ],
  },
  'mini-mlp': {
    title: 'a small network from core ops: a 2-layer MLP\'s loss, and the SGD step that trains it',
    exports: ['mlpLoss', 'sgdStep'],
    checks: [
      {
        what: 'the loss: mean negative log-likelihood of logSoftmax(relu(x·w1 + b1)·w2 + b2)',
        run: (answer) => {
          const { x, labels, params } = mlpProblem(13);
          const loss = call(answer, 'mlpLoss', [x, labels, params]);
          expectShape('mlpLoss', loss, []);
          expectValues('mlpLoss', loss.data, [referenceMlpLoss(x, labels, params).item()],
            'loss = -mean over the batch of logp[b][labels[b]], with logp = logSoftmax(relu(x·w1 + b1)·w2 + b2). To pick logp[b][labels[b]] with ops, multiply by a one-hot tensor and sum.');
        },
      },
      {
        what: 'the gradients of w1, b1, w2, b2 are those of gradlab\'s own ops',
        run: (answer) => {
          const { x, labels, params } = mlpProblem(14);
          call(answer, 'mlpLoss', [x, labels, params]).backward();
          const reference = mlpProblem(14).params;
          referenceMlpLoss(x, labels, reference).backward();
          for (const name of ['w1', 'b1', 'w2', 'b2'] as const) {
            expectGrad(name, params[name], Array.from(reference[name].grad!.data), 'Build the loss only from ops on the parameter tensors (matmul, add, relu, logSoftmax, mul, sum), so that backward() reaches every one of them.');
          }
        },
      },
      {
        what: 'sgdStep: p ← p - lr · p.grad for every parameter, then the gradients are cleared',
        run: (answer) => {
          const p = tensor([1, 2], { requiresGrad: true });
          p.grad = tensor([10, -10]);
          run(answer, 'sgdStep', [{ p }, 0.1]);
          expectValues('p after sgdStep(lr = 0.1)', p.data, [0, 3], 'Update the parameter in place (p.data[i] -= lr * p.grad.data[i]), inside noGrad or on .data, so the update is not recorded as an op.');
          if (p.grad !== null && Array.from(p.grad.data).some((g) => g !== 0)) {
            fail('sgdStep: the gradient is still there after the step. Gradients accumulate across backward() calls: set p.grad = null (or zeroGrad()) after updating, or the next step adds onto this one.');
          }
        },
      },
      {
        what: 'training: 300 steps of mlpLoss + sgdStep learn XOR (loss below 0.05)',
        run: (answer) => {
          const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
          const labels = [0, 1, 1, 0];
          const params = mlpParams(new Generator(1), 2, 8, 2);
          let loss = NaN;
          for (let step = 0; step < 300; step++) {
            const value = call(answer, 'mlpLoss', [x, labels, params]);
            value.backward();
            loss = value.item();
            run(answer, 'sgdStep', [params, 0.5]);
          }
          if (!(loss < 0.05)) fail(`after 300 steps the loss is ${loss}, not below 0.05. If the loss and gradients checks passed, look at sgdStep: subtract (not add) lr · grad, and clear the gradients after each step.`);
        },
      },
    ],
  },
} as const satisfies Record<string, Exercise>;

export type ExerciseName = keyof typeof EXERCISES;

/** The result of grading one file: each check's line, and whether all passed. */
export interface GradeReport {
  readonly passed: boolean;
  /** One line per check: '✓ what' or '✗ what', followed by the explanation of a failure. */
  readonly lines: readonly string[];
}

/**
 * Runs every check of the exercise `name` on `answer` (the learner's module),
 * stopping at the first failure, which it explains.
 *
 * @example
 * grade('relu-backward', await import('./solutions/relu-backward.js')).passed; // true
 */
export function grade(name: ExerciseName, answer: Record<string, unknown>): GradeReport {
  const exercise: Exercise = EXERCISES[name];
  const lines: string[] = [];
  for (const exported of exercise.exports) {
    if (typeof answer[exported] !== 'function') {
      return { passed: false, lines: [`✗ the file must export a function named ${exported} (export function ${exported}(…) { … }); it exports ${listExports(answer)}`] };
    }
  }
  for (const check of exercise.checks) {
    try {
      check.run(answer);
      lines.push(`✓ ${check.what}`);
    } catch (error) {
      lines.push(`✗ ${check.what}`, `  ${explain(error)}`);
      return { passed: false, lines };
    }
  }
  return { passed: true, lines };
}

function listExports(answer: Record<string, unknown>): string {
  const names = Object.keys(answer);
  return names.length === 0 ? 'nothing' : names.join(', ');
}

/** A learner's error, or one of ours, in words. */
function explain(error: unknown): string {
  if (error instanceof ExerciseFailure) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  if (/\bTODO\b/.test(message)) return `not done yet: ${message}`;
  return `your code threw an error: ${message}`;
}

/** Calls the learner's function `name` and checks that it returned a Tensor. */
function call(answer: Record<string, unknown>, name: string, args: unknown[]): Tensor {
  const result = run(answer, name, args);
  if (!(result instanceof Tensor)) fail(`${name} returned ${describe(result)}, not a Tensor. Return the tensor that makeOutput (or the last op) gives you.`);
  return result;
}

/** Calls the learner's function `name`; returns what it returns. */
function run(answer: Record<string, unknown>, name: string, args: unknown[]): unknown {
  return (answer[name] as (...args: unknown[]) => unknown)(...args);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (undefined)';
  if (value === null) return 'null';
  return typeof value === 'object' ? `an object (${value.constructor?.name ?? 'Object'})` : `the ${typeof value} ${String(value)}`;
}

function expectShape(name: string, out: Tensor, shape: readonly number[]): void {
  if (out.shape.length !== shape.length || out.shape.some((dim, d) => dim !== shape[d])) {
    fail(`${name} returned a tensor of shape [${out.shape.join(', ')}], but it should be [${shape.join(', ')}].`);
  }
}

/** Equal within float32 rounding: |got - want| <= 1e-5 (1 + |want|). */
function close(got: number, want: number): boolean {
  return Math.abs(got - want) <= 1e-5 * (1 + Math.abs(want));
}

const show = (values: ArrayLike<number>) => `[${Array.from(values, (v) => Number(v.toPrecision(6))).join(', ')}]`;

function expectValues(label: string, got: ArrayLike<number>, want: readonly number[], hint: string): void {
  if (got.length !== want.length) fail(`${label} has ${got.length} elements, but should have ${want.length}. ${hint}`);
  for (let i = 0; i < want.length; i++) {
    if (!close(got[i]!, want[i]!)) {
      fail(`${label}: element ${i} is ${got[i]}, but should be ${Number(want[i]!.toPrecision(7))}.\n  got      ${show(got)}\n  expected ${show(want)}\n  ${hint}`);
    }
  }
}

function expectGrad(name: string, input: Tensor, want: readonly number[], hint: string): void {
  if (input.grad === null) {
    fail(`${name}.grad is null after backward(): your backward never handed ${name} its gradient. Call accumulateFreshGrad(${name}, g) (or accumulateGrad) with the array you computed. ${hint}`);
  }
  expectValues(`the gradient of ${name}`, input.grad.data, want, hint);
}

function backwardWith(out: Tensor, upstream: readonly number[]): void {
  if (!out.requiresGrad) fail('the result does not require grad, so backward() cannot run: return the tensor makeOutput gives you, with the input tensors as its parents.');
  out.backward(new Float32Array(upstream));
}

/** gradcheck, with its verdict in words. */
function gradcheckOf(name: string, fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[]): void {
  const result = gradcheck(fn, inputs);
  if (!result.passed && result.worst !== null) {
    const { input, index, analytic, numeric } = result.worst;
    fail(`gradcheck failed: for input ${input}, element ${index}, your backward gives ${analytic.toPrecision(5)} but nudging that element by ±0.001 and re-running your forward gives ${numeric.toPrecision(5)}. `
      + `The backward does not match the forward: check the derivative in your backward closure, and that you multiply by grad (the chain rule). (${result.message})`);
  }
}

/** A fresh leaf with the same values, to run gradlab's own op on. */
function copyOf(input: Tensor): Tensor {
  return new Tensor(Float32Array.from(input.data), input.shape, { requiresGrad: true });
}

function randomInput(shape: number[], seed: number): Tensor {
  const generator = new Generator(`exercise-${seed}`);
  const size = shape.reduce((product, dim) => product * dim, 1);
  return new Tensor(Float32Array.from({ length: size }, () => generator.normal()), shape, { requiresGrad: true });
}

/** Random values at least 0.1 away from 0, where ReLU has its kink (finite differences straddle it). */
function awayFromZero(shape: number[], seed: number): Tensor {
  const input = randomInput(shape, seed);
  input.data.forEach((v, i) => { input.data[i] = v >= 0 ? v + 0.1 : v - 0.1; });
  return input;
}

interface MlpParams { w1: Tensor; b1: Tensor; w2: Tensor; b2: Tensor }

function mlpParams(generator: Generator, inputs: number, hidden: number, outputs: number): MlpParams {
  const draw = (shape: number[], scale: number) => new Tensor(
    Float32Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => scale * generator.normal()), shape, { requiresGrad: true });
  return { w1: draw([inputs, hidden], Math.sqrt(2 / inputs)), b1: draw([hidden], 0.1), w2: draw([hidden, outputs], Math.sqrt(1 / hidden)), b2: draw([outputs], 0.1) };
}

function mlpProblem(seed: number) {
  const generator = new Generator(seed);
  const x = new Tensor(Float32Array.from({ length: 5 * 3 }, () => generator.normal()), [5, 3]);
  return { x, labels: [0, 2, 1, 1, 0], params: mlpParams(generator, 3, 4, 3) };
}

/** The loss the mini-mlp exercise asks for, from gradlab's ops. */
function referenceMlpLoss(x: Tensor, labels: readonly number[], { w1, b1, w2, b2 }: MlpParams): Tensor {
  const logp = logSoftmax(add(matmul(relu(add(matmul(x, w1), b1)), w2), b2));
  const oneHot = noGrad(() => tensor(labels.map((label) => Array.from({ length: logp.shape[1]! }, (_, j) => (j === label ? 1 : 0)))));
  return neg(mean(sum(mul(logp, oneHot), 1)));
}

