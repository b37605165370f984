// The float32 attention field (problem slot PROBLEM_PRECISION = 1): the plan
// of ../attention.ts with f32x4 lanes, twice as many numbers per vector.
//
// Inputs and outputs stay float64 (the solver's state is float64); each call
// rounds the keys, queries and X to float32 in the scratch block (O(N D)),
// computes scores, exponentials and weighted sums in float32, and keeps the
// softmax state (running maximum m, normalizer l, weighted sums z) in float64:
// a tile's float32 partial sums (at most MAX_TILE keys) are added to float64
// accumulators, so rounding does not grow with N. The result is within about
// 1e-6 relative of the float64 field for scores of moderate size; the error
// of a weight e^{s - m} is the absolute error of its score, about
// 2^-24 (|s| + sum_k |q_k k_k|), so it grows with beta |x|^2.
//
// Scratch (regions of scratch.ts, each large enough for these float32 uses):
// keys as float32 panels of KEY_PANEL_F32 keys, X as float32 (row-major, or
// transposed for D < SMALL_D), the block's queries, ROW_BLOCK score rows.

import { expScalar } from '../exp';
import { addValueRow, rowTimesMatrix } from '../linalg';
import { maddF32 } from '../simd';
import { expScalarF32, expVectorF32 } from './exp';
import {
  ROW_BLOCK, BLOCK_ROWS, SMALL_D, keysPtr, valuesPtr, queriesPtr, scoresPtr, sumsPtr, maxPtr, totalPtr, workPtr,
} from '../scratch';

/** Keys per float32 panel: two f32x4 vectors. */
export const KEY_PANEL_F32: i32 = 8;
/** Float32 numbers of keys plus values per tile (192 KiB). */
const TILE_BUDGET_F32: i32 = 49152;
/** Most keys per tile: bounds the length of the float32 partial sums. */
const MAX_TILE: i32 = 1024;

// @ts-ignore: decorator
@inline export function paddedKeysF32(n: i32): i32 {
  return ((n + KEY_PANEL_F32 - 1) / KEY_PANEL_F32) * KEY_PANEL_F32;
}

function tileKeysF32(n: i32, d: i32, dk: i32): i32 {
  let t = (TILE_BUDGET_F32 / (dk + d)) & ~(KEY_PANEL_F32 - 1);
  if (t < 64) t = 64;
  if (t > MAX_TILE) t = MAX_TILE;
  const npad = paddedKeysF32(n);
  return t < npad ? t : npad;
}

/** Float32 key panels: keys[panel][k][lane] = f32((x_j K)[k]), zero padded. */
export function packKeysF32(x: usize, n: i32, d: i32, dk: i32, key: usize): void {
  const npad = paddedKeysF32(n);
  const panelBytes = <usize>(dk * KEY_PANEL_F32) << 2;
  for (let j = 0; j < npad; j++) {
    const dst = keysPtr + <usize>(j / KEY_PANEL_F32) * panelBytes + (<usize>(j % KEY_PANEL_F32) << 2);
    if (j >= n) {
      for (let k = 0; k < dk; k++) store<f32>(dst + (<usize>(k * KEY_PANEL_F32) << 2), 0);
      continue;
    }
    let src = x + (<usize>(j * d) << 3);
    if (key != 0) {
      rowTimesMatrix(src, key, d, dk, workPtr, 1.0, false);
      src = workPtr;
    }
    for (let k = 0; k < dk; k++) store<f32>(dst + (<usize>(k * KEY_PANEL_F32) << 2), <f32>load<f64>(src + (<usize>k << 3)));
  }
}

