// Events of a solve: scalar functions g(X) of the state whose sign changes
// are located in time by root finding on the interpolant of the accepted
// step, as in Hairer, Norsett, Wanner I, Section II.6 ("dense output ...
// and event location") and Shampine & Thompson, "Event location for ordinary
// differential equations", Comput. Math. Appl. 39 (2000) 43-54.
//
// Built-in event functions (abi.ts EVENT_KIND_*), each oriented so that the
// named occurrence is a rising crossing (g goes from < 0 to >= 0):
//   corridor       g = |x_i| - level           (token i leaves the ball / 1-D corridor, eq. 13)
//   distance       g = level^2 - |x_i - x_j|^2  (tokens i and j come within `level`)
//   inner product  g = <x_i, x_j> - level      (cluster merge on the sphere)
// Sign changes are checked at the ends of each accepted step; a function
// that crosses twice inside one step is missed (the usual limit of event
// location on step ends; the steps of an accurate solve are short).
//
// The interpolant of a step [t0, t0 + h] is the method's dense output
// (dopri5: Shampine's 4th-order continuous extension; dop853: Hairer's 7th-
// order one; dopri8: Bogacki & Shampine's of order 5; their extra stages
// rk.ts evaluates on every step when events are on) or, for methods
// without one, the cubic Hermite interpolant of y0, f(y0), y1, f(y1)
// (3rd order, C1 across steps). Roots are found by the Illinois variant of
// regula falsi (Dahlquist & Bjorck, "Numerical Methods", 1974, 6.2.2), which
// keeps a bracket and converges superlinearly, finished by bisection.

import {
  PROBLEM_N, PROBLEM_D, PROBLEM_GEOMETRY, GEOMETRY_SPHERE,
  METHOD_STAGES, METHOD_DENSE_DEGREE, METHOD_DENSE_STAGES, METHOD_TABLE,
  CONTROL_WORK, CONTROL_EVENT_GROUPS, CONTROL_N_EVENT_GROUPS, CONTROL_EVENT_VALUES, CONTROL_EVENT_WORK,
  CONTROL_EVENT_OUT, CONTROL_N_EVENTS, CONTROL_STEP_START, CONTROL_STEP_END,
  EVENT_KIND, EVENT_LEVEL, EVENT_DIRECTION, EVENT_TERMINAL, EVENT_COUNT, EVENT_TARGETS, EVENT_STRIDE,
  EVENT_KIND_CORRIDOR, EVENT_KIND_DISTANCE,
  EVENT_RECORD_FUNCTION, EVENT_RECORD_T, EVENT_RECORD_DIRECTION, EVENT_RECORD_SIGN, EVENT_RECORD_SLOTS,
} from './abi';
import { slot, setSlot, pointerSlot } from './records';
import { normalizeRows } from './geometry';

/** Root brackets are shrunk to this fraction of max(1, |t|) (well under the 1e-10 promised). */
const ROOT_T_TOLERANCE: f64 = 1e-13;
/** Illinois iterations before plain bisection takes over (superlinear: ~10 suffice). */
const ILLINOIS_ITERATIONS: i32 = 60;

// The event work area, in order: y(t0), f(y(t0)), y(t0 + h), f(y(t0 + h)) (N*D each),
// two token rows (D each), interpolation weights (max(S, 8): S stages of the dense output), then g at the
// step end (one per function).

/** Bytes of the event work area (CONTROL_EVENT_WORK); `stages`: of the dense output (METHOD_DENSE_STAGES). */
export function eventWorkBytes(n: i32, d: i32, stages: i32, functions: i32): usize {
  return (<usize>(4 * n * d + 2 * d + max(stages, 8) + functions)) << 3;
}

/** Stages of the method's dense output (the step's and the extra ones; at least the step's). */
function denseStages(method: usize): i32 {
  return max(<i32>slot(method, METHOD_STAGES), <i32>slot(method, METHOD_DENSE_STAGES));
}

