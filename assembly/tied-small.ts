// The tied kernel (tied.ts) for small widths: D < SMALL_D and d_k < SMALL_D,
// float64 (float32: f32/tied-small.ts). The same identity, exp(s_ij) = exp(g_i) e_ij exp(g_j) with
// e_ij = exp(-beta |y_i - y_j|^2 / 2), and the same parts (tile rows of
// TIED_TILE tokens, tiedPartOf), but no score tiles: at d_k <= 3 the distance
// costs less than the score and the subtraction of g_i + g_j, and is exact up
// to its own rounding. Each pair (i < j) is visited once, vectorized over j
// (the "small D, vectorized over j"), and feeds both rows:
//   l_i += e_ij w_j,  z_i += e_ij (w_j x_j),  l_j += e_ij w_i,  z_j += e_ij (w_i x_i);
// the pair (i, i) adds w_i and w_i x_i. N^2 / 2 exponentials, and every N,
// not only N > TIED_TILE: the phase-diagram systems (N = 32, d = 2) gain too.
// This file packs the keys and finishes the rows; the pair loops are in
// tied-small-pairs.ts.
//
// The keys are stored scaled, y'_j = c y_j with c^2 = 32 beta / ln 2, so
// that e_ij = 2^(-|y'_i - y'_j|^2 / 64) (pow2NegOver64, exp.ts): the
// exponential's argument comes in units of ln2 / 64, which saves its range
// reduction four operations and shortens the pair loop's dependency chain
// (side by side, simd build: 256 x 1..3 RHS 1.10-1.16x, 32 x 2 solve 1.09x;
// relaxed build 1.06x). Rounding: |y'_i - y'_j|^2 carries a few ulp
// relative, as beta |y_i - y_j|^2 / 2 did.
//
// Layout (in the tied scratch, layoutTiedScratch): keys transposed and scaled,
// keysPtr[k][j] = c y_j[k]; weighted values transposed, valuesPtr[k][j] = w_j x_j[k];
// a part's sums transposed, z[k][j] (rows of tiedPadded(N) numbers). Each
// part adds its tile rows in increasing order, row by row, so the results are
// the same bits on any number of threads (tied.ts).

import { expScalar, expVectorNoNaN } from './exp';
import { madd } from './simd';
import { pairRows } from './tied-small-pairs';
import { addValueRow, rowTimesMatrix } from './linalg';
import {
  SMALL_D, TIED_RANGE, TIED_MAX_HALF_NORM, TIED_TILE, tiedPadded, tiedParts, tiedPartOf, tiedFits, tiedPartSumsBytes, tiedPartNormalizersBytes,
  layoutTiedScratch, keysPtr, valuesPtr, tiedSumsPtr, halfNormsPtr, tokenWeightsPtr, normalizersPtr, workPtr,
} from './scratch';

/** 32 / ln 2 (46.16624130844683): the keys' scale is sqrt(beta 32 / ln 2). */
const KEY_SCALE_PER_BETA: f64 = 46.16624130844683;

/** Whether a tied head of these widths takes this kernel (float32: its twin f32/tied-small.ts). */
// @ts-ignore: decorator
@inline export function tiedSmallWidths(d: i32, dk: i32): bool {
  return d < SMALL_D && dk < SMALL_D;
}

/**
 * Lays out `scratch` and packs y (transposed), g, w and w x (transposed).
 * Returns false, like tiedPrepare, when the problem is too large or the range
 * of g too wide (or g not finite, or beyond TIED_MAX_HALF_NORM).
 */