/** X as float32: row-major (D >= SMALL_D) or transposed with rows of npad (D < SMALL_D, zero padded). */
function packValuesF32(x: usize, n: i32, d: i32, transposed: bool): void {
  if (!transposed) {
    for (let l = 0; l < n * d; l++) store<f32>(valuesPtr + (<usize>l << 2), <f32>load<f64>(x + (<usize>l << 3)));
    return;
  }
  const npad = paddedKeysF32(n);
  for (let k = 0; k < d; k++) {
    const row = valuesPtr + (<usize>(k * npad) << 2);
    for (let j = 0; j < n; j++) store<f32>(row + (<usize>j << 2), <f32>load<f64>(x + (<usize>(j * d + k) << 3)));
    for (let j = n; j < npad; j++) store<f32>(row + (<usize>j << 2), 0);
  }
}

/** q = f32(beta x_i Q) (or f32(beta x_i)). */
function queryRowF32(xi: usize, d: i32, dk: i32, query: usize, beta: f64, q: usize): void {
  if (query != 0) {
    rowTimesMatrix(xi, query, d, dk, workPtr, beta, false);
    for (let k = 0; k < dk; k++) store<f32>(q + (<usize>k << 2), <f32>load<f64>(workPtr + (<usize>k << 3)));
  } else {
    for (let k = 0; k < d; k++) store<f32>(q + (<usize>k << 2), <f32>(beta * load<f64>(xi + (<usize>k << 3))));
  }
}

/**
 * Scores of ROW_BLOCK float32 query rows against the panels [p0, p1), minus
 * h_j = load<f32>(minus + 4 j) when `minus` is not 0 (as scoreBlock: the sums
 * start from -h_j); score rows `stride` bytes apart.
 */
export function scoreBlockF32(q: usize, dk: i32, p0: i32, p1: i32, s: usize, stride: usize, minus: usize): void {
  const qBytes = <usize>dk << 2;
  let kp = keysPtr + (<usize>(p0 * dk * KEY_PANEL_F32) << 2);
  for (let p = p0; p < p1; p++) {
    const o = s + (<usize>((p - p0) * KEY_PANEL_F32) << 2);
    if (ASC_FEATURE_SIMD) {
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
      if (minus != 0) {
        const h = minus + (<usize>(p * KEY_PANEL_F32) << 2);
        a0 = f32x4.neg(v128.load(h));
        a1 = f32x4.neg(v128.load(h, 16));
      }
      let b0 = a0, b1 = a1, c0 = a0, c1 = a1, e0 = a0, e1 = a1;
      let qp = q;
      for (let k = 0; k < dk; k++) {
        const k0 = v128.load(kp, 0), k1 = v128.load(kp, 16);
        let w = v128.load32_splat(qp);
        a0 = maddF32(w, k0, a0);
        a1 = maddF32(w, k1, a1);
        w = v128.load32_splat(qp + qBytes);
        b0 = maddF32(w, k0, b0);
        b1 = maddF32(w, k1, b1);
        w = v128.load32_splat(qp + 2 * qBytes);
        c0 = maddF32(w, k0, c0);
        c1 = maddF32(w, k1, c1);
        w = v128.load32_splat(qp + 3 * qBytes);
        e0 = maddF32(w, k0, e0);
        e1 = maddF32(w, k1, e1);
        kp += 32;
        qp += 4;
      }
      v128.store(o, a0, 0); v128.store(o, a1, 16);
      v128.store(o + stride, b0, 0); v128.store(o + stride, b1, 16);
      v128.store(o + 2 * stride, c0, 0); v128.store(o + 2 * stride, c1, 16);
      v128.store(o + 3 * stride, e0, 0); v128.store(o + 3 * stride, e1, 16);
    } else {
      for (let r = 0; r < ROW_BLOCK; r++) {
        const qr = q + <usize>r * qBytes;
        for (let l = 0; l < KEY_PANEL_F32; l++) {
          let acc: f32 = minus != 0 ? -load<f32>(minus + (<usize>(p * KEY_PANEL_F32 + l) << 2)) : 0;
          for (let k = 0; k < dk; k++) {
            acc += load<f32>(qr + (<usize>k << 2)) * load<f32>(kp + (<usize>(k * KEY_PANEL_F32 + l) << 2));
          }
          store<f32>(o + <usize>r * stride + (<usize>l << 2), acc);
        }
      }
      kp += <usize>(dk * KEY_PANEL_F32) << 2;
    }
  }
}

