// One generic explicit Runge-Kutta loop over a tableau held in a method record
// (abi.ts). The tableaus themselves live in src/solvers/, written as exact
// fractions with their sources, and are copied here before each solve.
//
// Adaptive methods use the RMS error norm, the PI step-size controller and
// the initial step of Hairer, Norsett, Wanner, "Solving Ordinary Differential
// Equations I", 2nd ed., Section II.4 (and their code dopri5.f). Save points
// are hit exactly: methods with a dense output interpolate, the others clip
// their step to land on the save point (so does dopri8, whose dense output
// serves its events only: METHOD_DENSE_SAVES). A dense output may need
// stages beyond the step's (DOP853: 3, dopri8: 1); they are evaluated after
// an accepted step only when it is interpolated (a save point inside it, or events).

import {
  PROBLEM_N, PROBLEM_D, PROBLEM_GEOMETRY, GEOMETRY_SPHERE,
  METHOD_STAGES, METHOD_ADAPTIVE, METHOD_ERROR_ORDER, METHOD_FSAL, METHOD_DENSE_DEGREE, METHOD_TABLE, METHOD_ERROR_KIND,
  METHOD_DENSE_STAGES, METHOD_DENSE_SAVES,
  CONTROL_PI_BETA, CONTROL_SAFETY, CONTROL_FAC_MIN, CONTROL_FAC_MAX, CONTROL_DT_MAX,
  CONTROL_T0, CONTROL_T1, CONTROL_DT, CONTROL_RTOL, CONTROL_ATOL, CONTROL_MAX_STEPS, CONTROL_N_SAVE,
  CONTROL_SAVE_TIMES, CONTROL_SAVE_OUT, CONTROL_STATE, CONTROL_WORK, CONTROL_FACOLD, CONTROL_STATUS,
  CONTROL_T_REACHED, CONTROL_DT_NEXT, CONTROL_STEPS, CONTROL_REJECTED, CONTROL_RHS_EVALS, CONTROL_N_SAVED,
  STATUS_SUCCESS, STATUS_MAX_STEPS, STATUS_NON_FINITE, STATUS_DT_MIN, STATUS_EVENT,
  CONTROL_EVENT_GROUPS, CONTROL_N_EVENT_GROUPS, CONTROL_EVENT_VALUES, CONTROL_EVENT_WORK, CONTROL_EVENT_CAPACITY,
  CONTROL_RESUME, CONTROL_STEP_LIMIT, CONTROL_N_EVENTS, CONTROL_STEP_START, CONTROL_STEP_END,
} from './abi';
import { slot, setSlot, pointerSlot } from './records';
import { axpy } from './vec';
import { fieldRhs } from './parallel'; // the field (softmax or Sinkhorn, split over threads when the problem has a pool)
import { normalizeRows } from './geometry';
import { evaluateEvents, eventFunctionCount, locateEvents, rkInterpolate } from './events';

// The PI step-size controller of dopri5.f (HNW I, II.4, and Hairer & Wanner II, IV.2; Gustafsson's PI
// control): its beta, safety factor and bounds on h_new / h come in the control record (CONTROL_PI_BETA ..
// CONTROL_FAC_MAX; src/solvers/control.ts holds the defaults: dopri5.f's, beta 0 for dop853 as dop853.f).
/** Steps shorter than this fraction of the time scale are reported as 'dt_min'. */
const DT_MIN_RELATIVE: f64 = 1e-14;
/** The smallest step anywhere, so that a solve near t = 0 cannot shrink its step to nothing. */
const DT_MIN_ABSOLUTE: f64 = 1e-300;
/** A step this close (relative) to a stop point is stretched to land on it. */
const SNAP_RELATIVE: f64 = 1e-10;

/** True when all count float64 at p are finite (x * 0 is NaN exactly for Inf and NaN). */
function allFinite(p: usize, count: i32): bool {
  let acc: f64 = 0;
  for (let l = 0; l < count; l++) acc += load<f64>(p + (<usize>l << 3)) * 0.0;
  return acc == 0;
}

