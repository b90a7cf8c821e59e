/** Laws that hold for all inputs, checked on random ones with fast-check. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as core from '@gradlab/core';
import { Generator, Tensor, gradcheck, tensor } from '@gradlab/core';

const dim = fc.integer({ min: 1, max: 4 });
const shape = fc.array(dim, { minLength: 0, maxLength: 3 });
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });

const randomTensor = (s: readonly number[], generator: Generator, requiresGrad = false) =>
  core.rand(s, { generator, low: -2, high: 2, requiresGrad });

/** A shape that broadcasts to `s`: some dimensions replaced by 1, some leading ones dropped. */
const broadcastableTo = (s: readonly number[]) =>
  fc.tuple(fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }), fc.integer({ min: 0, max: s.length }))
    .map(([ones, drop]) => s.map((d, i) => (ones[i] ? 1 : d)).slice(drop));

describe('broadcasting laws', () => {
  it('a + b == b + a, and the result has the broadcast shape', () => {
    fc.assert(fc.property(shape.chain((s) => fc.tuple(fc.constant(s), broadcastableTo(s), seed)), ([s, t, sd]) => {
      const g = new Generator(sd);
      const a = randomTensor(s, g);
      const b = randomTensor(t, g);
      const ab = a.add(b);
      expect(ab.shape).toEqual(core.broadcastShapes('add', s, t));
      expect(Array.from(ab.data)).toEqual(Array.from(b.add(a).data));
    }));
  });

  it('sumToShape undoes expandTo: summing an expanded ones tensor counts the copies', () => {
    fc.assert(fc.property(shape.chain((s) => fc.tuple(fc.constant(s), broadcastableTo(s))), ([s, t]) => {
      const expanded = core.expandTo(new Float32Array(core.sizeOf(t)).fill(1), t, s);
      const summed = core.sumToShape(expanded, s, t);
      const copies = core.sizeOf(s) / Math.max(core.sizeOf(t), 1);
      expect(Array.from(summed)).toEqual(new Array(core.sizeOf(t)).fill(copies));
    }));
  });

  it('the gradient of a broadcast operand has its own shape and equals the summed upstream gradient', () => {
    fc.assert(fc.property(shape.chain((s) => fc.tuple(fc.constant(s), broadcastableTo(s), seed)), ([s, t, sd]) => {
      const g = new Generator(sd);
      const a = randomTensor(s, g);
      const b = randomTensor(t, g, true);
      const upstream = randomTensor(core.broadcastShapes('add', s, t), g);
      a.add(b).backward(upstream);
      expect(b.grad!.shape).toEqual(t);
      expect(Array.from(b.grad!.data)).toEqual(Array.from(core.sumToShape(upstream.data, upstream.shape, t)));
    }));
  });
});

describe('linearity of gradients', () => {
  it('grad of (alpha f + beta g) == alpha grad f + beta grad g', () => {
    fc.assert(fc.property(shape, seed, fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }),
      (s, sd, alpha, beta) => {
        const x = randomTensor(s, new Generator(sd), true);
        const f = (t: Tensor) => t.tanh().sum();
        const h = (t: Tensor) => t.mul(t).sum();
        f(x).backward();
        const gf = Float64Array.from(x.grad!.data);
        x.zeroGrad();
        h(x).backward();
        const gh = Float64Array.from(x.grad!.data);
        x.zeroGrad();
        f(x).mul(alpha).add(h(x).mul(beta)).backward();
        x.grad!.data.forEach((value, i) => {
          expect(value).toBeCloseTo(alpha * gf[i]! + beta * gh[i]!, 4);
        });
      }));
  });
});

describe('softmax', () => {
  it('rows are positive and sum to 1, for any logits up to ±1e4', () => {
    fc.assert(fc.property(dim, dim, seed, fc.double({ min: 1, max: 1e4, noNaN: true }), (rows, cols, sd, scale) => {
      const logits = core.rand([rows, cols], { generator: new Generator(sd), low: -scale, high: scale });
      const p = logits.softmax(1);
      for (const v of p.data) expect(v).toBeGreaterThanOrEqual(0);
      (p.sum(1).toArray() as number[]).forEach((total) => expect(total).toBeCloseTo(1, 5));
      const logp = logits.logSoftmax(1);
      for (const v of logp.data) expect(Number.isFinite(v)).toBe(true);
    }));
  });
});

describe('gradcheck on random compositions of ops', () => {
  const unary: Array<[string, (t: Tensor) => Tensor]> = [
    ['tanh', (t) => t.tanh()],
    ['sigmoid', (t) => t.sigmoid()],
    ['exp(t/4)', (t) => t.div(4).exp()],
    ['square', (t) => t.mul(t)],
    ['softmax', (t) => t.softmax(-1)],
    ['logSoftmax', (t) => t.logSoftmax(-1)],
    ['transpose', (t) => t.transpose(0, -1)],
    ['mean keepDims', (t) => t.mean(-1, true)],
    ['add 1/(1+t^2)', (t) => t.add(t.mul(t).add(1).pow(-1))],
  ];
  it('backward agrees with finite differences', () => {
    fc.assert(fc.property(
      fc.array(dim, { minLength: 1, maxLength: 3 }), seed,
      fc.array(fc.integer({ min: 0, max: unary.length - 1 }), { minLength: 1, maxLength: 4 }),
      (s, sd, chain) => {
        const x = randomTensor(s, new Generator(sd), true);
        const composed = (t: Tensor) => chain.reduce((acc, op) => unary[op]![1](acc), t);
        const result = gradcheck(composed, [x]);
        expect(result.passed, `${chain.map((op) => unary[op]![0]).join(' ∘ ')}: ${result.message}`).toBe(true);
      }), { numRuns: 60 });
  });
});

describe('same tensor, same bits', () => {
  it('tensor(toArray(x)) reproduces x exactly', () => {
    fc.assert(fc.property(shape, seed, (s, sd) => {
      const x = core.randn(s, { generator: new Generator(sd) });
      expect(Array.from(tensor(x.toArray()).data)).toEqual(Array.from(x.data));
    }));
  });
});
