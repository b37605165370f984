// The attention field f(X) of eq. (7): the SIMD and scalar WASM builds against
// the TypeScript reference, at odd sizes that exercise every SIMD tail.

import { describe, expect, it } from 'vitest';
import { BACKEND_NAMES, engineFor, randomHeads, randomMatrix, relativeError, seededRandom } from './helpers.js';

const NS = [1, 2, 3, 17, 123];
const DS = [1, 2, 3, 8, 33];
const HS = [1, 3];

describe('attention field agreement (simd, scalar, js reference)', () => {
  for (const n of NS) {
    for (const d of DS) {
      for (const h of HS) {
        it(`N = ${n}, D = ${d}, H = ${h}, random Q, K, V`, async () => {
          const random = seededRandom(1000 * n + 10 * d + h);
          const dk = Math.max(1, Math.ceil(d / h)) + (d % 2); // d_k differs from D: exercises the projections
          const options = { tokens: randomMatrix(random, n, d), heads: randomHeads(random, d, h, dk) };
          const [simd, scalar, js] = await Promise.all(BACKEND_NAMES.map(engineFor));
          const reference = js.attentionRhs(options);
          expect(relativeError(simd.attentionRhs(options), reference)).toBeLessThan(1e-13);
          expect(relativeError(scalar.attentionRhs(options), reference)).toBeLessThan(1e-13);
          const sphere = { ...options, geometry: 'sphere' as const };
          const sphereReference = js.attentionRhs(sphere);
          expect(relativeError(simd.attentionRhs(sphere), sphereReference)).toBeLessThan(1e-13);
          expect(relativeError(scalar.attentionRhs(sphere), sphereReference)).toBeLessThan(1e-13);
          for (let head = 0; head < h; head++) {
            const p = js.attentionMatrix(options, head);
            expect(relativeError(simd.attentionMatrix(options, head), p)).toBeLessThan(1e-13);
            expect(relativeError(scalar.attentionMatrix(options, head), p)).toBeLessThan(1e-13);
          }
        });
      }
    }
  }
});

describe.each(BACKEND_NAMES)('attention field on %s', (backend) => {
  it('identity weights given explicitly equal omitted ones, and the default beta is 1/sqrt(D/H)', async () => {
    const engine = await engineFor(backend);
    const random = seededRandom(7);
    const d = 5;
    const tokens = randomMatrix(random, 9, d);
    const eye = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));
    const implicit = engine.attentionRhs({ tokens, heads: [{}, {}] });
    const explicit = engine.attentionRhs({
      tokens,
      heads: [{ query: eye, key: eye, value: eye }, {}],
      beta: 1 / Math.sqrt(d / 2),
    });
    expect(relativeError(explicit, implicit)).toBeLessThan(1e-15);
  });

  it("reads the caller's tokens.data without changing or keeping it (the field and attention matrix)", async () => {
    const engine = await engineFor(backend);
    const random = seededRandom(31);
    for (const geometry of ['euclidean', 'sphere'] as const) {
      const data = Float64Array.from(randomMatrix(random, 7, 3).flat());
      const before = Float64Array.from(data);
      const tokens = { data, n: 7, d: 3 };
      const f = engine.attentionRhs({ tokens, geometry });
      const p = engine.attentionMatrix({ tokens, geometry });
      expect(data).toEqual(before);
      expect(f.buffer).not.toBe(data.buffer);
      expect(p.buffer).not.toBe(data.buffer);
      // A later change to the caller's array leaves the results alone.
      const fCopy = Float64Array.from(f);
      data.fill(0);
      expect(f).toEqual(fCopy);
    }
  });

  it('attention rows sum to 1 and follow the closed form for N = 2, D = 1', async () => {
    const engine = await engineFor(backend);
    const p = engine.attentionMatrix({ tokens: [[-0.7], [1.3]] });
    // P_ij = exp(x_i x_j) / sum_k exp(x_i x_k) (eq. 9).
    const x = [-0.7, 1.3];
    for (let i = 0; i < 2; i++) {
      const z = Math.exp(x[i] * x[0]) + Math.exp(x[i] * x[1]);
      for (let j = 0; j < 2; j++) expect(p[i * 2 + j]).toBeCloseTo(Math.exp(x[i] * x[j]) / z, 15);
    }
  });

  it('is a velocity on the sphere: <x_i, f_i> = 0', async () => {
    const engine = await engineFor(backend);
    const random = seededRandom(11);
    const tokens = randomMatrix(random, 13, 4);
    const f = engine.attentionRhs({ tokens, heads: randomHeads(random, 4, 2, 3), geometry: 'sphere' });
    for (let i = 0; i < 13; i++) {
      const norm = Math.hypot(...tokens[i]);
      let dot = 0;
      for (let k = 0; k < 4; k++) dot += (tokens[i][k] / norm) * f[i * 4 + k];
      expect(Math.abs(dot)).toBeLessThan(1e-14);
    }
  });

  it('returns NaN-free results for huge but finite scores, and non-finite rows once products overflow', async () => {
    const engine = await engineFor(backend);
    // Scores of 1e300 are finite: the stable softmax subtracts the row maximum.
    const big = engine.attentionMatrix({ tokens: [[1e150], [-1e150], [2]], beta: 0.01 });
    for (const v of big) expect(Number.isFinite(v)).toBe(true);
    // x_i x_j = 1e308 * 10 overflows to Infinity: the field must say so, not hide it.
    const over = engine.attentionRhs({ tokens: [[1e154], [1e155]] });
    expect(Array.from(over).some((v) => !Number.isFinite(v))).toBe(true);
  });
});
