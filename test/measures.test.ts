// Measure diagnostics against hand-computable states.

import { describe, expect, it } from 'vitest';
import { angleHistogram, clusterCount, clusters, histogram, interactionEnergy, spread } from '../src/analysis/measures.js';

describe('measures', () => {
  it('single linkage chains: 0, 1, 2 are one cluster at distance 1, three at 0.9', () => {
    const tokens = [[0], [1], [2], [10]];
    expect(clusterCount(tokens, { distance: 1 })).toBe(2);
    expect(clusterCount(tokens, { distance: 0.9 })).toBe(4);
    expect(clusterCount(tokens, { distance: 8 })).toBe(1);
    const c = clusters([[5], [0], [5.5], [0.2]], { distance: 1 });
    expect(Array.from(c.labels)).toEqual([0, 1, 0, 1]);
    expect(c.sizes).toEqual([2, 2]);
  });

  it('inner-product linkage on the circle', () => {
    const at = (deg: number) => [Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180)];
    const tokens = [at(0), at(10), at(20), at(180), at(185)];
    // cos 10 deg = 0.985 links neighbours 10 degrees apart; cos 20 deg = 0.94 does not.
    expect(clusterCount(tokens, { innerProduct: 0.98 })).toBe(2);
    expect(clusterCount(tokens, { innerProduct: 0.999 })).toBe(5);
    expect(() => clusterCount(tokens, { distance: 1, innerProduct: 0.5 })).toThrow(/exactly one/);
  });

  it('interaction energy: N = 2 orthogonal unit tokens, and one cluster', () => {
    const beta = 2;
    // sum_ij exp(beta <x_i, x_j>) = 2 e^2 + 2 e^0 for two orthogonal unit vectors.
    expect(
      interactionEnergy(
        [
          [1, 0],
          [0, 1],
        ],
        beta,
      ),
    ).toBeCloseTo((2 * Math.exp(2) + 2) / (2 * beta * 4), 14);
    // All tokens equal on the sphere: the maximum e^beta / (2 beta).
    expect(
      interactionEnergy(
        [
          [0, 1],
          [0, 1],
          [0, 1],
        ],
        3,
      ),
    ).toBeCloseTo(Math.exp(3) / 6, 13);
    // Large but representable: the largest exponent is factored out.
    expect(interactionEnergy([[20], [20]], 1.5)).toBeCloseTo(Math.exp(600) / 3, -255);
  });

  it('spread is the largest pairwise distance', () => {
    expect(
      spread([
        [0, 0],
        [3, 4],
        [1, 1],
      ]),
    ).toBe(5);
    expect(spread([[7]])).toBe(0);
  });

  it('histogram and angle histogram carry mass 1/N per token', () => {
    const h = histogram([[0], [0.1], [0.5], [1]], { bins: 2 });
    expect(Array.from(h.edges)).toEqual([0, 0.5, 1]);
    expect(Array.from(h.mass)).toEqual([0.5, 0.5]);
    const a = angleHistogram(
      [
        [1, 0],
        [0, 1],
        [-1, 0],
        [0, -1],
      ],
      4,
    );
    // Bins [-pi, -pi/2), [-pi/2, 0), [0, pi/2), [pi/2, pi): angles -pi, -pi/2, 0, pi/2.
    expect(Array.from(a.mass)).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(() => histogram([[1, 2]])).toThrow(/1-D/);
  });
});
