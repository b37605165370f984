// Sinkhorn attention (assembly/sinkhorn.ts, field.ts; src/reference/sinkhorn.ts): doubly
// stochastic to 1e-10, one iteration is the row softmax, symmetric kernels give symmetric
// P (the scaling of a symmetric positive matrix is symmetric: Sinkhorn and Knopp 1967),
// and the backends agree on the matrix, the field and a solve.

import { describe, expect, it } from 'vitest';
import { BACKEND_NAMES, engineFor, randomHeads, randomMatrix, relativeError, seededRandom } from './helpers.js';

function sums(p: Float64Array, n: number): { rows: number; columns: number } {
  let rows = 0;
  let columns = 0;
  for (let i = 0; i < n; i++) {
    let r = 0;
    let c = 0;
    for (let j = 0; j < n; j++) {
      r += p[i * n + j];
      c += p[j * n + i];
    }
    rows = Math.max(rows, Math.abs(r - 1));
    columns = Math.max(columns, Math.abs(c - 1));
  }
  return { rows, columns };
}

describe.each(BACKEND_NAMES)('Sinkhorn attention on %s', (backend) => {
  it('is doubly stochastic to 1e-10 (euclidean and sphere tokens, moderate beta)', async () => {
    const engine = await engineFor(backend);
    const random = seededRandom(4);
    const n = 17;
    const d = 3;
    // Sinkhorn converges linearly at a rate set by the range of exp(S) (Franklin and Lorenz
    // 1989); Gaussian tokens at large beta give kernels spanning 1e-78..1 where it crawls.
    for (const [geometry, beta] of [
      ['euclidean', 0.5],
      ['sphere', 0.5],
      ['sphere', 5],
    ] as const) {
      const options = {
        tokens: randomMatrix(random, n, d),
        heads: randomHeads(random, d, 2, 2, 0.6),
        beta,
        geometry,
        attention: 'sinkhorn' as const,
        sinkhornIterations: 100000,
      };
      for (const head of [0, 1]) {
        const p = engine.attentionMatrix(options, head);
        for (const v of p) expect(Number.isFinite(v) && v >= 0).toBe(true);
        const s = sums(p, n);
        expect(s.rows).toBeLessThan(1e-10);
        expect(s.columns).toBeLessThan(1e-10);
      }
    }
  });

  it('stays finite and row-stochastic at beta = 1000 (log domain), columns converging', async () => {
    const engine = await engineFor(backend);
    const random = seededRandom(5);
    const n = 17;
    const options = { tokens: randomMatrix(random, n, 3), beta: 1000, attention: 'sinkhorn' as const, sinkhornTolerance: 0 };
    // Scores reach ~1e4: exp(S) itself overflows float64, the potentials do not.
    const few = engine.attentionMatrix({ ...options, sinkhornIterations: 3 });
    const many = engine.attentionMatrix({ ...options, sinkhornIterations: 3000 });
    for (const p of [few, many]) {
      for (const v of p) expect(Number.isFinite(v) && v >= 0).toBe(true);
      expect(sums(p, n).rows).toBeLessThan(1e-12);
    }
    expect(sums(many, n).columns).toBeLessThan(sums(few, n).columns);
  });

  it('with one iteration equals the row softmax', async () => {
    const engine = await engineFor(backend);
    const random = seededRandom(8);
    const options = { tokens: randomMatrix(random, 9, 4), heads: randomHeads(random, 4, 3, 2, 1) };
    for (let head = 0; head < 3; head++) {
      const softmax = engine.attentionMatrix(options, head);
      const one = engine.attentionMatrix({ ...options, attention: 'sinkhorn', sinkhornIterations: 1 }, head);
      expect(relativeError(one, softmax)).toBeLessThan(1e-14);
    }
    const f = engine.attentionRhs(options);
    expect(relativeError(engine.attentionRhs({ ...options, attention: 'sinkhorn', sinkhornIterations: 1 }), f)).toBeLessThan(
      1e-14,
    );
  });

  it('gives a symmetric P for a symmetric kernel (Q = K = I), unlike the row softmax', async () => {
    const engine = await engineFor(backend);
    const random = seededRandom(12);
    const n = 11;
    const tokens = randomMatrix(random, n, 2, 1.3);
    const p = engine.attentionMatrix({ tokens, attention: 'sinkhorn' });
    let asym = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) asym = Math.max(asym, Math.abs(p[i * n + j] - p[j * n + i]));
    expect(asym).toBeLessThan(1e-10);
    const softmax = engine.attentionMatrix({ tokens });
    expect(sums(softmax, n).columns).toBeGreaterThan(1e-2);
  });

  it('the field is sum_h P_h X V_h with the Sinkhorn P, projected on the sphere', async () => {
    const engine = await engineFor(backend);
    const random = seededRandom(21);
    const n = 6;
    const d = 3;
    const tokens = randomMatrix(random, n, d);
    const heads = randomHeads(random, d, 2, 3, 0.9);
    const options = { tokens, heads, attention: 'sinkhorn' as const };
    const expected = new Float64Array(n * d);
    heads.forEach((head, h) => {
      const p = engine.attentionMatrix(options, h);
      const v = head.value as number[][];
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < d; c++) {
          let s = 0;
          for (let j = 0; j < n; j++) for (let a = 0; a < d; a++) s += p[i * n + j] * tokens[j][a] * v[a][c];
          expected[i * d + c] += s;
        }
      }
    });
    expect(relativeError(engine.attentionRhs(options), expected)).toBeLessThan(1e-13);
    const sphere = engine.attentionRhs({ ...options, geometry: 'sphere' });
    for (let i = 0; i < n; i++) {
      const norm = Math.hypot(...tokens[i]);
      let dot = 0;
      for (let c = 0; c < d; c++) dot += (tokens[i][c] / norm) * sphere[i * d + c];
      expect(Math.abs(dot)).toBeLessThan(1e-14);
    }
  });

  it('rejects Sinkhorn settings without Sinkhorn attention, and bad values', async () => {
    const engine = await engineFor(backend);
    expect(() => engine.attentionRhs({ tokens: [[1]], sinkhornIterations: 3 })).toThrow(
      /applies only with attention: 'sinkhorn'/,
    );
    expect(() => engine.attentionRhs({ tokens: [[1]], attention: 'sinkhorn', sinkhornIterations: 0 })).toThrow(/integer >= 1/);
    expect(() => engine.attentionRhs({ tokens: [[1]], attention: 'sinkhorn', sinkhornTolerance: -1 })).toThrow(/>= 0/);
    expect(() => engine.attentionRhs({ tokens: [[1]], attention: 'sinkorn' as never })).toThrow(/'softmax', 'sinkhorn'/);
    expect(() => engine.solve({ tokens: [[1]], t1: 1, attention: 'sinkhorn', sinkhornTolerance: -1 })).toThrow(/>= 0/);
  });
});

