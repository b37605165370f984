// The paper's Lipschitz story as a computation (section "Lipschitz
// conditions"): the local Lipschitz constant (spectral norm of the field's
// Jacobian) of the unnormalized map grows without bound as tokens are
// scaled; on the sphere it stays under a bound computed from the weights;
// and the paper's D = 2, N = 2 normalized map Y = rownormalize(P X) (eq. 8)
// has a bounded Jacobian on the whole circle.

import type { Engine } from '../engine.js';
import { AttnflowError } from '../errors.js';
import { flattenHeads, positiveInteger } from '../problem.js';
import { normal, seededRandom } from '../random.js';
import type { Head, Matrix } from '../types.js';

/** Largest eigenvalue of a symmetric m x m matrix, by cyclic Jacobi rotations (Golub and Van Loan, 4th ed., 8.5.2). */
export function largestSymmetricEigenvalue(sym: Float64Array, m: number): number {
  const a = Float64Array.from(sym);
  for (let sweep = 0; sweep < 64; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < m; p++) {
      diag += a[p * m + p] ** 2;
      for (let q = p + 1; q < m; q++) off += a[p * m + q] ** 2;
    }
    if (off <= 1e-32 * diag || off === 0) break;
    for (let p = 0; p < m; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = a[p * m + q];
        if (apq === 0) continue;
        const theta = (a[q * m + q] - a[p * m + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < m; k++) {
          const akp = a[k * m + p];
          const akq = a[k * m + q];
          a[k * m + p] = c * akp - s * akq;
          a[k * m + q] = s * akp + c * akq;
        }
        for (let k = 0; k < m; k++) {
          const apk = a[p * m + k];
          const aqk = a[q * m + k];
          a[p * m + k] = c * apk - s * aqk;
          a[q * m + k] = s * apk + c * aqk;
        }
      }
    }
  }
  let best = Number.NEGATIVE_INFINITY;
  for (let p = 0; p < m; p++) best = Math.max(best, a[p * m + p]);
  return best;
}

/** ||M||_2 of a rows x cols row-major matrix: sqrt of the largest eigenvalue of M^T M. */
export function spectralNorm(mat: ArrayLike<number>, rows: number, cols: number): number {
  const g = new Float64Array(cols * cols);
  for (let r = 0; r < cols; r++)
    for (let c = 0; c < cols; c++) for (let k = 0; k < rows; k++) g[r * cols + c] += mat[k * cols + r] * mat[k * cols + c];
  return Math.sqrt(Math.max(0, largestSymmetricEigenvalue(g, cols)));
}

