/**
 * Number formatting shared by CSV files, tables and charts.
 */

/**
 * The shortest decimal that reads back as the same float32: 0.01 rather than
 * 0.009999999776482582, while still identifying the stored value exactly.
 *
 * @example
 * shortestFloat32(Math.fround(0.01)); // 0.01
 */
export function shortestFloat32(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const stored = Math.fround(value);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(stored.toPrecision(digits));
    if (Math.fround(candidate) === stored) return candidate;
  }
  return stored;
}

/**
 * A count with its noun, singular for exactly one.
 *
 * @example
 * quantity(1, 'epoch');  // "1 epoch"
 * quantity(3, 'epoch');  // "3 epochs"
 * quantity(2, 'grid point'); // "2 grid points"
 */
export function quantity(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}

/**
 * A fraction as a percentage with one decimal, as report tables show it.
 *
 * @example
 * percent(0.4375); // "43.8%"
 */
export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/**
 * A number with `digits` decimals, or "NaN"/"∞" spelled out.
 *
 * @example
 * fixed(0.123456, 3); // "0.123"
 */
export function fixed(value: number, digits: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  return value.toFixed(digits);
}
