// The Jacobian of the attention field f(X) = sum_h P_h X V_h (eq. 7), and its
// products with vectors, from the analytic block formula (MODEL.md, "The
// Jacobian and Lipschitz continuity"), generalized to Q != K and H heads.
//
// Column form, one head: A = beta Q K^T (D x D), W = V^T, s_ij = x_i^T A x_j,
// xbar_i = sum_j P_ij x_j, Cov_i = sum_j P_ij (x_j - xbar_i)(x_j - xbar_i)^T.
// From dP_ij/dx_k = P_ij [delta_ik A (x_j - xbar_i) + (delta_jk - P_ik) A^T x_i]:
//
//   J_ik = P_ik W + P_ik W (x_k - xbar_i) (A^T x_i)^T + delta_ik W Cov_i A^T,
//
// and J is the sum of the heads' J. The kernels precompute per head, in row
// form, w_j = x_j V (= W x_j), r_j = beta (x_j Q) K^T (= A^T x_j), and for
// the full matrix g_j = beta (x_j K) Q^T (= A x_j); the scores are
// s_ij = <r_i, x_j>. Then W (x_k - xbar_i) = w_k - wbar_i and
// W Cov_i A^T = sum_j P_ij (w_j - wbar_i)(g_j - gbar_i)^T.
//
// Sphere (geometry 1): the map is F_i(X) = f_i - <x_i, f_i> x_i (the field
// the solver integrates), differentiated as a map of R^{N x D}:
//   dF_i/dx_k = (I - x_i x_i^T) J_ik - delta_ik (x_i f_i^T + <x_i, f_i> I).
//
// Memory O(N D + N + D^2) besides the output; the products cost O(N^2 D) per
// head, the full matrix O(N^2 D^2).

import {
  PROBLEM_N, PROBLEM_D, PROBLEM_HEADS, PROBLEM_BETA, PROBLEM_GEOMETRY, PROBLEM_HEAD0, HEAD_STRIDE, HEAD_DK,
  HEAD_QUERY, HEAD_KEY, HEAD_VALUE, GEOMETRY_SPHERE,
} from './abi';
import { slot, pointerSlot } from './records';
import { rowTimesMatrix } from './linalg';
import { dot, axpy, scaleInto, rowTimesTransposed } from './vec';
import { softmaxInPlace } from './softmax';

// @ts-ignore: decorator
@inline function align16(bytes: f64): f64 {
  return Math.ceil(bytes / 16) * 16;
}

/** Bytes of scratch attentionJacobian, attentionJvp and attentionVjp need (heads of width at most dk). */
export function jacobianScratchBytes(n: i32, d: i32, dk: i32): f64 {
  const nd = <f64>n * <f64>d * 8;
  return 6 * align16(nd) + align16(<f64>d * <f64>d * 8) + align16(<f64>n * 8) +
    8 * align16(<f64>d * 8) + align16(<f64>Math.max(d, dk) * 8) + 16;
}

// Scratch pointers, laid out by layout(). The module allocates nothing.
let wRows: usize = 0; // w_j = x_j V
let rRows: usize = 0; // r_j = A^T x_j
let gRows: usize = 0; // g_j = A x_j (full matrix only)
let vRows: usize = 0; // v_j V (JVP only)
let fRows: usize = 0; // f_i, the unprojected field summed over heads (sphere)
let uRows: usize = 0; // (I - x_i x_i^T) u_i (VJP on the sphere)
let vt: usize = 0; // W = V^T, D x D
let pRow: usize = 0; // one row of P
let wbar: usize = 0;
let gbar: usize = 0;
let xbar: usize = 0;
let acc1: usize = 0;
let acc2: usize = 0;
let tVec: usize = 0;
let yVec: usize = 0;
let uVec: usize = 0;
let tmp: usize = 0; // max(D, d_k)

