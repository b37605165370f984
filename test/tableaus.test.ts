// Tableaus checked in exact rational arithmetic: consistency (row sums = c),
// weights summing to 1, error weights summing to 0, FSAL, the dense output,
// and the order conditions up to order 4 (HNW I, II.2, Table 2.2), plus the
// quadrature conditions up to the method's order. Tableaus whose source gives
// rational approximations of irrational coefficients (dopri8) hold them to
// their stated accuracy (conditionsHoldTo) instead of exactly.

import { describe, expect, it } from 'vitest';
import { METHODS } from '../src/solvers/index.js';
import { add, decimal, equal, frac, mul, ONE, type Rational, sub, sum, toNumber, ZERO } from '../src/solvers/rational.js';
import { numericTableau } from '../src/solvers/tableau.js';

const methods = Object.values(METHODS);

function aEntry(a: readonly (readonly Rational[])[], i: number, j: number): Rational {
  return a[i][j] ?? ZERO;
}

/** (A v)_i for a strictly lower-triangular A given by rows. */
function times(a: readonly (readonly Rational[])[], v: readonly Rational[]): Rational[] {
  return v.map((_, i) => sum(v.map((vj, j) => mul(aEntry(a, i, j), vj))));
}

function power(x: Rational, k: number): Rational {
  let p = ONE;
  for (let i = 0; i < k; i++) p = mul(p, x);
  return p;
}

function dot(u: readonly Rational[], v: readonly Rational[]): Rational {
  return sum(u.map((ui, i) => mul(ui, v[i])));
}

/** |a - b| as a float64 (exact rational difference, rounded once). */
function distance(a: Rational, b: Rational): number {
  return Math.abs(toNumber(sub(a, b)));
}

