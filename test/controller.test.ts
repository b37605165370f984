// The step-size controller option, against an independent transcription of
// SciPy's solve_ivp(method='RK45') (scipy/integrate/_ivp/rk.py: RungeKutta._step_impl,
// rk_step, and select_initial_step in common.py) with its own attention field,
// generalized by dopri5.f's PI term errPrev^beta (beta = 0 is SciPy's loop as written).

import { describe, expect, it } from 'vitest';
import type { SolveOptions, StepController } from '../src/types.js';
import { BACKEND_NAMES, engineFor, randomMatrix, relativeError, seededRandom } from './helpers.js';

// RK45's tableau as SciPy's RK45 class writes it (Dormand & Prince 1980); its nodes C are not needed:
// the attention field is autonomous.
const A = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
];
const B = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84];
const E = [-71 / 57600, 0, 71 / 16695, -71 / 1920, 17253 / 339200, -22 / 525, 1 / 40];

/**
 * dx_i/dt = sum_j softmax_j(beta <x_i, x_j>) x_j, written out plainly (MODEL.md, identity weights): this
 * test's own field, independent of src/ (bench/peers.mjs has its own naive copy for the same reason).
 */
function attentionField(x: Float64Array, n: number, d: number, beta: number): Float64Array {
  const out = new Float64Array(n * d);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += x[i * d + k] * x[j * d + k];
      s[j] = beta * dot;
      max = Math.max(max, s[j]);
    }
    let sum = 0;
    for (let j = 0; j < n; j++) sum += s[j] = Math.exp(s[j] - max);
    for (let j = 0; j < n; j++) for (let k = 0; k < d; k++) out[i * d + k] += (s[j] / sum) * x[j * d + k];
  }
  return out;
}

const rms = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((a, b) => a + b * b, 0) / v.length);

interface Controller {
  beta: number;
  safety: number;
  minFactor: number;
  maxFactor: number;
}

/** SciPy's RK45 loop (with first_step = dt when given), plus dopri5.f's errPrev^beta; counts as SciPy does. */
function scipyRk45(
  f: (y: Float64Array) => Float64Array,
  y0: Float64Array,
  t1: number,
  rtol: number,
  atol: number,
  ctl: Controller,
  dt = 0,
  maxStep = Number.POSITIVE_INFINITY,
) {
  const m = y0.length;
  let nfev = 0;
  const fun = (y: Float64Array) => {
    nfev++;
    return f(y);
  };
  let y = y0.slice();
  let fy = fun(y);
  let hAbs = dt;
  if (dt === 0) {
    // select_initial_step with order = error_estimator_order = 4.
    const scale = y.map((v) => atol + Math.abs(v) * rtol);
    const d0 = rms(y.map((v, l) => v / scale[l]));
    const d1 = rms(fy.map((v, l) => v / scale[l]));
    let h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
    h0 = Math.min(h0, t1);
    const f1 = fun(y.map((v, l) => v + h0 * fy[l]));
    const d2 = rms(f1.map((v, l) => (v - fy[l]) / scale[l])) / h0;
    const h1 = d1 <= 1e-15 && d2 <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / Math.max(d1, d2)) ** (1 / 5);
    hAbs = Math.min(100 * h0, h1, t1);
  }
  const exponent = -(1 / 5 - 0.75 * ctl.beta); // SciPy: error_exponent = -1 / (error_estimator_order + 1)
  let errPrev = 1e-4; // dopri5.f's FACOLD
  let t = 0;
  let steps = 0;
  let rejected = 0;
  while (t < t1) {
    let accepted = false;
    let stepRejected = false;
    if (hAbs > maxStep) hAbs = maxStep;
    while (!accepted) {
      let tNew = t + hAbs;
      if (tNew > t1) tNew = t1;
      const h = tNew - t;
      hAbs = Math.abs(h);
      // rk_step
      const K = [fy];
      for (let s = 1; s < 6; s++) {
        const ys = y.slice();
        for (let l = 0; l < m; l++) {
          let dy = 0;
          for (let j = 0; j < s; j++) dy += K[j][l] * A[s][j];
          ys[l] += dy * h;
        }
        K.push(fun(ys));
      }
      const yNew = y.map((v, l) => v + h * K.reduce((acc, k, j) => acc + k[l] * B[j], 0));
      const fNew = fun(yNew);
      K.push(fNew);
      const scaled = y.map((v, l) => {
        const scale = atol + Math.max(Math.abs(v), Math.abs(yNew[l])) * rtol;
        return (K.reduce((acc, k, j) => acc + k[l] * E[j], 0) * h) / scale;
      });
      const errorNorm = rms(scaled);
      if (errorNorm < 1) {
        let factor =
          errorNorm === 0 ? ctl.maxFactor : Math.min(ctl.maxFactor, ctl.safety * errorNorm ** exponent * errPrev ** ctl.beta);
        factor = Math.max(factor, ctl.minFactor);
        if (stepRejected) factor = Math.min(1, factor);
        hAbs *= factor;
        accepted = true;
        errPrev = Math.max(errorNorm, 1e-4);
        [t, y, fy] = [tNew, yNew, fNew];
        steps++;
      } else {
        hAbs *= Math.max(ctl.minFactor, ctl.safety * errorNorm ** exponent);
        stepRejected = true;
        rejected++;
      }
    }
  }
  return { y, steps, rejected, nfev };
}

