// Seeded randomness, so that `--seed` replays the same fault schedule and the same journey choices
// (sizes, formats, decisions). The interleaving of concurrent requests still varies between runs.

export interface Random {
  /** A number in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
  /** An independent stream derived from this seed, for one actor. */
  fork(salt: number): Random;
}

/** mulberry32: tiny, fast and good enough to spread faults and sizes. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (probability) => next() < probability,
    fork: (salt) => seededRandom(Math.imul(seed ^ 0x9e3779b9, salt + 1) >>> 0),
  };
}
