/**
 * Statistics over seeds: the mean with a 95% confidence interval from
 * Student's t distribution, and paired comparisons between two conditions
 * measured on the same seeds (the paired t-test, and the exact Wilcoxon
 * signed-rank test as a check that does not assume normal differences).
 *
 * Everything is computed here, with no table of quantiles: the t
 * distribution's CDF comes from the regularized incomplete beta function
 * (continued fraction, Numerical Recipes §6.4), and its quantile from
 * bisection on that CDF. test/examples/statistics.test.ts checks them against
 * the closed forms for 1, 2 and 4 degrees of freedom and against printed
 * table values.
 */

/** Mean and sample standard deviation (0 for a single value). */
export interface MeanStd {
  readonly mean: number;
  readonly std: number;
}

/**
 * Mean and sample standard deviation (divisor n − 1) of the values; NaN for none.
 *
 * @example
 * meanStd([1, 2, 3]); // { mean: 2, std: 1 }
 */
export function meanStd(values: readonly number[]): MeanStd {
  if (values.length === 0) return { mean: NaN, std: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length === 1) return { mean, std: 0 };
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: about 15 significant digits). */
export function logGamma(x: number): number {
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x); // reflection
  const shifted = x - 1;
  let sum = coefficients[0]!;
  for (let i = 1; i < coefficients.length; i++) sum += coefficients[i]! / (shifted + i);
  const t = shifted + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** The continued fraction of I_x(a, b), by the modified Lentz method (Numerical Recipes' betacf). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let result = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    let step = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + step * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + step / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    result *= d * c;
    step = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + step * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + step / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    result *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return result;
}