function layout(base: usize, n: i32, d: i32): void {
  const nd = <usize>align16(<f64>n * <f64>d * 8);
  const dv = <usize>align16(<f64>d * 8);
  let p = (base + 15) & ~(<usize>15);
  wRows = p; p += nd;
  rRows = p; p += nd;
  gRows = p; p += nd;
  vRows = p; p += nd;
  fRows = p; p += nd;
  uRows = p; p += nd;
  vt = p; p += <usize>align16(<f64>d * <f64>d * 8);
  pRow = p; p += <usize>align16(<f64>n * 8);
  wbar = p; p += dv;
  gbar = p; p += dv;
  xbar = p; p += dv;
  acc1 = p; p += dv;
  acc2 = p; p += dv;
  tVec = p; p += dv;
  yVec = p; p += dv;
  uVec = p; p += dv;
  tmp = p;
}

// @ts-ignore: decorator
@inline function rowAt(base: usize, i: i32, d: i32): usize {
  return base + (<usize>i * <usize>d << 3);
}

/** out = y V (or y when V is the identity). */
function timesValue(y: usize, d: i32, value: usize, out: usize): void {
  if (value != 0) rowTimesMatrix(y, value, d, d, out, 1.0, false);
  else memory.copy(out, y, <usize>d << 3);
}

/** out = A^T y in column form = beta (y Q) K^T in row form. */
function applyAT(y: usize, d: i32, dk: i32, query: usize, key: usize, beta: f64, out: usize): void {
  let z = y;
  if (query != 0) {
    rowTimesMatrix(y, query, d, dk, tmp, 1.0, false);
    z = tmp;
  }
  if (key != 0) rowTimesTransposed(z, key, d, dk, out, beta);
  else scaleInto(out, beta, z, d);
}

/** out = A y in column form = beta (y K) Q^T in row form. */
function applyA(y: usize, d: i32, dk: i32, query: usize, key: usize, beta: f64, out: usize): void {
  let z = y;
  if (key != 0) {
    rowTimesMatrix(y, key, d, dk, tmp, 1.0, false);
    z = tmp;
  }
  if (query != 0) rowTimesTransposed(z, query, d, dk, out, beta);
  else scaleInto(out, beta, z, d);
}

/** w_j = x_j V and r_j = A^T x_j for every token (and g_j = A x_j when withG). */
function prepareHead(
  x: usize, n: i32, d: i32, dk: i32, query: usize, key: usize, value: usize, beta: f64, withG: bool,
): void {
  for (let j = 0; j < n; j++) {
    const xj = rowAt(x, j, d);
    timesValue(xj, d, value, rowAt(wRows, j, d));
    applyAT(xj, d, dk, query, key, beta, rowAt(rRows, j, d));
    if (withG) applyA(xj, d, dk, query, key, beta, rowAt(gRows, j, d));
  }
}

/** pRow = P_i. (softmax of <r_i, x_j>); false if not finite. */
function attentionRowOf(x: usize, n: i32, d: i32, i: i32): bool {
  const ri = rowAt(rRows, i, d);
  for (let j = 0; j < n; j++) store<f64>(pRow + (<usize>j << 3), dot(ri, rowAt(x, j, d), d));
  return softmaxInPlace(pRow, n);
}

/** dst = sum_j p_j rows_j. */
function weightedMean(rows: usize, n: i32, d: i32, dst: usize): void {
  memory.fill(dst, 0, <usize>d << 3);
  for (let j = 0; j < n; j++) axpy(dst, load<f64>(pRow + (<usize>j << 3)), rowAt(rows, j, d), d);
}

/** Fills the row of NaN for row i when its scores overflow (the caller reports it). */
function poisonRow(out: usize, i: i32, d: i32): void {
  const o = rowAt(out, i, d);
  for (let a = 0; a < d; a++) store<f64>(o + (<usize>a << 3), NaN);
}

// The problem's sizes, read once per call (plain globals: the module allocates nothing).
let szN: i32 = 0;
let szD: i32 = 0;
let szHeads: i32 = 0;
let szBeta: f64 = 0;
let szSphere: bool = false;

