/**
 * Editing one field of a JSON record, for the fuzzers of checkpoint metadata
 * and results files: every path of a value, and a copy with the field at one
 * path replaced or deleted.
 */
import fc from 'fast-check';

type Path = Array<string | number>;

/** Every path of a JSON value: [['training'], ['training', 'epochsDone'], …] (not the empty path). */
export function jsonPaths(value: unknown, prefix: Path = []): Path[] {
  const here = prefix.length > 0 ? [prefix] : [];
  if (typeof value !== 'object' || value === null) return here;
  const entries = (Array.isArray(value) ? value.map((item: unknown, i) => [i, item]) : Object.entries(value)) as Array<[string | number, unknown]>;
  return [...here, ...entries.flatMap(([key, item]) => jsonPaths(item, [...prefix, key]))];
}

/** Any JSON value, and the awkward ones a hex editor would try first. */
export const hostileJson = fc.oneof(fc.jsonValue(), fc.constantFrom(null, -1, 0, 2, 0.5, 1e308, 2 ** 53, '1', '0.5', [], {}));

/**
 * An arbitrary copy of `record` with one field (any depth) replaced by a
 * hostile JSON value, or deleted.
 */
export function oneFieldEdited<T>(record: T): fc.Arbitrary<T> {
  return fc.record({ path: fc.constantFrom(...jsonPaths(record)), action: fc.constantFrom('replace', 'delete'), value: hostileJson })
    .map(({ path, action, value }) => {
      const copy = JSON.parse(JSON.stringify(record)) as T;
      let parent = copy as Record<string | number, unknown>;
      for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
      const last = path[path.length - 1]!;
      if (action === 'delete' && !Array.isArray(parent)) delete parent[last];
      else parent[last] = value;
      return copy;
    });
}
