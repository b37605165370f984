// Convergence orders fitted from step halving on the attention flow itself,
// and Dormand-Prince's error against its tolerance.

import { describe, expect, it } from 'vitest';
import type { Backend } from '../src/backend.js';
import { planSolve } from '../src/options.js';
import { createReferenceBackend } from '../src/reference/integrate.js';
import { METHODS } from '../src/solvers/index.js';
import { type NumericTableau, numericTableau } from '../src/solvers/tableau.js';
import type { BackendName, MethodName } from '../src/types.js';
import { WasmBackend } from '../src/wasm/backend.js';
import { wasmModule } from '../src/wasm/load.js';
import { BACKEND_NAMES, engineFor, fitSlope, randomHeads, randomMatrix, relativeError, seededRandom } from './helpers.js';

async function backendFor(name: BackendName): Promise<Backend> {
  return name === 'js' ? createReferenceBackend() : new WasmBackend(await wasmModule(name), name);
}

// A small but genuinely nonlinear flow: 6 tokens in D = 3, two heads with
// random weights, over a long enough time (T = 8) that the step sizes below
// sit in the asymptotic regime of every method (Dormand-Prince's small
// leading error constant makes it look like order 6-7 at larger steps).
const random = seededRandom(42);
const tokens = randomMatrix(random, 6, 3);
const heads = randomHeads(random, 3, 2, 2, 0.3);
const T = 8;

/** The fixed-step solution at T with n steps of the given tableau (dopri5 run with its error control off). */
function fixedStep(backend: Backend, tableau: NumericTableau, steps: number): Float64Array {
  const plan = planSolve({ tokens, heads, t1: T, method: 'rk4', dt: T / steps });
  const integration = backend.integrate(plan.problem, tableau, plan.y0, 1, false, null);
  const r = integration.runSegment(0, {
    t0: 0,
    t1: T,
    dt: T / steps,
    rtol: 1,
    atol: 1,
    maxSteps: 10 * steps,
    facold: 0,
    controller: plan.controller, // never consulted: tableau is fixed-step
    dtMax: plan.dtMax,
    saveTimes: Float64Array.of(T),
    resume: false,
    stepLimit: 0,
  });
  expect(r.steps).toBe(steps);
  return r.saves[0];
}

// `above`: how far the fitted slope may exceed the order. The 8th-order pairs were built with small leading
// error terms: on this flow dopri8's slope is 9.3-10.4 between 8 steps and the round-off floor (~1e-14 at
// 24 steps), dop853's 11.0. Both are held to at least 8 - 0.3 (a coefficient off by 1e-12 would add a
// low-order error above 1e-10 and pull the slope towards 1).
const EXPECTED: Record<MethodName, { order: number; steps: number[]; above?: number }> = {
  euler: { order: 1, steps: [256, 512, 1024, 2048] },
  heun: { order: 2, steps: [64, 128, 256, 512] },
  rk4: { order: 4, steps: [16, 32, 64, 128] },
  dopri5: { order: 5, steps: [8, 16, 32, 64] },
  dopri8: { order: 8, steps: [8, 12, 16], above: 2.5 },
  dop853: { order: 8, steps: [8, 12, 16], above: 3.5 },
};

describe.each(BACKEND_NAMES)('convergence on %s', (name) => {
  it.each(Object.keys(EXPECTED) as MethodName[])('%s has its order within 0.3 (fitted by step halving)', async (method) => {
    const backend = await backendFor(name);
    const fixed = numericTableau({ ...METHODS[method], bHat: undefined, dop853Error: undefined });
    const reference = fixedStep(backend, numericTableau({ ...METHODS.dopri5, bHat: undefined }), 4096);
    const { order, steps, above = 0.3 } = EXPECTED[method];
    const errors = steps.map((s) => relativeError(fixedStep(backend, fixed, s), reference));
    const slope = -fitSlope(
      steps.map((s) => Math.log(T / s)),
      errors.map(Math.log),
    );
    expect(Math.min(...errors)).toBeGreaterThan(1e-13); // above round-off, so the fit measures truncation
    const detail = `errors ${errors.map((e) => e.toExponential(2)).join(', ')}, slope ${(-slope).toFixed(2)}`;
    expect(-slope, detail).toBeGreaterThan(order - 0.3);
    expect(-slope, detail).toBeLessThan(order + above);
  });

  it.each(['dopri5', 'dopri8', 'dop853'] as const)('%s: the true error follows rtol from 1e-4 to 1e-10', async (method) => {
    const engine = await engineFor(name);
    const reference = fixedStep(await backendFor(name), numericTableau({ ...METHODS.dopri5, bHat: undefined }), 4096);
    const rtols = [1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10];
    const errors = rtols.map((rtol) =>
      relativeError(engine.solve({ tokens, heads, t1: T, rtol, atol: rtol, method }).tokens[0], reference),
    );
    for (let i = 0; i < rtols.length; i++) expect(errors[i], `rtol ${rtols[i]}`).toBeLessThan(10 * rtols[i]);
    const slope = fitSlope(rtols.map(Math.log), errors.map(Math.log));
    expect(slope).toBeGreaterThan(0.6);
    expect(slope).toBeLessThan(1.3);
  });

  it("dop853's save points come from its 7th-order dense output: no step ends at them, each within 1e-9 at rtol 1e-10", async () => {
    const engine = await engineFor(name);
    const saveAt = Array.from({ length: 40 }, (_, i) => (T * (i + 0.37)) / 40);
    const options = { tokens, heads, t1: T, rtol: 1e-10, atol: 1e-10, method: 'dop853' as const };
    const dense = engine.solve({ ...options, saveAt });
    const endOnly = engine.solve(options);
    // The same steps with 40 save points as with none: they are interpolated, not stepped to. The 3 extra
    // stages run only on steps with a save point inside (dop853.f's and SciPy's rule).
    expect(dense.stats.steps).toBe(endOnly.stats.steps);
    expect(dense.stats.rejected).toBe(endOnly.stats.rejected);
    const extra = dense.stats.rhsEvaluations - endOnly.stats.rhsEvaluations;
    expect(extra % 3).toBe(0);
    expect(extra).toBeGreaterThan(0);
    expect(extra).toBeLessThanOrEqual(3 * dense.stats.steps);
    expect(dense.stats.steps).toBeLessThan(saveAt.length);
    // An independent reference: dopri8 at rtol 1e-13, which ends a step at every save point. (The cubic
    // Hermite interpolant of these long steps would be off by ~1e-5.)
    const reference = engine.solve({ ...options, rtol: 1e-13, atol: 1e-13, method: 'dopri8', saveAt });
    let worst = 0;
    for (let i = 0; i < saveAt.length; i++) worst = Math.max(worst, relativeError(dense.tokens[i], reference.tokens[i]));
    expect(worst).toBeLessThan(1e-9);
  });
});