function readSizes(problem: usize): void {
  szN = <i32>slot(problem, PROBLEM_N);
  szD = <i32>slot(problem, PROBLEM_D);
  szHeads = <i32>slot(problem, PROBLEM_HEADS);
  szBeta = slot(problem, PROBLEM_BETA);
  szSphere = <i32>slot(problem, PROBLEM_GEOMETRY) == GEOMETRY_SPHERE;
}

/**
 * out = J, the full ND x ND Jacobian, row-major:
 * out[(i D + a) N D + k D + b] = d f_{i,a} / d x_{k,b}. On the sphere, the
 * Jacobian of the projected field (see the header).
 */
export function attentionJacobian(problem: usize, x: usize, out: usize, scratch: usize): void {
  readSizes(problem);
  const n = szN, d = szD;
  const nd = n * d;
  layout(scratch, n, d);
  const rowStride = <usize>nd << 3; // bytes per row of J
  memory.fill(out, 0, <usize>nd * rowStride);
  memory.fill(fRows, 0, <usize>nd << 3);
  for (let h = 0; h < szHeads; h++) {
    const rec = PROBLEM_HEAD0 + h * HEAD_STRIDE;
    const dk = <i32>slot(problem, rec + HEAD_DK);
    const query = pointerSlot(problem, rec + HEAD_QUERY);
    const key = pointerSlot(problem, rec + HEAD_KEY);
    const value = pointerSlot(problem, rec + HEAD_VALUE);
    prepareHead(x, n, d, dk, query, key, value, szBeta, true);
    // vt row a = column a of V = row a of W.
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) {
        const v = value != 0 ? load<f64>(value + (<usize>(b * d + a) << 3)) : a == b ? 1.0 : 0.0;
        store<f64>(vt + (<usize>(a * d + b) << 3), v);
      }
    }
    for (let i = 0; i < n; i++) {
      const jRow0 = out + <usize>(i * d) * rowStride; // row (i, a = 0) of J
      if (!attentionRowOf(x, n, d, i)) {
        for (let a = 0; a < d; a++) store<f64>(jRow0 + <usize>a * rowStride, NaN);
        poisonRow(fRows, i, d);
        continue;
      }
      weightedMean(wRows, n, d, wbar);
      weightedMean(gRows, n, d, gbar);
      axpy(rowAt(fRows, i, d), 1.0, wbar, d);
      const ri = rowAt(rRows, i, d);
      // P_ik (W + (w_k - wbar_i) r_i^T), block by block.
      for (let k = 0; k < n; k++) {
        const pk = load<f64>(pRow + (<usize>k << 3));
        if (pk == 0) continue;
        const wk = rowAt(wRows, k, d);
        for (let a = 0; a < d; a++) {
          const dst = jRow0 + <usize>a * rowStride + (<usize>(k * d) << 3);
          const coef = pk * (load<f64>(wk + (<usize>a << 3)) - load<f64>(wbar + (<usize>a << 3)));
          axpy(dst, pk, vt + (<usize>(a * d) << 3), d);
          axpy(dst, coef, ri, d);
        }
      }
      // W Cov_i A^T = sum_j p_j (w_j - wbar)(g_j - gbar)^T on the diagonal block.
      for (let j = 0; j < n; j++) {
        const pj = load<f64>(pRow + (<usize>j << 3));
        if (pj == 0) continue;
        const wj = rowAt(wRows, j, d);
        const gj = rowAt(gRows, j, d);
        for (let b = 0; b < d; b++) {
          store<f64>(tVec + (<usize>b << 3), load<f64>(gj + (<usize>b << 3)) - load<f64>(gbar + (<usize>b << 3)));
        }
        for (let a = 0; a < d; a++) {
          const coef = pj * (load<f64>(wj + (<usize>a << 3)) - load<f64>(wbar + (<usize>a << 3)));
          axpy(jRow0 + <usize>a * rowStride + (<usize>(i * d) << 3), coef, tVec, d);
        }
      }
    }
  }
  if (!szSphere) return;
  for (let i = 0; i < n; i++) {
    const xi = rowAt(x, i, d);
    const fi = rowAt(fRows, i, d);
    const jRow0 = out + <usize>(i * d) * rowStride;
    // (I - x_i x_i^T) applied to the rows (i, .) of J: c = x_i^T J_i., J_i. -= x_i c.
    for (let col = 0; col < nd; col++) {
      let c: f64 = 0;
      for (let a = 0; a < d; a++) c += load<f64>(xi + (<usize>a << 3)) * load<f64>(jRow0 + <usize>a * rowStride + (<usize>col << 3));
      for (let a = 0; a < d; a++) {
        const p = jRow0 + <usize>a * rowStride + (<usize>col << 3);
        store<f64>(p, load<f64>(p) - load<f64>(xi + (<usize>a << 3)) * c);
      }
    }
    // - (x_i f_i^T + <x_i, f_i> I) on the diagonal block.
    const xf = dot(xi, fi, d);
    for (let a = 0; a < d; a++) {
      const dst = jRow0 + <usize>a * rowStride + (<usize>(i * d) << 3);
      axpy(dst, -load<f64>(xi + (<usize>a << 3)), fi, d);
      const diag = dst + (<usize>a << 3);
      store<f64>(diag, load<f64>(diag) - xf);
    }
  }
}