const SCIPY: Controller = { beta: 0, safety: 0.9, minFactor: 0.2, maxFactor: 10 };

interface Case {
  name: string;
  n: number;
  d: number;
  seed: number;
  t1: number;
  rtol: number;
  atol: number;
  dt?: number;
  dtMax?: number;
  controller: Controller;
}

// The 32 x 2 problem of bench/ (randomMatrix(seededRandom(1), 32, 2, 1 / sqrt(2)), t1 = 1, rtol 1e-8,
// atol 1e-10), where SciPy 1.x's solve_ivp(RK45) reports nfev = 122 (bench/README.md); a too-large first
// step (rejections, then the no-growth rule); other safety and bounds; and the PI term (beta > 0).
const BENCH_32X2 = { n: 32, d: 2, seed: 1, t1: 1, rtol: 1e-8, atol: 1e-10 };
const NINE_TOKENS = { n: 9, d: 2, seed: 6, t1: 6, rtol: 1e-7, atol: 1e-9, dt: 1 };
const CASES: Case[] = [
  { name: "bench 32 x 2, SciPy's controller", ...BENCH_32X2, controller: SCIPY },
  { name: 'first step 2, rejections', n: 7, d: 3, seed: 5, t1: 4, rtol: 1e-9, atol: 1e-12, dt: 2, controller: SCIPY },
  {
    name: 'safety 0.7, factors [0.4, 3]',
    ...NINE_TOKENS,
    controller: { beta: 0, safety: 0.7, minFactor: 0.4, maxFactor: 3 },
  },
  { name: 'dtMax 0.03 (max_step)', ...BENCH_32X2, dtMax: 0.03, controller: SCIPY },
  { name: 'PI control, beta 0.1', ...NINE_TOKENS, controller: { beta: 0.1, safety: 0.9, minFactor: 0.2, maxFactor: 10 } },
];

describe.each(BACKEND_NAMES)('controller option on %s', (backend) => {
  it.each(CASES)('$name: the steps of SciPy RK45 (+ dopri5.f PI term), state to 1e-11', async (c) => {
    const engine = await engineFor(backend);
    const x0 = Float64Array.from(randomMatrix(seededRandom(c.seed), c.n, c.d, 1 / Math.sqrt(c.d)).flat());
    const beta = 1 / Math.sqrt(c.d);
    const ref = scipyRk45((y) => attentionField(y, c.n, c.d, beta), x0, c.t1, c.rtol, c.atol, c.controller, c.dt, c.dtMax);
    // What SciPy's own solve_ivp reports on this problem; with max_step, at least t1 / max_step steps.
    if (c.n === 32 && c.dtMax === undefined) expect(ref.nfev).toBe(122);
    if (c.dtMax !== undefined) expect(ref.steps).toBeGreaterThanOrEqual(Math.ceil(c.t1 / c.dtMax));
    const sol = engine.solve({
      tokens: { data: x0, n: c.n, d: c.d },
      t1: c.t1,
      rtol: c.rtol,
      atol: c.atol,
      ...(c.dt === undefined ? {} : { dt: c.dt }),
      ...(c.dtMax === undefined ? {} : { dtMax: c.dtMax }),
      controller: c.controller,
      // The tied kernel rounds differently from the plain softmax above (1e-16 per evaluation): the same
      // steps either way, but this test compares the controller, so both sides use the row-max form.
      kernel: 'row-max',
    });
    expect(sol.status).toBe('success');
    expect({ steps: sol.stats.steps, rejected: sol.stats.rejected, evals: sol.stats.rhsEvaluations }).toEqual({
      steps: ref.steps,
      rejected: ref.rejected,
      evals: ref.nfev,
    });
    if (c.dt !== undefined && c.controller === SCIPY) expect(ref.rejected).toBeGreaterThan(0);
    expect(relativeError(sol.finalTokens, ref.y)).toBeLessThan(1e-11);
  });
});

