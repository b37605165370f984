// The 1-D analysis (eq. 9-13) against independent continuations of the flow
// and attention matrices computed by the engine.

import { describe, expect, it } from 'vitest';
import { analyzeOneDimensional } from '../src/analysis/one-dimensional.js';
import { AttnflowError } from '../src/errors.js';
import { BACKEND_NAMES, engineFor, randomMatrix, seededRandom } from './helpers.js';

describe.each(BACKEND_NAMES)('1-D analysis on %s', (backend) => {
  it.each([1, 2, 3])('every token said to have left the corridor later exceeds 10 v0 on its side (seed %i)', async (seed) => {
    const engine = await engineFor(backend);
    const n = 12;
    const x0 = randomMatrix(seededRandom(seed), n, 1).map((r) => r[0]);
    const a = analyzeOneDimensional(engine, { tokens: x0, t1: 1.5, samples: 60 });
    expect(a.status).toBe('success');
    const escaped = a.tokens.filter((t) => t.fate !== 'inside');
    expect(escaped.length).toBeGreaterThan(0);
    // Continue the flow from the final state, far past the analysis horizon.
    const later = engine.solve({ tokens: { data: a.solution.finalTokens, n, d: 1 }, t1: 30 });
    for (const t of escaped) {
      expect(t.certificate?.holds, `token ${t.index}`).toBe(true);
      expect(t.certificate?.inequalityHolds).toBe(true);
      expect(t.reentries).toBe(0);
      const x = later.finalTokens[t.index];
      expect(Math.abs(x)).toBeGreaterThan(10 * a.v0);
      expect(Math.sign(x)).toBe(t.fate === 'up' ? 1 : -1);
    }
  });

  it('keeps the order of tokens and never shrinks a gap', async () => {
    const engine = await engineFor(backend);
    const x0 = randomMatrix(seededRandom(11), 20, 1).map((r) => r[0]);
    const a = analyzeOneDimensional(engine, { tokens: x0, t1: 4, samples: 40, collapseTimes: false });
    expect(a.orderKept).toBe(true);
    expect(a.worstGapChange).toBeGreaterThan(-1e-9);
    const order = x0.map((_, i) => i).sort((i, j) => x0[i] - x0[j]);
    for (const x of a.solution.tokens)
      for (let k = 1; k < order.length; k++) expect(x[order[k]]).toBeGreaterThan(x[order[k - 1]]);
  });

  it('reports exit times where |x_i| = v0, and P_iN -> 1 for tokens going up (P_i1 -> 1 going down)', async () => {
    const engine = await engineFor(backend);
    const n = 8;
    const x0 = randomMatrix(seededRandom(5), n, 1).map((r) => r[0]);
    const a = analyzeOneDimensional(engine, { tokens: x0, t1: 6, samples: 30 });
    const top = x0.indexOf(Math.max(...x0));
    const bottom = x0.indexOf(Math.min(...x0));
    const p = engine.attentionMatrix({ tokens: { data: a.solution.finalTokens, n, d: 1 }, beta: 1 });
    const up = a.tokens.filter((t) => t.fate === 'up');
    expect(up.length).toBeGreaterThan(0);
    for (const t of a.tokens) {
      if (t.fate === 'inside') continue;
      const target = t.fate === 'up' ? top : bottom;
      expect(t.collapse.target).toBe(target);
      expect(p[t.index * n + target]).toBeGreaterThan(1 - 1e-6);
      expect(t.collapse.final).toBeCloseTo(p[t.index * n + target], 12);
      // At the located collapse time, 1 - P_i,target is the threshold.
      const time = t.collapse.time;
      expect(time).not.toBeNull();
      if (time !== null && time > 0) {
        const at = engine.solve({ tokens: x0.map((v) => [v]), t1: time, rtol: 1e-12, atol: 1e-14 }).finalTokens;
        const row = engine.attentionMatrix({ tokens: { data: at, n, d: 1 }, beta: 1 }).subarray(t.index * n, t.index * n + n);
        const outside = row.reduce((s, v, j) => s + (j === target ? 0 : v), 0);
        expect(Math.abs(outside - 1e-6)).toBeLessThan(1e-10);
      }
      // At the exit time the token sits on the corridor's edge.
      const exit = t.exitTime ?? Number.NaN;
      if (exit > 0) {
        const at = engine.solve({ tokens: x0.map((v) => [v]), t1: exit, rtol: 1e-12, atol: 1e-14 }).finalTokens;
        expect(Math.abs(at[t.index])).toBeCloseTo(a.v0, 8);
      }
    }
  });
});

describe('1-D analysis: edge cases', () => {
  it('gives exit time 0 to a token that starts outside, and counts fates', async () => {
    const engine = await engineFor('js');
    // Symmetric: the middle token feels sum_j x_j / 3 = 0 (up to rounding, which the unstable 0 amplifies in time).
    const a = analyzeOneDimensional(engine, { tokens: [-3, 0, 3], t1: 0.5, samples: 10 });
    expect(a.v0).toBeLessThan(3);
    expect(a.tokens[2]).toMatchObject({ fate: 'up', exitTime: 0 });
    expect(a.tokens[0]).toMatchObject({ fate: 'down', exitTime: 0 });
    expect(a.tokens[2].certificate?.from).toBe(0);
    expect(a.tokens[2].certificate?.holds).toBe(true);
    expect(a.counts.up + a.counts.down + a.counts.inside).toBe(3);
    expect(a.tokens[1].fate).toBe('inside');
    expect(a.tokens[1].exitTime).toBeNull();
    expect(a.tokens[1].certificate).toBeNull();
  });

  it('rejects tokens that are not one-dimensional, and bad options', async () => {
    const engine = await engineFor('js');
    expect(() =>
      analyzeOneDimensional(engine, {
        tokens: [
          [1, 2],
          [3, 4],
        ],
        t1: 1,
      }),
    ).toThrow(AttnflowError);
    expect(() => analyzeOneDimensional(engine, { tokens: [1, 2], t1: -1 })).toThrow(/t1/);
    expect(() => analyzeOneDimensional(engine, { tokens: [1, 2], t1: 1, collapseThreshold: 2 })).toThrow(/collapseThreshold/);
  });
});