/** out = J v (v and out N x D row-major), without forming J; O(N^2 D) per head. */
export function attentionJvp(problem: usize, x: usize, v: usize, out: usize, scratch: usize): void {
  readSizes(problem);
  const n = szN, d = szD;
  layout(scratch, n, d);
  memory.fill(out, 0, <usize>(n * d) << 3);
  memory.fill(fRows, 0, <usize>(n * d) << 3);
  for (let h = 0; h < szHeads; h++) {
    const rec = PROBLEM_HEAD0 + h * HEAD_STRIDE;
    const dk = <i32>slot(problem, rec + HEAD_DK);
    const query = pointerSlot(problem, rec + HEAD_QUERY);
    const key = pointerSlot(problem, rec + HEAD_KEY);
    const value = pointerSlot(problem, rec + HEAD_VALUE);
    prepareHead(x, n, d, dk, query, key, value, szBeta, false);
    for (let j = 0; j < n; j++) timesValue(rowAt(v, j, d), d, value, rowAt(vRows, j, d));
    for (let i = 0; i < n; i++) {
      if (!attentionRowOf(x, n, d, i)) {
        poisonRow(out, i, d);
        poisonRow(fRows, i, d);
        continue;
      }
      // (J v)_i = sum_j p_j [v_j V + (w_j - wbar) c_j], c_j = <r_i, v_j> + <A^T v_i, x_j>
      // (the part of c_j constant in j cancels against sum_j p_j (w_j - wbar) = 0).
      applyAT(rowAt(v, i, d), d, dk, query, key, szBeta, tVec);
      const ri = rowAt(rRows, i, d);
      memory.fill(acc1, 0, <usize>d << 3);
      memory.fill(acc2, 0, <usize>d << 3);
      memory.fill(wbar, 0, <usize>d << 3);
      let cbar: f64 = 0;
      for (let j = 0; j < n; j++) {
        const pj = load<f64>(pRow + (<usize>j << 3));
        if (pj == 0) continue;
        const wj = rowAt(wRows, j, d);
        const pc = pj * (dot(ri, rowAt(v, j, d), d) + dot(tVec, rowAt(x, j, d), d));
        axpy(acc1, pj, rowAt(vRows, j, d), d);
        axpy(acc2, pc, wj, d);
        axpy(wbar, pj, wj, d);
        cbar += pc;
      }
      const oi = rowAt(out, i, d);
      axpy(oi, 1.0, acc1, d);
      axpy(oi, 1.0, acc2, d);
      axpy(oi, -cbar, wbar, d);
      axpy(rowAt(fRows, i, d), 1.0, wbar, d);
    }
  }
  if (!szSphere) return;
  for (let i = 0; i < n; i++) {
    const xi = rowAt(x, i, d);
    const fi = rowAt(fRows, i, d);
    const vi = rowAt(v, i, d);
    const oi = rowAt(out, i, d);
    // (I - x_i x_i^T)(J v)_i - x_i <f_i, v_i> - <x_i, f_i> v_i
    const c = dot(xi, oi, d) + dot(fi, vi, d);
    axpy(oi, -c, xi, d);
    axpy(oi, -dot(xi, fi, d), vi, d);
  }
}

