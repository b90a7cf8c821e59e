/**
 * The exercises' grader: every reference solution passes every check (so each
 * exercise is solvable and the suite stays green), the untouched exercise
 * files are reported as not done, and typical wrong answers are rejected with
 * a message that says what is wrong.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  Tensor, accumulateFreshGrad, add, div, exp, logSoftmax, makeOutput, matmul, mean, mul, neg, relu, sub, sum, tensor, transpose,
} from '@gradlab/core';
import { EXERCISES, grade, type ExerciseName } from '../../exercises/grader.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const names = Object.keys(EXERCISES) as ExerciseName[];

/** The exercise file `exercises/<name>.ts` (blank) or its reference solution, as a module. */
const load = (folder: 'exercises' | 'exercises/solutions', name: ExerciseName) =>
  import(/* @vite-ignore */ `${root}${folder}/${name}.ts`) as Promise<Record<string, unknown>>;

/** An elementwise op with the given forward and backward rules, as a learner would write it. */
function unary(forward: (v: number) => number, backward: (v: number, g: number) => number) {
  return (x: Tensor) => makeOutput('learner', Float32Array.from(x.data, forward), x.shape, [x], (grad) => {
    accumulateFreshGrad(x, Float32Array.from(grad, (g, i) => backward(x.data[i]!, g)));
  });
}

/** Wrong answers a learner might write, and the words the grader must use to explain each. */
const WRONG: Array<{ exercise: ExerciseName; mistake: string; answer: Record<string, unknown>; says: RegExp }> = [
  {
    exercise: 'relu-backward', mistake: 'negative values kept in the forward',
    answer: { relu: unary((v) => v, (_v, g) => g) },
    says: /element 0 is -2, but should be 0\.[\s\S]*max\(x, 0\)/,
  },
  {
    exercise: 'relu-backward', mistake: 'the backward ignores the upstream gradient',
    answer: { relu: unary((v) => Math.max(v, 0), (v) => (v > 0 ? 1 : 0)) },
    says: /the gradient of x: element 3 is 1, but should be 40\.[\s\S]*chain rule/,
  },
  {
    exercise: 'relu-backward', mistake: 'the backward hands over nothing',
    answer: { relu: (x: Tensor) => makeOutput('learner', Float32Array.from(x.data, (v) => Math.max(v, 0)), x.shape, [x], () => {}) },
    says: /x\.grad is null after backward\(\): your backward never handed x its gradient/,
  },
  {
    exercise: 'relu-backward', mistake: 'the forward returns a plain array',
    answer: { relu: (x: Tensor) => Array.from(x.data, (v) => Math.max(v, 0)) },
    says: /relu returned an object \(Array\), not a Tensor/,
  },
  {
    exercise: 'relu-backward', mistake: 'the function has another name',
    answer: { myRelu: relu },
    says: /must export a function named relu .* it exports myRelu/,
  },
  {
    exercise: 'broadcast-add', mistake: 'the bias gradient taken from the first row only',
    answer: {
      addBias: (x: Tensor, bias: Tensor) => {
        const n = bias.size;
        return makeOutput('addBias', Float32Array.from(x.data, (v, i) => v + bias.data[i % n]!), x.shape, [x, bias], (grad) => {
          accumulateFreshGrad(x, Float32Array.from(grad));
          accumulateFreshGrad(bias, grad.slice(0, n));
        });
      },
    },
    says: /the gradient of bias: element 0 is 1, but should be 11\.[\s\S]*sum over the rows/,
  },
  {
    exercise: 'sum-rows', mistake: 'the backward gives every element the first row\'s gradient',
    answer: {
      sumRows: (x: Tensor) => {
        const [m, n] = x.shape as [number, number];
        const out = Float32Array.from({ length: m }, (_, i) => x.data.slice(i * n, (i + 1) * n).reduce((s, v) => s + v, 0));
        return makeOutput('sumRows', out, [m], [x], (grad) => accumulateFreshGrad(x, new Float32Array(m * n).fill(grad[0]!)));
      },
    },
    says: /the gradient of x: element 3 is 10, but should be -1/,
  },
  {
    exercise: 'matmul-backward', mistake: 'dA reads B as if it were stored transposed',
    answer: {
      matmul2d: (a: Tensor, b: Tensor) => {
        const [m, k] = a.shape as [number, number];
        const n = b.shape[1]!;
        return makeOutput('matmul2d', matmul(a.detach(), b.detach()).data, [m, n], [a, b], (grad) => {
          const ga = new Float32Array(m * k);
          // Wrong: B[p][j] is b.data[p * n + j], not b.data[j * k + p].
          ga.forEach((_, index) => {
            const [i, p] = [Math.floor(index / k), index % k];
            for (let j = 0; j < n; j++) ga[index]! += grad[i * n + j]! * b.data[j * k + p]!;
          });
          accumulateFreshGrad(a, ga);
          accumulateFreshGrad(b, matmul(transpose(a.detach()), new Tensor(grad, [m, n])).data);
        });
      },
    },
    says: /the gradient of A: element 0 is .*, but should be [\s\S]*dA = dC·Bᵀ/,
  },
  {
    exercise: 'mse-loss', mistake: 'the sum instead of the mean',
    answer: { mse: (p: Tensor, t: Tensor) => sum(mul(sub(p, t), sub(p, t))) },
    says: /element 0 is 13, but should be 4\.333333[\s\S]*mean over all elements/,
  },
  {
    exercise: 'mse-loss', mistake: 'computed on .data, so no gradient',
    answer: { mse: (p: Tensor, t: Tensor) => tensor(p.data.reduce((s, v, i) => s + (v - t.data[i]!) ** 2, 0) / p.size) },
    says: /does not require grad, so backward\(\) cannot reach the prediction/,
  },
  {
    exercise: 'softmax', mistake: 'no shift by the maximum (overflows)',
    answer: { softmax: (x: Tensor) => div(exp(x), sum(exp(x), -1, true)) },
    says: /softmax\(\[\[1000, 1001\]\]\): element 0 is NaN[\s\S]*Subtract each row's maximum/,
  },
  {
    exercise: 'mini-mlp', mistake: 'SGD adds the gradient',
    answer: {
      mlpLoss: (x: Tensor, labels: number[], p: Record<string, Tensor>) => {
        const logp = logSoftmax(add(matmul(relu(add(matmul(x, p['w1']!), p['b1']!)), p['w2']!), p['b2']!));
        const oneHot = tensor(labels.map((label) => Array.from({ length: logp.shape[1]! }, (_, j) => (j === label ? 1 : 0))));
        return neg(mean(sum(mul(logp, oneHot), 1)));
      },
      sgdStep: (params: Record<string, Tensor>, lr: number) => {
        for (const p of Object.values(params)) {
          p.data.forEach((v, i) => { p.data[i] = v + lr * p.grad!.data[i]!; });
          p.grad = null;
        }
      },
    },
    says: /p after sgdStep\(lr = 0\.1\): element 0 is 2, but should be 0/,
  },
];