/** Least-squares slope of y against x. */
function slope(x: readonly number[], y: readonly number[]): number {
  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  const my = y.reduce((s, v) => s + v, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return sxy / sxx;
}

/** The local Lipschitz constant along the ray c X. */
export interface LipschitzGrowth {
  readonly scales: readonly number[];
  /** ||J(c X)||_2 for each scale. */
  readonly lipschitz: readonly number[];
  /** Slope of log L against log c over the upper half of the scales: L ~ c^exponent. */
  readonly exponent: number;
}

/** Options of lipschitzGrowth(). */
export interface GrowthOptions {
  readonly tokens: Matrix;
  readonly heads?: readonly Head[];
  readonly beta?: number;
  /** Increasing positive scales c; default 1, 2, 4, ..., 128. */
  readonly scales?: readonly number[];
}

/**
 * ||J(c X)||_2 of the unnormalized field for each scale c, and the fitted
 * growth exponent. The paper's remark: with x_1 = 0, P_1j = 1/N for every
 * j and the covariance term of J_11 is the sample covariance of the other
 * tokens, which grows like c^2 (exponent 2); a prompt without such a token
 * may saturate instead (attention becomes a hard maximum).
 */
export function lipschitzGrowth(engine: Engine, options: GrowthOptions): LipschitzGrowth {
  const scales = options.scales ?? [1, 2, 4, 8, 16, 32, 64, 128];
  if (scales.length < 2 || scales.some((c, i) => !(c > 0) || (i > 0 && !(c > scales[i - 1])))) {
    throw new AttnflowError('invalid_value', 'scales', 'must be at least two increasing positive numbers');
  }
  const lipschitz = scales.map(
    (c) =>
      engine.lipschitzEstimate(
        {
          tokens: options.tokens.map((row) => row.map((v) => c * v)),
          ...(options.heads ? { heads: options.heads } : {}),
          ...(options.beta === undefined ? {} : { beta: options.beta }),
        },
        { tolerance: 1e-12, maxIterations: 5000 },
      ).value,
  );
  const upper = Math.floor(scales.length / 2);
  const exponent = slope(scales.slice(upper).map(Math.log), lipschitz.slice(upper).map(Math.log));
  return { scales, lipschitz, exponent };
}

/** The terms of the sphere bound. */
export interface SphereBound {
  /** sqrt((R + 2F)(C + 2F)), an upper bound of ||J||_2 at every point of (S^{D-1})^N. */
  readonly bound: number;
  /** Bound on the row sums of the matrix of block norms, before the projection's terms. */
  readonly rowSum: number;
  /** Bound on its column sums, before the projection's terms. */
  readonly columnSum: number;
  /** sum_h ||V_h||_2, which bounds |f_i| on the sphere. */
  readonly fieldBound: number;
}

/**
 * An upper bound of the local Lipschitz constant of the projected field
 * F_i = f_i - <x_i, f_i> x_i over the whole product of spheres, from the
 * block formula (MODEL.md). With |x_i| = 1, a_h = ||A_h||_2 (A_h = beta Q_h K_h^T)
 * and w_h = ||V_h||_2:
 * - |s_ij| <= a_h, so P_ik <= e^{2 a_h} / N and every column of P_h sums to at most c_h = min(N, e^{2 a_h});
 * - ||P_ik W (I + (x_k - xbar_i) x_i^T A)|| <= P_ik w_h (1 + 2 a_h), since |x_k - xbar_i| <= 2;
 * - ||W Cov_i A^T|| <= w_h a_h tr Cov_i = w_h a_h (1 - |xbar_i|^2) <= w_h a_h;
 * - the projection: ||(I - x_i x_i^T) J_ik|| <= ||J_ik|| and ||x_i f_i^T + <x_i, f_i> I|| <= 2 |f_i| <= 2 F, F = sum_h w_h.
 * So the matrix M of block norms ||dF_i/dx_k||_2 has row sums at most R + 2F with
 * R = sum_h w_h (1 + 3 a_h) and column sums at most C + 2F with
 * C = sum_h w_h ((1 + 2 a_h) c_h + a_h). Then ||J||_2 <= ||M||_2 (for unit u, v:
 * |u^T J v| <= sum_ik |u_i| ||J_ik|| |v_k|) and ||M||_2 <= sqrt(||M||_1 ||M||_inf)
 * (Golub and Van Loan, Matrix Computations, 4th ed., Section 2.3.3).
 */
export function sphereLipschitzBound(options: { n: number; d: number; heads?: readonly Head[]; beta?: number }): SphereBound {
  const n = positiveInteger(options.n, 'n');
  const d = positiveInteger(options.d, 'd');
  const layer = flattenHeads(options.heads, d, options.beta, 'heads');
  let rowSum = 0;
  let columnSum = 0;
  let fieldBound = 0;
  for (const h of layer.heads) {
    const a = new Float64Array(d * d);
    for (let r = 0; r < d; r++) {
      for (let s = 0; s < d; s++) {
        let sum = 0;
        for (let c = 0; c < h.dk; c++) {
          const q = h.query === null ? (r === c ? 1 : 0) : h.query[r * h.dk + c];
          const k = h.key === null ? (s === c ? 1 : 0) : h.key[s * h.dk + c];
          sum += q * k;
        }
        a[r * d + s] = layer.beta * sum;
      }
    }
    const an = spectralNorm(a, d, d);
    const wn = h.value === null ? 1 : spectralNorm(h.value, d, d);
    const c = Math.min(n, Math.exp(2 * an));
    rowSum += wn * (1 + 3 * an);
    columnSum += wn * ((1 + 2 * an) * c + an);
    fieldBound += wn;
  }
  const bound = Math.sqrt((rowSum + 2 * fieldBound) * (columnSum + 2 * fieldBound));
  return { bound, rowSum, columnSum, fieldBound };
}

/** Largest local Lipschitz constant found at random points of (S^{D-1})^N, next to the bound. */
export interface SphereCheck {
  readonly samples: number;
  readonly largest: number;
  readonly bound: SphereBound;
}

/** Samples `samples` uniform random points of (S^{D-1})^N (seeded) and takes the largest ||J||_2 there. */
export function sphereLipschitzCheck(
  engine: Engine,
  options: { n: number; d: number; heads?: readonly Head[]; beta?: number; samples?: number; seed?: number },
): SphereCheck {
  const bound = sphereLipschitzBound(options);
  const random = seededRandom(options.seed ?? 1);
  const samples = positiveInteger(options.samples ?? 20, 'samples');
  let largest = 0;
  for (let s = 0; s < samples; s++) {
    const tokens = Array.from({ length: options.n }, () => Array.from({ length: options.d }, () => normal(random)));
    const est = engine.lipschitzEstimate(
      {
        tokens,
        geometry: 'sphere',
        ...(options.heads ? { heads: options.heads } : {}),
        ...(options.beta === undefined ? {} : { beta: options.beta }),
      },
      { tolerance: 1e-10, maxIterations: 2000, seed: s + 1 },
    );
    largest = Math.max(largest, est.value);
  }
  return { samples, largest, bound };
}

/**
 * The 4 x 4 Jacobian of the paper's normalized map (eq. 8 and the text
 * before it): D = 2, N = 2, Q = K = V = I, beta = 1, Y = P X with each row
 * divided by its length, at x_1 = (cos t1, sin t1), x_2 = (cos t2, sin t2).
 * With Z = P X = f(X): dY_i/dx_k = (I - y_i y_i^T) J_ik / |z_i|. Row-major,
 * J[(i 2 + a) 4 + k 2 + b] = d y_{i,a} / d x_{k,b} (ambient derivative).
 */
export function normalizedPairJacobian(engine: Engine, t1: number, t2: number): Float64Array {
  const tokens = [
    [Math.cos(t1), Math.sin(t1)],
    [Math.cos(t2), Math.sin(t2)],
  ];
  const jz = engine.attentionJacobian({ tokens, beta: 1 });
  const z = engine.attentionRhs({ tokens, beta: 1 });
  const out = new Float64Array(16);
  for (let i = 0; i < 2; i++) {
    const norm = Math.hypot(z[2 * i], z[2 * i + 1]);
    const y = [z[2 * i] / norm, z[2 * i + 1] / norm];
    for (let a = 0; a < 2; a++) {
      for (let col = 0; col < 4; col++) {
        let v = 0;
        for (let m = 0; m < 2; m++) v += ((a === m ? 1 : 0) - y[a] * y[m]) * jz[(2 * i + m) * 4 + col];
        out[(2 * i + a) * 4 + col] = v / norm;
      }
    }
  }
  return out;
}

/** The largest Jacobian of eq. (8)'s map over an angle grid. */
export interface NormalizedPairMaximum {
  /** Grid points phi = 2 pi k / gridSize, k = 0..gridSize-1. */
  readonly gridSize: number;
  /** max over the grid of ||dY/dX||_2. */
  readonly maxNorm: number;
  /** The angle phi between x_1 and x_2 where it is reached. */
  readonly argmax: number;
  /** max over the grid of |d y_11 / d x_11|, the entry the paper writes out (eq. 8). */
  readonly maxEntry11: number;
  /** max over the grid and all 16 entries of |d y_ia / d x_kb|. */
  readonly maxEntry: number;
}

/**
 * Scans the angle phi between the two tokens over [0, 2 pi). The map
 * commutes with rotations of the plane (Q = K = V = I), so its Jacobian at
 * (R x_1, R x_2) is diag(R, R) J diag(R, R)^T and the spectral norm depends
 * on phi only; x_1 = (1, 0) is fixed. Entries do depend on the rotation:
 * maxEntry11 and maxEntry are over the same grid with t1 = 0 and over t1 in
 * a 64-point grid as well.
 */
export function normalizedPairMaximum(engine: Engine, gridSize = 20000): NormalizedPairMaximum {
  positiveInteger(gridSize, 'gridSize');
  let maxNorm = 0;
  let argmax = 0;
  let maxEntry11 = 0;
  let maxEntry = 0;
  for (let k = 0; k < gridSize; k++) {
    const phi = (2 * Math.PI * k) / gridSize;
    const jac = normalizedPairJacobian(engine, 0, phi);
    const s = spectralNorm(jac, 4, 4);
    if (s > maxNorm) {
      maxNorm = s;
      argmax = phi;
    }
  }
  const rotations = 64;
  const coarse = Math.min(gridSize, 2048);
  for (let r = 0; r < rotations; r++) {
    const t1 = (2 * Math.PI * r) / rotations;
    for (let k = 0; k < coarse; k++) {
      const jac = normalizedPairJacobian(engine, t1, t1 + (2 * Math.PI * k) / coarse);
      maxEntry11 = Math.max(maxEntry11, Math.abs(jac[0]));
      for (const v of jac) maxEntry = Math.max(maxEntry, Math.abs(v));
    }
  }
  return { gridSize, maxNorm, argmax, maxEntry11, maxEntry };
}