/** dst = y + h * sum_j w[j] K_j over the first `terms` stages, skipping zero weights. */
function combineStages(
  dst: usize, y: usize, h: f64, w: usize, terms: i32, work: usize, bytes: usize, m: i32,
): void {
  memory.copy(dst, y, bytes);
  for (let j = 0; j < terms; j++) {
    const wj = load<f64>(w + (<usize>j << 3));
    if (wj != 0) axpy(dst, h * wj, work + <usize>j * bytes, m);
  }
}

/**
 * RMS norm of the embedded error estimate h * sum_i e_i K_i, each component
 * scaled by atol + rtol * max(|y|, |y_new|) (HNW I, II.4, eq. 4.11).
 */
function errorNorm(
  y: usize, yNew: usize, h: f64, e: usize, s: i32, work: usize, bytes: usize, m: i32, rtol: f64, atol: f64,
  kind: i32, e3: usize,
): f64 {
  let sum: f64 = 0;
  let sum3: f64 = 0;
  for (let l = 0; l < m; l++) {
    const o = <usize>l << 3;
    let est: f64 = 0, est3: f64 = 0;
    for (let i = 0; i < s; i++) {
      const ei = load<f64>(e + (<usize>i << 3));
      if (ei != 0) est += ei * load<f64>(work + <usize>i * bytes + o);
      if (kind == 1) {
        const e3i = load<f64>(e3 + (<usize>i << 3));
        if (e3i != 0) est3 += e3i * load<f64>(work + <usize>i * bytes + o);
      }
    }
    const sc = atol + rtol * Math.max(Math.abs(load<f64>(y + o)), Math.abs(load<f64>(yNew + o)));
    if (kind == 1) {
      const r5 = est / sc, r3 = est3 / sc;
      sum += r5 * r5;
      sum3 += r3 * r3;
    } else {
      const r = (h * est) / sc;
      sum += r * r;
    }
  }
  if (kind == 1) {
    // Hairer's dop853.f: err = |h| E5^2 / sqrt(m (E5^2 + 0.01 E3^2)) (tableau.ts, dop853Error).
    let deno = sum + 0.01 * sum3;
    if (!(deno > 0)) deno = 1.0;
    return (Math.abs(h) * sum) / Math.sqrt(<f64>m * deno);
  }
  return Math.sqrt(sum / <f64>m);
}

/** RMS of v / (atol + rtol |y|), or of (v - w) / (...) when w != 0. */
function scaledRms(v: usize, w: usize, y: usize, m: i32, rtol: f64, atol: f64): f64 {
  let sum: f64 = 0;
  for (let l = 0; l < m; l++) {
    const o = <usize>l << 3;
    let r = load<f64>(v + o);
    if (w != 0) r -= load<f64>(w + o);
    r /= atol + rtol * Math.abs(load<f64>(y + o));
    sum += r * r;
  }
  return Math.sqrt(sum / <f64>m);
}

/**
 * First trial step, HNW I, II.4 ("Starting Step Size"): h0 from |y| / |f|,
 * one explicit Euler probe, h1 from the second-derivative estimate.
 * Uses ytmp and f1 as scratch.
 */
function initialStep(
  problem: usize, y: usize, f0: usize, ytmp: usize, f1: usize, m: i32,
  rtol: f64, atol: f64, errorOrder: i32, span: f64,
): f64 {
  const d0 = scaledRms(y, 0, y, m, rtol, atol);
  const d1 = scaledRms(f0, 0, y, m, rtol, atol);
  let h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * (d0 / d1);
  h0 = Math.min(h0, span);
  memory.copy(ytmp, y, <usize>m << 3);
  axpy(ytmp, h0, f0, m);
  fieldRhs(problem, ytmp, f1);
  const d2 = scaledRms(f1, f0, y, m, rtol, atol) / h0;
  const dmax = Math.max(d1, d2);
  let h1 = dmax <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : Math.pow(0.01 / dmax, 1.0 / <f64>(errorOrder + 1));
  if (!(h1 > 0) || !isFinite(h1)) h1 = h0 * 1e-3;
  return Math.min(Math.min(100 * h0, h1), span);
}

