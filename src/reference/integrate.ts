// The generic explicit Runge-Kutta loop in TypeScript, for the 'js' backend
// and as an independent check of assembly/rk.ts: same tableau, same error
// norm, PI controller and initial step (HNW I, II.4), same save-point rules.

import type { Backend, Integration, SegmentControl, SegmentResult } from '../backend.js';
import type { FlatProblem } from '../problem.js';
import { DT_MIN_RELATIVE, FAC_MAX, FAC_MIN, PI_BETA, SAFETY, SNAP_RELATIVE } from '../solvers/control.js';
import type { NumericTableau } from '../solvers/tableau.js';
import { referenceAttentionMatrix, referenceAttentionRhs } from './attention.js';

const SUCCESS = 0;
const MAX_STEPS = 1;
const NON_FINITE = 2;
const DT_MIN = 3;

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

  constructor(
    private readonly problem: FlatProblem,
    private readonly method: NumericTableau,
    y0: Float64Array,
  ) {
    this.y = Float64Array.from(y0);
  }

  state(): Float64Array {
    return Float64Array.from(this.y);
  }

  attentionMatrix(layer: number, x: Float64Array, head: number): Float64Array {
    return referenceAttentionMatrix(x, this.problem.n, this.problem.d, this.problem.layers[layer], head, this.problem.causal);
  }

  runSegment(layerIndex: number, c: SegmentControl): SegmentResult {
    const { n, d, geometry } = this.problem;
    const layer = this.problem.layers[layerIndex];
    const sphere = geometry === 'sphere';
    const f = (x: Float64Array) => referenceAttentionRhs(x, n, d, layer, sphere, this.problem.causal);
    const { stages: s, adaptive, fsal, denseDegree, a, b, e, dense, errorOrder } = this.method;
    const expo = 1 / (errorOrder + 1) - 0.75 * PI_BETA;
    const saves: Float64Array[] = [];
    let y = this.y;
    let t = c.t0;
    let h = c.dt;
    let facold = c.facold > 0 ? c.facold : 1e-4;
    let steps = 0;
    let rejected = 0;
    let evals = 0;
    let status = SUCCESS;
    let lastRejected = false;
    const k: Float64Array[] = new Array(s);

    k[0] = f(y);
    evals++;
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
      if (denseDegree === 0 && saves.length < c.saveTimes.length) stop = Math.min(stop, c.saveTimes[saves.length]);
      let hStep = h;
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
        for (let l = 0; l < y.length; l++) {
          let est = 0;
          for (let i = 0; i < s; i++) if (e[i] !== 0) est += e[i] * k[i][l];
          const r = (hStep * est) / (c.atol + c.rtol * Math.max(Math.abs(y[l]), Math.abs(yNew[l])));
          sum += r * r;
        }
        let err = Math.sqrt(sum / y.length);
        const finiteStep = Number.isFinite(err) && allFinite(yNew);
        if (!finiteStep) err = Number.POSITIVE_INFINITY;
        const fac11 = err ** expo;
        if (err > 1) {
          h = hStep / Math.min(1 / FAC_MIN, fac11 / SAFETY);
          rejected++;
          lastRejected = true;
          if (h < DT_MIN_RELATIVE * Math.max(Math.abs(t), Math.abs(c.t1))) status = finiteStep ? DT_MIN : NON_FINITE;
          continue;
        }
        const fac = Math.max(1 / FAC_MAX, Math.min(1 / FAC_MIN, fac11 / facold ** PI_BETA / SAFETY));
        hNew = hStep / fac;
        if (lastRejected) hNew = Math.min(hNew, hStep);
        facold = Math.max(err, 1e-4);
        lastRejected = false;
      } else if (!allFinite(yNew)) {
        status = NON_FINITE;
        break;
      }

      if (sphere) normalizeRows(yNew, n, d);
      while (saves.length < c.saveTimes.length) {
        const ts = c.saveTimes[saves.length];
        if (ts > tNew) break;
        if (ts === tNew || denseDegree === 0) {
          saves.push(Float64Array.from(yNew));
        } else {
          const theta = (ts - t) / hStep;
          const w = new Float64Array(s);
          for (let i = 0; i < s; i++) {
            let bi = 0;
            for (let p = denseDegree - 1; p >= 0; p--) bi = (bi + dense[i * denseDegree + p]) * theta;
            w[i] = bi;
          }
          const ys = combine(y, hStep, w, k, s);
          if (sphere) normalizeRows(ys, n, d);
          saves.push(ys);
        }
      }
      y = yNew;
      t = tNew;
      steps++;
      h = hNew;
      if (fsal && !sphere) {
        k[0] = k[s - 1];
      } else {
        k[0] = f(y);
        evals++;
      }
      if (!allFinite(k[0])) status = NON_FINITE;
    }
    this.y = y;
    return { status, tReached: t, dtNext: h, facold, steps, rejected, rhsEvaluations: evals, saves };
  }
}

/** The 'js' backend: the reference field and loop, no WebAssembly. */
export function createReferenceBackend(): Backend {
  return {
    name: 'js',
    memoryBytes: 0,
    attentionRhs: (p, layer, x) => referenceAttentionRhs(x, p.n, p.d, p.layers[layer], p.geometry === 'sphere', p.causal),
    attentionMatrix: (p, layer, x, head) => referenceAttentionMatrix(x, p.n, p.d, p.layers[layer], head, p.causal),
    integrate: (p, method, y0) => new ReferenceIntegration(p, method, y0),
    dispose: () => {},
  };
}