/** Number of event functions over all groups. */
export function eventFunctionCount(groups: usize, nGroups: i32): i32 {
  let count = 0;
  for (let g = 0; g < nGroups; g++) count += <i32>slot(groups + (<usize>(g * EVENT_STRIDE) << 3), EVENT_COUNT);
  return count;
}

/** The event function of one kind on the rows a (token i) and b (token j, unused by corridor). */
// @ts-ignore: decorator
@inline function eventValue(kind: i32, level: f64, a: usize, b: usize, d: i32): f64 {
  let acc: f64 = 0;
  if (kind == EVENT_KIND_CORRIDOR) {
    for (let k = 0; k < d; k++) {
      const v = load<f64>(a + (<usize>k << 3));
      acc += v * v;
    }
    return Math.sqrt(acc) - level;
  }
  if (kind == EVENT_KIND_DISTANCE) {
    for (let k = 0; k < d; k++) {
      const v = load<f64>(a + (<usize>k << 3)) - load<f64>(b + (<usize>k << 3));
      acc += v * v;
    }
    return level * level - acc;
  }
  for (let k = 0; k < d; k++) acc += load<f64>(a + (<usize>k << 3)) * load<f64>(b + (<usize>k << 3));
  return acc - level;
}

/** Distance and inner-product functions read two tokens; a group without a target list covers all pairs i < j. */
// @ts-ignore: decorator
@inline function isPairKind(kind: i32): bool {
  return kind != EVENT_KIND_CORRIDOR;
}

/** g of every event function at state x (N x D) into out. */
export function evaluateEvents(groups: usize, nGroups: i32, x: usize, n: i32, d: i32, out: usize): void {
  const rowBytes = <usize>d << 3;
  let f = 0;
  for (let g = 0; g < nGroups; g++) {
    const rec = groups + (<usize>(g * EVENT_STRIDE) << 3);
    const kind = <i32>slot(rec, EVENT_KIND);
    const level = slot(rec, EVENT_LEVEL);
    const count = <i32>slot(rec, EVENT_COUNT);
    const targets = pointerSlot(rec, EVENT_TARGETS);
    if (targets == 0 && isPairKind(kind)) {
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          store<f64>(out + (<usize>f << 3), eventValue(kind, level, x + <usize>i * rowBytes, x + <usize>j * rowBytes, d));
          f++;
        }
      }
      continue;
    }
    for (let t = 0; t < count; t++) {
      let i = t;
      let j = 0;
      if (targets != 0) {
        if (isPairKind(kind)) {
          i = <i32>load<f64>(targets + (<usize>(2 * t) << 3));
          j = <i32>load<f64>(targets + (<usize>(2 * t + 1) << 3));
        } else {
          i = <i32>load<f64>(targets + (<usize>t << 3));
        }
      }
      store<f64>(out + (<usize>f << 3), eventValue(kind, level, x + <usize>i * rowBytes, x + <usize>j * rowBytes, d));
      f++;
    }
  }
}

/**
 * Weights of the last step's interpolant at theta into `weights`: with a
 * dense output, h * b_i(theta) for the stages K_1 (kept in the event work) and
 * K_2..K_S (still in the RK work area, the dense output's extra stages included); without one, the
 * cubic Hermite basis
 * (y0, h f0, y1, h f1).
 */
function stepWeights(method: usize, h: f64, theta: f64, weights: usize): void {
  const s = <i32>slot(method, METHOD_STAGES);
  const degree = <i32>slot(method, METHOD_DENSE_DEGREE);
  if (degree > 0) {
    const dense = method + (<usize>(METHOD_TABLE + s * s + 3 * s) << 3);
    const stagesDense = denseStages(method);
    for (let i = 0; i < stagesDense; i++) {
      const row = dense + (<usize>(i * degree) << 3);
      let bi: f64 = 0;
      for (let p = degree - 1; p >= 0; p--) bi = (bi + load<f64>(row + (<usize>p << 3))) * theta;
      store<f64>(weights + (<usize>i << 3), h * bi);
    }
    return;
  }
  const t2 = theta * theta;
  const t3 = t2 * theta;
  store<f64>(weights, 2 * t3 - 3 * t2 + 1);
  store<f64>(weights + 8, h * (t3 - 2 * t2 + theta));
  store<f64>(weights + 16, 3 * t2 - 2 * t3);
  store<f64>(weights + 24, h * (t3 - t2));
}

