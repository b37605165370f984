// An explicit Runge-Kutta method as data: the Butcher tableau (exact
// fractions), an optional embedded error estimate and dense output. One
// generic loop (assembly/rk.ts and src/reference/integrate.ts) runs them all.

import type { MethodName } from '../types.js';
import { PI_BETA } from './control.js';
import { type Rational, sub, toNumber } from './rational.js';

export interface ButcherTableau {
  readonly name: MethodName;
  /** Classical order p of the solution weights b. */
  readonly order: number;
  /** Where the coefficients come from. */
  readonly source: string;
  /** Row i holds a_i1 .. a_i,i-1 (row 0 is empty). */
  readonly a: readonly (readonly Rational[])[];
  readonly b: readonly Rational[];
  readonly c: readonly Rational[];
  /** Embedded weights b-hat of order errorOrder, for adaptive methods. */
  readonly bHat?: readonly Rational[];
  /**
   * Instead of bHat: Hairer's DOP853 estimate from two error weight vectors, e5 = b - (5th-order weights)
   * and e3 = b - (3rd-order weights): err = |h| E5^2 / sqrt(m (E5^2 + 0.01 E3^2)) with E5^2, E3^2 the sums
   * over the m components of (sum_i e_i k_i / sc)^2; it behaves like an estimate of order errorOrder = 7
   * (Hairer, Norsett, Wanner I, Section II.10; dop853.f).
   */
  readonly dop853Error?: { readonly e5: readonly Rational[]; readonly e3: readonly Rational[] };
  readonly errorOrder?: number;
  /** beta of the PI step-size controller (default PI_BETA = 0.04, dopri5.f's; dop853.f uses 0). */
  readonly piBeta?: number;
  /**
   * Set when the source gives rational approximations of irrational coefficients: consistency, weight
   * sums and order conditions then hold to this absolute accuracy instead of exactly.
   */
  readonly conditionsHoldTo?: number;
  /** First same as last: the last stage is evaluated at y_new (row s of A equals b). */
  readonly fsal: boolean;
  /**
   * Dense output: y(t + theta h) = y + h sum_i b_i(theta) k_i with
   * b_i(theta) = sum_p dense[i][p] theta^(p+1), one row per stage (and per denseStages stage).
   */
  readonly dense?: readonly (readonly Rational[])[];
  /**
   * Stages the dense output needs beyond the step's (DOP853: 3), evaluated after an accepted step only when
   * it is interpolated (a save point inside the step, or events): row r of `a` weighs stages 1 .. s + r,
   * the step's stages then the earlier extra ones; `c` holds their row sums.
   */
  readonly denseStages?: { readonly a: readonly (readonly Rational[])[]; readonly c: readonly Rational[] };
  /** Order of the dense output in theta (the order conditions test/tableaus.test.ts checks it to). */
  readonly denseOrder?: number;
  /**
   * Whether save points are interpolated on the dense output (default true). false: steps end at save
   * points, and the dense output serves events only (dopri8, whose interpolant is of lower order than its
   * steps: interpolated saves would lose the accuracy its steps deliver).
   */
  readonly denseSaves?: boolean;
  /** Accuracy of the dense output's coefficients when printed decimals (default conditionsHoldTo). */
  readonly denseHoldsTo?: number;
}

/** The tableau as float64, in the order of the WASM method record (abi.ts). */
export interface NumericTableau {
  readonly name: MethodName;
  readonly stages: number;
  readonly adaptive: boolean;
  readonly errorOrder: number;
  readonly fsal: boolean;
  readonly denseDegree: number;
  /** s x s, row-major, strictly lower triangular. */
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly c: Float64Array;
  /** Error weights e = b - bHat, or e5 of dop853Error (zeros for fixed-step methods). */
  readonly e: Float64Array;
  /** beta of the PI step-size controller. */
  readonly piBeta: number;
  /** 1: the DOP853 estimate from e and e3 (dop853Error); 0: the RMS of h sum_i e_i k_i. */
  readonly errorKind: number;
  /** The e3 weights of dop853Error (zeros otherwise). */
  readonly e3: Float64Array;
  /** Whether save points are interpolated (a dense output and ButcherTableau.denseSaves); else steps end at them. */
  readonly denseSaves: boolean;
  /** Stages of the dense output, S >= stages: S - stages extra stages (ButcherTableau.denseStages). */
  readonly denseStages: number;
  /** S x denseDegree, row-major. */
  readonly dense: Float64Array;
  /** The extra stages' rows of A: (S - stages) x S, row-major (row r weighs stages 0 .. stages + r - 1). */
  readonly extraA: Float64Array;
}

export function numericTableau(t: ButcherTableau): NumericTableau {
  const s = t.b.length;
  const a = new Float64Array(s * s);
  t.a.forEach((row, i) => {
    row.forEach((v, j) => {
      a[i * s + j] = toNumber(v);
    });
  });
  const e = new Float64Array(s);
  const e3 = new Float64Array(s);
  const bHat = t.bHat;
  if (bHat) {
    t.b.forEach((bi, i) => {
      e[i] = toNumber(sub(bi, bHat[i]));
    });
  }
  if (t.dop853Error) {
    e.set(t.dop853Error.e5.map(toNumber));
    e3.set(t.dop853Error.e3.map(toNumber));
  }
  const degree = t.dense ? (t.dense[0]?.length ?? 0) : 0;
  const extra = t.denseStages?.a ?? [];
  const stagesDense = s + extra.length;
  if (t.dense && t.dense.length !== stagesDense) {
    throw new Error(`attnflow: ${t.name} dense output has ${t.dense.length} rows for ${stagesDense} stages`);
  }
  const extraA = new Float64Array(extra.length * stagesDense);
  extra.forEach((row, r) => {
    row.forEach((v, j) => {
      extraA[r * stagesDense + j] = toNumber(v);
    });
  });
  const dense = new Float64Array(stagesDense * degree);
  t.dense?.forEach((row, i) => {
    row.forEach((v, p) => {
      dense[i * degree + p] = toNumber(v);
    });
  });
  return {
    name: t.name,
    stages: s,
    adaptive: t.bHat !== undefined || t.dop853Error !== undefined,
    errorOrder: t.errorOrder ?? 0,
    fsal: t.fsal,
    denseDegree: degree,
    a,
    b: Float64Array.from(t.b, toNumber),
    c: Float64Array.from(t.c, toNumber),
    e,
    errorKind: t.dop853Error ? 1 : 0,
    piBeta: t.piBeta ?? PI_BETA,
    e3,
    denseSaves: degree > 0 && (t.denseSaves ?? true),
    denseStages: stagesDense,
    dense,
    extraA,
  };
}
