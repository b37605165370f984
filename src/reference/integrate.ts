// The generic explicit Runge-Kutta loop in TypeScript, for the 'js' backend
// and as an independent check of assembly/rk.ts: same tableau, same error
// norm, PI controller and initial step (HNW I, II.4), same save-point rules.

import type { Backend, BackendEvents, Integration, LocatedEvent, SegmentControl, SegmentResult } from '../backend.js';
import type { FlatProblem } from '../problem.js';
import { DT_MIN_ABSOLUTE, DT_MIN_RELATIVE, SNAP_RELATIVE } from '../solvers/control.js';
import type { NumericTableau } from '../solvers/tableau.js';
import { evaluateEvents, locateEvents } from './events.js';
import { referenceField, referenceFieldMatrix } from './field.js';
import { referenceJacobian, referenceJvp, referenceVjp } from './jacobian.js';

const SUCCESS = 0;
const MAX_STEPS = 1;
const NON_FINITE = 2;
const DT_MIN = 3;
const EVENT = 4;

/** The last accepted step, kept for interpolation when events are on. */
interface KeptStep {
  readonly t0: number;
  readonly t1: number;
  readonly y0: Float64Array;
  /** The stages K_1..K_S of the dense output (K_1 = f(y0); the extra ones when the method has them). */
  readonly k: Float64Array[];
  readonly y1: Float64Array;
  readonly f1: Float64Array;
}

function allFinite(v: Float64Array): boolean {
  for (let l = 0; l < v.length; l++) if (!Number.isFinite(v[l])) return false;
  return true;
}

function normalizeRows(x: Float64Array, n: number, d: number): void {
  for (let i = 0; i < n; i++) {
    let sq = 0;
    for (let k = 0; k < d; k++) sq += x[i * d + k] ** 2;
    const inv = 1 / Math.sqrt(sq);
    for (let k = 0; k < d; k++) x[i * d + k] *= inv;
  }
}

/** y + h sum_j w[j] k[j] over the given weights. */
function combine(y: Float64Array, h: number, w: ArrayLike<number>, k: Float64Array[], terms: number): Float64Array {
  const out = Float64Array.from(y);
  for (let j = 0; j < terms; j++) {
    const wj = w[j];
    if (wj === 0) continue;
    const kj = k[j];
    for (let l = 0; l < out.length; l++) out[l] += h * wj * kj[l];
  }
  return out;
}

function scaledRms(v: Float64Array, w: Float64Array | null, y: Float64Array, rtol: number, atol: number): number {
  let sum = 0;
  for (let l = 0; l < v.length; l++) {
    const r = (v[l] - (w ? w[l] : 0)) / (atol + rtol * Math.abs(y[l]));
    sum += r * r;
  }
  return Math.sqrt(sum / v.length);
}

class ReferenceIntegration implements Integration {
  private y: Float64Array;
  /** f(y) carried to a resumed call. */
  private k1: Float64Array | null = null;
  /** Built-in event values at y. */
  private eventValues: Float64Array = new Float64Array(0);
  private kept: KeptStep | null = null;

  constructor(
    private readonly problem: FlatProblem,
    private readonly method: NumericTableau,
    y0: Float64Array,
    private readonly events: BackendEvents | null,
  ) {
    this.y = Float64Array.from(y0);
  }

  state(): Float64Array {
    return Float64Array.from(this.y);
  }

  /**
   * Components first..first+count of the kept step's interpolant at theta:
   * the dense output, or the cubic Hermite interpolant without one (as assembly/events.ts).
   */
  private interpolant(theta: number, first: number, count: number): Float64Array {
    const step = this.kept;
    if (step === null) throw new Error('attnflow: no step to interpolate');
    const { denseStages: s, denseDegree, dense } = this.method;
    const h = step.t1 - step.t0;
    const out = new Float64Array(count);
    if (denseDegree > 0) {
      for (let c = 0; c < count; c++) out[c] = step.y0[first + c];
      for (let i = 0; i < s; i++) {
        let bi = 0;
        for (let p = denseDegree - 1; p >= 0; p--) bi = (bi + dense[i * denseDegree + p]) * theta;
        const w = h * bi;
        if (w === 0) continue;
        const ki = step.k[i];
        for (let c = 0; c < count; c++) out[c] += w * ki[first + c];
      }
      return out;
    }
    const t2 = theta * theta;
    const t3 = t2 * theta;
    const w0 = 2 * t3 - 3 * t2 + 1;
    const w1 = h * (t3 - 2 * t2 + theta);
    const w2 = 3 * t2 - 2 * t3;
    const w3 = h * (t3 - t2);
    const k1 = step.k[0];
    for (let c = 0; c < count; c++) {
      const l = first + c;
      out[c] = w0 * step.y0[l] + w1 * k1[l] + w2 * step.y1[l] + w3 * step.f1[l];
    }
    return out;
  }

