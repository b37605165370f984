// Seeded random numbers, so that examples and tests are reproducible in every
// runtime. mulberry32 (Tommy Ettinger, public domain) and Box-Muller.

/** A generator of uniform numbers in [0, 1). */
export type Random = () => number;

/** mulberry32: a 32-bit state generator, period 2^32. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal sample (Box-Muller). */
export function normal(random: Random): number {
  const u = 1 - random(); // in (0, 1]
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** N x D matrix of normal samples times `scale`. */
export function randomMatrix(random: Random, rows: number, cols: number, scale = 1): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => scale * normal(random)));
}