function rowMaxF32(s: usize, n: i32): f32 {
  let m: f32 = -Infinity;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    if (n >= 4) {
      let mv = v128.load(s);
      for (j = 4; j + 4 <= n; j += 4) mv = f32x4.pmax(mv, v128.load(s + (<usize>j << 2)));
      m = Mathf.max(Mathf.max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)),
        Mathf.max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
    }
  }
  for (; j < n; j++) m = Mathf.max(m, load<f32>(s + (<usize>j << 2)));
  return m;
}

/** s[j] = exp(s[j] - m) in float32 for j < n; returns the sum, accumulated in float64. */
function expShiftedF32(s: usize, n: i32, m: f32): f64 {
  let sum: f64 = 0;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const mv = f32x4.splat(m);
    let acc = f64x2.splat(0);
    for (; j + 4 <= n; j += 4) {
      const p = s + (<usize>j << 2);
      const e = expVectorF32(f32x4.sub(v128.load(p), mv));
      v128.store(p, e);
      acc = f64x2.add(acc, f64x2.add(f64x2.promote_low_f32x4(e), f64x2.promote_low_f32x4(i32x4.shuffle(e, e, 2, 3, 0, 1))));
    }
    sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  }
  for (; j < n; j++) {
    const p = s + (<usize>j << 2);
    const e = expScalarF32(load<f32>(p) - m);
    store<f32>(p, e);
    sum += <f64>e;
  }
  return sum;
}

/** z (float64, +=) for four lanes of float32 sums. */
// @ts-ignore: decorator
@inline export function addToF64(z: usize, v: v128): void {
  v128.store(z, f64x2.add(v128.load(z), f64x2.promote_low_f32x4(v)));
  v128.store(z, f64x2.add(v128.load(z, 16), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1))), 16);
}

/** z_r += sum_{j < count} w_r[j] x_{j0 + j} for ROW_BLOCK rows; X float32 row-major, z float64. */
function weightedBlockF32(d: i32, j0: i32, count: i32, w: usize, stride: usize, z: usize): void {
  const rowBytes = <usize>d << 2;
  const zBytes = <usize>d << 3;
  const x0 = valuesPtr + <usize>j0 * rowBytes;
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    for (; c + 8 <= d; c += 8) {
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), b0 = f32x4.splat(0), b1 = f32x4.splat(0);
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), e0 = f32x4.splat(0), e1 = f32x4.splat(0);
      let xp = x0 + (<usize>c << 2);
      let wp = w;
      for (let j = 0; j < count; j++) {
        const v0 = v128.load(xp, 0), v1 = v128.load(xp, 16);
        let p = v128.load32_splat(wp);
        a0 = maddF32(p, v0, a0);
        a1 = maddF32(p, v1, a1);
        p = v128.load32_splat(wp + stride);
        b0 = maddF32(p, v0, b0);
        b1 = maddF32(p, v1, b1);
        p = v128.load32_splat(wp + 2 * stride);
        c0 = maddF32(p, v0, c0);
        c1 = maddF32(p, v1, c1);
        p = v128.load32_splat(wp + 3 * stride);
        e0 = maddF32(p, v0, e0);
        e1 = maddF32(p, v1, e1);
        xp += rowBytes;
        wp += 4;
      }
      const o = z + (<usize>c << 3);
      addToF64(o, a0); addToF64(o + 32, a1);
      addToF64(o + zBytes, b0); addToF64(o + zBytes + 32, b1);
      addToF64(o + 2 * zBytes, c0); addToF64(o + 2 * zBytes + 32, c1);
      addToF64(o + 3 * zBytes, e0); addToF64(o + 3 * zBytes + 32, e1);
    }
    for (; c + 4 <= d; c += 4) {
      let a = f32x4.splat(0), b = f32x4.splat(0), cc = f32x4.splat(0), e = f32x4.splat(0);
      let xp = x0 + (<usize>c << 2);
      let wp = w;
      for (let j = 0; j < count; j++) {
        const v = v128.load(xp);
        a = maddF32(v128.load32_splat(wp), v, a);
        b = maddF32(v128.load32_splat(wp + stride), v, b);
        cc = maddF32(v128.load32_splat(wp + 2 * stride), v, cc);
        e = maddF32(v128.load32_splat(wp + 3 * stride), v, e);
        xp += rowBytes;
        wp += 4;
      }
      const o = z + (<usize>c << 3);
      addToF64(o, a);
      addToF64(o + zBytes, b);
      addToF64(o + 2 * zBytes, cc);
      addToF64(o + 3 * zBytes, e);
    }
  }
  for (; c < d; c++) {
    for (let r = 0; r < ROW_BLOCK; r++) {
      let acc: f32 = 0;
      let xp = x0 + (<usize>c << 2);
      const wr = w + <usize>r * stride;
      for (let j = 0; j < count; j++) {
        acc += load<f32>(wr + (<usize>j << 2)) * load<f32>(xp);
        xp += rowBytes;
      }
      const o = z + <usize>r * zBytes + (<usize>c << 3);
      store<f64>(o, load<f64>(o) + <f64>acc);
    }
  }
}

