// The paper's one-dimensional model (eq. 9: D = 1, Q K = V = 1, beta = 1)
// analysed token by token: where each token ends up (eq. 12-13), when it
// leaves the corridor [-v0, v0], a check that the exit is final, and the
// collapse of its attention row onto an extreme token (the paper's last
// section: x_i -> +inf gives P_iN -> 1, x_i -> -inf gives P_i1 -> 1).
//
// Inequality (12). For x_i > 0 (so x_N > 0), splitting sum_j P_ij x_j into
// the top token's term (P_iN >= 1/N since every x_i (x_k - x_N) <= 0), the
// dropped non-negative terms, and at most N - 1 negative terms each >=
// -e^{-x_i x_N} / x_i (a e^{-a} < 1), gives
//     dx_i/dt >= B_i := x_N / N - (N - 1) e^{-x_i x_N} / x_i.          (12)
// The paper prints e^{x_N} in the last denominator; its own derivation, and
// its special case i = N (e^{x_N^2}), give e^{x_i x_N}, which we use.
// Since x_N >= x_i, B_i >= phi(x_i) with phi(v) = v/N - (N-1) e^{-v^2}/v,
// increasing for v > 0 and zero at v0 (eq. 13). So once x_i > v0 it keeps
// increasing and tends to +infinity; x -> -x gives the bottom side.

import { corridorHalfWidth } from '../corridor.js';
import { AttnflowError } from '../errors.js';
import { finite, flattenTokens, positive, positiveInteger } from '../problem.js';
import type { EventSpec, Solution, SolveOptions, SolveStatus, Tokens } from '../types.js';

/** Options of analyzeOneDimensional. */
export interface OneDimensionalOptions {
  /** The N starting values x_i(0), as numbers or as N x 1 tokens. */
  readonly tokens: readonly number[] | Tokens;
  /** End time (t0 = 0). The 1-D model overflows float64 near t ~ 350; the analysis then uses the last finite state. */
  readonly t1: number;
  /** Save points on [0, t1] (equally spaced) where (12) and the gaps are checked; default 200. */
  readonly samples?: number;
  /** dopri5 tolerances; default 1e-10 and 1e-12. */
  readonly rtol?: number;
  readonly atol?: number;
  /** Attention counts as collapsed when 1 - P_ij <= this; default 1e-6. */
  readonly collapseThreshold?: number;
  /** Locate the collapse times on the interpolant (N user events, O(N^2) per step); default true. */
  readonly collapseTimes?: boolean;
}

/**
 * Why a token's exit from the corridor is final, checked on the computed
 * trajectory. With t_c = `from`, the first save time after the exit: the
 * lower bound B_i of inequality (12) (mirrored for a token going down) is
 * positive at every save time from t_c on, and |x_i(t_c)| exceeds v0 by
 * `margin`. By (12), B_i >= phi(|x_i|) > 0 there and phi is increasing, so the
 * exact solution through the computed state at t_c never re-enters the
 * corridor and goes to infinity on the same side. What is certified is
 * therefore the exact flow from the computed state at t_c: it holds for the
 * true trajectory provided the integration error at t_c is below `margin`.
 */
export interface ExitCertificate {
  /** All of: margin > 0, B_i > 0 at every checked save time, and (12) itself held there. */
  readonly holds: boolean;
  /** t_c: the first save time after the exit (equal to 0 if the token starts outside). */
  readonly from: number;
  /** Save times checked, from t_c to the end. */
  readonly samples: number;
  /** The smallest B_i (the right-hand side of (12)) over those save times. */
  readonly minBound: number;
  /** |x_i(t_c)| - v0. */
  readonly margin: number;
  /** Whether dx_i/dt >= B_i at every checked save time (inequality (12) on the computed states, to rounding). */
  readonly inequalityHolds: boolean;
}

/** Collapse of token i's attention row onto an extreme token. */
export interface AttentionCollapse {
  /** Index of the extreme token attention goes to: the top one for 'up', the bottom one for 'down', the nearer-to-1 one for 'inside'. */
  readonly target: number;
  /** P_i,target at the final time (summed over tokens equal to the extreme one). */
  readonly final: number;
  /** 1 - P_i,target at the final time, computed without cancellation. */
  readonly finalGap: number;
  /** First time 1 - P_i,target fell to the threshold (located on the interpolant), or null. */
  readonly time: number | null;
}

/** One token of the 1-D model. */
export interface TokenFate {
  readonly index: number;
  readonly x0: number;
  /** x_i at the final time. */
  readonly x1: number;
  /** 'up': x_i > v0 at the final time; 'down': x_i < -v0; 'inside' otherwise. */
  readonly fate: 'up' | 'down' | 'inside';
  /** When x_i last crossed |x| = v0 outwards (0 if it started outside), or null for 'inside'. */
  readonly exitTime: number | null;
  /** Crossings of |x| = v0 back inwards (0 whenever the paper's claim holds). */
  readonly reentries: number;
  readonly certificate: ExitCertificate | null;
  readonly collapse: AttentionCollapse;
}

