// The Jacobian of the attention field in plain TypeScript, the oracle of
// assembly/jacobian.ts. It forms the D x D matrices of MODEL.md explicitly,
// per head, in column form: A = beta Q K^T, W = V^T, and
//
//   J_ik = P_ik W + P_ik W (x_k - xbar_i) x_i^T A + delta_ik W Cov_i A^T
//
// (MODEL.md, "The Jacobian and Lipschitz continuity"; the chain rule through
// dP_ij/dx_k = P_ij [delta_ik A (x_j - xbar_i) + (delta_jk - P_ik) A^T x_i]).
// On the sphere the map is F_i = f_i - <x_i, f_i> x_i and
//   dF_i/dx_k = (I - x_i x_i^T) J_ik - delta_ik (x_i f_i^T + <x_i, f_i> I).
// The products group the terms differently from the WASM kernels (W applied
// last), so the two are not the same arithmetic.

import type { FlatHead, FlatLayer, FlatProblem } from '../problem.js';
import { referenceAttentionMatrix } from './attention.js';

type Mat = Float64Array; // D x D, row-major, [a * d + b]

/** A = beta Q K^T (D x D); identities where Q or K is null. */
function scoreMatrix(head: FlatHead, d: number, beta: number): Mat {
  const a = new Float64Array(d * d);
  const q = (r: number, c: number) => (head.query === null ? (r === c ? 1 : 0) : head.query[r * head.dk + c]);
  const k = (r: number, c: number) => (head.key === null ? (r === c ? 1 : 0) : head.key[r * head.dk + c]);
  for (let r = 0; r < d; r++) {
    for (let s = 0; s < d; s++) {
      let sum = 0;
      for (let c = 0; c < head.dk; c++) sum += q(r, c) * k(s, c);
      a[r * d + s] = beta * sum;
    }
  }
  return a;
}

/** W = V^T (D x D). */
function valueMatrix(head: FlatHead, d: number): Mat {
  const w = new Float64Array(d * d);
  for (let r = 0; r < d; r++)
    for (let s = 0; s < d; s++) w[r * d + s] = head.value === null ? (r === s ? 1 : 0) : head.value[s * d + r];
  return w;
}

/** M y (column). */
function mul(m: Mat, y: ArrayLike<number>, d: number): Float64Array {
  const out = new Float64Array(d);
  for (let r = 0; r < d; r++) for (let s = 0; s < d; s++) out[r] += m[r * d + s] * y[s];
  return out;
}

/** M^T y (column). */
function mulT(m: Mat, y: ArrayLike<number>, d: number): Float64Array {
  const out = new Float64Array(d);
  for (let r = 0; r < d; r++) for (let s = 0; s < d; s++) out[s] += m[r * d + s] * y[r];
  return out;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let l = 0; l < a.length; l++) s += a[l] * b[l];
  return s;
}

/** Per head: P, A, W and xbar_i for every row. */
interface HeadTerms {
  readonly p: Float64Array;
  readonly a: Mat;
  readonly w: Mat;
  readonly xbar: Float64Array[];
}

function headTerms(x: Float64Array, n: number, d: number, layer: FlatLayer, h: number): HeadTerms {
  const p = referenceAttentionMatrix(x, n, d, layer, h);
  const xbar = Array.from({ length: n }, (_, i) => {
    const m = new Float64Array(d);
    for (let j = 0; j < n; j++) for (let c = 0; c < d; c++) m[c] += p[i * n + j] * x[j * d + c];
    return m;
  });
  return { p, a: scoreMatrix(layer.heads[h], d, layer.beta), w: valueMatrix(layer.heads[h], d), xbar };
}

const rowOf = (x: Float64Array, i: number, d: number) => x.subarray(i * d, (i + 1) * d);