/** Small-D weighted sum over X^T (float32, rows of npad), vectorized over j; count is a multiple of 8. */
function weightedBlockSmallF32(d: i32, npad: i32, j0: i32, count: i32, w: usize, stride: usize, z: usize): void {
  const zBytes = <usize>d << 3;
  for (let k = 0; k < d; k++) {
    const xt = valuesPtr + (<usize>(k * npad + j0) << 2);
    let j = 0;
    let a: f32 = 0, b: f32 = 0, cc: f32 = 0, e: f32 = 0;
    if (ASC_FEATURE_SIMD) {
      let av = f32x4.splat(0), bv = f32x4.splat(0), cv = f32x4.splat(0), ev = f32x4.splat(0);
      for (; j + 4 <= count; j += 4) {
        const o = <usize>j << 2;
        const v = v128.load(xt + o);
        av = maddF32(v128.load(w + o), v, av);
        bv = maddF32(v128.load(w + stride + o), v, bv);
        cv = maddF32(v128.load(w + 2 * stride + o), v, cv);
        ev = maddF32(v128.load(w + 3 * stride + o), v, ev);
      }
      a = f32x4.extract_lane(av, 0) + f32x4.extract_lane(av, 1) + f32x4.extract_lane(av, 2) + f32x4.extract_lane(av, 3);
      b = f32x4.extract_lane(bv, 0) + f32x4.extract_lane(bv, 1) + f32x4.extract_lane(bv, 2) + f32x4.extract_lane(bv, 3);
      cc = f32x4.extract_lane(cv, 0) + f32x4.extract_lane(cv, 1) + f32x4.extract_lane(cv, 2) + f32x4.extract_lane(cv, 3);
      e = f32x4.extract_lane(ev, 0) + f32x4.extract_lane(ev, 1) + f32x4.extract_lane(ev, 2) + f32x4.extract_lane(ev, 3);
    }
    for (; j < count; j++) {
      const o = <usize>j << 2;
      const v = load<f32>(xt + o);
      a += load<f32>(w + o) * v;
      b += load<f32>(w + stride + o) * v;
      cc += load<f32>(w + 2 * stride + o) * v;
      e += load<f32>(w + 3 * stride + o) * v;
    }
    const o = z + (<usize>k << 3);
    store<f64>(o, load<f64>(o) + <f64>a);
    store<f64>(o + zBytes, load<f64>(o + zBytes) + <f64>b);
    store<f64>(o + 2 * zBytes, load<f64>(o + 2 * zBytes) + <f64>cc);
    store<f64>(o + 3 * zBytes, load<f64>(o + 3 * zBytes) + <f64>e);
  }
}