/** out = J^T u (u and out N x D row-major), without forming J; O(N^2 D) per head. */
export function attentionVjp(problem: usize, x: usize, u: usize, out: usize, scratch: usize): void {
  readSizes(problem);
  const n = szN, d = szD;
  layout(scratch, n, d);
  memory.fill(out, 0, <usize>(n * d) << 3);
  memory.fill(fRows, 0, <usize>(n * d) << 3);
  // On the sphere, J^T is applied to (I - x_i x_i^T) u_i.
  let uIn = u;
  if (szSphere) {
    uIn = uRows;
    for (let i = 0; i < n; i++) {
      const xi = rowAt(x, i, d);
      const ui = rowAt(uRows, i, d);
      memory.copy(ui, rowAt(u, i, d), <usize>d << 3);
      axpy(ui, -dot(xi, ui, d), xi, d);
    }
  }
  for (let h = 0; h < szHeads; h++) {
    const rec = PROBLEM_HEAD0 + h * HEAD_STRIDE;
    const dk = <i32>slot(problem, rec + HEAD_DK);
    const query = pointerSlot(problem, rec + HEAD_QUERY);
    const key = pointerSlot(problem, rec + HEAD_KEY);
    const value = pointerSlot(problem, rec + HEAD_VALUE);
    prepareHead(x, n, d, dk, query, key, value, szBeta, false);
    for (let i = 0; i < n; i++) {
      if (!attentionRowOf(x, n, d, i)) {
        for (let k = 0; k < n; k++) poisonRow(out, k, d);
        poisonRow(fRows, i, d);
        continue;
      }
      const ui = rowAt(uIn, i, d);
      const ri = rowAt(rRows, i, d);
      weightedMean(wRows, n, d, wbar);
      weightedMean(x, n, d, xbar);
      const ebar = dot(wbar, ui, d);
      // uVec = W^T u_i in column form = u_i V^T in row form.
      if (value != 0) rowTimesTransposed(ui, value, d, d, uVec, 1.0);
      else memory.copy(uVec, ui, <usize>d << 3);
      // (J^T u)_k += p_ik (W^T u_i + <w_k - wbar_i, u_i> r_i) for every k, and
      // y = sum_k p_ik e_k x_k with e_k = <w_k, u_i> for the diagonal term.
      memory.fill(yVec, 0, <usize>d << 3);
      for (let k = 0; k < n; k++) {
        const pk = load<f64>(pRow + (<usize>k << 3));
        if (pk == 0) continue;
        const ek = dot(rowAt(wRows, k, d), ui, d);
        const ok = rowAt(out, k, d);
        axpy(ok, pk, uVec, d);
        axpy(ok, pk * (ek - ebar), ri, d);
        axpy(yVec, pk * ek, rowAt(x, k, d), d);
      }
      // Diagonal: A Cov_i W^T u_i = A (sum_k p_k e_k x_k - ebar xbar).
      axpy(yVec, -ebar, xbar, d);
      applyA(yVec, d, dk, query, key, szBeta, tVec);
      axpy(rowAt(out, i, d), 1.0, tVec, d);
      axpy(rowAt(fRows, i, d), 1.0, wbar, d);
    }
  }
  if (!szSphere) return;
  for (let k = 0; k < n; k++) {
    // - (x_k f_k^T + <x_k, f_k> I)^T u_k = - f_k <x_k, u_k> - <x_k, f_k> u_k
    const xk = rowAt(x, k, d);
    const fk = rowAt(fRows, k, d);
    const uk = rowAt(u, k, d);
    const ok = rowAt(out, k, d);
    axpy(ok, -dot(xk, uk, d), fk, d);
    axpy(ok, -dot(xk, fk, d), uk, d);
  }
}