/** dst = y + h * sum_i b_i(theta) K_i with b_i(theta) = sum_p dense[i][p] theta^(p+1). */
function denseOutput(
  dst: usize, y: usize, h: f64, theta: f64, dense: usize, degree: i32, s: i32, work: usize, bytes: usize, m: i32,
): void {
  memory.copy(dst, y, bytes);
  for (let i = 0; i < s; i++) {
    const row = dense + (<usize>(i * degree) << 3);
    let bi: f64 = 0;
    for (let p = degree - 1; p >= 0; p--) bi = (bi + load<f64>(row + (<usize>p << 3))) * theta;
    if (bi != 0) axpy(dst, h * bi, work + <usize>i * bytes, m);
  }
}

/**
 * Integrates dX/dt = f(X) (fieldRhs: the field the problem record selects,
 * split over threads when the problem has a pool) over one segment [t0, t1]
 * (one layer's weights) with the tableau in `method`; reads and writes the
 * control record. Returns the status code, also stored in CONTROL_STATUS.
 *
 * With an event work area (CONTROL_EVENT_WORK != 0) each accepted step is
 * kept for interpolation (rkInterpolate) and the built-in event groups are
 * located on it (events.ts); a terminal one ends the solve at its time with
 * STATUS_EVENT. CONTROL_STEP_LIMIT makes the call return after that many
 * accepted steps (for event functions evaluated by the caller), and
 * CONTROL_RESUME continues such a call without re-evaluating f(y).
 */