/** f_i = sum_h W_h xbar_i^h, the unprojected field. */
function unprojected(terms: readonly HeadTerms[], n: number, d: number): Float64Array {
  const f = new Float64Array(n * d);
  for (const t of terms)
    for (let i = 0; i < n; i++)
      f.set(
        mul(t.w, t.xbar[i], d).map((v, c) => v + f[i * d + c]),
        i * d,
      );
  return f;
}

/** The full ND x ND Jacobian, row-major: J[(i D + a) N D + k D + b] = d f_{i,a} / d x_{k,b}. */
export function referenceJacobian(x: Float64Array, problem: FlatProblem, layer: number): Float64Array {
  const { n, d } = problem;
  const nd = n * d;
  const l = problem.layers[layer];
  const terms = l.heads.map((_, h) => headTerms(x, n, d, l, h));
  const jac = new Float64Array(nd * nd);
  const add = (i: number, k: number, block: Mat) => {
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) jac[(i * d + a) * nd + k * d + b] += block[a * d + b];
  };
  for (const { p, a, w, xbar } of terms) {
    for (let i = 0; i < n; i++) {
      const xi = rowOf(x, i, d);
      const r = mulT(a, xi, d); // A^T x_i, so x_i^T A = r^T
      for (let k = 0; k < n; k++) {
        const pik = p[i * n + k];
        const u = mul(
          w,
          rowOf(x, k, d).map((v, c) => v - xbar[i][c]),
          d,
        ); // W (x_k - xbar_i)
        const block = new Float64Array(d * d);
        for (let s = 0; s < d; s++) for (let t = 0; t < d; t++) block[s * d + t] = pik * (w[s * d + t] + u[s] * r[t]);
        add(i, k, block);
      }
      // W Cov_i A^T with Cov_i = sum_j P_ij (x_j - xbar_i)(x_j - xbar_i)^T.
      const cov = new Float64Array(d * d);
      for (let j = 0; j < n; j++) {
        const e = rowOf(x, j, d).map((v, c) => v - xbar[i][c]);
        for (let s = 0; s < d; s++) for (let t = 0; t < d; t++) cov[s * d + t] += p[i * n + j] * e[s] * e[t];
      }
      const wc = new Float64Array(d * d);
      for (let s = 0; s < d; s++)
        for (let t = 0; t < d; t++) for (let m = 0; m < d; m++) wc[s * d + t] += w[s * d + m] * cov[m * d + t];
      const block = new Float64Array(d * d);
      for (let s = 0; s < d; s++)
        for (let t = 0; t < d; t++) for (let m = 0; m < d; m++) block[s * d + t] += wc[s * d + m] * a[t * d + m];
      add(i, i, block);
    }
  }
  if (problem.geometry !== 'sphere') return jac;
  const f = unprojected(terms, n, d);
  const out = new Float64Array(nd * nd);
  for (let i = 0; i < n; i++) {
    const xi = rowOf(x, i, d);
    const fi = rowOf(f, i, d);
    const xf = dot(xi, fi);
    for (let a = 0; a < d; a++) {
      for (let col = 0; col < nd; col++) {
        // ((I - x_i x_i^T) J)_{a, col} = J_{a, col} - x_ia sum_m x_im J_{m, col}
        let c = 0;
        for (let m = 0; m < d; m++) c += xi[m] * jac[(i * d + m) * nd + col];
        let v = jac[(i * d + a) * nd + col] - xi[a] * c;
        const k = Math.floor(col / d);
        const b = col - k * d;
        if (k === i) v -= xi[a] * fi[b] + (a === b ? xf : 0);
        out[(i * d + a) * nd + col] = v;
      }
    }
  }
  return out;
}

