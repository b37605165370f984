// Properties of the attention field and the flow over random sizes, weights
// and tokens (fast-check). Failures print the seed and the shrunk case.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldOutput } from '../../src/layer.js';
import type { Head } from '../../src/types.js';
import { BACKEND_NAMES, engineFor, relativeError } from '../helpers.js';

const RUNS = 40;

/**
 * A random problem: N in [1, 12], D in [1, 5], H in [1, 3], weights and tokens
 * in [-2, 2] on a grid of 1e-6 (no subnormals, where relative errors lose meaning).
 */
const problem = fc
  .record({ n: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 5 }), h: fc.integer({ min: 1, max: 3 }) })
  .chain(({ n, d, h }) => {
    const entry = fc.integer({ min: -2e6, max: 2e6 }).map((v) => v / 1e6);
    const matrix = (rows: number, cols: number) =>
      fc.array(fc.array(entry, { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows });
    const dk = fc.integer({ min: 1, max: d + 1 });
    return fc.record({
      tokens: matrix(n, d),
      heads: dk.chain((k) =>
        fc.array(fc.record({ query: matrix(d, k), key: matrix(d, k), value: matrix(d, d) }), { minLength: h, maxLength: h }),
      ),
      permutation: fc.shuffledSubarray(
        Array.from({ length: n }, (_, i) => i),
        { minLength: n, maxLength: n },
      ),
    });
  });

/**
 * max |a - b| over the size of what was summed: each head adds at most
 * max|x| * max|V| * D per coordinate, so heads that cancel (V and -V) leave a
 * small field whose rounding error is still that of the terms.
 */
function fieldError(a: Float64Array, b: Float64Array, tokens: number[][], heads: { value: number[][] }[]): number {
  const d = tokens[0].length;
  const xMax = Math.max(...tokens.flat().map(Math.abs));
  const terms = heads.reduce((s, h) => s + d * Math.max(...h.value.flat().map(Math.abs)), 0) * xMax;
  let diff = 0;
  let scale = terms;
  for (let l = 0; l < a.length; l++) {
    diff = Math.max(diff, Math.abs(a[l] - b[l]));
    scale = Math.max(scale, Math.abs(b[l]));
  }
  return scale === 0 ? diff : diff / scale;
}

describe('properties of the attention field', () => {
  it('SIMD == scalar == reference, on both geometries', async () => {
    const [simd, scalar, js] = await Promise.all(BACKEND_NAMES.map(engineFor));
    fc.assert(
      fc.property(problem, fc.boolean(), ({ tokens, heads }, sphere) => {
        if (sphere && tokens.some((r) => r.every((v) => v === 0))) return;
        const options = { tokens, heads: heads as Head[], geometry: sphere ? ('sphere' as const) : ('euclidean' as const) };
        const reference = js.attentionRhs(options);
        expect(fieldError(simd.attentionRhs(options), reference, tokens, heads)).toBeLessThan(1e-12);
        expect(fieldError(scalar.attentionRhs(options), reference, tokens, heads)).toBeLessThan(1e-12);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(BACKEND_NAMES)('permuting the tokens permutes the field and the attention matrix (%s)', async (backend) => {
    const engine = await engineFor(backend);
    fc.assert(
      fc.property(problem, ({ tokens, heads, permutation }) => {
        const d = tokens[0].length;
        const n = tokens.length;
        const f = engine.attentionRhs({ tokens, heads: heads as Head[] });
        const g = engine.attentionRhs({ tokens: permutation.map((i) => tokens[i]), heads: heads as Head[] });
        const permuted = Float64Array.from(permutation.flatMap((i) => Array.from(f.subarray(i * d, (i + 1) * d))));
        expect(fieldError(g, permuted, tokens, heads)).toBeLessThan(1e-12);
        const p = engine.attentionMatrix({ tokens, heads: heads as Head[] });
        const q = engine.attentionMatrix({ tokens: permutation.map((i) => tokens[i]), heads: heads as Head[] });
        for (let a = 0; a < n; a++)
          for (let b = 0; b < n; b++) expect(q[a * n + b]).toBeCloseTo(p[permutation[a] * n + permutation[b]], 13);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(BACKEND_NAMES)("every row of every head's attention matrix sums to 1 (%s)", async (backend) => {
    const engine = await engineFor(backend);
    fc.assert(
      fc.property(problem, fc.integer({ min: 0, max: 2 }), ({ tokens, heads }, headPick) => {
        const n = tokens.length;
        const p = engine.attentionMatrix({ tokens, heads: heads as Head[] }, headPick % heads.length);
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = 0; j < n; j++) {
            expect(p[i * n + j]).toBeGreaterThanOrEqual(0);
            s += p[i * n + j];
          }
          expect(Math.abs(s - 1)).toBeLessThan(1e-14 * n);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('properties of the flow', () => {
  it.each(BACKEND_NAMES)('the 1-D model is odd: x -> -x maps solutions to solutions (%s)', async (backend) => {
    const engine = await engineFor(backend);
    const tokens1d = fc.array(
      fc.integer({ min: -2e6, max: 2e6 }).map((v) => v / 1e6),
      { minLength: 1, maxLength: 10 },
    );
    fc.assert(
      fc.property(tokens1d, (xs) => {
        const up = engine.solve({ tokens: xs.map((v) => [v]), t1: 1 });
        const down = engine.solve({ tokens: xs.map((v) => [-v]), t1: 1 });
        // The field is odd exactly in floating point, so the whole integration is mirrored.
        expect(Array.from(down.tokens[0])).toEqual(Array.from(up.tokens[0], (v) => -v));
      }),
      { numRuns: 25 },
    );
  });

  it.each(BACKEND_NAMES)('permuting the tokens permutes the solution (%s)', async (backend) => {
    const engine = await engineFor(backend);
    fc.assert(
      fc.property(problem, ({ tokens, heads, permutation }) => {
        const d = tokens[0].length;
        const a = engine.solve({ tokens, heads: heads as Head[], t1: 0.5, method: 'rk4', dt: 0.05 });
        const b = engine.solve({
          tokens: permutation.map((i) => tokens[i]),
          heads: heads as Head[],
          t1: 0.5,
          method: 'rk4',
          dt: 0.05,
        });
        const permuted = Float64Array.from(permutation.flatMap((i) => Array.from(a.tokens[0].subarray(i * d, (i + 1) * d))));
        expect(relativeError(b.tokens[0], permuted)).toBeLessThan(1e-10);
      }),
      { numRuns: 20 },
    );
  });

  it.each(BACKEND_NAMES)('norms stay 1 on the sphere (%s)', async (backend) => {
    const engine = await engineFor(backend);
    fc.assert(
      fc.property(problem, fc.integer({ min: 1, max: 30 }), ({ tokens, heads }, tenths) => {
        const t1 = tenths / 10;
        if (tokens.some((r) => r.every((v) => v === 0))) return;
        const d = tokens[0].length;
        const sol = engine.solve({ tokens, heads: heads as Head[], geometry: 'sphere', t1, saveAt: [t1 / 3, t1] });
        if (sol.status !== 'success') return;
        for (const x of sol.tokens) {
          for (let i = 0; i < tokens.length; i++) {
            let sq = 0;
            for (let k = 0; k < d; k++) sq += x[i * d + k] ** 2;
            expect(Math.abs(Math.sqrt(sq) - 1)).toBeLessThan(1e-12);
          }
        }
      }),
      { numRuns: 20 },
    );
  });
});

describe('the residual layer as an Euler step', () => {
  it.each(BACKEND_NAMES)('an Euler step with dt = 1 on the folded values equals X + layer(X) (%s)', async (backend) => {
    const engine = await engineFor(backend);
    const entry = fc.integer({ min: -2e6, max: 2e6 }).map((v) => v / 1e6);
    const matrix = (rows: number, cols: number) =>
      fc.array(fc.array(entry, { minLength: cols, maxLength: cols }), { minLength: rows, maxLength: rows });
    const layerProblem = fc
      .record({
        n: fc.integer({ min: 1, max: 9 }),
        d: fc.integer({ min: 1, max: 4 }),
        h: fc.integer({ min: 1, max: 3 }),
        dv: fc.integer({ min: 1, max: 3 }),
      })
      .chain(({ n, d, h, dv }) =>
        fc.record({
          tokens: matrix(n, d),
          heads: fc.array(fc.record({ query: matrix(d, dv), key: matrix(d, dv), value: matrix(d, dv) }), {
            minLength: h,
            maxLength: h,
          }),
          output: matrix(h * dv, d),
        }),
      );
    fc.assert(
      fc.property(layerProblem, ({ tokens, heads, output }) => {
        const phi = engine.layer({ tokens, heads, output });
        const step = engine.solve({ tokens, heads: foldOutput(heads, output), t1: 1, method: 'euler', dt: 1 });
        const residual = Float64Array.from(tokens.flat(), (x, l) => x + phi[l]);
        expect(relativeError(step.tokens[0], residual)).toBeLessThan(1e-12);
      }),
      { numRuns: 30 },
    );
  });
});
