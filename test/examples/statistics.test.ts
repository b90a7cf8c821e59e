import { describe, expect, it } from 'vitest';
import {
  logGamma, meanInterval, meanStd, pairedComparison, regularizedIncompleteBeta, studentTCdf, studentTQuantile, wilcoxonSignedRank,
} from 'gradlab';

// Closed forms of Student's t CDF (e.g. Abramowitz & Stegun 26.7.3-4): what the
// incomplete-beta route must agree with.
const closedFormCdf: Record<number, (t: number) => number> = {
  1: (t) => 0.5 + Math.atan(t) / Math.PI,
  2: (t) => 0.5 + t / (2 * Math.sqrt(2 + t * t)),
  4: (t) => 0.5 + (3 / 8) * (t / Math.sqrt(1 + (t * t) / 4)) * (1 - (t * t) / (12 * (1 + (t * t) / 4))),
};

describe('Student t distribution', () => {
  it('matches the closed forms for 1, 2 and 4 degrees of freedom', () => {
    for (const [df, cdf] of Object.entries(closedFormCdf)) {
      for (const t of [-30, -4.2, -1, -0.3, 0, 0.5, 1.7, 2.776, 9, 100]) {
        expect(studentTCdf(t, Number(df))).toBeCloseTo(cdf(t), 12);
      }
    }
  });

  it('gives the two-sided 95% quantiles of printed tables (df 1, 2, 4, 9, 29, 120, and near the normal limit)', () => {
    const table: Array<[number, number]> = [[1, 12.706204736], [2, 4.302652730], [4, 2.776445105], [9, 2.262157163], [29, 2.045229642]];
    for (const [df, quantile] of table) expect(studentTQuantile(0.975, df)).toBeCloseTo(quantile, 8);
    expect(studentTQuantile(0.975, 120)).toBeCloseTo(1.97993, 5);
    // Large df: the normal quantile 1.959963985 plus Cornish-Fisher's first term (z³ + z) / (4 df).
    const z = 1.959963985;
    expect(studentTQuantile(0.975, 1e7)).toBeCloseTo(z + (z ** 3 + z) / 4e7, 8);
    expect(studentTQuantile(0.025, 4)).toBeCloseTo(-2.776445105, 8);
    expect(studentTCdf(studentTQuantile(0.9, 7), 7)).toBeCloseTo(0.9, 14);
  });

  it('builds on ln Γ and the incomplete beta function, checked at known points', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(regularizedIncompleteBeta(0.5, 2, 2)).toBeCloseTo(0.5, 14);
    // I_x(1, b) = 1 - (1 - x)^b
    expect(regularizedIncompleteBeta(0.3, 1, 3)).toBeCloseTo(1 - 0.7 ** 3, 14);
    expect(() => regularizedIncompleteBeta(1.5, 1, 1)).toThrow(/x must be in \[0, 1\], got 1.5/);
  });
});

describe('means with 95% confidence intervals', () => {
  it('agrees with intervals computed by hand', () => {
    // [1..5]: mean 3, s = sqrt(2.5), half-width 2.776445 * sqrt(2.5 / 5) = 1.963243
    const five = meanInterval([1, 2, 3, 4, 5]);
    expect(five.n).toBe(5);
    expect(five.mean).toBe(3);
    expect(five.std).toBeCloseTo(Math.sqrt(2.5), 14);
    expect(five.low).toBeCloseTo(1.036757, 6);
    expect(five.high).toBeCloseTo(4.963243, 6);
    // [0.1, 0.2, 0.6]: mean 0.3, s² = 0.14 / 2, half-width 4.302653 * sqrt(0.07 / 3) = 0.657241
    const three = meanInterval([0.1, 0.2, 0.6]);
    expect(three.low).toBeCloseTo(-0.357241, 6);
    expect(three.high).toBeCloseTo(0.957241, 6);
  });

  it('gives no interval for one value, a zero-width one for equal values, and refuses NaN', () => {
    expect(meanInterval([0.25])).toEqual({ n: 1, mean: 0.25, std: 0, low: null, high: null });
    expect(meanInterval([0.5, 0.5, 0.5])).toMatchObject({ low: 0.5, high: 0.5 });
    expect(() => meanInterval([1, NaN])).toThrow(/meanInterval: a value is NaN/);
    expect(() => meanInterval([])).toThrow(/meanInterval: no values/);
    expect(meanStd([1, 2, 3])).toEqual({ mean: 2, std: 1 });
  });
});

describe('paired comparisons', () => {
  it('computes the paired t-test by hand: d = 1..5, t = 3 / sqrt(2.5 / 5), p from the df-4 closed form', () => {
    const comparison = pairedComparison([1, 2, 3, 4, 5], [2, 4, 6, 8, 10]);
    const t = 3 / Math.sqrt(2.5 / 5);
    expect(comparison.t).toBeCloseTo(t, 12);
    expect(comparison.tTestP).toBeCloseTo(2 * (1 - closedFormCdf[4]!(t)), 12);
    expect(comparison.tTestP).toBeCloseTo(0.013236, 5);
    expect(comparison.significant).toBe(true);
    expect(comparison.difference.mean).toBe(3);
    // All five differences positive: the exact Wilcoxon p is 2 / 2^5, its smallest possible value.
    expect(comparison.wilcoxonP).toBe(0.0625);
    expect(comparison.wilcoxonMinimumP).toBe(0.0625);
  });

  it('is not significant when the differences straddle 0, and says nothing when they are all 0', () => {
    const mixed = pairedComparison([0, 0, 0, 0], [1, -1, 2, -2]);
    expect(mixed.t).toBe(0);
    expect(mixed.tTestP).toBeCloseTo(1, 12);
    expect(mixed.significant).toBe(false);
    const same = pairedComparison([0.1, 0.2], [0.1, 0.2]);
    expect(same).toMatchObject({ t: null, tTestP: null, wilcoxonP: null, significant: false });
    expect(() => pairedComparison([1, 2], [1])).toThrow(/pairedComparison: 2 values against 1/);
  });

  it('counts the exact Wilcoxon distribution by hand', () => {
    // Ranks 1..5, W+ = 1 + 3 + 4 + 5 = 13. Sign patterns with W+ >= 13: {1,3,4,5}, {2,3,4,5}, all: 3 of 32; two-sided 6/32.
    expect(wilcoxonSignedRank([1, -2, 3, 4, 5])).toEqual({ positiveRankSum: 13, p: 0.1875, minimumP: 0.0625 });
    // Zeros dropped, ties averaged: |d| = 1, 1, 2 get ranks 1.5, 1.5, 3; W+ = 1.5 + 3 = 4.5 of 6.
    // Patterns of (1.5, 1.5, 3) with |W+ - 3| >= 1.5: W+ in {0, 1.5, 4.5, 6}: 1 + 2 + 2 + 1 = 6 of 8.
    expect(wilcoxonSignedRank([0, 1, -1, 2])).toEqual({ positiveRankSum: 4.5, p: 0.75, minimumP: 0.25 });
    expect(wilcoxonSignedRank([0, 0])).toBeNull();
  });
});