/** The whole prompt. */
export interface OneDimensionalAnalysis {
  readonly n: number;
  /** The corridor half-width v0(N) of eq. (13). */
  readonly v0: number;
  readonly status: SolveStatus;
  /** t1, or the last finite time if the solve stopped early. */
  readonly finalTime: number;
  /** Per token, in input order. */
  readonly tokens: readonly TokenFate[];
  readonly counts: { readonly up: number; readonly down: number; readonly inside: number };
  /** Whether x_i(0) < x_j(0) implied x_i(t) <= x_j(t) at every save time. */
  readonly orderKept: boolean;
  /**
   * The most negative change of a gap between neighbouring tokens from one
   * save time to the next, divided by max(1, |x_a|, |x_b|) (the scale of the
   * integration error); >= 0 when no gap shrank (eq. 10: gaps never decrease).
   */
  readonly worstGapChange: number;
  /** The solution analysed (saves at the sample times, corridor and collapse events). */
  readonly solution: Solution;
}

/** What runs the solve: an Engine, or the default one. */
export interface Solver {
  solve(options: SolveOptions): Solution;
}

/** The row P_i. of the 1-D model at state x (scores x_i x_j), returning the mass on each of two token sets. */
function rowMass(
  x: Float64Array,
  i: number,
  top: Uint8Array,
  bottom: Uint8Array,
): { outsideTop: number; outsideBottom: number; velocity: number } {
  const n = x.length;
  const xi = x[i];
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < n; j++) max = Math.max(max, xi * x[j]);
  let z = 0;
  let notTop = 0;
  let notBottom = 0;
  let v = 0;
  for (let j = 0; j < n; j++) {
    const w = Math.exp(xi * x[j] - max);
    z += w;
    v += w * x[j];
    if (!top[j]) notTop += w;
    if (!bottom[j]) notBottom += w;
  }
  return { outsideTop: notTop / z, outsideBottom: notBottom / z, velocity: v / z };
}

