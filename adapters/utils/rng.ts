/**
 * Seeded pseudo-random numbers so a simulator replays the same sandbox for the same seed.
 * mulberry32: tiny and good enough for test data; written here because pulling a package for
 * eight lines of arithmetic would cost more than it saves.
 */
export interface Rng {
  next(): number;
  int(minInclusive: number, maxInclusive: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
  hex(length: number): string;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: (items) => {
      const item = items[int(0, items.length - 1)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
    chance: (p) => next() < p,
    hex: (length) =>
      Array.from({ length }, () => int(0, 15).toString(16))
        .join('')
        .toUpperCase(),
  };
}

/**
 * The stream a simulator draws its credentials (keys, tokens) from: derived from the seed, so the same `--seed`
 * gives the same credentials and a saved sandbox config keeps working, and separate from the jobs' stream, so
 * the job data stays the same whatever the credentials are.
 */
export function createCredentialRng(
  seed: number,
): Rng & { base64(bytes: number, encoding?: 'base64' | 'base64url'): string } {
  const rng = createRng(seed ^ 0x5eed);
  return { ...rng, base64: (bytes, encoding = 'base64') => Buffer.from(rng.hex(2 * bytes), 'hex').toString(encoding) };
}
