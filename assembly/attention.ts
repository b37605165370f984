// The attention vector field, eq. (7) in row form:
//   dX/dt = sum_h softmax_rows(beta (X Q_h)(X K_h)^T) X V_h,
// computed row by row: no N x N matrix unless one is asked for, so the scratch
// is O(N d_k + N + D) and is reused by every head.
//
// Layout (FINDINGS.md): the keys k_j = x_j K are packed in panels of
// KEY_PANEL, panel p holding keys 8p..8p+7 interleaved per coordinate, so the
// score loop streams one panel contiguously and broadcasts q_i[k]. Two query
// rows share each panel load (register blocking). Padded keys score 0 and are
// never read past N.

import {
  PROBLEM_N, PROBLEM_D, PROBLEM_HEADS, PROBLEM_BETA, PROBLEM_GEOMETRY,
  PROBLEM_SCRATCH, PROBLEM_HEAD0, HEAD_STRIDE, HEAD_DK, HEAD_QUERY, HEAD_KEY,
  HEAD_VALUE, GEOMETRY_SPHERE,
} from './abi';
import { slot, pointerSlot } from './records';
import { expScalar, expVector } from './exp';
import { rowTimesMatrix } from './linalg';
import { projectOnTangent } from './geometry';

/** Keys per packed panel. */
const KEY_PANEL: i32 = 8;

// @ts-ignore: decorator
@inline function paddedKeys(n: i32): i32 {
  return ((n + KEY_PANEL - 1) / KEY_PANEL) * KEY_PANEL;
}

// @ts-ignore: decorator
@inline function align16(bytes: f64): f64 {
  return Math.ceil(bytes / 16) * 16;
}

/**
 * Bytes of scratch the kernels need for N tokens of dimension D and heads of
 * width at most dk: packed keys, two score rows, two query rows, two weighted
 * sums. Computed in float64 so that huge sizes report a huge need instead of
 * wrapping around.
 */
export function attentionScratchBytes(n: i32, d: i32, dk: i32): f64 {
  const npad = <f64>paddedKeys(n);
  return align16(npad * <f64>dk * 8) + 2 * align16(npad * 8) + 2 * align16(<f64>dk * 8) +
    2 * align16(<f64>d * 8) + 16;
}

// Scratch pointers, set by layoutScratch for each head. Plain globals: the
// module allocates nothing, the caller owns all memory.
let keysPtr: usize = 0;
let scoresAPtr: usize = 0;
let scoresBPtr: usize = 0;
let queryAPtr: usize = 0;
let queryBPtr: usize = 0;
let sumAPtr: usize = 0;
let sumBPtr: usize = 0;

function layoutScratch(base: usize, n: i32, d: i32, dk: i32): void {
  const npad = <usize>paddedKeys(n);
  let p = (base + 15) & ~(<usize>15);
  keysPtr = p;
  p += <usize>align16(<f64>(npad * <usize>dk * 8));
  scoresAPtr = p;
  p += <usize>align16(<f64>(npad * 8));
  scoresBPtr = p;
  p += <usize>align16(<f64>(npad * 8));
  queryAPtr = p;
  p += <usize>align16(<f64>dk * 8);
  queryBPtr = p;
  p += <usize>align16(<f64>dk * 8);
  sumAPtr = p;
  p += <usize>align16(<f64>d * 8);
  sumBPtr = p;
}

/** keys[panel][k][lane] = (x_j K)[k] with j = panel * KEY_PANEL + lane; pads with 0. */
function packKeys(x: usize, n: i32, d: i32, dk: i32, key: usize, row: usize): void {
  const npad = paddedKeys(n);
  const panelBytes = <usize>(dk * KEY_PANEL) << 3;
  for (let j = 0; j < npad; j++) {
    const dst = keysPtr + <usize>(j / KEY_PANEL) * panelBytes + (<usize>(j % KEY_PANEL) << 3);
    if (j >= n) {
      for (let k = 0; k < dk; k++) store<f64>(dst + (<usize>(k * KEY_PANEL) << 3), 0.0);
      continue;
    }
    const xj = x + (<usize>(j * d) << 3);
    let src = xj;
    if (key != 0) {
      rowTimesMatrix(xj, key, d, dk, row, 1.0, false);
      src = row;
    }
    for (let k = 0; k < dk; k++) {
      store<f64>(dst + (<usize>(k * KEY_PANEL) << 3), load<f64>(src + (<usize>k << 3)));
    }
  }
}

/** q = beta * x_i Q (or beta * x_i when Q is the identity). */
function queryRow(xi: usize, d: i32, dk: i32, query: usize, beta: f64, q: usize): void {
  if (query != 0) {
    rowTimesMatrix(xi, query, d, dk, q, beta, false);
  } else {
    for (let k = 0; k < d; k++) store<f64>(q + (<usize>k << 3), beta * load<f64>(xi + (<usize>k << 3)));
  }
}

