// The paper's facts about the 1-D model (eq. 9-11) and the sphere geometry,
// on random prompts and every backend.

import { describe, expect, it } from 'vitest';
import { corridorHalfWidth } from '../src/corridor.js';
import { BACKEND_NAMES, engineFor, randomHeads, randomMatrix, seededRandom } from './helpers.js';

const saveAt = Array.from({ length: 81 }, (_, i) => i * 0.05);

describe.each(BACKEND_NAMES)('the 1-D model on %s', (backend) => {
  // The row-max kernel sums every row in the same order, so equal tokens get equal bits and stay equal
  // exactly (ODE uniqueness). The tied kernels (the default here: one identity head) visit each pair once and
  // sum row i in an order that depends on i: equal tokens then agree to rounding, and order holds to rounding.
  it.each([
    [1, 'row-max', 0],
    [2, 'row-max', 0],
    [3, 'row-max', 0],
    [1, 'auto', 1e-14],
    [2, 'auto', 1e-14],
    [3, 'auto', 1e-14],
  ] as const)(
    'keeps order, never shrinks a gap, keeps equal tokens equal (seed %i, kernel %s, to %d)',
    async (seed, kernel, slack) => {
      const engine = await engineFor(backend);
      const random = seededRandom(seed);
      const n = 12;
      const x0 = randomMatrix(random, n, 1).map((r) => r[0]);
      x0[5] = x0[9]; // a repeated token
      const sol = engine.solve({ tokens: x0.map((v) => [v]), t1: 4, saveAt, kernel });
      expect(sol.status).toBe('success');
      const order = x0.map((_, i) => i).sort((a, b) => x0[a] - x0[b]);
      let previous = sol.tokens[0];
      for (const x of sol.tokens) {
        const scale = slack * Math.max(1, ...Array.from(x, Math.abs));
        for (let k = 1; k < n; k++) {
          const lo = order[k - 1];
          const hi = order[k];
          expect(x[hi]).toBeGreaterThanOrEqual(x[lo] - scale);
          // |x_i - x_j| never decreases (eq. 10: dx_i/dt = g'(x_i), g convex).
          const gap = x[hi] - x[lo];
          const before = previous[hi] - previous[lo];
          expect(gap).toBeGreaterThanOrEqual(before - 1e-12 * Math.max(1, Math.abs(x[hi]) + Math.abs(x[lo])) - 2 * scale);
        }
        if (slack === 0) expect(x[5]).toBe(x[9]);
        else expect(Math.abs(x[5] - x[9])).toBeLessThanOrEqual(scale);
        previous = x;
      }
    },
  );

  it('sends the top token to infinity when x_N > N (eq. 11), at least as fast as x_N/N - N/x_N', async () => {
    const engine = await engineFor(backend);
    const n = 4;
    const x0 = [-1, 0.3, 1, n + 0.5];
    const sol = engine.solve({ tokens: x0.map((v) => [v]), t1: 2, saveAt: saveAt.slice(0, 41) });
    for (let s = 1; s < sol.tokens.length; s++) {
      const top = sol.tokens[s][n - 1];
      const prev = sol.tokens[s - 1][n - 1];
      // Growth over one save interval beats the lower bound's rate at the start of the interval.
      expect((top - prev) / 0.05).toBeGreaterThanOrEqual(prev / n - n / prev);
      expect(top).toBeGreaterThan(prev);
    }
  });

  it('lets a token that leaves the corridor [-v0, v0] run off, and focuses attention on the extreme token', async () => {
    const engine = await engineFor(backend);
    const n = 10;
    const v0 = corridorHalfWidth(n);
    const x0 = Array.from({ length: n }, (_, i) => -1.2 + (2.6 * i) / (n - 1));
    const sol = engine.solve({ tokens: x0.map((v) => [v]), t1: 6, saveAttention: true });
    const x = sol.tokens[0];
    const p = sol.attention?.[0]?.[0] ?? new Float64Array();
    for (let i = 0; i < n; i++) {
      if (x[i] > v0) expect(p[i * n + (n - 1)]).toBeGreaterThan(1 - 1e-9); // P_iN -> 1 going up
      if (x[i] < -v0) expect(p[i * n]).toBeGreaterThan(1 - 1e-9); // P_i1 -> 1 going down
    }
    expect(Math.max(...x)).toBeGreaterThan(10 * v0);
  });
});

describe.each(BACKEND_NAMES)('the sphere on %s', (backend) => {
  it.each(['dopri5', 'rk4'] as const)(
    'keeps every token at norm 1 to 1e-12 (%s, saves interpolated or stepped onto)',
    async (method) => {
      const engine = await engineFor(backend);
      const random = seededRandom(9);
      const d = 3;
      const sol = engine.solve({
        tokens: randomMatrix(random, 15, d, 3),
        heads: randomHeads(random, d, 2, 2, 1),
        geometry: 'sphere',
        t1: 5,
        saveAt: [0, 0.37, 1.1, 2.5, 4.999, 5],
        method,
        dt: method === 'rk4' ? 0.05 : undefined,
      });
      expect(sol.status).toBe('success');
      for (const x of sol.tokens) {
        for (let i = 0; i < 15; i++) expect(Math.abs(Math.hypot(x[3 * i], x[3 * i + 1], x[3 * i + 2]) - 1)).toBeLessThan(1e-12);
      }
    },
  );
});
