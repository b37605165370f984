// The Jacobian of the attention field (assembly/jacobian.ts, src/reference/jacobian.ts)
// against central finite differences of the field itself, its products against the
// explicit matrix, the backends against each other, and the Lipschitz estimate against
// the largest singular value from a Jacobi eigen-decomposition of J^T J.

import { describe, expect, it } from 'vitest';
import { fieldProblem } from '../src/problem.js';
import { referenceAttentionRhs } from '../src/reference/attention.js';
import type { Geometry, Head } from '../src/types.js';
import { BACKEND_NAMES, engineFor, randomHeads, randomMatrix, relativeError, seededRandom } from './helpers.js';

/** Central differences of the ambient field map (no renormalization of the tokens). */
function finiteDifferenceJacobian(tokens: number[][], heads: Head[], geometry: Geometry, beta?: number): Float64Array {
  const { problem, x } = fieldProblem({ tokens, heads, geometry, ...(beta === undefined ? {} : { beta }) });
  const { n, d } = problem;
  const m = n * d;
  const f = (y: Float64Array) => referenceAttentionRhs(y, n, d, problem.layers[0], geometry === 'sphere');
  const jac = new Float64Array(m * m);
  for (let col = 0; col < m; col++) {
    // Richardson extrapolation of the central difference: error O(h^4).
    const diff = (h: number) => {
      const plus = Float64Array.from(x);
      const minus = Float64Array.from(x);
      plus[col] += h;
      minus[col] -= h;
      const fp = f(plus);
      const fm = f(minus);
      return fp.map((v, r) => (v - fm[r]) / (2 * h));
    };
    const h = 1e-3;
    const d1 = diff(h);
    const d2 = diff(h / 2);
    for (let r = 0; r < m; r++) jac[r * m + col] = (4 * d2[r] - d1[r]) / 3;
  }
  return jac;
}

function matVec(a: Float64Array, v: Float64Array, transpose: boolean): Float64Array {
  const m = v.length;
  const out = new Float64Array(m);
  for (let r = 0; r < m; r++) for (let c = 0; c < m; c++) out[transpose ? c : r] += a[r * m + c] * v[transpose ? r : c];
  return out;
}

/** Largest eigenvalue of a symmetric matrix by the cyclic Jacobi method (Golub and Van Loan 8.5). */
function largestEigenvalue(sym: Float64Array, m: number): number {
  const a = Float64Array.from(sym);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < m; p++) for (let q = p + 1; q < m; q++) off += a[p * m + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < m; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = a[p * m + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * m + q] - a[p * m + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < m; k++) {
          const akp = a[k * m + p];
          const akq = a[k * m + q];
          a[k * m + p] = c * akp - s * akq;
          a[k * m + q] = s * akp + c * akq;
        }
        for (let k = 0; k < m; k++) {
          const apk = a[p * m + k];
          const aqk = a[q * m + k];
          a[p * m + k] = c * apk - s * aqk;
          a[q * m + k] = s * apk + c * aqk;
        }
      }
    }
  }
  let best = Number.NEGATIVE_INFINITY;
  for (let p = 0; p < m; p++) best = Math.max(best, a[p * m + p]);
  return best;
}

function gram(j: Float64Array, m: number): Float64Array {
  const g = new Float64Array(m * m);
  for (let r = 0; r < m; r++) for (let c = 0; c < m; c++) for (let k = 0; k < m; k++) g[r * m + c] += j[k * m + r] * j[k * m + c];
  return g;
}

const GEOMETRIES: readonly Geometry[] = ['euclidean', 'sphere'];