describe('dopri8 save points', () => {
  it('end steps (its dense output, of order 5, serves events only): each as accurate as a step end', async () => {
    const engine = await engineFor('simd');
    const saveAt = Array.from({ length: 40 }, (_, i) => (T * (i + 0.37)) / 40);
    const options = { tokens, heads, t1: T, rtol: 1e-10, atol: 1e-10, method: 'dopri8' as const };
    const sol = engine.solve({ ...options, saveAt });
    expect(sol.stats.steps).toBeGreaterThanOrEqual(saveAt.length);
    expect(sol.stats.steps).toBeGreaterThan(engine.solve(options).stats.steps);
    const reference = engine.solve({ ...options, rtol: 1e-14, atol: 1e-14, method: 'dop853', saveAt });
    let worst = 0;
    for (let i = 0; i < saveAt.length; i++) worst = Math.max(worst, relativeError(sol.tokens[i], reference.tokens[i]));
    // ~1e-12 (its interpolant would give ~1e-9 here).
    expect(worst).toBeLessThan(1e-10);
  });
});

describe('the adaptive loops agree', () => {
  // The WASM loop (assembly/rk.ts) and the TypeScript reference read the same method record: error weights,
  // DOP853's error kind and e3, and the controller's beta. Equal step and rejection counts on every method
  // show each reads all of them (the field differs in the last bits, the controller's decisions do not).
  it.each(['dopri5', 'dopri8', 'dop853'] as const)(
    '%s: the same steps, rejections and evaluations on simd and js',
    async (method) => {
      const [simd, js] = await Promise.all((['simd', 'js'] as const).map(engineFor));
      const options = { tokens, heads, t1: T, rtol: 1e-9, atol: 1e-9, method };
      const a = simd.solve(options);
      const b = js.solve(options);
      expect(a.stats).toEqual(b.stats);
      expect(relativeError(a.finalTokens, b.finalTokens)).toBeLessThan(1e-10);
    },
  );
  it.each(['dop853', 'dopri8'] as const)(
    '%s with save points and events (its extra dense-output stages): the same counts and saves on simd and js',
    async (method) => {
      const [simd, js] = await Promise.all((['simd', 'js'] as const).map(engineFor));
      const options = {
        tokens,
        heads,
        t1: T,
        rtol: 1e-9,
        atol: 1e-9,
        method,
        saveAt: [0.3, 0.31, 2, 5.5, 7.9],
        // Pairs crossing distance 2.5: four times, on the steps' interpolants.
        events: [{ kind: 'distance' as const, distance: 2.5, direction: 'either' as const }],
      };
      const a = simd.solve(options);
      const b = js.solve(options);
      expect(a.stats).toEqual(b.stats);
      expect(a.events.length).toBe(4);
      expect(b.events.length).toBe(4);
      // dopri8's steps differ between the two in the last digits of h (its error estimate cancels heavily), so
      // its order-5 interpolants differ by their own error, ~10 rtol; dop853's agree to 1e-12.
      const timeTolerance = method === 'dopri8' ? 1e-8 : 1e-9;
      for (const [i, e] of a.events.entries()) expect(Math.abs(e.t - (b.events[i]?.t ?? Number.NaN))).toBeLessThan(timeTolerance);
      for (const [i, x] of a.tokens.entries()) expect(relativeError(x, b.tokens[i] ?? new Float64Array(0))).toBeLessThan(1e-10);
    },
  );
  it("dop853 takes dop853.f's controller (beta = 0), dopri5 dopri5.f's (beta = 0.04)", () => {
    expect(numericTableau(METHODS.dop853).piBeta).toBe(0);
    expect(numericTableau(METHODS.dopri5).piBeta).toBe(0.04);
    expect(numericTableau(METHODS.dop853).errorKind).toBe(1);
  });
});