export function tiedSmallPrepare(x: usize, n: i32, d: i32, dk: i32, key: usize, beta: f64, scratch: usize): bool {
  if (!tiedFits(n, d)) return false;
  const stride = <usize>tiedPadded(n) << 3;
  layoutTiedScratch(scratch, n, d, dk);
  const scale = Math.sqrt(beta * KEY_SCALE_PER_BETA);
  let gMax = -Infinity, gMin = Infinity;
  let j = 0;
  if (ASC_FEATURE_SIMD && key == 0) {
    // Identity keys (d_k = D), two tokens at a time. g = (beta / 2) |x_j|^2 as below (fused in the
    // relaxed build); pmax / pmin skip NaN, so a NaN probe (g * 0 is NaN for NaN and infinities) sees them.
    const hb = f64x2.splat(0.5 * beta), cv = f64x2.splat(scale);
    let gMaxV = f64x2.splat(-Infinity), gMinV = f64x2.splat(Infinity), probe = f64x2.splat(0);
    for (; j + 2 <= n; j += 2) {
      const o = <usize>j << 3;
      const x0 = x + (<usize>(j * d) << 3), x1 = x0 + (<usize>d << 3);
      let sq = f64x2.splat(0);
      for (let k = 0; k < dk; k++) {
        const v = f64x2.replace_lane(f64x2.splat(load<f64>(x0 + (<usize>k << 3))), 1, load<f64>(x1 + (<usize>k << 3)));
        v128.store(keysPtr + <usize>k * stride + o, f64x2.mul(v, cv));
        sq = madd(v, v, sq);
      }
      const g = f64x2.mul(hb, sq);
      v128.store(halfNormsPtr + o, g);
      gMaxV = f64x2.pmax(gMaxV, g);
      gMinV = f64x2.pmin(gMinV, g);
      probe = f64x2.add(probe, f64x2.mul(g, f64x2.splat(0)));
    }
    const p = f64x2.extract_lane(probe, 0) + f64x2.extract_lane(probe, 1);
    gMax = Math.max(f64x2.extract_lane(gMaxV, 0), f64x2.extract_lane(gMaxV, 1)) + p; // NaN when some g is not finite
    gMin = Math.min(f64x2.extract_lane(gMinV, 0), f64x2.extract_lane(gMinV, 1));
  }
  for (; j < n; j++) {
    let y = x + (<usize>(j * d) << 3);
    if (key != 0) {
      rowTimesMatrix(y, key, d, dk, workPtr, 1.0, false);
      y = workPtr;
    }
    let sq: f64 = 0;
    for (let k = 0; k < dk; k++) {
      const v = load<f64>(y + (<usize>k << 3));
      store<f64>(keysPtr + <usize>k * stride + (<usize>j << 3), v * scale);
      sq += v * v;
    }
    const g = 0.5 * beta * sq;
    store<f64>(halfNormsPtr + (<usize>j << 3), g);
    gMax = Math.max(gMax, g);
    gMin = Math.min(gMin, g);
  }
  if (!(gMax - gMin <= TIED_RANGE && gMax <= TIED_MAX_HALF_NORM)) return false; // also NaN and infinities
  // w_j = exp(g_j - G), two tokens at a time: the same bits as expScalar in the simd build (expCore
  // evaluates the same expression; the arguments lie in [-TIED_RANGE, 0]), fused in the relaxed one.
  j = 0;
  if (ASC_FEATURE_SIMD) {
    const gv = f64x2.splat(gMax);
    for (; j + 2 <= n; j += 2) {
      const o = <usize>j << 3;
      const w = expVectorNoNaN(f64x2.sub(v128.load(halfNormsPtr + o), gv));
      v128.store(tokenWeightsPtr + o, w);
      const x0 = x + (<usize>(j * d) << 3), x1 = x0 + (<usize>d << 3);
      for (let k = 0; k < d; k++) {
        const u = f64x2.replace_lane(f64x2.splat(load<f64>(x0 + (<usize>k << 3))), 1, load<f64>(x1 + (<usize>k << 3)));
        v128.store(valuesPtr + <usize>k * stride + o, f64x2.mul(w, u));
      }
    }
  }
  for (; j < n; j++) {
    const w = expScalar(load<f64>(halfNormsPtr + (<usize>j << 3)) - gMax);
    store<f64>(tokenWeightsPtr + (<usize>j << 3), w);
    for (let k = 0; k < d; k++) {
      store<f64>(valuesPtr + <usize>k * stride + (<usize>j << 3), w * load<f64>(x + (<usize>(j * d + k) << 3)));
    }
  }
  return true;
}

/**
 * Part p of the sums (p < tiedParts(n)), as tiedPart: zeroes it in the
 * scratch block `parts`, then adds the pairs of its tile rows in increasing
 * order, reading the packing of `own`.
 */