/** Scores of two query rows against every packed key: sA[j] = <qA, k_j>, sB[j] = <qB, k_j>. */
function scoreRows(qA: usize, qB: usize, dk: i32, npad: i32, sA: usize, sB: usize): void {
  const panels = npad / KEY_PANEL;
  let kp = keysPtr;
  for (let p = 0; p < panels; p++) {
    const o = <usize>(p * KEY_PANEL) << 3;
    if (ASC_FEATURE_SIMD) {
      let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
      let b0 = f64x2.splat(0), b1 = f64x2.splat(0), b2 = f64x2.splat(0), b3 = f64x2.splat(0);
      for (let k = 0; k < dk; k++) {
        const qa = v128.load64_splat(qA + (<usize>k << 3));
        const qb = v128.load64_splat(qB + (<usize>k << 3));
        const k0 = v128.load(kp, 0), k1 = v128.load(kp, 16), k2 = v128.load(kp, 32), k3 = v128.load(kp, 48);
        a0 = f64x2.add(a0, f64x2.mul(qa, k0));
        a1 = f64x2.add(a1, f64x2.mul(qa, k1));
        a2 = f64x2.add(a2, f64x2.mul(qa, k2));
        a3 = f64x2.add(a3, f64x2.mul(qa, k3));
        b0 = f64x2.add(b0, f64x2.mul(qb, k0));
        b1 = f64x2.add(b1, f64x2.mul(qb, k1));
        b2 = f64x2.add(b2, f64x2.mul(qb, k2));
        b3 = f64x2.add(b3, f64x2.mul(qb, k3));
        kp += 64;
      }
      v128.store(sA + o, a0, 0); v128.store(sA + o, a1, 16); v128.store(sA + o, a2, 32); v128.store(sA + o, a3, 48);
      v128.store(sB + o, b0, 0); v128.store(sB + o, b1, 16); v128.store(sB + o, b2, 32); v128.store(sB + o, b3, 48);
    } else {
      for (let l = 0; l < KEY_PANEL; l++) {
        store<f64>(sA + o + (<usize>l << 3), 0.0);
        store<f64>(sB + o + (<usize>l << 3), 0.0);
      }
      for (let k = 0; k < dk; k++) {
        const qa = load<f64>(qA + (<usize>k << 3));
        const qb = load<f64>(qB + (<usize>k << 3));
        for (let l = 0; l < KEY_PANEL; l++) {
          const kv = load<f64>(kp + (<usize>l << 3));
          const ao = sA + o + (<usize>l << 3), bo = sB + o + (<usize>l << 3);
          store<f64>(ao, load<f64>(ao) + qa * kv);
          store<f64>(bo, load<f64>(bo) + qb * kv);
        }
        kp += 64;
      }
    }
  }
}

/** Largest of s[0..n). NaN-free inputs give the exact maximum. */
function rowMax(s: usize, n: i32): f64 {
  let m = -Infinity;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    if (n >= 2) {
      let mv = v128.load(s);
      for (j = 2; j + 2 <= n; j += 2) mv = f64x2.pmax(mv, v128.load(s + (<usize>j << 3)));
      m = Math.max(f64x2.extract_lane(mv, 0), f64x2.extract_lane(mv, 1));
    }
  }
  for (; j < n; j++) m = Math.max(m, load<f64>(s + (<usize>j << 3)));
  return m;
}

/** s[j] = exp(s[j] - m) for j < n; returns the sum. Stable softmax numerator. */
function expShifted(s: usize, n: i32, m: f64): f64 {
  let sum: f64 = 0;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const mv = f64x2.splat(m);
    let acc = f64x2.splat(0);
    for (; j + 2 <= n; j += 2) {
      const p = s + (<usize>j << 3);
      const e = expVector(f64x2.sub(v128.load(p), mv));
      v128.store(p, e);
      acc = f64x2.add(acc, e);
    }
    sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  }
  for (; j < n; j++) {
    const p = s + (<usize>j << 3);
    const e = expScalar(load<f64>(p) - m);
    store<f64>(p, e);
    sum += e;
  }
  return sum;
}