/** dst[c] = the interpolant's component first + c, for c < count, with the weights of stepWeights. */
function interpolateComponents(method: usize, control: usize, weights: usize, dst: usize, first: i32, count: i32, m: i32): void {
  const s = denseStages(method);
  const degree = <i32>slot(method, METHOD_DENSE_DEGREE);
  const bytes = <usize>m << 3;
  const ew = pointerSlot(control, CONTROL_EVENT_WORK);
  const work = pointerSlot(control, CONTROL_WORK);
  const off = <usize>first << 3;
  const y0 = ew + off;
  if (degree > 0) {
    const w0 = load<f64>(weights);
    for (let c = 0; c < count; c++) {
      const o = <usize>c << 3;
      store<f64>(dst + o, load<f64>(y0 + o) + w0 * load<f64>(y0 + bytes + o));
    }
    for (let i = 1; i < s; i++) {
      const wi = load<f64>(weights + (<usize>i << 3));
      if (wi == 0) continue;
      const ki = work + <usize>i * bytes + off;
      for (let c = 0; c < count; c++) {
        const o = <usize>c << 3;
        store<f64>(dst + o, load<f64>(dst + o) + wi * load<f64>(ki + o));
      }
    }
    return;
  }
  const w0 = load<f64>(weights);
  const w1 = load<f64>(weights + 8);
  const w2 = load<f64>(weights + 16);
  const w3 = load<f64>(weights + 24);
  for (let c = 0; c < count; c++) {
    const o = <usize>c << 3;
    store<f64>(
      dst + o,
      w0 * load<f64>(y0 + o) + w1 * load<f64>(y0 + bytes + o) + w2 * load<f64>(y0 + 2 * bytes + o) + w3 * load<f64>(y0 + 3 * bytes + o),
    );
  }
}

/** Where the weights live in the event work area. */
// @ts-ignore: decorator
@inline function weightsPointer(control: usize, m: i32, d: i32): usize {
  return pointerSlot(control, CONTROL_EVENT_WORK) + (<usize>(4 * m + 2 * d) << 3);
}

/**
 * The last accepted step's interpolant at time t into out (N x D), rows
 * normalized on the sphere. Needs a solve with an event work area.
 */
export function rkInterpolate(problem: usize, method: usize, control: usize, t: f64, out: usize): void {
  const n = <i32>slot(problem, PROBLEM_N);
  const d = <i32>slot(problem, PROBLEM_D);
  const m = n * d;
  const t0 = slot(control, CONTROL_STEP_START);
  const h = slot(control, CONTROL_STEP_END) - t0;
  const theta = h > 0 ? (t - t0) / h : 1.0;
  const weights = weightsPointer(control, m, d);
  stepWeights(method, h, theta, weights);
  interpolateComponents(method, control, weights, out, 0, m, m);
  if (<i32>slot(problem, PROBLEM_GEOMETRY) == GEOMETRY_SPHERE) normalizeRows(out, n, d);
}

/** One event function along the step at theta: interpolates only the rows it reads. */
function valueAt(
  method: usize, control: usize, kind: i32, level: f64, i: i32, j: i32, theta: f64, h: f64, m: i32, d: i32, sphere: bool,
): f64 {
  const weights = weightsPointer(control, m, d);
  const rowA = weights - (<usize>(2 * d) << 3);
  const rowB = rowA + (<usize>d << 3);
  stepWeights(method, h, theta, weights);
  interpolateComponents(method, control, weights, rowA, i * d, d, m);
  if (isPairKind(kind)) interpolateComponents(method, control, weights, rowB, j * d, d, m);
  if (sphere) normalizeRows(rowA, isPairKind(kind) ? 2 : 1, d);
  return eventValue(kind, level, rowA, rowB, d);
}

