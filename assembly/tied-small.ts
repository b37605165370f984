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
// Rows go two at a time (pairRowTwo): the j side (keys, w_j, w_j x_j, l_j,
// z_j) is loaded and stored once for both, and the two independent
// exponentials overlap in the pipeline (1.2-1.3x over one row at a time at
// N = 1000, D = 1..3; a last odd row of a tile row takes pairRow).
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

import { expScalar, expVectorNoNaN, pow2NegOver64, pow2NegOver64Scalar } from './exp';
import { madd } from './simd';
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
 * Row i's pairs (i, j), j >= i, into the part's sums z (transposed, rows
 * `stride` bytes apart) and normalizers l. D and DK are constants at every
 * call site (pairRows), so the coordinate loops unroll and vanish.
 */
// @ts-ignore: decorator
@inline function pairRow(
  i: i32, n: i32, D: i32, DK: i32, stride: usize, z: usize, l: usize, kp: usize, vp: usize, wp: usize,
): void {
  const io = <usize>i << 3;
  const wi = load<f64>(wp + io);
  const y0 = load<f64>(kp + io);
  const y1 = DK > 1 ? load<f64>(kp + stride + io) : 0.0;
  const y2 = DK > 2 ? load<f64>(kp + 2 * stride + io) : 0.0;
  const u0 = load<f64>(vp + io);
  const u1 = D > 1 ? load<f64>(vp + stride + io) : 0.0;
  const u2 = D > 2 ? load<f64>(vp + 2 * stride + io) : 0.0;
  // The pair (i, i): e_ii = 1.
  let li = wi, z0 = u0, z1 = u1, z2 = u2;
  let j = i + 1;
  if (ASC_FEATURE_SIMD) {
    const wiv = f64x2.splat(wi);
    const y0v = f64x2.splat(y0), y1v = f64x2.splat(y1), y2v = f64x2.splat(y2);
    const u0v = f64x2.splat(u0), u1v = f64x2.splat(u1), u2v = f64x2.splat(u2);
    let lAcc = f64x2.splat(0), a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0);
    for (; j + 2 <= n; j += 2) {
      const o = <usize>j << 3;
      const t0 = f64x2.sub(v128.load(kp + o), y0v);
      let sq = f64x2.mul(t0, t0);
      if (DK > 1) {
        const t1 = f64x2.sub(v128.load(kp + stride + o), y1v);
        sq = madd(t1, t1, sq);
      }
      if (DK > 2) {
        const t2 = f64x2.sub(v128.load(kp + 2 * stride + o), y2v);
        sq = madd(t2, t2, sq);
      }
      const e = pow2NegOver64(sq);
      lAcc = madd(e, v128.load(wp + o), lAcc);
      v128.store(l + o, madd(e, wiv, v128.load(l + o)));
      a0 = madd(e, v128.load(vp + o), a0);
      v128.store(z + o, madd(e, u0v, v128.load(z + o)));
      if (D > 1) {
        a1 = madd(e, v128.load(vp + stride + o), a1);
        v128.store(z + stride + o, madd(e, u1v, v128.load(z + stride + o)));
      }
      if (D > 2) {
        a2 = madd(e, v128.load(vp + 2 * stride + o), a2);
        v128.store(z + 2 * stride + o, madd(e, u2v, v128.load(z + 2 * stride + o)));
      }
    }
    li += f64x2.extract_lane(lAcc, 0) + f64x2.extract_lane(lAcc, 1);
    z0 += f64x2.extract_lane(a0, 0) + f64x2.extract_lane(a0, 1);
    if (D > 1) z1 += f64x2.extract_lane(a1, 0) + f64x2.extract_lane(a1, 1);
    if (D > 2) z2 += f64x2.extract_lane(a2, 0) + f64x2.extract_lane(a2, 1);
  }
  // Scalar tail (every pair in the scalar build).
  for (; j < n; j++) {
    const o = <usize>j << 3;
    const t0 = load<f64>(kp + o) - y0;
    let sq = t0 * t0;
    if (DK > 1) {
      const t1 = load<f64>(kp + stride + o) - y1;
      sq += t1 * t1;
    }
    if (DK > 2) {
      const t2 = load<f64>(kp + 2 * stride + o) - y2;
      sq += t2 * t2;
    }
    const e = pow2NegOver64Scalar(sq);
    li += e * load<f64>(wp + o);
    store<f64>(l + o, load<f64>(l + o) + e * wi);
    z0 += e * load<f64>(vp + o);
    store<f64>(z + o, load<f64>(z + o) + e * u0);
    if (D > 1) {
      z1 += e * load<f64>(vp + stride + o);
      store<f64>(z + stride + o, load<f64>(z + stride + o) + e * u1);
    }
    if (D > 2) {
      z2 += e * load<f64>(vp + 2 * stride + o);
      store<f64>(z + 2 * stride + o, load<f64>(z + 2 * stride + o) + e * u2);
    }
  }
  store<f64>(l + io, load<f64>(l + io) + li);
  store<f64>(z + io, load<f64>(z + io) + z0);
  if (D > 1) store<f64>(z + stride + io, load<f64>(z + stride + io) + z1);
  if (D > 2) store<f64>(z + 2 * stride + io, load<f64>(z + 2 * stride + io) + z2);
}

