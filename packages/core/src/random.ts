/**
 * Every random number in gradlab comes from a `Generator`, a seeded
 * pseudo-random stream built on seedrandom's Alea algorithm. Same seed, same bits.
 */
import seedrandom from 'seedrandom';

/** The saved state of a Generator: pass it to `Generator.fromState` to continue the same stream. */
export interface GeneratorState {
  /** The four numbers of the Alea algorithm's state. */
  readonly alea: seedrandom.State.Alea;
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

  /** A uniform integer in [0, n). */
  integer(n: number): number {
    return Math.floor(this.prng() * n);
  }

  /** A random permutation of 0 … n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
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