/**
 * The theta in (0, 1] where one event function changes sign, given g(0) = g0
 * and g(1) = g1 of opposite signs (or g1 == 0). Returns the end of the final
 * bracket on the far side, so that at the returned time the crossing has
 * happened (a solve stopped there does not see it again).
 */
function locateRoot(
  method: usize, control: usize, kind: i32, level: f64, i: i32, j: i32, g0: f64, g1: f64, h: f64, tol: f64,
  m: i32, d: i32, sphere: bool,
): f64 {
  if (g1 == 0) return 1.0;
  let a: f64 = 0, fa = g0, b: f64 = 1, fb = g1;
  let side = 0;
  const thetaTol = tol / h;
  for (let iter = 0; iter < 200 && b - a > thetaTol; iter++) {
    let c = 0.5 * (a + b);
    if (iter < ILLINOIS_ITERATIONS) {
      const rf = (a * fb - b * fa) / (fb - fa);
      if (rf > a && rf < b) c = rf;
    }
    const fc = valueAt(method, control, kind, level, i, j, c, h, m, d, sphere);
    if (fc == 0) return c;
    if ((fc > 0) == (fb > 0)) {
      b = c;
      fb = fc;
      if (side == -1) fa *= 0.5; // Illinois: halve the stale end's value
      side = -1;
    } else {
      a = c;
      fa = fc;
      if (side == 1) fb *= 0.5;
      side = 1;
    }
  }
  return b;
}

/** Writes one event record. */
function putRecord(out: usize, k: i32, fn: i32, t: f64, direction: f64, sign: f64): void {
  const r = out + (<usize>(k * EVENT_RECORD_SLOTS) << 3);
  setSlot(r, EVENT_RECORD_FUNCTION, <f64>fn);
  setSlot(r, EVENT_RECORD_T, t);
  setSlot(r, EVENT_RECORD_DIRECTION, direction);
  setSlot(r, EVENT_RECORD_SIGN, sign);
}

/** Swaps two event records. */
function swapRecords(out: usize, a: i32, b: i32): void {
  const ra = out + (<usize>(a * EVENT_RECORD_SLOTS) << 3);
  const rb = out + (<usize>(b * EVENT_RECORD_SLOTS) << 3);
  for (let q = 0; q < EVENT_RECORD_SLOTS; q++) {
    const v = slot(ra, q);
    setSlot(ra, q, slot(rb, q));
    setSlot(rb, q, v);
  }
}

/**
 * After an accepted step [t0, t0 + h] (kept in the event work area): g at the
 * step end, every sign change in the wanted direction located on the
 * interpolant and appended to the event records in time order. Records after
 * the earliest terminal event are dropped. Returns that terminal time, or
 * +Infinity; the event values are left at the step end (the caller
 * re-evaluates them when it stops at an event).
 */
