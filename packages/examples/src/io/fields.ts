/**
 * Checking JSON read back from a file (checkpoint metadata, results records)
 * one field at a time, before anything is built from it.
 *
 * JSON.parse gives `unknown`: a hostile or damaged file can put a string where
 * a number belongs, `null` where an object belongs, 1e308 where a width
 * belongs. Each check here takes the value and its field path
 * (`training.epochsDone`, `hidden[1]`) and either returns it typed or throws
 * a `FieldError` that names the field, what is allowed and what was found.
 * Callers add the file (and the line) in front: every reader reports the
 * same way.
 *
 * @example
 * const epochs = integerField(record.epochs, 'epochs', 1, 10000); // FieldError: epochs must be an integer from 1 to 10000, got "ten"
 */

/** A field of a JSON record that is missing or has the wrong type or range. `field` is its path. */
export class FieldError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field} ${message}`);
    this.name = 'FieldError';
  }
}

/** A short, printable rendering of a value found in a file (at most 60 characters). */
export function describeFound(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  let text: string;
  try {
    text = typeof value === 'number' ? String(value) : JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `value` as a plain object (not null, not an array), or a FieldError. */
export function objectField(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FieldError(field, `must be an object, got ${describeFound(value)}`);
  }
  return value as Record<string, unknown>;
}

/** `value` as an array of at most `maxLength` items, or a FieldError. */
export function arrayField(value: unknown, field: string, minLength = 0, maxLength = Number.MAX_SAFE_INTEGER): unknown[] {
  if (!Array.isArray(value)) throw new FieldError(field, `must be an array, got ${describeFound(value)}`);
  if (value.length < minLength || value.length > maxLength) {
    throw new FieldError(field, `must hold ${minLength} to ${maxLength} items, got ${value.length}`);
  }
  return value;
}

/** `value` as an integer in [min, max], or a FieldError. */
export function integerField(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new FieldError(field, `must be an integer from ${min} to ${max}, got ${describeFound(value)}`);
  }
  return value;
}

/** `value` as a finite number in [min, max], or a FieldError. */
export function numberField(value: unknown, field: string, min = -Number.MAX_VALUE, max = Number.MAX_VALUE): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range = min === -Number.MAX_VALUE && max === Number.MAX_VALUE ? 'a finite number' : `a number from ${min} to ${max}`;
    throw new FieldError(field, `must be ${range}, got ${describeFound(value)}`);
  }
  return value;
}

/** `value` as a string of at most `maxLength` characters, or a FieldError. */
export function stringField(value: unknown, field: string, maxLength = 4096): string {
  if (typeof value !== 'string' || value.length > maxLength) {
    throw new FieldError(field, `must be a string of at most ${maxLength} characters, got ${describeFound(value)}`);
  }
  return value;
}

/** `value` as one of `choices`, or a FieldError listing them. */
export function choiceField<T extends string>(value: unknown, field: string, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new FieldError(field, `must be one of ${choices.join(', ')}, got ${describeFound(value)}`);
  }
  return value as T;
}

/** `value` as a boolean, or a FieldError. */
export function booleanField(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new FieldError(field, `must be true or false, got ${describeFound(value)}`);
  return value;
}

/** `check(value)` when `value` is not undefined, else undefined (an optional field). */
export function optionalField<T>(value: unknown, check: (value: unknown) => T): T | undefined {
  return value === undefined ? undefined : check(value);
}

/** `value` as a number, NaN and ±Infinity included (a measured loss may be one), or a FieldError. */
export function measuredField(value: unknown, field: string): number {
  if (typeof value !== 'number') throw new FieldError(field, `must be a number, got ${describeFound(value)}`);
  return value;
}