/**
 * Rows a = i and b = i + 1 together (D, DK <= 2): the pair (a, b) in scalar, then
 * every j > b once for both rows, so that the j side (keys, w_j, w_j x_j and the
 * sums l_j, z_j) is loaded and stored once for two rows.
 */
// @ts-ignore: decorator
@inline function pairRowTwo(
  i: i32, n: i32, D: i32, DK: i32, stride: usize, z: usize, l: usize, kp: usize, vp: usize, wp: usize,
): void {
  const ia = <usize>i << 3, ib = ia + 8;
  const wa = load<f64>(wp + ia), wb = load<f64>(wp + ib);
  const ya0 = load<f64>(kp + ia), yb0 = load<f64>(kp + ib);
  const ya1 = DK > 1 ? load<f64>(kp + stride + ia) : 0.0, yb1 = DK > 1 ? load<f64>(kp + stride + ib) : 0.0;
  const ua0 = load<f64>(vp + ia), ub0 = load<f64>(vp + ib);
  const ua1 = D > 1 ? load<f64>(vp + stride + ia) : 0.0, ub1 = D > 1 ? load<f64>(vp + stride + ib) : 0.0;
  const ya2 = DK > 2 ? load<f64>(kp + 2 * stride + ia) : 0.0, yb2 = DK > 2 ? load<f64>(kp + 2 * stride + ib) : 0.0;
  const ua2 = D > 2 ? load<f64>(vp + 2 * stride + ia) : 0.0, ub2 = D > 2 ? load<f64>(vp + 2 * stride + ib) : 0.0;
  // (a, a), (b, b): e = 1; (a, b) once for both.
  let t = ya0 - yb0;
  let sq = t * t;
  if (DK > 1) {
    t = ya1 - yb1;
    sq += t * t;
  }
  if (DK > 2) {
    t = ya2 - yb2;
    sq += t * t;
  }
  const eab = pow2NegOver64Scalar(sq);
  let la = wa + eab * wb, lb = wb + eab * wa;
  let za0 = ua0 + eab * ub0, zb0 = ub0 + eab * ua0;
  let za1 = ua1 + eab * ub1, zb1 = ub1 + eab * ua1;
  let za2 = ua2 + eab * ub2, zb2 = ub2 + eab * ua2;
  let j = i + 2;
  if (ASC_FEATURE_SIMD) {
    const wav = f64x2.splat(wa), wbv = f64x2.splat(wb);
    const ya0v = f64x2.splat(ya0), yb0v = f64x2.splat(yb0), ya1v = f64x2.splat(ya1), yb1v = f64x2.splat(yb1);
    const ua0v = f64x2.splat(ua0), ub0v = f64x2.splat(ub0), ua1v = f64x2.splat(ua1), ub1v = f64x2.splat(ub1);
    const ya2v = f64x2.splat(ya2), yb2v = f64x2.splat(yb2), ua2v = f64x2.splat(ua2), ub2v = f64x2.splat(ub2);
    let lA = f64x2.splat(0), lB = f64x2.splat(0), aA0 = f64x2.splat(0), aB0 = f64x2.splat(0);
    let aA1 = f64x2.splat(0), aB1 = f64x2.splat(0), aA2 = f64x2.splat(0), aB2 = f64x2.splat(0);
    for (; j + 2 <= n; j += 2) {
      const o = <usize>j << 3;
      const k0 = v128.load(kp + o);
      let ta = f64x2.sub(k0, ya0v), tb = f64x2.sub(k0, yb0v);
      let sqa = f64x2.mul(ta, ta), sqb = f64x2.mul(tb, tb);
      if (DK > 1) {
        const k1 = v128.load(kp + stride + o);
        ta = f64x2.sub(k1, ya1v);
        tb = f64x2.sub(k1, yb1v);
        sqa = madd(ta, ta, sqa);
        sqb = madd(tb, tb, sqb);
      }
      if (DK > 2) {
        const k2 = v128.load(kp + 2 * stride + o);
        ta = f64x2.sub(k2, ya2v);
        tb = f64x2.sub(k2, yb2v);
        sqa = madd(ta, ta, sqa);
        sqb = madd(tb, tb, sqb);
      }
      const ea = pow2NegOver64(sqa);
      const eb = pow2NegOver64(sqb);
      const w = v128.load(wp + o);
      lA = madd(ea, w, lA);
      lB = madd(eb, w, lB);
      v128.store(l + o, madd(eb, wbv, madd(ea, wav, v128.load(l + o))));
      const v0 = v128.load(vp + o);
      aA0 = madd(ea, v0, aA0);
      aB0 = madd(eb, v0, aB0);
      v128.store(z + o, madd(eb, ub0v, madd(ea, ua0v, v128.load(z + o))));
      if (D > 1) {
        const v1 = v128.load(vp + stride + o);
        aA1 = madd(ea, v1, aA1);
        aB1 = madd(eb, v1, aB1);
        v128.store(z + stride + o, madd(eb, ub1v, madd(ea, ua1v, v128.load(z + stride + o))));
      }
      if (D > 2) {
        const v2 = v128.load(vp + 2 * stride + o);
        aA2 = madd(ea, v2, aA2);
        aB2 = madd(eb, v2, aB2);
        v128.store(z + 2 * stride + o, madd(eb, ub2v, madd(ea, ua2v, v128.load(z + 2 * stride + o))));
      }
    }
    la += f64x2.extract_lane(lA, 0) + f64x2.extract_lane(lA, 1);
    lb += f64x2.extract_lane(lB, 0) + f64x2.extract_lane(lB, 1);
    za0 += f64x2.extract_lane(aA0, 0) + f64x2.extract_lane(aA0, 1);
    zb0 += f64x2.extract_lane(aB0, 0) + f64x2.extract_lane(aB0, 1);
    if (D > 1) {
      za1 += f64x2.extract_lane(aA1, 0) + f64x2.extract_lane(aA1, 1);
      zb1 += f64x2.extract_lane(aB1, 0) + f64x2.extract_lane(aB1, 1);
    }
    if (D > 2) {
      za2 += f64x2.extract_lane(aA2, 0) + f64x2.extract_lane(aA2, 1);
      zb2 += f64x2.extract_lane(aB2, 0) + f64x2.extract_lane(aB2, 1);
    }
  }
  for (; j < n; j++) {
    const o = <usize>j << 3;
    const k0 = load<f64>(kp + o);
    let ta = k0 - ya0, tb = k0 - yb0;
    let sqa = ta * ta, sqb = tb * tb;
    if (DK > 1) {
      const k1 = load<f64>(kp + stride + o);
      ta = k1 - ya1;
      tb = k1 - yb1;
      sqa += ta * ta;
      sqb += tb * tb;
    }
    if (DK > 2) {
      const k2 = load<f64>(kp + 2 * stride + o);
      ta = k2 - ya2;
      tb = k2 - yb2;
      sqa += ta * ta;
      sqb += tb * tb;
    }
    const ea = pow2NegOver64Scalar(sqa), eb = pow2NegOver64Scalar(sqb);
    const w = load<f64>(wp + o);
    la += ea * w;
    lb += eb * w;
    store<f64>(l + o, load<f64>(l + o) + ea * wa + eb * wb);
    const v0 = load<f64>(vp + o);
    za0 += ea * v0;
    zb0 += eb * v0;
    store<f64>(z + o, load<f64>(z + o) + ea * ua0 + eb * ub0);
    if (D > 1) {
      const v1 = load<f64>(vp + stride + o);
      za1 += ea * v1;
      zb1 += eb * v1;
      store<f64>(z + stride + o, load<f64>(z + stride + o) + ea * ua1 + eb * ub1);
    }
    if (D > 2) {
      const v2 = load<f64>(vp + 2 * stride + o);
      za2 += ea * v2;
      zb2 += eb * v2;
      store<f64>(z + 2 * stride + o, load<f64>(z + 2 * stride + o) + ea * ua2 + eb * ub2);
    }
  }
  store<f64>(l + ia, load<f64>(l + ia) + la);
  store<f64>(l + ib, load<f64>(l + ib) + lb);
  store<f64>(z + ia, load<f64>(z + ia) + za0);
  store<f64>(z + ib, load<f64>(z + ib) + zb0);
  if (D > 1) {
    store<f64>(z + stride + ia, load<f64>(z + stride + ia) + za1);
    store<f64>(z + stride + ib, load<f64>(z + stride + ib) + zb1);
  }
  if (D > 2) {
    store<f64>(z + 2 * stride + ia, load<f64>(z + 2 * stride + ia) + za2);
    store<f64>(z + 2 * stride + ib, load<f64>(z + 2 * stride + ib) + zb2);
  }
}