  interpolate(t: number): Float64Array {
    const step = this.kept;
    if (step === null) throw new Error('attnflow: interpolate needs a solve with events and an accepted step');
    const h = step.t1 - step.t0;
    const out = this.interpolant(h > 0 ? (t - step.t0) / h : 1, 0, this.y.length);
    if (this.problem.geometry === 'sphere') normalizeRows(out, this.problem.n, this.problem.d);
    return out;
  }

  attentionMatrix(layer: number, x: Float64Array, head: number): Float64Array {
    return referenceFieldMatrix(x, this.problem, layer, head);
  }

  runSegment(layerIndex: number, c: SegmentControl): SegmentResult {
    const { n, d, geometry } = this.problem;
    const sphere = geometry === 'sphere';
    const f = (x: Float64Array) => referenceField(x, this.problem, layerIndex);
    const { stages: s, adaptive, fsal, denseDegree, a, b, e, dense, errorOrder, errorKind, e3 } = this.method;
    const { beta: piBeta, safety, minFactor, maxFactor } = c.controller;
    const { denseStages, extraA, denseSaves } = this.method;
    // dopri8's extra stage is f(y_new) (its row of A is b): off the sphere, the step-end value (as assembly/rk.ts).
    const extraIsEnd = !fsal && denseStages === s + 1 && Array.from(b).every((bj, j) => extraA[j] === bj);
    const expo = 1 / (errorOrder + 1) - 0.75 * piBeta;
    const saves: Float64Array[] = [];
    const located: LocatedEvent[] = [];
    const groups = this.events?.groups ?? [];
    const keepStep = this.events !== null && (groups.length > 0 || this.events.keepStep);
    let y = this.y;
    let t = c.t0;
    let h = c.dt;
    let facold = c.facold > 0 ? c.facold : 1e-4;
    let steps = 0;
    let rejected = 0;
    let evals = 0;
    let status = SUCCESS;
    let lastRejected = false;
    const k: Float64Array[] = new Array(denseStages);

    if (c.resume && this.k1 !== null) {
      k[0] = this.k1;
    } else {
      k[0] = f(y);
      evals++;
      if (groups.length > 0) this.eventValues = evaluateEvents(groups, y, n, d);
    }
    if (!allFinite(k[0])) status = NON_FINITE;
    if (status === SUCCESS && adaptive && !(h > 0)) {
      // HNW I, II.4, "Starting Step Size".
      const d0 = scaledRms(y, null, y, c.rtol, c.atol);
      const d1 = scaledRms(k[0], null, y, c.rtol, c.atol);
      const h0 = Math.min(d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * (d0 / d1), c.t1 - c.t0);
      const f1 = f(combine(y, h0, [1], k, 1));
      evals++;
      const d2 = scaledRms(f1, k[0], y, c.rtol, c.atol) / h0;
      const dmax = Math.max(d1, d2);
      let h1 = dmax <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / dmax) ** (1 / (errorOrder + 1));
      if (!(h1 > 0) || !Number.isFinite(h1)) h1 = h0 * 1e-3;
      h = Math.min(Math.min(100 * h0, h1), c.t1 - c.t0);
    }