describe('controller option: defaults and checks', () => {
  const tokens = { data: Float64Array.from(randomMatrix(seededRandom(3), 12, 2).flat()), n: 12, d: 2 };
  const base: SolveOptions = { tokens, t1: 2 };

  it("defaults to dopri5.f's controller (beta 0.04) for dopri5 and dop853.f's (beta 0) for dop853", async () => {
    const engine = await engineFor('simd');
    const statsOf = (o: Partial<SolveOptions>) => engine.solve({ ...base, ...o }).stats;
    const dopri5Default = statsOf({});
    expect(statsOf({ controller: { beta: 0.04, safety: 0.9, minFactor: 0.2, maxFactor: 10 } })).toEqual(dopri5Default);
    expect(statsOf({ controller: {} })).toEqual(dopri5Default);
    expect(statsOf({ controller: { beta: 0 } })).not.toEqual(dopri5Default);
    expect(statsOf({ method: 'dop853', controller: { beta: 0 } })).toEqual(statsOf({ method: 'dop853' }));
  });

  it('solveMany takes the controller and dtMax of each problem', async () => {
    const engine = await engineFor('simd');
    const controller: StepController = { beta: 0, safety: 0.8, maxFactor: 4 };
    const problems: SolveOptions[] = [{ ...base, controller }, { ...base, dtMax: 0.07 }, base];
    const many = engine.solveMany(problems);
    problems.forEach((p, k) => {
      const one = engine.solve(p);
      expect(many[k].stats).toEqual(one.stats);
      expect(Array.from(many[k].finalTokens)).toEqual(Array.from(one.finalTokens));
    });
    expect(many[0].stats).not.toEqual(many[2].stats);
    expect(many[1].stats.steps).toBeGreaterThanOrEqual(29); // t1 / dtMax = 28.6
  });

  it.each([
    [{ beta: 0.3 }, /controller\.beta.*is 0\.3; must be in \[0, 0\.2\]/],
    [{ beta: -0.01 }, /controller\.beta/],
    [{ beta: Number.NaN }, /controller\.beta/],
    [{ safety: 1 }, /controller\.safety.*\(1e-4, 1\)/],
    [{ minFactor: 0 }, /controller\.minFactor.*\(0, 1\]/],
    [{ minFactor: 1.5 }, /controller\.minFactor/],
    [{ maxFactor: 0.5 }, /controller\.maxFactor.*at least 1/],
    [{ bta: 0 }, /controller\.bta.*did you mean 'beta'/],
  ])('rejects %o with an error naming the field', async (controller, message) => {
    const engine = await engineFor('simd');
    expect(() => engine.solve({ ...base, controller: controller as StepController })).toThrow(message);
  });

  it('dtMax: checked, refused for fixed-step methods', async () => {
    const engine = await engineFor('simd');
    expect(() => engine.solve({ ...base, dtMax: 0 })).toThrow(/dtMax/);
    expect(() => engine.solve({ ...base, dtMax: Number.NaN })).toThrow(/dtMax/);
    expect(() => engine.solve({ ...base, method: 'euler', dt: 0.1, dtMax: 0.1 })).toThrow(/dtMax.*'euler' takes fixed steps/);
    // Bounds every step of every adaptive method: at least t1 / dtMax steps, and unchanged when it never binds.
    for (const method of ['dopri5', 'dopri8', 'dop853'] as const) {
      expect(engine.solve({ ...base, method, dtMax: 0.05 }).stats.steps).toBeGreaterThanOrEqual(40);
      expect(engine.solve({ ...base, method, dtMax: 100 }).stats).toEqual(engine.solve({ ...base, method }).stats);
    }
  });

  it('is refused for fixed-step methods and when not an object', async () => {
    const engine = await engineFor('simd');
    expect(() => engine.solve({ ...base, method: 'rk4', dt: 0.1, controller: { beta: 0 } })).toThrow(
      /controller.*'rk4' takes fixed steps/,
    );
    expect(() => engine.solve({ ...base, controller: 0.04 as unknown as StepController })).toThrow(/controller.*object/);
  });
});