/**
 * Rows [i0, i1) with D and DK constants: two at a time (the j side loaded and
 * stored once for both, their exponentials overlapping), a last odd row alone.
 */
// @ts-ignore: decorator
@inline function rowsOfWidths(
  i0: i32, i1: i32, n: i32, D: i32, DK: i32, stride: usize, z: usize, l: usize, kp: usize, vp: usize,
  wp: usize,
): void {
  let i = i0;
  for (; i + 2 <= i1; i += 2) pairRowTwo(i, n, D, DK, stride, z, l, kp, vp, wp);
  if (i < i1) pairRow(i, n, D, DK, stride, z, l, kp, vp, wp);
}

/** The pairs of rows [i0, i1): one specialised loop per pair of widths (d, dk in 1..3). */
function pairRows(i0: i32, i1: i32, n: i32, d: i32, dk: i32, stride: usize, z: usize, l: usize): void {
  // The scratch pointers as locals: module globals are reloaded at every use inside the loops.
  const kp = keysPtr, vp = valuesPtr, wp = tokenWeightsPtr;
  switch (d * 4 + dk) {
    case 5: rowsOfWidths(i0, i1, n, 1, 1, stride, z, l, kp, vp, wp); break;
    case 6: rowsOfWidths(i0, i1, n, 1, 2, stride, z, l, kp, vp, wp); break;
    case 7: rowsOfWidths(i0, i1, n, 1, 3, stride, z, l, kp, vp, wp); break;
    case 9: rowsOfWidths(i0, i1, n, 2, 1, stride, z, l, kp, vp, wp); break;
    case 10: rowsOfWidths(i0, i1, n, 2, 2, stride, z, l, kp, vp, wp); break;
    case 11: rowsOfWidths(i0, i1, n, 2, 3, stride, z, l, kp, vp, wp); break;
    case 13: rowsOfWidths(i0, i1, n, 3, 1, stride, z, l, kp, vp, wp); break;
    case 14: rowsOfWidths(i0, i1, n, 3, 2, stride, z, l, kp, vp, wp); break;
    default: rowsOfWidths(i0, i1, n, 3, 3, stride, z, l, kp, vp, wp); break;
  }
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