/** The float32 twin of headRows (../attention.ts) for the velocity only. */
export function headRowsF32(
  x: usize, n: i32, d: i32, dk: i32, query: usize, key: usize, value: usize, beta: f64, causal: bool,
  rowStart: i32, rowEnd: i32, out: usize,
): void {
  const npad = paddedKeysF32(n);
  const small = d < SMALL_D;
  packKeysF32(x, n, d, dk, key);
  packValuesF32(x, n, d, small);
  const tile = tileKeysF32(n, d, dk);
  const stride = <usize>npad << 2;
  const qBytes = <usize>dk << 2;
  const rowBytes = <usize>d << 3;
  for (let b0 = rowStart; b0 < rowEnd; b0 += BLOCK_ROWS) {
    const b1 = min(b0 + BLOCK_ROWS, rowEnd);
    const rows = ((b1 - b0 + ROW_BLOCK - 1) / ROW_BLOCK) * ROW_BLOCK;
    for (let r = 0; r < rows; r++) {
      const i = min(b0 + r, b1 - 1);
      queryRowF32(x + <usize>i * rowBytes, d, dk, query, beta, queriesPtr + <usize>r * qBytes);
      store<f64>(maxPtr + (<usize>r << 3), -Infinity);
      store<f64>(totalPtr + (<usize>r << 3), 0.0);
    }
    memory.fill(sumsPtr, 0, <usize>rows * rowBytes);
    const keyEnd = causal ? b1 : n;
    for (let t0 = 0; t0 < keyEnd; t0 += tile) {
      const t1 = min(t0 + tile, keyEnd);
      const len = min(((t1 + KEY_PANEL_F32 - 1) / KEY_PANEL_F32) * KEY_PANEL_F32, npad) - t0;
      for (let g = 0; g < rows; g += ROW_BLOCK) {
        const gLast = min(b0 + g + ROW_BLOCK - 1, b1 - 1);
        if (causal && gLast < t0) continue;
        scoreBlockF32(queriesPtr + <usize>g * qBytes, dk, t0 / KEY_PANEL_F32, (t0 + len) / KEY_PANEL_F32, scoresPtr, stride, 0);
        for (let r = 0; r < ROW_BLOCK; r++) {
          const i = min(b0 + g + r, b1 - 1);
          const s = scoresPtr + <usize>r * stride;
          let valid = (causal ? min(i + 1, t1) : t1) - t0;
          if (valid < 0) valid = 0;
          for (let j = valid; j < len; j++) store<f32>(s + (<usize>j << 2), -Infinity);
          const mp = maxPtr + (<usize>(g + r) << 3);
          const tp = totalPtr + (<usize>(g + r) << 3);
          const mOld = load<f64>(mp);
          const mNew = Math.max(mOld, <f64>rowMaxF32(s, len));
          if (mNew == -Infinity) {
            memory.fill(s, 0, <usize>len << 2);
            continue;
          }
          const sum = expShiftedF32(s, len, <f32>mNew);
          const alpha = expScalar(mOld - mNew);
          store<f64>(tp, load<f64>(tp) * alpha + sum);
          store<f64>(mp, mNew);
          if (mOld != -Infinity && alpha != 1.0) {
            const zr = sumsPtr + <usize>(g + r) * rowBytes;
            for (let k = 0; k < d; k++) store<f64>(zr + (<usize>k << 3), load<f64>(zr + (<usize>k << 3)) * alpha);
          }
        }
        const z = sumsPtr + <usize>g * rowBytes;
        if (small) weightedBlockSmallF32(d, npad, t0, len, scoresPtr, stride, z);
        else weightedBlockF32(d, t0, min(t0 + len, n) - t0, scoresPtr, stride, z);
      }
    }
    for (let r = 0; r < b1 - b0; r++) {
      const m = load<f64>(maxPtr + (<usize>r << 3));
      const scale = isFinite(m) ? 1.0 / load<f64>(totalPtr + (<usize>r << 3)) : NaN;
      addValueRow(sumsPtr + <usize>r * rowBytes, d, value, scale, out + <usize>(b0 + r) * rowBytes);
    }
  }
}