/** zA = sum_j wA[j] x_j and zB = sum_j wB[j] x_j over the N rows of X (N x D). */
function weightedRows(x: usize, n: i32, d: i32, wA: usize, wB: usize, zA: usize, zB: usize): void {
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    // Blocks of 8 coordinates held in registers while j runs over all rows.
    for (; k + 8 <= d; k += 8) {
      let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0);
      let b0 = f64x2.splat(0), b1 = f64x2.splat(0), b2 = f64x2.splat(0), b3 = f64x2.splat(0);
      let xp = x + (<usize>k << 3);
      const stride = <usize>d << 3;
      for (let j = 0; j < n; j++) {
        const pa = v128.load64_splat(wA + (<usize>j << 3));
        const pb = v128.load64_splat(wB + (<usize>j << 3));
        const x0 = v128.load(xp, 0), x1 = v128.load(xp, 16), x2 = v128.load(xp, 32), x3 = v128.load(xp, 48);
        a0 = f64x2.add(a0, f64x2.mul(pa, x0));
        a1 = f64x2.add(a1, f64x2.mul(pa, x1));
        a2 = f64x2.add(a2, f64x2.mul(pa, x2));
        a3 = f64x2.add(a3, f64x2.mul(pa, x3));
        b0 = f64x2.add(b0, f64x2.mul(pb, x0));
        b1 = f64x2.add(b1, f64x2.mul(pb, x1));
        b2 = f64x2.add(b2, f64x2.mul(pb, x2));
        b3 = f64x2.add(b3, f64x2.mul(pb, x3));
        xp += stride;
      }
      const o = <usize>k << 3;
      v128.store(zA + o, a0, 0); v128.store(zA + o, a1, 16); v128.store(zA + o, a2, 32); v128.store(zA + o, a3, 48);
      v128.store(zB + o, b0, 0); v128.store(zB + o, b1, 16); v128.store(zB + o, b2, 32); v128.store(zB + o, b3, 48);
    }
    for (; k + 2 <= d; k += 2) {
      let a = f64x2.splat(0), b = f64x2.splat(0);
      let xp = x + (<usize>k << 3);
      const stride = <usize>d << 3;
      for (let j = 0; j < n; j++) {
        const xv = v128.load(xp);
        a = f64x2.add(a, f64x2.mul(v128.load64_splat(wA + (<usize>j << 3)), xv));
        b = f64x2.add(b, f64x2.mul(v128.load64_splat(wB + (<usize>j << 3)), xv));
        xp += stride;
      }
      v128.store(zA + (<usize>k << 3), a);
      v128.store(zB + (<usize>k << 3), b);
    }
    if (k < d && d == 1) {
      // D = 1: X is one contiguous column, vectorize over j instead.
      let a = f64x2.splat(0), b = f64x2.splat(0);
      let j = 0;
      for (; j + 2 <= n; j += 2) {
        const o = <usize>j << 3;
        const xv = v128.load(x + o);
        a = f64x2.add(a, f64x2.mul(v128.load(wA + o), xv));
        b = f64x2.add(b, f64x2.mul(v128.load(wB + o), xv));
      }
      let sa = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
      let sb = f64x2.extract_lane(b, 0) + f64x2.extract_lane(b, 1);
      for (; j < n; j++) {
        const xv = load<f64>(x + (<usize>j << 3));
        sa += load<f64>(wA + (<usize>j << 3)) * xv;
        sb += load<f64>(wB + (<usize>j << 3)) * xv;
      }
      store<f64>(zA, sa);
      store<f64>(zB, sb);
      k = 1;
    }
  }
  // Scalar tail: the coordinates left over (all of them in the scalar build).
  for (; k < d; k++) {
    let sa: f64 = 0, sb: f64 = 0;
    let xp = x + (<usize>k << 3);
    const stride = <usize>d << 3;
    for (let j = 0; j < n; j++) {
      const xv = load<f64>(xp);
      sa += load<f64>(wA + (<usize>j << 3)) * xv;
      sb += load<f64>(wB + (<usize>j << 3)) * xv;
      xp += stride;
    }
    store<f64>(zA + (<usize>k << 3), sa);
    store<f64>(zB + (<usize>k << 3), sb);
  }
}

/** Softmax one score row in place (exp and normalizer) and return 1/sum, or NaN if the row is not finite. */
function softmaxRow(s: usize, n: i32): f64 {
  const m = rowMax(s, n);
  if (!isFinite(m)) return NaN;
  return 1.0 / expShifted(s, n, m);
}

/** out_i += scale * z V (or scale * z for identity V); NaN scale poisons the row. */
function addValueRow(z: usize, d: i32, value: usize, scale: f64, outRow: usize): void {
  if (value != 0) {
    rowTimesMatrix(z, value, d, d, outRow, scale, true);
  } else {
    for (let k = 0; k < d; k++) {
      const o = outRow + (<usize>k << 3);
      store<f64>(o, load<f64>(o) + scale * load<f64>(z + (<usize>k << 3)));
    }
  }
}

/** attn[i][j] = s[j] * scale for one row of the N x N attention matrix. */
function writeAttentionRow(s: usize, n: i32, scale: f64, row: usize): void {
  for (let j = 0; j < n; j++) store<f64>(row + (<usize>j << 3), load<f64>(s + (<usize>j << 3)) * scale);
}

