/**
 * Every random number in gradlab comes from a `Generator`, a seeded
 * pseudo-random stream built on seedrandom's Alea algorithm. Same seed, same bits.
 */
import seedrandom from 'seedrandom';
import { MAX_ELEMENTS } from './shape.js';

/**
 * The four numbers of the Alea algorithm's state (seedrandom's `State.Alea`,
 * spelled out so that the published .d.ts needs no seedrandom types).
 */
export interface AleaState {
  readonly c: number;
  readonly s0: number;
  readonly s1: number;
  readonly s2: number;
}

/** The saved state of a Generator: pass it to `Generator.fromState` to continue the same stream. */
export interface GeneratorState {
  /** The four numbers of the Alea algorithm's state. */
  readonly alea: AleaState;
}

/**
 * A seeded source of random numbers.
 *
 * @example
 * const generator = new Generator(42);
 * generator.uniform(); // the same number on every machine and every run
 */
export class Generator {
  private readonly prng: seedrandom.StatefulPRNG<seedrandom.State.Alea>;

  constructor(seed: number | string, state?: GeneratorState) {
    // Any value would seed *something*, but NaN or undefined (say, a missing
    // --seed) would quietly give every such run the same stream.
    if (typeof seed !== 'string' && !Number.isFinite(seed)) {
      throw new Error(`Generator: seed must be a finite number or a string, got ${String(seed)}`);
    }
    if (state !== undefined) checkState(state);
    this.prng = seedrandom.alea(String(seed), { state: state ? { ...state.alea } : true });
  }

  /** Restores a generator saved with `state()`. */
  static fromState(state: GeneratorState): Generator {
    return new Generator('', state);
  }

  /** A uniform number in [0, 1). */
  uniform(): number {
    return this.prng();
  }

  /** A standard normal number (mean 0, variance 1), by the Box-Muller transform. */
  normal(): number {
    const u1 = 1 - this.prng(); // in (0, 1], so the log is finite
    const u2 = this.prng();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** A uniform integer in [0, n), for a positive integer n. */
  integer(n: number): number {
    if (!Number.isInteger(n) || n < 1) throw new Error(`Generator.integer: n must be a positive integer, got ${n}`);
    return Math.floor(this.prng() * n);
  }

  /** A random permutation of 0 … n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0 || n > MAX_ELEMENTS) {
      throw new Error(`Generator.permutation: n must be an integer in [0, ${MAX_ELEMENTS}], got ${n}`);
    }
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.integer(i + 1);
      const swap = order[i]!;
      order[i] = order[j]!;
      order[j] = swap;
    }
    return order;
  }

  /** A snapshot of the stream's position, JSON-serialisable. */
  state(): GeneratorState {
    return { alea: this.prng.state() };
  }
}

/**
 * Throws unless `state` looks like what `state()` returns. Alea's state is a
 * carry c (a non-negative integer) and three fractions s0, s1, s2 in [0, 1);
 * anything else (a hand-edited or corrupt checkpoint) would make the stream
 * return NaN or numbers outside [0, 1) without a word.
 */
function checkState(state: GeneratorState): void {
  const alea = (state as { alea?: unknown } | null)?.alea as Record<string, unknown> | undefined;
  const fraction = (value: unknown) => typeof value === 'number' && value >= 0 && value < 1;
  const ok = typeof alea === 'object' && alea !== null
    && typeof alea.c === 'number' && Number.isInteger(alea.c) && alea.c >= 0
    && fraction(alea.s0) && fraction(alea.s1) && fraction(alea.s2);
  if (!ok) {
    throw new Error(`Generator.fromState: expected { alea: { c, s0, s1, s2 } } with c a non-negative integer and s0, s1, s2 in [0, 1), got ${JSON.stringify(state)?.slice(0, 200)}`);
  }
}

let globalGenerator = new Generator(0);

/**
 * Seeds the global generator that random functions use when none is passed.
 * It starts seeded with 0, so a program that never calls this is still reproducible.
 *
 * @example
 * manualSeed(42);
 * const w = randn([3, 3]); // the same weights on every run
 */
export function manualSeed(seed: number | string): Generator {
  globalGenerator = new Generator(seed);
  return globalGenerator;
}

/** The global generator (the one `manualSeed` sets). */
export function defaultGenerator(): Generator {
  return globalGenerator;
}
