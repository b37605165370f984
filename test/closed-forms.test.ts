// Solutions known in closed form, on every backend.

import { describe, expect, it } from 'vitest';
import { BACKEND_NAMES, engineFor, randomMatrix, relativeError, seededRandom, timeToReach } from './helpers.js';

/** expm(M) by scaling and squaring of a 30-term Taylor series (independent of the solver). */
function expm(m: number[][]): number[][] {
  const norm = Math.max(...m.map((r) => r.reduce((s, v) => s + Math.abs(v), 0)));
  const squarings = Math.max(0, Math.ceil(Math.log2(norm + 1e-300)) + 1);
  const a = m.map((r) => r.map((v) => v / 2 ** squarings));
  const mul = (x: number[][], y: number[][]) =>
    x.map((_, i) => y[0].map((_, j) => x[i].reduce((s, _, k) => s + x[i][k] * y[k][j], 0)));
  let term: number[][] = a.map((_, i) => a.map((_, j) => (i === j ? 1 : 0)));
  let sum = term.map((r) => [...r]);
  for (let k = 1; k <= 30; k++) {
    term = mul(term, a).map((r) => r.map((v) => v / k));
    sum = sum.map((r, i) => r.map((v, j) => v + term[i][j]));
  }
  for (let s = 0; s < squarings; s++) sum = mul(sum, sum);
  return sum;
}

describe.each(BACKEND_NAMES)('closed forms on %s', (backend) => {
  it('one token: x(t) = x0 expm(t V) (row form), since its attention is 1', async () => {
    const engine = await engineFor(backend);
    const random = seededRandom(3);
    const d = 4;
    const value = randomMatrix(random, d, d, 0.6);
    const x0 = randomMatrix(random, 1, d)[0];
    const t1 = 1.5;
    const sol = engine.solve({
      tokens: [x0],
      heads: [{ value, query: randomMatrix(random, d, 2), key: randomMatrix(random, d, 2) }],
      t1,
      rtol: 1e-11,
      atol: 1e-13,
    });
    const e = expm(value.map((r) => r.map((v) => v * t1)));
    const exact = e[0].map((_, j) => x0.reduce((s, xi, i) => s + xi * e[i][j], 0));
    expect(sol.status).toBe('success');
    expect(relativeError(sol.tokens[0], exact)).toBeLessThan(1e-9);
  });

  it("1-D tokens -a and a: the upper one follows x' = x tanh(x^2), reaching x(T) at time T", async () => {
    const engine = await engineFor(backend);
    const a = 0.8;
    const T = 2;
    const sol = engine.solve({ tokens: [[-a], [a]], t1: T, rtol: 1e-12, atol: 1e-12 });
    const upper = sol.tokens[0][1];
    expect(sol.tokens[0][0]).toBe(-upper); // the symmetry x -> -x is exact in floating point
    expect(timeToReach(a, upper)).toBeCloseTo(T, 9);
  });

  it('one Euler step with dt = 1 is the residual layer X + Phi(X) of eq. (1)-(3), values folded with W_O', async () => {
    const engine = await engineFor(backend);
    const random = seededRandom(5);
    const n = 7;
    const d = 6;
    const h = 3;
    const dv = d / h;
    const x = randomMatrix(random, n, d);
    const q = Array.from({ length: h }, () => randomMatrix(random, d, dv));
    const k = Array.from({ length: h }, () => randomMatrix(random, d, dv));
    const v = Array.from({ length: h }, () => randomMatrix(random, d, dv));
    const wo = randomMatrix(random, d, d, 0.5);
    const beta = 1 / Math.sqrt(d / h);
    // Phi(X) = [P_1 X V_1, ..., P_H X V_H] W_O, directly.
    const matmul = (a: number[][], b: number[][]) =>
      a.map((r) => b[0].map((_, j) => r.reduce((s, v2, l) => s + v2 * b[l][j], 0)));
    const concat: number[][] = x.map(() => []);
    for (let hh = 0; hh < h; hh++) {
      const xq = matmul(x, q[hh]);
      const xk = matmul(x, k[hh]);
      const p = xq.map((qi) => {
        const s = xk.map((kj) => beta * qi.reduce((acc, qv, l) => acc + qv * kj[l], 0));
        const m = Math.max(...s);
        const e = s.map((si) => Math.exp(si - m));
        const z = e.reduce((acc, ei) => acc + ei, 0);
        return e.map((ei) => ei / z);
      });
      matmul(matmul(p, x), v[hh]).forEach((row, i) => {
        concat[i].push(...row);
      });
    }
    const phi = matmul(concat, wo);
    const folded = v.map((vh, hh) => matmul(vh, wo.slice(hh * dv, (hh + 1) * dv)));
    const sol = engine.solve({
      tokens: x,
      heads: q.map((qh, hh) => ({ query: qh, key: k[hh], value: folded[hh] })),
      t1: 1,
      method: 'euler',
      dt: 1,
    });
    expect(sol.stats.steps).toBe(1);
    expect(
      relativeError(
        sol.tokens[0],
        x.flatMap((r, i) => r.map((xv, j) => xv + phi[i][j])),
      ),
    ).toBeLessThan(1e-13);
  });
});