export function locateEvents(problem: usize, method: usize, control: usize): f64 {
  const n = <i32>slot(problem, PROBLEM_N);
  const d = <i32>slot(problem, PROBLEM_D);
  const m = n * d;
  const sphere = <i32>slot(problem, PROBLEM_GEOMETRY) == GEOMETRY_SPHERE;
  const groups = pointerSlot(control, CONTROL_EVENT_GROUPS);
  const nGroups = <i32>slot(control, CONTROL_N_EVENT_GROUPS);
  const values = pointerSlot(control, CONTROL_EVENT_VALUES);
  const ew = pointerSlot(control, CONTROL_EVENT_WORK);
  const out = pointerSlot(control, CONTROL_EVENT_OUT);
  const t0 = slot(control, CONTROL_STEP_START);
  const t1 = slot(control, CONTROL_STEP_END);
  const h = t1 - t0;
  const tol = ROOT_T_TOLERANCE * Math.max(1.0, Math.abs(t1));
  const bytes = <usize>m << 3;
  const yEnd = ew + 2 * bytes;
  const gNew = ew + (<usize>(4 * m + 2 * d + max(denseStages(method), 8)) << 3);
  evaluateEvents(groups, nGroups, yEnd, n, d, gNew);

  const first = <i32>slot(control, CONTROL_N_EVENTS);
  let found = first;
  let tTerminal = Infinity;
  let f = 0;
  for (let g = 0; g < nGroups; g++) {
    const rec = groups + (<usize>(g * EVENT_STRIDE) << 3);
    const kind = <i32>slot(rec, EVENT_KIND);
    const level = slot(rec, EVENT_LEVEL);
    const want = <i32>slot(rec, EVENT_DIRECTION);
    const terminal = slot(rec, EVENT_TERMINAL) != 0;
    const count = <i32>slot(rec, EVENT_COUNT);
    const targets = pointerSlot(rec, EVENT_TARGETS);
    let pi = 0, pj = 1; // the current pair when targets == 0
    for (let t = 0; t < count; t++, f++) {
      let i = t;
      let j = 0;
      if (isPairKind(kind)) {
        if (targets != 0) {
          i = <i32>load<f64>(targets + (<usize>(2 * t) << 3));
          j = <i32>load<f64>(targets + (<usize>(2 * t + 1) << 3));
        } else {
          i = pi;
          j = pj;
          if (++pj == n) {
            pi++;
            pj = pi + 1;
          }
        }
      } else if (targets != 0) {
        i = <i32>load<f64>(targets + (<usize>t << 3));
      }
      const g0 = load<f64>(values + (<usize>f << 3));
      const g1 = load<f64>(gNew + (<usize>f << 3));
      let direction = 0;
      if (g0 < 0 && g1 >= 0) direction = 1;
      else if (g0 > 0 && g1 <= 0) direction = -1;
      if (direction == 0 || (want != 0 && want != direction)) continue;
      const theta = locateRoot(method, control, kind, level, i, j, g0, g1, h, tol, m, d, sphere);
      const tRoot = theta >= 1 ? t1 : t0 + theta * h;
      let sign: f64 = 0;
      if (kind == EVENT_KIND_CORRIDOR) {
        // valueAt left token i's row at the last theta it tried; take the sign at the root itself.
        const weights = weightsPointer(control, m, d);
        const row = weights - (<usize>(2 * d) << 3);
        stepWeights(method, h, theta, weights);
        interpolateComponents(method, control, weights, row, i * d, 1, m);
        sign = load<f64>(row) >= 0 ? 1 : -1;
      }
      putRecord(out, found++, f, tRoot, <f64>direction, sign);
      if (terminal && tRoot < tTerminal) tTerminal = tRoot;
    }
  }
  // Keep this step's records up to the terminal time, sorted by time (insertion sort: usually a few).
  let kept = first;
  for (let k = first; k < found; k++) {
    const r = out + (<usize>(k * EVENT_RECORD_SLOTS) << 3);
    if (slot(r, EVENT_RECORD_T) > tTerminal) continue;
    if (k != kept) swapRecords(out, k, kept);
    kept++;
  }
  for (let k = first + 1; k < kept; k++) {
    for (let q = k; q > first; q--) {
      const tq = slot(out + (<usize>(q * EVENT_RECORD_SLOTS) << 3), EVENT_RECORD_T);
      const tp = slot(out + (<usize>((q - 1) * EVENT_RECORD_SLOTS) << 3), EVENT_RECORD_T);
      if (tp <= tq) break;
      swapRecords(out, q, q - 1);
    }
  }
  setSlot(control, CONTROL_N_EVENTS, <f64>kept);
  memory.copy(values, gNew, <usize>f << 3);
  return tTerminal;
}