/** J v without forming J (v is N x D row-major). */
export function referenceJvp(x: Float64Array, problem: FlatProblem, layer: number, v: Float64Array): Float64Array {
  const { n, d } = problem;
  const l = problem.layers[layer];
  const terms = l.heads.map((_, h) => headTerms(x, n, d, l, h));
  const out = new Float64Array(n * d);
  for (const { p, a, w, xbar } of terms) {
    for (let i = 0; i < n; i++) {
      const r = mulT(a, rowOf(x, i, d), d); // A^T x_i
      const t = mulT(a, rowOf(v, i, d), d); // A^T v_i
      // z = sum_k P_ik [v_k + (x_k - xbar_i)(<r, v_k> + <x_k - xbar_i, A^T v_i>)]; (J v)_i = W z.
      const z = new Float64Array(d);
      for (let k = 0; k < n; k++) {
        const vk = rowOf(v, k, d);
        const e = rowOf(x, k, d).map((val, c) => val - xbar[i][c]);
        const coef = dot(r, vk) + dot(e, t);
        for (let c = 0; c < d; c++) z[c] += p[i * n + k] * (vk[c] + e[c] * coef);
      }
      const wz = mul(w, z, d);
      for (let c = 0; c < d; c++) out[i * d + c] += wz[c];
    }
  }
  if (problem.geometry !== 'sphere') return out;
  const f = unprojected(terms, n, d);
  for (let i = 0; i < n; i++) {
    const xi = rowOf(x, i, d);
    const fi = rowOf(f, i, d);
    const vi = rowOf(v, i, d);
    const c = dot(xi, out.subarray(i * d, (i + 1) * d)) + dot(fi, vi);
    const xf = dot(xi, fi);
    for (let a = 0; a < d; a++) out[i * d + a] -= c * xi[a] + xf * vi[a];
  }
  return out;
}

/** J^T u without forming J (u is N x D row-major). */
export function referenceVjp(x: Float64Array, problem: FlatProblem, layer: number, u: Float64Array): Float64Array {
  const { n, d } = problem;
  const l = problem.layers[layer];
  const sphere = problem.geometry === 'sphere';
  const terms = l.heads.map((_, h) => headTerms(x, n, d, l, h));
  // On the sphere J^T acts on (I - x_i x_i^T) u_i.
  const uu = Float64Array.from(u);
  if (sphere) {
    for (let i = 0; i < n; i++) {
      const xi = rowOf(x, i, d);
      const c = dot(xi, rowOf(u, i, d));
      for (let a = 0; a < d; a++) uu[i * d + a] -= c * xi[a];
    }
  }
  const out = new Float64Array(n * d);
  for (const { p, a, w, xbar } of terms) {
    const omega = Array.from({ length: n }, (_, i) => mulT(w, rowOf(uu, i, d), d)); // W^T u_i
    const r = Array.from({ length: n }, (_, i) => mulT(a, rowOf(x, i, d), d)); // A^T x_i
    for (let k = 0; k < n; k++) {
      const xk = rowOf(x, k, d);
      const acc = new Float64Array(d);
      for (let i = 0; i < n; i++) {
        const pik = p[i * n + k];
        const e = dot(
          xk.map((val, c) => val - xbar[i][c]),
          omega[i],
        );
        for (let c = 0; c < d; c++) acc[c] += pik * (omega[i][c] + r[i][c] * e);
      }
      // A Cov_k W^T u_k = A sum_j P_kj (x_j - xbar_k) <x_j - xbar_k, W^T u_k>.
      const y = new Float64Array(d);
      for (let j = 0; j < n; j++) {
        const e = rowOf(x, j, d).map((val, c) => val - xbar[k][c]);
        const s = p[k * n + j] * dot(e, omega[k]);
        for (let c = 0; c < d; c++) y[c] += s * e[c];
      }
      const ay = mul(a, y, d);
      for (let c = 0; c < d; c++) out[k * d + c] += acc[c] + ay[c];
    }
  }
  if (!sphere) return out;
  const f = unprojected(terms, n, d);
  for (let k = 0; k < n; k++) {
    const xk = rowOf(x, k, d);
    const fk = rowOf(f, k, d);
    const uk = rowOf(u, k, d);
    const xu = dot(xk, uk);
    const xf = dot(xk, fk);
    for (let a = 0; a < d; a++) out[k * d + a] -= fk[a] * xu + xf * uk[a];
  }
  return out;
}