describe.each(methods)('$name tableau', (t) => {
  const s = t.b.length;
  const tolerance = t.conditionsHoldTo ?? 0;
  /** a = b exactly, or to the tableau's stated accuracy. */
  const holds = (a: Rational, b: Rational): boolean => (tolerance === 0 ? equal(a, b) : distance(a, b) <= tolerance);

  it('is explicit and consistent: row i of A sums to c_i', () => {
    expect(t.a.length).toBe(s);
    expect(t.c.length).toBe(s);
    t.a.forEach((row, i) => {
      expect(row.length).toBe(i);
      expect(holds(sum(row), t.c[i]), `row ${i}`).toBe(true);
    });
  });

  it('has weights summing to 1', () => {
    expect(holds(sum(t.b), ONE)).toBe(true);
  });

  it('satisfies the quadrature conditions sum_i b_i c_i^(k-1) = 1/k for k <= order, and bHat for k <= errorOrder', () => {
    const moment = (w: readonly Rational[], k: number): Rational => sum(w.map((wi, i) => mul(wi, power(t.c[i], k - 1))));
    for (let k = 1; k <= t.order; k++) expect(holds(moment(t.b, k), frac(1, k)), `b, k = ${k}`).toBe(true);
    // Embedded weights of a lower order q hold to k = q and fail at q + 1 (by far more than rounding).
    const embedded: [readonly Rational[], number][] = [];
    if (t.bHat && t.errorOrder !== undefined) embedded.push([t.bHat, t.errorOrder]);
    const pair = t.dop853Error;
    if (pair) {
      // DOP853: b - e5 is of order 5 and b - e3 of order 3 (HNW I, II.10).
      embedded.push([t.b.map((bi, i) => sub(bi, pair.e5[i] ?? ZERO)), 5], [t.b.map((bi, i) => sub(bi, pair.e3[i] ?? ZERO)), 3]);
    }
    for (const [weights, q] of embedded) {
      for (let k = 1; k <= q; k++) expect(holds(moment(weights, k), frac(1, k)), `order ${q} weights, k = ${k}`).toBe(true);
      expect(distance(moment(weights, q + 1), frac(1, q + 1))).toBeGreaterThan(1e-6);
    }
  });

  it('has error weights b - bHat summing to 0 (adaptive methods)', () => {
    const pair = t.dop853Error;
    if (pair) {
      expect(holds(sum(pair.e5), ZERO)).toBe(true);
      expect(holds(sum(pair.e3), ZERO)).toBe(true);
      expect(numericTableau(t).errorKind).toBe(1);
      return;
    }
    if (!t.bHat) {
      expect(numericTableau(t).adaptive).toBe(false);
      return;
    }
    expect(holds(sum(t.bHat), ONE)).toBe(true);
    expect(holds(sum(t.b.map((bi, i) => sub(bi, t.bHat?.[i] ?? ZERO))), ZERO)).toBe(true);
  });

  it('satisfies the order conditions up to min(order, 4)', () => {
    const c = t.c;
    const c2 = c.map((ci) => mul(ci, ci));
    const c3 = c2.map((ci, i) => mul(ci, c[i]));
    const ac = times(t.a, c);
    const conditions: [Rational, Rational, number][] = [
      [sum(t.b), ONE, 1],
      [dot(t.b, c), frac(1, 2), 2],
      [dot(t.b, c2), frac(1, 3), 3],
      [dot(t.b, ac), frac(1, 6), 3],
      [dot(t.b, c3), frac(1, 4), 4],
      [
        dot(
          t.b,
          c.map((ci, i) => mul(ci, ac[i])),
        ),
        frac(1, 8),
        4,
      ],
      [dot(t.b, times(t.a, c2)), frac(1, 12), 4],
      [dot(t.b, times(t.a, ac)), frac(1, 24), 4],
    ];
    for (const [value, expected, order] of conditions) {
      if (order <= t.order) expect(holds(value, expected), `order ${order} condition`).toBe(true);
    }
    // And the method is not of higher order than claimed where that is decidable here.
    if (t.order < 4) {
      const next = conditions.filter(([, , order]) => order === t.order + 1);
      expect(next.some(([value, expected]) => !equal(value, expected))).toBe(true);
    }
  });

  it('is FSAL only if its last row of A equals b', () => {
    if (!t.fsal) return;
    t.b.slice(0, s - 1).forEach((bi, j) => {
      expect(equal(aEntry(t.a, s - 1, j), bi)).toBe(true);
    });
    expect(equal(t.b[s - 1], ZERO)).toBe(true);
  });

  it('has a dense output that is 0 at theta = 0, b at theta = 1, and of its order in theta', () => {
    if (!t.dense) return;
    const denseTolerance = t.denseHoldsTo ?? tolerance;
    const near = (a: Rational, b: Rational): boolean => (denseTolerance === 0 ? equal(a, b) : distance(a, b) <= denseTolerance);
    // The stages of the dense output: the step's, then the extra ones (DOP853), with their rows of A and c.
    const extra = t.denseStages ?? { a: [], c: [] };
    const stages = s + extra.a.length;
    const aAll = [...t.a, ...extra.a];
    const cAll = [...t.c, ...extra.c];
    const bAll = [...t.b, ...extra.a.map(() => ZERO)];
    expect(t.dense.length).toBe(stages);
    extra.a.forEach((row, r) => {
      expect(row.length).toBe(s + r);
      expect(holds(sum(row), extra.c[r] ?? ONE), `extra stage ${r + 1}: row sum = c`).toBe(true);
    });
    // b_i(theta) = sum_p dense[i][p] theta^(p+1) vanishes at 0 by construction; at theta = 1 it is sum_p dense[i][p].
    t.dense.forEach((row, i) => {
      expect(near(sum(row), bAll[i] ?? ZERO), `b_${i + 1}(1)`).toBe(true);
    });
    // Order conditions of the continuous extension (HNW I, II.6, Theorem 6.1): sum_i b_i(theta) Phi_i(tree)
    // = theta^r / gamma(tree) for every tree of order r <= its order, coefficient by coefficient in theta:
    // the bushy trees up to its order (dopri5: 4, dopri8: 5, dop853: 7) and all trees up to order 4; and the
    // bushy tree one order up fails where the degree leaves room for it (not an order higher than claimed).
    const degree = t.dense[0]?.length ?? 0;
    const order = t.denseOrder ?? 0;
    expect(order).toBeGreaterThanOrEqual(4);
    expect(order).toBeLessThanOrEqual(degree);
    const ac = times(aAll, cAll);
    const bushy = (r: number): Rational[] => cAll.map((ci) => power(ci, r - 1));
    const trees: [Rational[], number, Rational][] = [];
    for (let r = 1; r <= order; r++) trees.push([bushy(r), r, frac(1, r)]);
    trees.push(
      [ac, 3, frac(1, 6)],
      [cAll.map((ci, i) => mul(ci, ac[i] ?? ZERO)), 4, frac(1, 8)],
      [
        times(
          aAll,
          cAll.map((ci) => mul(ci, ci)),
        ),
        4,
        frac(1, 12),
      ],
      [times(aAll, ac), 4, frac(1, 24)],
    );
    for (const [phi, r, gamma] of trees) {
      for (let p = 0; p < degree; p++) {
        const total = t.dense.reduce((acc, row, i) => add(acc, mul(row[p] ?? ZERO, phi[i] ?? ZERO)), ZERO);
        expect(near(total, p + 1 === r ? gamma : ZERO), `tree of order ${r}, 1/gamma = ${toNumber(gamma)}: theta^${p + 1}`).toBe(
          true,
        );
      }
    }
    if (order < degree) {
      const phi = bushy(order + 1);
      const gaps = Array.from({ length: degree }, (_, p) =>
        distance(
          t.dense?.reduce((acc, row, i) => add(acc, mul(row[p] ?? ZERO, phi[i] ?? ZERO)), ZERO) ?? ZERO,
          p === order ? frac(1, order + 1) : ZERO,
        ),
      );
      expect(Math.max(...gaps), `bushy tree of order ${order + 1}`).toBeGreaterThan(1e-6);
    }
  });
});

describe('decimal(): coefficients printed as decimals, read exactly', () => {
  it('gives the exact fraction of the literal, sign, exponent and all', () => {
    expect(equal(decimal('-0.5e-01'), frac(-1, 20))).toBe(true);
    expect(equal(decimal('3.7109375e-2'), frac(37109375, 10 ** 9))).toBe(true);
    expect(equal(decimal('1.0'), ONE)).toBe(true);
    expect(equal(decimal('12'), frac(12))).toBe(true);
    expect(equal(decimal('.25E+1'), frac(5, 2))).toBe(true);
    // 30 digits survive (a float64 would keep 17): 1/3 - decimal('0.333...3') = 1/(3 10^30).
    expect(equal(sub(frac(1, 3), decimal(`0.${'3'.repeat(30)}`)), frac(1n, 3n * 10n ** 30n))).toBe(true);
    for (const bad of ['', '.', '1e', 'x1', '1.2.3']) expect(() => decimal(bad)).toThrow(RangeError);
  });
});