/**
 * One head, rows [rowStart, rowEnd): adds their velocity to `out` (if out != 0)
 * and writes their attention rows to `attn` (if attn != 0). Rows go in pairs;
 * an odd last row is paired with itself and written once. Every row's result
 * is independent of its partner, so any split of the rows gives the same bits.
 */
function head(
  x: usize, n: i32, d: i32, dk: i32, query: usize, key: usize, value: usize, beta: f64,
  out: usize, attn: usize, rowStart: i32, rowEnd: i32,
): void {
  const npad = paddedKeys(n);
  packKeys(x, n, d, dk, key, queryAPtr);
  for (let i = rowStart; i < rowEnd; i += 2) {
    const pair = i + 1 < rowEnd;
    const iB = pair ? i + 1 : i;
    const xA = x + (<usize>(i * d) << 3);
    const xB = x + (<usize>(iB * d) << 3);
    queryRow(xA, d, dk, query, beta, queryAPtr);
    queryRow(xB, d, dk, query, beta, queryBPtr);
    scoreRows(queryAPtr, queryBPtr, dk, npad, scoresAPtr, scoresBPtr);
    const scaleA = softmaxRow(scoresAPtr, n);
    const scaleB = softmaxRow(scoresBPtr, n);
    if (attn != 0) {
      writeAttentionRow(scoresAPtr, n, scaleA, attn + (<usize>i * <usize>n << 3));
      if (pair) writeAttentionRow(scoresBPtr, n, scaleB, attn + (<usize>iB * <usize>n << 3));
    }
    if (out != 0) {
      weightedRows(x, n, d, scoresAPtr, scoresBPtr, sumAPtr, sumBPtr);
      addValueRow(sumAPtr, d, value, scaleA, out + (<usize>(i * d) << 3));
      if (pair) addValueRow(sumBPtr, d, value, scaleB, out + (<usize>(iB * d) << 3));
    }
  }
}

/**
 * out = f(X), the attention velocity of eq. (7) summed over heads; on the
 * sphere, each row is then projected on the tangent space at x_i.
 * `problem` is a problem record (abi.ts); x and out hold N * D float64.
 */
export function attentionRhs(problem: usize, x: usize, out: usize): void {
  attentionRhsRows(problem, x, out, 0, <i32>slot(problem, PROBLEM_N), pointerSlot(problem, PROBLEM_SCRATCH));
}

/**
 * Rows [rowStart, rowEnd) of f(X) into the same rows of `out` (no other row is
 * written), using the scratch at `scratch` (attentionScratchBytes(n, d, dk)
 * bytes) instead of the problem's: each thread of a parallel field owns one.
 * Every call packs all N keys itself.
 */
export function attentionRhsRows(problem: usize, x: usize, out: usize, rowStart: i32, rowEnd: i32, scratch: usize): void {
  const n = <i32>slot(problem, PROBLEM_N);
  const d = <i32>slot(problem, PROBLEM_D);
  const heads = <i32>slot(problem, PROBLEM_HEADS);
  const beta = slot(problem, PROBLEM_BETA);
  if (rowEnd <= rowStart) return;
  const rowOffset = <usize>(rowStart * d) << 3;
  memory.fill(out + rowOffset, 0, <usize>((rowEnd - rowStart) * d) << 3);
  for (let h = 0; h < heads; h++) {
    const rec = PROBLEM_HEAD0 + h * HEAD_STRIDE;
    const dk = <i32>slot(problem, rec + HEAD_DK);
    layoutScratch(scratch, n, d, dk);
    head(
      x, n, d, dk, pointerSlot(problem, rec + HEAD_QUERY), pointerSlot(problem, rec + HEAD_KEY),
      pointerSlot(problem, rec + HEAD_VALUE), beta, out, 0, rowStart, rowEnd,
    );
  }
  if (<i32>slot(problem, PROBLEM_GEOMETRY) == GEOMETRY_SPHERE) {
    projectOnTangent(x + rowOffset, out + rowOffset, rowEnd - rowStart, d);
  }
}

/** attn = P_h(X), the N x N row-stochastic attention matrix of head `h`. */
export function attentionMatrix(problem: usize, x: usize, h: i32, attn: usize): void {
  const n = <i32>slot(problem, PROBLEM_N);
  const d = <i32>slot(problem, PROBLEM_D);
  const rec = PROBLEM_HEAD0 + h * HEAD_STRIDE;
  const dk = <i32>slot(problem, rec + HEAD_DK);
  layoutScratch(pointerSlot(problem, PROBLEM_SCRATCH), n, d, dk);
  head(
    x, n, d, dk, pointerSlot(problem, rec + HEAD_QUERY), pointerSlot(problem, rec + HEAD_KEY),
    pointerSlot(problem, rec + HEAD_VALUE), slot(problem, PROBLEM_BETA), 0, attn, 0, n,
  );
}