export function tiedSmallPart(n: i32, d: i32, dk: i32, p: i32, parts: usize, own: usize): void {
  const stride = <usize>tiedPadded(n) << 3;
  layoutTiedScratch(parts, n, d, dk);
  const z = tiedSumsPtr + <usize>p * tiedPartSumsBytes(n, d);
  const l = normalizersPtr + <usize>p * tiedPartNormalizersBytes(n);
  layoutTiedScratch(own, n, d, dk);
  memory.fill(z, 0, <usize>d * stride);
  memory.fill(l, 0, stride);
  const partCount = tiedParts(n);
  const tiles = (n + TIED_TILE - 1) / TIED_TILE;
  for (let a = 0; a < tiles; a++) {
    if (tiedPartOf(a, partCount) != p) continue;
    pairRows(a * TIED_TILE, min(a * TIED_TILE + TIED_TILE, n), n, d, dk, stride, z, l);
  }
}

/** 0 + z_0 + z_1 + ... over the parts (two adjacent rows of the transposed sums, at z in part 0). */
// @ts-ignore: decorator
@inline function partsSum(z: usize, partCount: i32, sumsBytes: usize): v128 {
  let acc = f64x2.splat(0);
  for (let p = 0; p < partCount; p++) acc = f64x2.add(acc, v128.load(z + <usize>p * sumsBytes));
  return acc;
}

/**
 * out_i += (z_i / l_i) V (or z_i / l_i for identity V) for rows [r0, r1),
 * summing z_i and l_i over the parts in order, as tiedRows. Leaves the
 * scratch laid out at `own`.
 */
export function tiedSmallRows(
  n: i32, d: i32, dk: i32, value: usize, out: usize, r0: i32, r1: i32, parts: usize, own: usize,
): void {
  const stride = <usize>tiedPadded(n) << 3;
  const partCount = tiedParts(n);
  const sumsBytes = tiedPartSumsBytes(n, d);
  const normalizersBytes = tiedPartNormalizersBytes(n);
  const rowBytes = <usize>d << 3;
  layoutTiedScratch(own, n, d, dk);
  const sum = workPtr; // d numbers
  layoutTiedScratch(parts, n, d, dk);
  const sums = tiedSumsPtr;
  const normalizers = normalizersPtr;
  layoutTiedScratch(own, n, d, dk);
  let i = r0;
  if (ASC_FEATURE_SIMD && value == 0) {
    // Identity V, two rows at a time (the sums are transposed: rows i, i + 1 are adjacent), with the
    // operations of the loop below in the same order: the same bits.
    for (; i + 2 <= r1; i += 2) {
      const io = <usize>i << 3;
      let l = f64x2.splat(0);
      for (let p = 0; p < partCount; p++) l = f64x2.add(l, v128.load(normalizers + <usize>p * normalizersBytes + io));
      const scale = f64x2.div(f64x2.splat(1.0), l);
      const row = out + <usize>i * rowBytes;
      const zi = sums + io;
      if (d == 1) {
        // Rows i and i + 1 are two adjacent numbers of out.
        v128.store(row, f64x2.add(v128.load(row), f64x2.mul(scale, partsSum(zi, partCount, sumsBytes))));
        continue;
      }
      if (d == 2) {
        // Rows i and i + 1 are four adjacent numbers of out: (v0, v1) transposed into them.
        const v0 = f64x2.mul(scale, partsSum(zi, partCount, sumsBytes));
        const v1 = f64x2.mul(scale, partsSum(zi + stride, partCount, sumsBytes));
        v128.store(row, f64x2.add(v128.load(row), i64x2.shuffle(v0, v1, 0, 2)));
        v128.store(row, f64x2.add(v128.load(row, 16), i64x2.shuffle(v0, v1, 1, 3)), 16);
        continue;
      }
      for (let k = 0; k < d; k++) {
        const v = f64x2.mul(scale, partsSum(zi + <usize>k * stride, partCount, sumsBytes));
        const q = row + (<usize>k << 3);
        store<f64>(q, load<f64>(q) + f64x2.extract_lane(v, 0));
        store<f64>(q + rowBytes, load<f64>(q + rowBytes) + f64x2.extract_lane(v, 1));
      }
    }
  }
  for (; i < r1; i++) {
    const io = <usize>i << 3;
    let l: f64 = 0;
    memory.fill(sum, 0, rowBytes);
    for (let p = 0; p < partCount; p++) {
      l += load<f64>(normalizers + <usize>p * normalizersBytes + io);
      const zp = sums + <usize>p * sumsBytes + io;
      for (let k = 0; k < d; k++) {
        const o = sum + (<usize>k << 3);
        store<f64>(o, load<f64>(o) + load<f64>(zp + <usize>k * stride));
      }
    }
    addValueRow(sum, d, value, 1.0 / l, out + <usize>i * rowBytes);
  }
}