/** Runs the 1-D model from `tokens` to t1 and analyses every token; see OneDimensionalAnalysis. */
export function analyzeOneDimensional(solver: Solver, options: OneDimensionalOptions): OneDimensionalAnalysis {
  if (options === null || typeof options !== 'object') throw new AttnflowError('invalid_option', '', 'options must be an object');
  const raw = options.tokens;
  const tokens: Tokens =
    Array.isArray(raw) && raw.length > 0 && typeof raw[0] === 'number' ? (raw as number[]).map((v) => [v]) : (raw as Tokens);
  const { data: x0, n, d } = flattenTokens(tokens, 'euclidean');
  if (d !== 1) throw new AttnflowError('invalid_shape', 'tokens', `the 1-D analysis needs D = 1, got D = ${d}`);
  const t1 = positive(options.t1, 't1');
  const samples = options.samples === undefined ? 200 : positiveInteger(options.samples, 'samples');
  const threshold = options.collapseThreshold === undefined ? 1e-6 : positive(options.collapseThreshold, 'collapseThreshold');
  if (!(threshold < 1)) throw new AttnflowError('invalid_value', 'collapseThreshold', `must be < 1, got ${threshold}`);
  const collapseTimes = options.collapseTimes ?? true;
  if (options.rtol !== undefined) finite(options.rtol, 'rtol');
  if (options.atol !== undefined) finite(options.atol, 'atol');
  const v0 = corridorHalfWidth(n);

  // The extreme tokens (with their equals: equal tokens stay equal).
  let hi = Number.NEGATIVE_INFINITY;
  let lo = Number.POSITIVE_INFINITY;
  for (const v of x0) {
    hi = Math.max(hi, v);
    lo = Math.min(lo, v);
  }
  const top = Uint8Array.from(x0, (v) => (v === hi ? 1 : 0));
  const bottom = Uint8Array.from(x0, (v) => (v === lo ? 1 : 0));
  const topIndex = x0.lastIndexOf(hi);
  const bottomIndex = x0.indexOf(lo);

  const events: EventSpec[] = [{ kind: 'corridor', level: v0 > 0 ? v0 : Number.MIN_VALUE, direction: 'either' }];
  if (collapseTimes) {
    for (let i = 0; i < n; i++) {
      events.push({
        kind: 'user',
        direction: 'falling',
        fn: (_t, x) => {
          const r = rowMass(x, i, top, bottom);
          return Math.min(r.outsideTop, r.outsideBottom) - threshold;
        },
      });
    }
  }
  const saveAt = Array.from({ length: samples + 1 }, (_, k) => (k === samples ? t1 : (k * t1) / samples));
  const solution = solver.solve({
    tokens: { data: x0, n, d: 1 },
    beta: 1,
    t1,
    saveAt,
    rtol: options.rtol ?? 1e-10,
    atol: options.atol ?? 1e-12,
    events,
  });
  const xEnd = solution.finalTokens;
  const times = Array.from(solution.t);
  const states = solution.tokens.slice();
  if (times[times.length - 1] !== solution.finalTime) {
    times.push(solution.finalTime);
    states.push(xEnd);
  }

  // Order and gaps over the save times.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x0[a] - x0[b]);
  let orderKept = true;
  let worstGapChange = Number.POSITIVE_INFINITY;
  for (let s = 0; s < states.length; s++) {
    for (let k = 1; k < n; k++) {
      const a = order[k - 1];
      const b = order[k];
      if (x0[a] < x0[b] && !(states[s][a] <= states[s][b])) orderKept = false;
      if (s > 0) {
        const before = states[s - 1][b] - states[s - 1][a];
        const after = states[s][b] - states[s][a];
        const scale = Math.max(1, Math.abs(states[s][a]), Math.abs(states[s][b]));
        worstGapChange = Math.min(worstGapChange, (after - before) / scale);
      }
    }
  }
  if (!Number.isFinite(worstGapChange)) worstGapChange = 0;

  const fates: TokenFate[] = [];
  for (let i = 0; i < n; i++) {
    const x1 = xEnd[i];
    const fate = x1 > v0 ? 'up' : x1 < -v0 ? 'down' : 'inside';
    const mine = solution.events.filter((e) => e.kind === 'corridor' && e.tokens[0] === i);
    const reentries = mine.filter((e) => e.direction === 'falling').length;
    let exitTime: number | null = null;
    if (fate !== 'inside') {
      const exits = mine.filter((e) => e.direction === 'rising');
      exitTime = exits.length > 0 ? exits[exits.length - 1].t : 0;
    }

    let certificate: ExitCertificate | null = null;
    if (exitTime !== null) {
      const sign = fate === 'up' ? 1 : -1;
      let from = -1;
      let minBound = Number.POSITIVE_INFINITY;
      let margin = 0;
      let count = 0;
      let inequalityHolds = true;
      for (let s = 0; s < states.length; s++) {
        if (times[s] <= exitTime && !(exitTime === 0 && s === 0)) continue;
        const x = states[s];
        // Mirror a token going down (x -> -x) so that the bound reads the same.
        const y = sign * x[i];
        let extreme = 0;
        for (let j = 0; j < n; j++) extreme = Math.max(extreme, sign * x[j]);
        const bound = extreme / n - ((n - 1) * Math.exp(-y * extreme)) / y;
        if (from < 0) {
          from = times[s];
          margin = y - v0;
        }
        count++;
        minBound = Math.min(minBound, bound);
        const velocity = sign * rowMass(x, i, top, bottom).velocity;
        if (!(velocity >= bound - 1e-12 * Math.max(1, Math.abs(bound), Math.abs(velocity)))) inequalityHolds = false;
      }
      certificate =
        from < 0
          ? {
              holds: false,
              from: solution.finalTime,
              samples: 0,
              minBound: Number.NaN,
              margin: Math.abs(x1) - v0,
              inequalityHolds,
            }
          : { holds: margin > 0 && minBound > 0 && inequalityHolds, from, samples: count, minBound, margin, inequalityHolds };
    }

    const r = rowMass(xEnd, i, top, bottom);
    const toTop = fate === 'up' || (fate === 'inside' && r.outsideTop <= r.outsideBottom);
    const finalGap = toTop ? r.outsideTop : r.outsideBottom;
    let time: number | null = null;
    if (collapseTimes) {
      const start = rowMass(x0, i, top, bottom);
      if ((toTop ? start.outsideTop : start.outsideBottom) <= threshold) time = 0;
      else time = solution.events.find((e) => e.kind === 'user' && e.event === i + 1)?.t ?? null;
    }
    fates.push({
      index: i,
      x0: x0[i],
      x1,
      fate,
      exitTime,
      reentries,
      certificate,
      collapse: { target: toTop ? topIndex : bottomIndex, final: 1 - finalGap, finalGap, time },
    });
  }
  const count = (f: TokenFate['fate']) => fates.filter((t) => t.fate === f).length;
  return {
    n,
    v0,
    status: solution.status,
    finalTime: solution.finalTime,
    tokens: fates,
    counts: { up: count('up'), down: count('down'), inside: count('inside') },
    orderKept,
    worstGapChange,
    solution,
  };
}