/**
 * The regularized incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b), for 0 ≤ x ≤ 1.
 *
 * @example
 * regularizedIncompleteBeta(0.5, 2, 2); // 0.5 (the Beta(2, 2) distribution is symmetric)
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(x >= 0 && x <= 1)) throw new Error(`regularizedIncompleteBeta: x must be in [0, 1], got ${x}`);
  if (x === 0 || x === 1) return x;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) beyond.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/**
 * The CDF of Student's t distribution with `df` degrees of freedom:
 * P(T ≤ t) = 1 − ½ I_{df/(df+t²)}(df/2, ½) for t ≥ 0, symmetric below.
 *
 * @example
 * studentTCdf(0, 4);          // 0.5
 * studentTCdf(2.776445, 4);   // 0.975
 */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new Error(`studentTCdf: degrees of freedom must be positive, got ${df}`);
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * The quantile of Student's t distribution: the t with P(T ≤ t) = p, by
 * bisection on `studentTCdf` to the last bit.
 *
 * @example
 * studentTQuantile(0.975, 4); // 2.7764451051977987
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`studentTQuantile: p must be in (0, 1), got ${p}`);
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  if (p === 0.5) return 0;
  let low = 0;
  let high = 1;
  while (studentTCdf(high, df) < p) high *= 2;
  for (let i = 0; i < 200 && high - low > 0; i++) {
    const middle = (low + high) / 2;
    if (middle === low || middle === high) break;
    if (studentTCdf(middle, df) < p) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

/** The confidence level of every interval gradlab reports. */
export const CONFIDENCE = 0.95;

/** A mean over seeds with its 95% confidence interval. */
export interface MeanInterval {
  /** Number of values (seeds). */
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (divisor n − 1); 0 for one value. */
  readonly std: number;
  /** Lower end of the 95% t-interval: mean − t(0.975, n − 1) · std / √n; null for fewer than 2 values. */
  readonly low: number | null;
  /** Upper end of the interval; null for fewer than 2 values. */
  readonly high: number | null;
}

/**
 * The mean of the values with its 95% confidence interval from Student's t
 * distribution: mean ± t(0.975, n − 1) · s / √n. With one value there is no
 * interval (low and high are null); NaN values are not allowed.
 *
 * @example
 * meanInterval([1, 2, 3, 4, 5]); // { n: 5, mean: 3, std: 1.5811…, low: 1.0367…, high: 4.9632… }
 */
export function meanInterval(values: readonly number[]): MeanInterval {
  if (values.length === 0) throw new Error('meanInterval: no values');
  if (values.some((value) => Number.isNaN(value))) throw new Error(`meanInterval: a value is NaN (${values.join(', ')})`);
  const { mean, std } = meanStd(values);
  const n = values.length;
  if (n < 2) return { n, mean, std, low: null, high: null };
  const half = (studentTQuantile(1 - (1 - CONFIDENCE) / 2, n - 1) * std) / Math.sqrt(n);
  return { n, mean, std, low: mean - half, high: mean + half };
}

/** A comparison of two conditions measured on the same seeds (b − a per seed). */
export interface PairedComparison {
  /** Pairs compared. */
  readonly n: number;
  /** The mean difference b − a with its 95% t-interval. */
  readonly difference: MeanInterval;
  /** Paired t-test: t = mean(d) / (sd(d) / √n), n − 1 degrees of freedom; null when sd(d) = 0 or n < 2. */
  readonly t: number | null;
  /** Two-sided p-value of the paired t-test; null when t is. */
  readonly tTestP: number | null;
  /** Two-sided exact p-value of the Wilcoxon signed-rank test (zero differences dropped); null with no non-zero difference. */
  readonly wilcoxonP: number | null;
  /** The smallest p-value the Wilcoxon test can give with this many non-zero differences (2 / 2^n). */
  readonly wilcoxonMinimumP: number | null;
  /** True when the paired t-test's p-value is below 0.05. */
  readonly significant: boolean;
}

/**
 * The paired t-test of `b` against `a` (same length, value i of each from
 * the same seed): d_i = b_i − a_i, t = mean(d) / (sd(d)/√n) with n − 1
 * degrees of freedom, two-sided. The exact Wilcoxon signed-rank p-value is
 * given beside it.
 *
 * @example
 * pairedComparison([0.1, 0.2, 0.3], [0.2, 0.35, 0.4]).tTestP; // p of the mean difference 0.1167
 */
export function pairedComparison(a: readonly number[], b: readonly number[]): PairedComparison {
  if (a.length !== b.length) throw new Error(`pairedComparison: ${a.length} values against ${b.length}; pairs need the same seeds on both sides`);
  const differences = a.map((value, i) => b[i]! - value);
  const difference = meanInterval(differences);
  const n = differences.length;
  let t: number | null = null;
  let tTestP: number | null = null;
  if (n >= 2 && difference.std > 0) {
    t = difference.mean / (difference.std / Math.sqrt(n));
    tTestP = Math.min(1, 2 * (1 - studentTCdf(Math.abs(t), n - 1)));
  }
  const wilcoxon = wilcoxonSignedRank(differences);
  return {
    n,
    difference,
    t,
    tTestP,
    wilcoxonP: wilcoxon?.p ?? null,
    wilcoxonMinimumP: wilcoxon?.minimumP ?? null,
    significant: tTestP !== null && tTestP < 1 - CONFIDENCE,
  };
}

/**
 * The exact two-sided Wilcoxon signed-rank test of paired differences
 * against 0: zero differences are dropped, ties get their average rank, and
 * the p-value counts, over all 2^n sign patterns, those whose positive rank
 * sum is at least as far from n(n+1)/4 as the observed one. Null when every
 * difference is 0. For n up to 30 (2^30 patterns, counted by dynamic programming).
 *
 * @example
 * wilcoxonSignedRank([1, -2, 3, 4, 5]); // { positiveRankSum: 13, p: 0.1875, minimumP: 0.0625 }
 */
export function wilcoxonSignedRank(differences: readonly number[]): { positiveRankSum: number; p: number; minimumP: number } | null {
  const nonZero = differences.filter((value) => value !== 0);
  const n = nonZero.length;
  if (n === 0) return null;
  if (n > 30) throw new Error(`wilcoxonSignedRank: the exact test is counted for up to 30 differences, got ${n}`);
  // Doubled ranks are integers even for ties (average of ranks i..j doubled = i + j).
  const order = nonZero.map((value, index) => ({ size: Math.abs(value), index })).sort((x, y) => x.size - y.size);
  const doubledRanks = new Array<number>(n);
  for (let start = 0; start < n;) {
    let end = start;
    while (end + 1 < n && order[end + 1]!.size === order[start]!.size) end++;
    for (let k = start; k <= end; k++) doubledRanks[order[k]!.index] = start + 1 + end + 1;
    start = end + 1;
  }
  const total = doubledRanks.reduce((sum, rank) => sum + rank, 0);
  // ways[s]: sign patterns whose doubled positive rank sum is s.
  let ways = new Float64Array(total + 1);
  ways[0] = 1;
  for (const rank of doubledRanks) {
    const next = new Float64Array(total + 1);
    for (let s = 0; s <= total; s++) {
      if (ways[s] === 0) continue;
      next[s]! += ways[s]!;
      next[s + rank]! += ways[s]!;
    }
    ways = next;
  }
  const observed = nonZero.reduce((sum, value, i) => sum + (value > 0 ? doubledRanks[i]! : 0), 0);
  const centre = total / 2;
  const distance = Math.abs(observed - centre);
  let atLeastAsFar = 0;
  for (let s = 0; s <= total; s++) if (Math.abs(s - centre) >= distance - 1e-9) atLeastAsFar += ways[s]!;
  const patterns = 2 ** n;
  return { positiveRankSum: observed / 2, p: Math.min(1, atLeastAsFar / patterns), minimumP: Math.min(1, 2 / patterns) };
}