describe('Sinkhorn backends agree (simd, scalar vs js)', () => {
  for (const n of [1, 2, 3, 17, 123]) {
    it(`N = ${n}: matrix and field after 25 iterations`, async () => {
      const [simd, scalar, js] = await Promise.all(BACKEND_NAMES.map(engineFor));
      const random = seededRandom(n);
      const d = 3;
      const options = {
        tokens: randomMatrix(random, n, d),
        heads: randomHeads(random, d, 2, 2, 0.8),
        attention: 'sinkhorn' as const,
        sinkhornIterations: 25,
        sinkhornTolerance: 0,
      };
      const p = js.attentionMatrix(options, 1);
      const f = js.attentionRhs(options);
      for (const e of [simd, scalar]) {
        expect(relativeError(e.attentionMatrix(options, 1), p)).toBeLessThan(1e-12);
        expect(relativeError(e.attentionRhs(options), f)).toBeLessThan(1e-12);
      }
    });
  }

  it('solve with Sinkhorn attention: WASM equals the reference integrator, and differs from softmax', async () => {
    const [simd, scalar, js] = await Promise.all(BACKEND_NAMES.map(engineFor));
    const random = seededRandom(99);
    for (const geometry of ['euclidean', 'sphere'] as const) {
      const options = {
        tokens: randomMatrix(random, 9, 3),
        heads: randomHeads(random, 3, 1, 3, 0.7),
        t1: 2,
        method: 'rk4' as const,
        dt: 0.05,
        geometry,
        attention: 'sinkhorn' as const,
        sinkhornIterations: 40,
        sinkhornTolerance: 0,
      };
      const reference = js.solve(options);
      expect(reference.status).toBe('success');
      for (const e of [simd, scalar])
        expect(relativeError(e.solve(options).finalTokens, reference.finalTokens)).toBeLessThan(1e-12);
      const { attention: _a, sinkhornIterations: _i, sinkhornTolerance: _t, ...softmaxOptions } = options;
      expect(relativeError(simd.solve(softmaxOptions).finalTokens, reference.finalTokens)).toBeGreaterThan(1e-4);
    }
  });
});