export function rkSolve(problem: usize, method: usize, control: usize): i32 {
  const m = <i32>slot(problem, PROBLEM_N) * <i32>slot(problem, PROBLEM_D);
  const n = <i32>slot(problem, PROBLEM_N);
  const d = <i32>slot(problem, PROBLEM_D);
  const bytes = <usize>m << 3;
  const sphere = <i32>slot(problem, PROBLEM_GEOMETRY) == GEOMETRY_SPHERE;

  const s = <i32>slot(method, METHOD_STAGES);
  const adaptive = slot(method, METHOD_ADAPTIVE) != 0;
  const errorOrder = <i32>slot(method, METHOD_ERROR_ORDER);
  const fsal = slot(method, METHOD_FSAL) != 0;
  const degree = <i32>slot(method, METHOD_DENSE_DEGREE);
  const tableA = method + (<usize>METHOD_TABLE << 3);
  const tableB = tableA + (<usize>(s * s) << 3);
  const tableE = tableB + (<usize>(2 * s) << 3); // b, then c (unused here: autonomous field), then e
  const tableDense = tableE + (<usize>s << 3);
  const errorKind = <i32>slot(method, METHOD_ERROR_KIND);
  // S stages of the dense output: the step's s, then S - s extra ones (their rows of A after e3).
  const stagesDense = max(s, <i32>slot(method, METHOD_DENSE_STAGES));
  const tableE3 = tableDense + (<usize>(stagesDense * degree) << 3);
  const tableExtra = tableE3 + (<usize>s << 3);
  // Save points from the dense output, or steps that end at them.
  const denseSaves = degree > 0 && slot(method, METHOD_DENSE_SAVES) != 0;
  // dopri8's one extra stage is f(y_new) itself (its row of A is b, the same sum in the same order as
  // y_new's): off the sphere it is the step-end value the events keep, not to be evaluated twice.
  let extraIsEnd = !fsal && stagesDense == s + 1;
  for (let j = 0; j < s && extraIsEnd; j++) {
    if (load<f64>(tableExtra + (<usize>j << 3)) != load<f64>(tableB + (<usize>j << 3))) extraIsEnd = false;
  }

  const t0 = slot(control, CONTROL_T0);
  const tEnd = slot(control, CONTROL_T1);
  let h = slot(control, CONTROL_DT);
  const rtol = slot(control, CONTROL_RTOL);
  const atol = slot(control, CONTROL_ATOL);
  const maxSteps = slot(control, CONTROL_MAX_STEPS);
  const nSave = <i32>slot(control, CONTROL_N_SAVE);
  const saveTimes = pointerSlot(control, CONTROL_SAVE_TIMES);
  const saveOut = pointerSlot(control, CONTROL_SAVE_OUT);
  const y = pointerSlot(control, CONTROL_STATE);
  const work = pointerSlot(control, CONTROL_WORK); // stagesDense stages, then ytmp and yNew
  const ytmp = work + <usize>stagesDense * bytes;
  const yNew = ytmp + bytes;
  let facold = slot(control, CONTROL_FACOLD);
  if (!(facold > 0)) facold = 1e-4;
  const piBeta = slot(control, CONTROL_PI_BETA);
  const safety = slot(control, CONTROL_SAFETY);
  const facMin = slot(control, CONTROL_FAC_MIN);
  const facMax = slot(control, CONTROL_FAC_MAX);
  const dtMax = slot(control, CONTROL_DT_MAX);
  const expo = 1.0 / <f64>(errorOrder + 1) - 0.75 * piBeta;

  const eventWork = pointerSlot(control, CONTROL_EVENT_WORK);
  const eventGroups = pointerSlot(control, CONTROL_EVENT_GROUPS);
  const nGroups = <i32>slot(control, CONTROL_N_EVENT_GROUPS);
  const eventValues = pointerSlot(control, CONTROL_EVENT_VALUES);
  const eventCapacity = <i32>slot(control, CONTROL_EVENT_CAPACITY);
  const nFunctions = nGroups > 0 ? eventFunctionCount(eventGroups, nGroups) : 0;
  const stepLimit = <i32>slot(control, CONTROL_STEP_LIMIT);
  const resume = slot(control, CONTROL_RESUME) != 0;
  // The kept step: y(t0), f(y(t0)), y(t0 + h), f(y(t0 + h)).
  const yPrev = eventWork;
  const k1Prev = eventWork + bytes;
  const yEnd = eventWork + 2 * bytes;
  const fEnd = eventWork + 3 * bytes;

  let t = t0;
  let steps = 0, rejected = 0, evals = 0, saved = 0;
  let status = STATUS_SUCCESS;
  let lastRejected = false;
  setSlot(control, CONTROL_N_EVENTS, 0);

  if (!resume) {
    fieldRhs(problem, y, work);
    evals++;
    if (nGroups > 0) evaluateEvents(eventGroups, nGroups, y, n, d, eventValues);
  }
  if (!allFinite(work, m)) status = STATUS_NON_FINITE;
  if (status == STATUS_SUCCESS && adaptive && !(h > 0)) {
    h = initialStep(problem, y, work, ytmp, work + bytes, m, rtol, atol, errorOrder, tEnd - t0);
    evals++;
  }

  while (status == STATUS_SUCCESS && t < tEnd) {
    if (<f64>(steps + rejected) >= maxSteps) {
      status = STATUS_MAX_STEPS;
      break;
    }
    let stop = tEnd;
    if (!denseSaves && saved < nSave) stop = Math.min(stop, load<f64>(saveTimes + (<usize>saved << 3)));
    // No attempted step longer than dtMax (SciPy's max_step: clipped where each step starts).
    let hStep = Math.min(h, dtMax);
    let tNew = t + hStep;
    if (stop - t <= hStep * (1 + SNAP_RELATIVE)) {
      hStep = stop - t;
      tNew = stop;
    }

    // Stages 2..s; with FSAL the last stage state is y_new itself (row s of A = b).
    for (let i = 1; i < s; i++) {
      const dst = fsal && i == s - 1 ? yNew : ytmp;
      combineStages(dst, y, hStep, tableA + (<usize>(i * s) << 3), i, work, bytes, m);
      fieldRhs(problem, dst, work + <usize>i * bytes);
      evals++;
    }
    if (!fsal) combineStages(yNew, y, hStep, tableB, s, work, bytes, m);

    let hNew = h;
    if (adaptive) {
      let err = errorNorm(y, yNew, hStep, tableE, s, work, bytes, m, rtol, atol, errorKind, tableE3);
      const finiteStep = isFinite(err) && allFinite(yNew, m);
      if (!finiteStep) err = Infinity;
      const fac11 = Math.pow(err, expo);
      if (err > 1) {
        h = hStep / Math.min(1 / facMin, fac11 / safety);
        rejected++;
        lastRejected = true;
        // Below 1e-14 |t| a step barely moves t in float64 (cf. SciPy's min_step, 10 ulp of t).
        if (h < Math.max(DT_MIN_RELATIVE * Math.abs(t), DT_MIN_ABSOLUTE)) {
          status = finiteStep ? STATUS_DT_MIN : STATUS_NON_FINITE;
        }
        continue;
      }
      const fac = Math.max(1 / facMax, Math.min(1 / facMin, fac11 / Math.pow(facold, piBeta) / safety));
      hNew = hStep / fac;
      if (lastRejected) hNew = Math.min(hNew, hStep);
      facold = Math.max(err, 1e-4);
      lastRejected = false;
    } else if (!allFinite(yNew, m)) {
      status = STATUS_NON_FINITE;
      break;
    }

    // Accept: renormalize on the sphere, locate events, fill the save points in (t, tAccept].
    if (sphere) normalizeRows(yNew, n, d);
    // The dense output's extra stages, from y and the step's stages (the last one f(y_new) with FSAL), when
    // this step will be interpolated: events (every step), or a save point strictly inside it.
    if (
      stagesDense > s &&
      (eventWork != 0 || (denseSaves && saved < nSave && load<f64>(saveTimes + (<usize>saved << 3)) < tNew))
    ) {
      for (let r = 0; r < stagesDense - s; r++) {
        combineStages(ytmp, y, hStep, tableExtra + (<usize>(r * stagesDense) << 3), s + r, work, bytes, m);
        fieldRhs(problem, ytmp, work + <usize>(s + r) * bytes);
        evals++;
      }
    }
    let tAccept = tNew;
    if (eventWork != 0) {
      memory.copy(yPrev, y, bytes);
      memory.copy(k1Prev, work, bytes);
      memory.copy(yEnd, yNew, bytes);
      if (fsal && !sphere) {
        memory.copy(fEnd, work + <usize>(s - 1) * bytes, bytes);
      } else if (extraIsEnd && !sphere) {
        memory.copy(fEnd, work + <usize>s * bytes, bytes); // evaluated above: eventWork != 0
      } else {
        fieldRhs(problem, yNew, fEnd);
        evals++;
      }
      setSlot(control, CONTROL_STEP_START, t);
      setSlot(control, CONTROL_STEP_END, tNew);
      if (nGroups > 0) {
        const tTerminal = locateEvents(problem, method, control);
        if (tTerminal < tNew) {
          tAccept = tTerminal;
          rkInterpolate(problem, method, control, tTerminal, yNew);
        }
        if (tTerminal <= tNew) status = STATUS_EVENT;
      }
    }
    while (saved < nSave) {
      const ts = load<f64>(saveTimes + (<usize>saved << 3));
      if (ts > tAccept) break;
      const dst = saveOut + <usize>saved * bytes;
      if (ts == tAccept || !denseSaves) {
        memory.copy(dst, yNew, bytes);
      } else {
        denseOutput(dst, y, hStep, (ts - t) / hStep, tableDense, degree, stagesDense, work, bytes, m);
        if (sphere) normalizeRows(dst, n, d);
      }
      saved++;
    }
    memory.copy(y, yNew, bytes);
    t = tAccept;
    steps++;
    h = hNew;
    if (status == STATUS_EVENT) break;
    if (eventWork != 0) {
      memory.copy(work, fEnd, bytes);
    } else if (fsal && !sphere) {
      memory.copy(work, work + <usize>(s - 1) * bytes, bytes);
    } else {
      fieldRhs(problem, y, work);
      evals++;
    }
    if (!allFinite(work, m)) status = STATUS_NON_FINITE;
    // Hand control back: after stepLimit steps, or before the event records could overflow.
    if (stepLimit > 0 && steps >= stepLimit) break;
    if (nGroups > 0 && <i32>slot(control, CONTROL_N_EVENTS) + nFunctions > eventCapacity) break;
  }

  setSlot(control, CONTROL_STATUS, <f64>status);
  setSlot(control, CONTROL_T_REACHED, t);
  setSlot(control, CONTROL_DT_NEXT, h);
  setSlot(control, CONTROL_STEPS, <f64>steps);
  setSlot(control, CONTROL_REJECTED, <f64>rejected);
  setSlot(control, CONTROL_RHS_EVALS, <f64>evals);
  setSlot(control, CONTROL_N_SAVED, <f64>saved);
  setSlot(control, CONTROL_FACOLD, facold);
  return status;
}
