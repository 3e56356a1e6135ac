import seedrandom from 'seedrandom';

/**
 * Seeded random streams. One run seed; every consumer draws from its own named stream
 * (`env`, `init`, `sample`, `shuffle`, `overlay`, …) so that adding draws in one place never shifts
 * another. Streams are seedrandom's Alea generator, whose state can be saved and restored (checkpoints).
 */
export type AleaState = seedrandom.State.Alea;

export class Rng {
  private readonly prng: seedrandom.StatefulPRNG<AleaState>;
  private spareNormal: number | null = null;

  constructor(seed: string | number, state?: AleaState) {
    this.prng = seedrandom.alea(String(seed), { state: state ?? true }) as seedrandom.StatefulPRNG<AleaState>;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.prng();
  }

  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.prng();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.prng() * n);
  }

  /** Standard normal (Box–Muller, caching the second value). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.prng();
    const v = this.prng();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A 31-bit integer seed for APIs that take a number (tfjs initializers, child streams). */
  seed31(): number {
    return Math.floor(this.prng() * 0x7fffffff);
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T>(a: T[] | Int32Array | Uint32Array): typeof a {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.prng() * (i + 1));
      const t = a[i];
      a[i] = a[j];
      a[j] = t as never;
    }
    return a;
  }

  /** Generator state for checkpoints (the cached normal is dropped: restore starts a fresh pair). */
  state(): AleaState {
    return this.prng.state();
  }
}

/** The stream `name` of run seed `seed`: independent of every other named stream. */
export function stream(seed: number, name: string): Rng {
  return new Rng(`${seed}:${name}`);
}
