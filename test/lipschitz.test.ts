// The Lipschitz story (src/analysis/lipschitz.ts): unbounded growth with a token at the
// origin (the paper's remark: P_1j = 1/N and J_11 carries the sample covariance), the sphere
// bound holding at random points, and the normalized N = 2 map of eq. (8) checked against
// finite differences of Y = rownormalize(P X) written out here.

import { describe, expect, it } from 'vitest';
import {
  lipschitzGrowth,
  normalizedPairJacobian,
  normalizedPairMaximum,
  spectralNorm,
  sphereLipschitzBound,
  sphereLipschitzCheck,
} from '../src/analysis/lipschitz.js';
import { engineFor, randomHeads, randomMatrix, relativeError, seededRandom } from './helpers.js';

describe('Lipschitz story', () => {
  it('grows like c^2 with a token at the origin: L(c) >= beta c^2 lambda_max(sample covariance)', async () => {
    const engine = await engineFor('simd');
    const random = seededRandom(1);
    const tokens = randomMatrix(random, 8, 2).map((row, i) => (i === 0 ? [0, 0] : row));
    const beta = 1;
    const growth = lipschitzGrowth(engine, { tokens, beta });
    expect(Math.abs(growth.exponent - 2)).toBeLessThan(0.01);
    // J_11 = I / N + beta Cov(X) at x_1 = 0 (x_1^T A = 0), Cov under the uniform weights.
    const n = tokens.length;
    const mean = [0, 1].map((c) => tokens.reduce((s, r) => s + r[c], 0) / n);
    const cov = [0, 1].flatMap((a) => [0, 1].map((b) => tokens.reduce((s, r) => s + (r[a] - mean[a]) * (r[b] - mean[b]), 0) / n));
    const lambda = spectralNorm(cov, 2, 2);
    growth.scales.forEach((c, i) => {
      expect(growth.lipschitz[i]).toBeGreaterThanOrEqual(beta * c * c * lambda);
    });
  });

  it('on the sphere stays under the computed bound at random points (H = 1, 2; random weights)', async () => {
    const engine = await engineFor('simd');
    const random = seededRandom(2);
    for (const [n, d, h] of [
      [6, 3, 1],
      [10, 2, 2],
      [5, 4, 2],
    ] as const) {
      const heads = randomHeads(random, d, h, d, 1);
      const check = sphereLipschitzCheck(engine, { n, d, heads, samples: 8, seed: n });
      expect(check.largest).toBeGreaterThan(0);
      expect(check.largest).toBeLessThanOrEqual(check.bound.bound);
    }
    // Identity weights, beta = 1, D = 2: a_h = w_h = 1, c = min(N, e^2).
    const b = sphereLipschitzBound({ n: 2, d: 2, beta: 1 });
    expect(b.rowSum).toBeCloseTo(4, 14);
    expect(b.columnSum).toBeCloseTo(3 * 2 + 1, 14);
    expect(b.bound).toBeCloseTo(Math.sqrt(6 * 9), 13);
  });

  it('eq. (8): the Jacobian of Y = rownormalize(P X) equals finite differences, and is bounded on the circle', async () => {
    const engine = await engineFor('simd');
    // Y written out for D = N = 2, Q = K = V = I, beta = 1.
    const y = (x: number[]): number[] => {
      const out: number[] = [];
      for (let i = 0; i < 2; i++) {
        const s = [0, 1].map((j) => x[2 * i] * x[2 * j] + x[2 * i + 1] * x[2 * j + 1]);
        const z0 = (Math.exp(s[0]) * x[0] + Math.exp(s[1]) * x[2]) / (Math.exp(s[0]) + Math.exp(s[1]));
        const z1 = (Math.exp(s[0]) * x[1] + Math.exp(s[1]) * x[3]) / (Math.exp(s[0]) + Math.exp(s[1]));
        const norm = Math.hypot(z0, z1);
        out.push(z0 / norm, z1 / norm);
      }
      return out;
    };
    for (const [t1, t2] of [
      [0.3, 2.1],
      [1, 1 + Math.PI],
      [-2, 0.5],
    ]) {
      const x = [Math.cos(t1), Math.sin(t1), Math.cos(t2), Math.sin(t2)];
      const fd = new Float64Array(16);
      const h = 1e-6;
      for (let col = 0; col < 4; col++) {
        const p = x.slice();
        const m = x.slice();
        p[col] += h;
        m[col] -= h;
        const yp = y(p);
        const ym = y(m);
        for (let r = 0; r < 4; r++) fd[r * 4 + col] = (yp[r] - ym[r]) / (2 * h);
      }
      expect(relativeError(normalizedPairJacobian(engine, t1, t2), fd)).toBeLessThan(1e-8);
      // Rotation invariance of the norm (the scan fixes x_1 = (1, 0)).
      expect(spectralNorm(normalizedPairJacobian(engine, 0, t2 - t1), 4, 4)).toBeCloseTo(
        spectralNorm(normalizedPairJacobian(engine, t1, t2), 4, 4),
        12,
      );
    }
    const max = normalizedPairMaximum(engine, 720);
    expect(Number.isFinite(max.maxNorm)).toBe(true);
    expect(max.maxNorm).toBeGreaterThan(0.5);
    expect(max.maxEntry).toBeLessThanOrEqual(max.maxNorm + 1e-12);
  });
});
