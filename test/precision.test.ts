// precision: 'float32' (assembly/f32/): the float32 field against the float64
// reference, with an error bound derived from the float32 unit roundoff.
//
// Error model (u = 2^-24, float32 unit roundoff; Higham, "Accuracy and
// Stability of Numerical Algorithms", 2nd ed., sec. 3.1 for dot products):
// - queries and keys are rounded to float32 (u each), and the score
//   s_ij = <q_i, k_j> is a float32 dot product of d_k terms, so
//   |ds_ij| <= (d_k + 2) u S with S = max_ij sum_k |q_ik k_jk|;
// - a weight e^{s - m} then has relative error <= 2 (d_k + 2) u S (the error of
//   s and of the maximum m) plus the float32 exp's few u;
// - normalized weights with relative errors <= e move a convex combination of
//   the x_j by at most 2 e max |x_j|;
// - each tile's float32 weighted sum has at most 1024 / 4 terms per lane, so
//   adds at most 256 u max |x_j| relative to the normalizer (a worst case;
//   random rounding gives about 16 u);
// - V multiplies the error of z by at most its largest column sum of |V|,
//   and heads add up; on the sphere the projection at most doubles it.
// The test asserts the resulting bound, and that the error is not zero (the
// float32 kernels really ran).

import { describe, expect, it } from 'vitest';
import { fieldProblem } from '../src/problem.js';
import type { FieldOptions } from '../src/types.js';
import { WasmBackend } from '../src/wasm/backend.js';
import { wasmModule } from '../src/wasm/load.js';
import { engineFor, randomHeads, randomMatrix, seededRandom } from './helpers.js';

const U = 2 ** -24;

/** The bound of the header for one field. */
function float32Bound(options: FieldOptions): number {
  const { problem, x } = fieldProblem(options);
  const { n, d } = problem;
  let xmax = 0;
  for (const v of x) xmax = Math.max(xmax, Math.abs(v));
  let total = 0;
  const layer = problem.layers[0];
  for (const head of layer.heads) {
    const project = (m: Float64Array | null, scale: number) =>
      Array.from({ length: n }, (_, i) =>
        Array.from({ length: head.dk }, (_, c) => {
          if (m === null) return scale * x[i * d + c];
          let s = 0;
          for (let a = 0; a < d; a++) s += x[i * d + a] * m[a * head.dk + c];
          return scale * s;
        }),
      );
    const q = project(head.query, layer.beta);
    const k = project(head.key, 1);
    let big = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let c = 0; c < head.dk; c++) s += Math.abs(q[i][c] * k[j][c]);
        big = Math.max(big, s);
      }
    let vNorm = 1;
    if (head.value !== null) {
      vNorm = 0;
      for (let c = 0; c < d; c++) {
        let s = 0;
        for (let a = 0; a < d; a++) s += Math.abs(head.value[a * d + c]);
        vNorm = Math.max(vNorm, s);
      }
    }
    const weightError = 2 * (head.dk + 2) * U * big + 4 * U;
    total += vNorm * (2 * weightError + 256 * U + 2 * U) * xmax;
  }
  return problem.geometry === 'sphere' ? 2 * total : total;
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe.each(['simd', 'scalar'] as const)("precision: 'float32' on %s", (backend) => {
  for (const [n, d, h] of [
    [1, 1, 1],
    [3, 2, 1],
    [17, 8, 2],
    [123, 33, 1],
    [300, 5, 3],
    [1100, 12, 1],
  ] as const) {
    it(`N = ${n}, D = ${d}, H = ${h}: within the float32 bound of the float64 reference, causal and not`, async () => {
      const engine = await engineFor(backend);
      const js = await engineFor('js');
      const random = seededRandom(n * 31 + d);
      const tokens = randomMatrix(random, n, d);
      const heads = h === 1 ? undefined : randomHeads(random, d, h, d + 1);
      for (const causal of [false, true]) {
        for (const geometry of ['euclidean', 'sphere'] as const) {
          const options: FieldOptions = { tokens, heads, causal, geometry };
          const reference = js.attentionRhs(options);
          const f32 = engine.attentionRhs({ ...options, precision: 'float32' });
          const error = maxAbsDiff(f32, reference);
          expect(error).toBeLessThanOrEqual(float32Bound(options));
          if (n > 1) expect(error).toBeGreaterThan(0);
        }
      }
    });
  }

  it('a float32 solve stays within 1e-4 of the float64 solve (rtol 1e-6)', async () => {
    const engine = await engineFor(backend);
    const options = { tokens: randomMatrix(seededRandom(5), 40, 4), t1: 2, rtol: 1e-6, atol: 1e-8 };
    const f64 = engine.solve(options);
    const f32 = engine.solve({ ...options, precision: 'float32' });
    expect(f32.status).toBe('success');
    expect(maxAbsDiff(f32.finalTokens, f64.finalTokens)).toBeLessThan(1e-4);
  });

  it('the float32 exp is within 2 float32 ulp of Math.exp over [-87, 0]', async () => {
    const wasm = new WasmBackend(await wasmModule(backend), backend);
    const k = wasm.exports;
    const count = 100003;
    const base = Math.ceil(k.heapBase() / 16) * 16;
    const need = base + 8 * count + 64;
    if (k.memory.buffer.byteLength < need) k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
    const xs = new Float32Array(k.memory.buffer, base, count);
    for (let i = 0; i < count; i++) xs[i] = -87 * (i / (count - 1)) ** 1.5;
    const outPtr = base + 4 * count + 16;
    k.expArrayF32(base, outPtr, count);
    const ys = new Float32Array(k.memory.buffer, outPtr, count);
    const bits = new Int32Array(1);
    const view = new Float32Array(bits.buffer);
    const ord = (v: number) => {
      view[0] = v;
      return bits[0];
    };
    let worst = 0;
    for (let i = 0; i < count; i++) worst = Math.max(worst, Math.abs(ord(ys[i]) - ord(Math.fround(Math.exp(xs[i])))));
    expect(worst).toBeLessThanOrEqual(2);
  });
});

describe("precision: 'float32' elsewhere", () => {
  it('the js backend computes float32 requests in float64 (exactly its float64 result)', async () => {
    const js = await engineFor('js');
    const tokens = randomMatrix(seededRandom(9), 7, 3);
    expect(Array.from(js.attentionRhs({ tokens, precision: 'float32' }))).toEqual(Array.from(js.attentionRhs({ tokens })));
  });

  it('rejects an unknown precision', async () => {
    const js = await engineFor('js');
    expect(() => js.attentionRhs({ tokens: [[1]], precision: 'float16' as 'float32' })).toThrow(/precision/);
  });
});