    while (status === SUCCESS && t < c.t1) {
      if (steps + rejected >= c.maxSteps) {
        status = MAX_STEPS;
        break;
      }
      let stop = c.t1;
      if (!denseSaves && saves.length < c.saveTimes.length) stop = Math.min(stop, c.saveTimes[saves.length]);
      let hStep = Math.min(h, c.dtMax);
      let tNew = t + hStep;
      if (stop - t <= hStep * (1 + SNAP_RELATIVE)) {
        hStep = stop - t;
        tNew = stop;
      }
      let yNew: Float64Array | null = null;
      for (let i = 1; i < s; i++) {
        const yi = combine(y, hStep, a.subarray(i * s, i * s + i), k, i);
        k[i] = f(yi);
        evals++;
        if (fsal && i === s - 1) yNew = yi;
      }
      if (yNew === null) yNew = combine(y, hStep, b, k, s);

      let hNew = h;
      if (adaptive) {
        let sum = 0;
        let sum3 = 0;
        for (let l = 0; l < y.length; l++) {
          let est = 0;
          let est3 = 0;
          for (let i = 0; i < s; i++) {
            if (e[i] !== 0) est += e[i] * k[i][l];
            if (errorKind === 1 && e3[i] !== 0) est3 += e3[i] * k[i][l];
          }
          const sc = c.atol + c.rtol * Math.max(Math.abs(y[l]), Math.abs(yNew[l]));
          if (errorKind === 1) {
            const r5 = est / sc;
            const r3 = est3 / sc;
            sum += r5 * r5;
            sum3 += r3 * r3;
          } else {
            const r = (hStep * est) / sc;
            sum += r * r;
          }
        }
        // errorKind 1: Hairer's DOP853 estimate, |h| E5^2 / sqrt(m (E5^2 + 0.01 E3^2)) (solvers/tableau.ts).
        const deno = sum + 0.01 * sum3;
        let err =
          errorKind === 1 ? (Math.abs(hStep) * sum) / Math.sqrt(y.length * (deno > 0 ? deno : 1)) : Math.sqrt(sum / y.length);
        const finiteStep = Number.isFinite(err) && allFinite(yNew);
        if (!finiteStep) err = Number.POSITIVE_INFINITY;
        const fac11 = err ** expo;
        if (err > 1) {
          h = hStep / Math.min(1 / minFactor, fac11 / safety);
          rejected++;
          lastRejected = true;
          if (h < Math.max(DT_MIN_RELATIVE * Math.abs(t), DT_MIN_ABSOLUTE)) status = finiteStep ? DT_MIN : NON_FINITE;
          continue;
        }
        const fac = Math.max(1 / maxFactor, Math.min(1 / minFactor, fac11 / facold ** piBeta / safety));
        hNew = hStep / fac;
        if (lastRejected) hNew = Math.min(hNew, hStep);
        facold = Math.max(err, 1e-4);
        lastRejected = false;
      } else if (!allFinite(yNew)) {
        status = NON_FINITE;
        break;
      }

      if (sphere) normalizeRows(yNew, n, d);
      // The dense output's extra stages (dop853, dopri8), only for a step that will be interpolated (as assembly/rk.ts).
      const nextSave = saves.length < c.saveTimes.length ? c.saveTimes[saves.length] : Number.POSITIVE_INFINITY;
      if (denseStages > s && (keepStep || (denseSaves && nextSave < tNew))) {
        for (let r = 0; r < denseStages - s; r++) {
          k[s + r] = f(combine(y, hStep, extraA.subarray(r * denseStages, (r + 1) * denseStages), k, s + r));
          evals++;
        }
      }
      let tAccept = tNew;
      let fEnd: Float64Array | null = null;
      if (keepStep) {
        if (fsal && !sphere) {
          fEnd = k[s - 1];
        } else if (extraIsEnd && !sphere) {
          fEnd = k[s];
        } else {
          fEnd = f(yNew);
          evals++;
        }
        this.kept = { t0: t, t1: tNew, y0: y, k: k.slice(), y1: yNew, f1: fEnd };
        if (groups.length > 0) {
          const gNew = evaluateEvents(groups, yNew, n, d);
          const r = locateEvents(
            groups,
            this.eventValues,
            gNew,
            (th, first, count) => this.interpolant(th, first, count),
            t,
            tNew,
            n,
            d,
            sphere,
          );
          located.push(...r.events);
          this.eventValues = gNew;
          if (r.tTerminal < tNew) {
            tAccept = r.tTerminal;
            yNew = this.interpolate(r.tTerminal);
          }
          if (r.tTerminal <= tNew) status = EVENT;
        }
      }
      while (saves.length < c.saveTimes.length) {
        const ts = c.saveTimes[saves.length];
        if (ts > tAccept) break;
        if (ts === tAccept || !denseSaves) {
          saves.push(Float64Array.from(yNew));
        } else {
          const theta = (ts - t) / hStep;
          const w = new Float64Array(denseStages);
          for (let i = 0; i < denseStages; i++) {
            let bi = 0;
            for (let p = denseDegree - 1; p >= 0; p--) bi = (bi + dense[i * denseDegree + p]) * theta;
            w[i] = bi;
          }
          const ys = combine(y, hStep, w, k, denseStages);
          if (sphere) normalizeRows(ys, n, d);
          saves.push(ys);
        }
      }
      y = yNew;
      t = tAccept;
      steps++;
      h = hNew;
      if (status === EVENT) break;
      if (fEnd !== null) {
        k[0] = fEnd;
      } else if (fsal && !sphere) {
        k[0] = k[s - 1];
      } else {
        k[0] = f(y);
        evals++;
      }
      if (!allFinite(k[0])) status = NON_FINITE;
      if (c.stepLimit > 0 && steps >= c.stepLimit) break;
    }
    this.y = y;
    this.k1 = k[0];
    return {
      status,
      tReached: t,
      dtNext: h,
      facold,
      steps,
      rejected,
      rhsEvaluations: evals,
      saves,
      events: located,
      stepStart: this.kept?.t0 ?? t,
      stepEnd: this.kept?.t1 ?? t,
    };
  }
}

/** The 'js' backend: the reference field and loop, no WebAssembly. */
export function createReferenceBackend(): Backend {
  return {
    name: 'js',
    memoryBytes: 0,
    attentionRhs: (p, layer, x) => referenceField(x, p, layer),
    attentionMatrix: (p, layer, x, head) => referenceFieldMatrix(x, p, layer, head),
    attentionJacobian: (p, layer, x) => referenceJacobian(x, p, layer),
    linearize: (p, layer, x) => ({
      jvp: (v) => referenceJvp(x, p, layer, v),
      vjp: (u) => referenceVjp(x, p, layer, u),
    }),
    integrate: (p, method, y0, _maxSaves, _attention, events) => new ReferenceIntegration(p, method, y0, events),
    dispose: () => {},
  };
}