describe('the exercises', () => {
  it('are at least six, from an elementwise op to a small network', () => {
    expect(names).toEqual(['relu-backward', 'broadcast-add', 'sum-rows', 'matmul-backward', 'mse-loss', 'softmax', 'mini-mlp']);
  });

  it.each(names)('%s: the reference solution passes every check', async (name) => {
    const report = grade(name, await load('exercises/solutions', name));
    expect(report.lines.join('\n')).not.toContain('✗');
    expect(report.passed).toBe(true);
    expect(report.lines).toHaveLength(EXERCISES[name].checks.length);
  });

  it.each(names)('%s: the untouched exercise file is reported as not done yet, naming its TODO', async (name) => {
    const report = grade(name, await load('exercises', name));
    expect(report.passed).toBe(false);
    expect(report.lines.join('\n')).toMatch(new RegExp(`not done yet: TODO( \\d)? in exercises/${name}\\.ts`));
  });

  it.each(WRONG.map((wrong) => [wrong.exercise, wrong.mistake, wrong] as const))('%s rejects a wrong answer (%s) and says why', (name, _mistake, wrong) => {
    const report = grade(name, wrong.answer);
    expect(report.passed).toBe(false);
    expect(report.lines.join('\n')).toMatch(wrong.says);
  });
});

describe('the grader command (scripts/exercise.mjs)', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['scripts/exercise.mjs', ...args, '--no-build'], { cwd: root, encoding: 'utf8' });

  it('passes a reference solution with exit code 0 and points to the next exercise', () => {
    const result = run('relu-backward', '--solution');
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('✓ gradcheck: the backward agrees with finite differences of the forward');
    expect(result.stdout).toContain('All 4 checks passed. Next: npx -y pnpm@12.4.2 exercise broadcast-add');
    expect(result.status).toBe(0);
  });

  it('reports the untouched exercise as not done, with exit code 1', () => {
    const result = run('relu-backward');
    expect(result.stdout).toContain('✗ forward: relu([-2, -1, 0, 0.5, 3]) = [0, 0, 0, 0.5, 3]');
    expect(result.stdout).toContain('not done yet: TODO 1 in exercises/relu-backward.ts: write the forward loop');
    expect(result.status).toBe(1);
  });

  it('rejects a wrong file with the check that failed and the reason, exit code 1', () => {
    const result = run('relu-backward', '--file', 'test/fixtures/exercises/relu-backward-wrong.ts');
    expect(result.stdout).toContain('✓ forward: relu([-2, -1, 0, 0.5, 3]) = [0, 0, 0, 0.5, 3]');
    expect(result.stdout).toContain('✗ backward: with upstream gradient [10, 20, 30, 40, 50], x gets [0, 0, 0, 40, 50]');
    expect(result.stdout).toContain('the gradient of x: element 3 is 1, but should be 40.');
    expect(result.stdout).toContain('Not yet: fix the first ✗ above');
    expect(result.status).toBe(1);
  });

  it('lists the exercises without a name, and refuses an unknown one with exit code 2', () => {
    const list = run();
    expect(list.status).toBe(0);
    expect(list.stdout).toContain('1. relu-backward');
    expect(list.stdout).toContain('7. mini-mlp');
    const unknown = run('relu-forward');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("exercise: there is no exercise 'relu-forward'; the exercises are relu-backward, broadcast-add");
    const missing = run('relu-backward', '--file', 'no/such/file.ts');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/no\/such\/file\.ts is not a file/);
  });
});
