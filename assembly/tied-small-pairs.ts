// The pair loops of the small-width tied kernel (tied-small.ts, which has the
// method, the packing and the layout): row i's pairs (i, j), j >= i, vectorized
// over j, each feeding both rows' sums (z and l transposed, rows `stride`
// bytes apart), with the weight e_ij = 2^(-|y'_i - y'_j|^2 / 64) of the
// scaled keys (pow2NegOver64, exp.ts). Rows go two at a time (pairRowTwo):
// the j side (keys, w_j, w_j x_j, l_j, z_j) is loaded and stored once for
// both, and the two independent exponentials overlap in the pipeline
// (1.2-1.3x over one row at a time at N = 1000, D = 1..3; a last odd row of a
// tile row takes pairRow).

import { pow2NegOver64, pow2NegOver64Scalar } from './exp';
import { madd } from './simd';
import { keysPtr, valuesPtr, tokenWeightsPtr } from './scratch';

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
export function pairRows(i0: i32, i1: i32, n: i32, d: i32, dk: i32, stride: usize, z: usize, l: usize): void {
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