describe.each(BACKEND_NAMES)('attention Jacobian on %s', (backend) => {
  for (const geometry of GEOMETRIES) {
    for (const h of [1, 3]) {
      it(`equals central finite differences to 1e-7 (${geometry}, H = ${h}, random Q != K, V)`, async () => {
        const engine = await engineFor(backend);
        for (const seed of [1, 2, 3]) {
          const random = seededRandom(100 * seed + h);
          const n = 5;
          const d = 3;
          const tokens = randomMatrix(random, n, d);
          const heads = randomHeads(random, d, h, 2, 0.8);
          const options = { tokens, heads, geometry };
          const jac = engine.attentionJacobian(options);
          const fd = finiteDifferenceJacobian(tokens, heads, geometry);
          expect(relativeError(jac, fd)).toBeLessThan(1e-7);
        }
      });

      it(`JVP and VJP equal J v and J^T v (${geometry}, H = ${h})`, async () => {
        const engine = await engineFor(backend);
        const random = seededRandom(77 + h);
        const n = 7;
        const d = 4;
        const options = { tokens: randomMatrix(random, n, d), heads: randomHeads(random, d, h, 3, 0.7), geometry };
        const jac = engine.attentionJacobian(options);
        const v = Float64Array.from(randomMatrix(random, 1, n * d)[0]);
        expect(relativeError(engine.attentionJvp(options, v), matVec(jac, v, false))).toBeLessThan(1e-13);
        expect(relativeError(engine.attentionVjp(options, v), matVec(jac, v, true))).toBeLessThan(1e-13);
      });
    }
  }

  it('the identity-weight case agrees with the paper-form block J_ii = P_ii I + P_ii (x_i - xbar_i) x_i^T A + Cov_i A^T', async () => {
    const engine = await engineFor(backend);
    const random = seededRandom(5);
    const n = 4;
    const d = 2;
    const beta = 0.9;
    const tokens = randomMatrix(random, n, d);
    const jac = engine.attentionJacobian({ tokens, beta });
    const p = engine.attentionMatrix({ tokens, beta });
    const i = 2;
    const xbar = [0, 1].map((c) => tokens.reduce((s, row, j) => s + p[i * n + j] * row[c], 0));
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) {
        let cov = 0;
        for (let j = 0; j < n; j++) cov += p[i * n + j] * (tokens[j][a] - xbar[a]) * (tokens[j][b] - xbar[b]);
        // A = beta I here.
        const expected = p[i * n + i] * ((a === b ? 1 : 0) + (tokens[i][a] - xbar[a]) * tokens[i][b] * beta) + beta * cov;
        expect(jac[(i * d + a) * n * d + i * d + b]).toBeCloseTo(expected, 14);
      }
    }
  });

  it('lipschitzEstimate equals the largest singular value of the explicit J (Jacobi on J^T J)', async () => {
    const engine = await engineFor(backend);
    for (const geometry of GEOMETRIES) {
      const random = seededRandom(geometry === 'sphere' ? 31 : 32);
      const n = 6;
      const d = 3;
      const options = { tokens: randomMatrix(random, n, d, 1.5), heads: randomHeads(random, d, 2, 2, 0.9), geometry };
      const m = n * d;
      const sigma = Math.sqrt(largestEigenvalue(gram(engine.attentionJacobian(options), m), m));
      const estimate = engine.lipschitzEstimate(options, { tolerance: 1e-14, maxIterations: 5000 });
      expect(estimate.value / sigma - 1).toBeLessThan(1e-12);
      expect(Math.abs(estimate.value / sigma - 1)).toBeLessThan(1e-8);
    }
  });

  it('rejects options it does not differentiate, and non-finite points', async () => {
    const engine = await engineFor(backend);
    expect(() => engine.attentionJacobian({ tokens: [[1]], attention: 'sinkhorn' } as never)).toThrow(
      /attention: is not an option/,
    );
    expect(() => engine.attentionJvp({ tokens: [[1], [2]] }, [[1]])).toThrow(/N \* D = 2/);
    expect(() => engine.attentionJacobian({ tokens: [[1e154], [1e155]] })).toThrow(/not finite/);
  });
});

describe('Jacobian backends agree (simd, scalar vs js) at odd sizes', () => {
  for (const n of [1, 2, 3, 17, 123]) {
    for (const d of [1, 2, 3]) {
      it(`N = ${n}, D = ${d}`, async () => {
        const [simd, scalar, js] = await Promise.all(BACKEND_NAMES.map(engineFor));
        const random = seededRandom(n * 7 + d);
        for (const geometry of GEOMETRIES) {
          for (const h of [1, 3]) {
            const options = { tokens: randomMatrix(random, n, d), heads: randomHeads(random, d, h, d + 1, 0.6), geometry };
            const v = Float64Array.from(randomMatrix(random, 1, n * d)[0]);
            const jvp = js.attentionJvp(options, v);
            const vjp = js.attentionVjp(options, v);
            for (const e of [simd, scalar]) {
              expect(relativeError(e.attentionJvp(options, v), jvp)).toBeLessThan(1e-12);
              expect(relativeError(e.attentionVjp(options, v), vjp)).toBeLessThan(1e-12);
            }
            if (n <= 17) {
              const jac = js.attentionJacobian(options);
              for (const e of [simd, scalar]) expect(relativeError(e.attentionJacobian(options), jac)).toBeLessThan(1e-12);
            }
          }
        }
      });
    }
  }
});
