// corridorHalfWidth: v0, the positive root of v/N - (N - 1) e^{-v^2} / v = 0 (eq. 13).

import { describe, expect, it } from 'vitest';
import { corridorHalfWidth } from '../src/corridor.js';
import { AttnflowError } from '../src/errors.js';

/** The root of eq. (13) by plain bisection on the equation as printed, from a bracket that holds for every N >= 2. */
function bisection(n: number): number {
  const f = (v: number) => v / n - ((n - 1) * Math.exp(-v * v)) / v;
  let lo = 1e-3; // f(lo) < 0: the second term dominates
  let hi = Math.sqrt(2 * Math.log(n)) + 1; // f(hi) > 0
  expect(f(lo)).toBeLessThan(0);
  expect(f(hi)).toBeGreaterThan(0);
  for (let i = 0; i < 200; i++) {
    const mid = 0.5 * (lo + hi);
    if (mid === lo || mid === hi) break;
    if (f(mid) < 0) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

const NS = [2, 3, 4, 5, 7, 10, 16, 64, 100, 512, 1000, 4096, 1e4, 65536, 1e5, 1e6, 1e7, 123456789, 1e8, 1e9];

describe('corridorHalfWidth (eq. 13)', () => {
  it.each(NS)('agrees with bisection on the original equation to 1e-12 relative, N = %d', (n) => {
    const v0 = corridorHalfWidth(n);
    const ref = bisection(n);
    expect(Math.abs(v0 - ref) / ref).toBeLessThan(1e-12);
  });

  it.each(NS)('stays below sqrt(2 ln N), as the paper states, N = %d', (n) => {
    expect(corridorHalfWidth(n)).toBeLessThan(Math.sqrt(2 * Math.log(n)));
  });

  it('matches the reference values v0(10) = 1.818, v0(100) = 2.688, v0(1000) = 3.374', () => {
    expect(corridorHalfWidth(10).toFixed(3)).toBe('1.818');
    expect(corridorHalfWidth(100).toFixed(3)).toBe('2.688');
    expect(corridorHalfWidth(1000).toFixed(3)).toBe('3.374');
  });

  it('is 0 for one token and increasing in N', () => {
    expect(corridorHalfWidth(1)).toBe(0);
    let previous = 0;
    for (let n = 2; n < 3000; n += 7) {
      const v = corridorHalfWidth(n);
      expect(v).toBeGreaterThan(previous);
      previous = v;
    }
  });

  it.each([0, -3, 2.5, Number.NaN, Number.POSITIVE_INFINITY, '10', undefined])('rejects %s with an AttnflowError', (n) => {
    expect(() => corridorHalfWidth(n as number)).toThrow(AttnflowError);
    expect(() => corridorHalfWidth(n as number)).toThrow(/n: must be an integer >= 1/);
  });
});
