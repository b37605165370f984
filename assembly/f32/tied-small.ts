// The small-width tied kernel (../tied-small.ts: D < SMALL_D and d_k < SMALL_D,
// every N, each pair i < j once) in float32: distances, exponentials and the
// terms of the sums in f32x4 lanes, four keys per vector where float64 has two.
//
// Rounding stays bounded whatever N: the float32 sums are short and end in
// the float64 part sums of the float64 kernel (whose rows step, tiedSmallRows,
// finishes both). A row's sums over keys j are added to float64 every
// ROW_FLUSH keys (16 terms per lane); the keys' side (l_j += e_ij w_i,
// z_j += e_ij w_i x_i) is summed in float32 over the rows of one tile row
// (at most TIED_TILE = 64) and then added to float64. The pair (i, i + 1) and
// the diagonal are float64.
//
// Accuracy: e_ij = exp(-beta |y_i - y_j|^2 / 2) depends on differences only,
// so the float32 keys are y_j - c with c the keys' mean (float64), which keeps
// their rounding small for tokens far from the origin; the argument's error
// is about 2^-24 beta |y_i - y_j| max|y - c| (plus its own rounding), the
// exponential's about 1e-7 relative, and w_j and w_j x_j are rounded to float32
// (w_j = exp(g_j - G) in float64 first). The range of g is held to
// TIED_RANGE_F32 (scratch.ts): float32 exponentials below e^-87 are 0.
//
// Layout (the tied scratch of layoutTiedScratch, each region large enough):
// keysPtr: float32 keys transposed, DK rows of tiedPadded(N) numbers;
// tokenWeightsPtr: w_j in float32; valuesPtr: w_j x_j transposed (D rows),
// then the keys' side partial sums, l (one row) and z (D rows), float32.
// The part sums z, l are float64 as in ../tied-small.ts. Results are the
// same bits on any number of threads (each part adds its tile rows in order).

import { expScalar } from '../exp';
import { rowTimesMatrix } from '../linalg';
import { maddF32 } from '../simd';
import { expScalarF32, expVectorF32NoNaN } from './exp';
import {
  TIED_RANGE_F32, TIED_MAX_HALF_NORM, TIED_TILE, tiedPadded, tiedParts, tiedPartOf, tiedFits, tiedPartSumsBytes,
  tiedPartNormalizersBytes, layoutTiedScratch, keysPtr, valuesPtr, tiedSumsPtr, halfNormsPtr, tokenWeightsPtr,
  normalizersPtr, workPtr,
} from '../scratch';

/** Keys between additions of a row's float32 sums to float64: 16 terms per lane. */
const ROW_FLUSH: i32 = 64;

/**
 * Lays out `scratch` and packs the float32 keys (centred), weights and
 * weighted values. Returns false when the problem is too large, or the range
 * of g too wide (TIED_RANGE_F32) or not finite, as tiedSmallPrepare.
 */
export function tiedSmallPrepareF32(x: usize, n: i32, d: i32, dk: i32, key: usize, beta: f64, scratch: usize): bool {
  if (!tiedFits(n, d)) return false;
  const npad = tiedPadded(n);
  const stride8 = <usize>npad << 3;
  const stride4 = <usize>npad << 2;
  layoutTiedScratch(scratch, n, d, dk);
  // Keys y_j in float64 first (transposed, in the keys region), their half norms g and mean c.
  let gMax = -Infinity, gMin = Infinity;
  for (let j = 0; j < n; j++) {
    let y = x + (<usize>(j * d) << 3);
    if (key != 0) {
      rowTimesMatrix(y, key, d, dk, workPtr, 1.0, false);
      y = workPtr;
    }
    let sq: f64 = 0;
    for (let k = 0; k < dk; k++) {
      const v = load<f64>(y + (<usize>k << 3));
      store<f64>(keysPtr + <usize>k * stride8 + (<usize>j << 3), v);
      sq += v * v;
    }
    const g = 0.5 * beta * sq;
    store<f64>(halfNormsPtr + (<usize>j << 3), g);
    gMax = Math.max(gMax, g);
    gMin = Math.min(gMin, g);
  }
  if (!(gMax - gMin <= TIED_RANGE_F32 && gMax <= TIED_MAX_HALF_NORM)) return false; // also NaN and infinities
  // float32 keys y_j - c, written over the float64 ones in increasing order (entry l is read before the
  // float32 entry l, which lies at or below it, is written).
  for (let k = 0; k < dk; k++) {
    const row8 = keysPtr + <usize>k * stride8;
    let c: f64 = 0;
    for (let j = 0; j < n; j++) c += load<f64>(row8 + (<usize>j << 3));
    c /= <f64>n;
    const row4 = keysPtr + <usize>k * stride4;
    for (let j = 0; j < n; j++) store<f32>(row4 + (<usize>j << 2), <f32>(load<f64>(row8 + (<usize>j << 3)) - c));
  }
  for (let j = 0; j < n; j++) {
    const w = expScalar(load<f64>(halfNormsPtr + (<usize>j << 3)) - gMax);
    store<f32>(tokenWeightsPtr + (<usize>j << 2), <f32>w);
    for (let k = 0; k < d; k++) {
      store<f32>(valuesPtr + <usize>k * stride4 + (<usize>j << 2), <f32>(w * load<f64>(x + (<usize>(j * d + k) << 3))));
    }
  }
  return true;
}

/** The sum of the four lanes in float64. */
// @ts-ignore: decorator
@inline function laneSum(v: v128): f64 {
  return (<f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1)) +
    (<f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3));
}

/**
 * Rows a = i and b = i + 1 with keys j > b (see ../tied-small-pairs.ts pairRowTwo): the pair (a, b) and the
 * diagonal in float64, the keys four at a time in float32. Row sums end in the float64 part (z8, l8,
 * rows stride8 bytes apart), the keys' side in the float32 partial sums cz, cl (rows stride4 apart).
 */
// @ts-ignore: decorator
@inline function pairRowTwoF32(
  i: i32, n: i32, D: i32, DK: i32, halfBeta: f64, stride4: usize, stride8: usize, z8: usize, l8: usize,
  kp: usize, vp: usize, wp: usize, cz: usize, cl: usize,
): void {
  const ia = <usize>i << 2, ib = ia + 4;
  const wa = load<f32>(wp + ia), wb = load<f32>(wp + ib);
  const ya0 = load<f32>(kp + ia), yb0 = load<f32>(kp + ib);
  const ya1 = DK > 1 ? load<f32>(kp + stride4 + ia) : <f32>0, yb1 = DK > 1 ? load<f32>(kp + stride4 + ib) : <f32>0;
  const ya2 = DK > 2 ? load<f32>(kp + 2 * stride4 + ia) : <f32>0, yb2 = DK > 2 ? load<f32>(kp + 2 * stride4 + ib) : <f32>0;
  const ua0 = load<f32>(vp + ia), ub0 = load<f32>(vp + ib);
  const ua1 = D > 1 ? load<f32>(vp + stride4 + ia) : <f32>0, ub1 = D > 1 ? load<f32>(vp + stride4 + ib) : <f32>0;
  const ua2 = D > 2 ? load<f32>(vp + 2 * stride4 + ia) : <f32>0, ub2 = D > 2 ? load<f32>(vp + 2 * stride4 + ib) : <f32>0;
  // (a, a), (b, b): e = 1; (a, b) in float64.
  let t = <f64>ya0 - <f64>yb0;
  let sq = t * t;
  if (DK > 1) {
    t = <f64>ya1 - <f64>yb1;
    sq += t * t;
  }
  if (DK > 2) {
    t = <f64>ya2 - <f64>yb2;
    sq += t * t;
  }
  const eab = expScalar(sq * -halfBeta);
  let la = <f64>wa + eab * <f64>wb, lb = <f64>wb + eab * <f64>wa;
  let za0 = <f64>ua0 + eab * <f64>ub0, zb0 = <f64>ub0 + eab * <f64>ua0;
  let za1 = <f64>ua1 + eab * <f64>ub1, zb1 = <f64>ub1 + eab * <f64>ua1;
  let za2 = <f64>ua2 + eab * <f64>ub2, zb2 = <f64>ub2 + eab * <f64>ua2;
  const nhb = <f32>-halfBeta;
  let j = i + 2;
  if (ASC_FEATURE_SIMD) {
    const nhbv = f32x4.splat(nhb);
    const wav = f32x4.splat(wa), wbv = f32x4.splat(wb);
    const ya0v = f32x4.splat(ya0), yb0v = f32x4.splat(yb0), ya1v = f32x4.splat(ya1), yb1v = f32x4.splat(yb1);
    const ya2v = f32x4.splat(ya2), yb2v = f32x4.splat(yb2);
    const ua0v = f32x4.splat(ua0), ub0v = f32x4.splat(ub0), ua1v = f32x4.splat(ua1), ub1v = f32x4.splat(ub1);
    const ua2v = f32x4.splat(ua2), ub2v = f32x4.splat(ub2);
    let lA = f32x4.splat(0), lB = f32x4.splat(0), aA0 = f32x4.splat(0), aB0 = f32x4.splat(0);
    let aA1 = f32x4.splat(0), aB1 = f32x4.splat(0), aA2 = f32x4.splat(0), aB2 = f32x4.splat(0);
    let flushAt = j + ROW_FLUSH;
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      const k0 = v128.load(kp + o);
      let ta = f32x4.sub(k0, ya0v), tb = f32x4.sub(k0, yb0v);
      let sqa = f32x4.mul(ta, ta), sqb = f32x4.mul(tb, tb);
      if (DK > 1) {
        const k1 = v128.load(kp + stride4 + o);
        ta = f32x4.sub(k1, ya1v);
        tb = f32x4.sub(k1, yb1v);
        sqa = maddF32(ta, ta, sqa);
        sqb = maddF32(tb, tb, sqb);
      }
      if (DK > 2) {
        const k2 = v128.load(kp + 2 * stride4 + o);
        ta = f32x4.sub(k2, ya2v);
        tb = f32x4.sub(k2, yb2v);
        sqa = maddF32(ta, ta, sqa);
        sqb = maddF32(tb, tb, sqb);
      }
      const ea = expVectorF32NoNaN(f32x4.mul(sqa, nhbv));
      const eb = expVectorF32NoNaN(f32x4.mul(sqb, nhbv));
      const w = v128.load(wp + o);
      lA = maddF32(ea, w, lA);
      lB = maddF32(eb, w, lB);
      v128.store(cl + o, maddF32(eb, wbv, maddF32(ea, wav, v128.load(cl + o))));
      const v0 = v128.load(vp + o);
      aA0 = maddF32(ea, v0, aA0);
      aB0 = maddF32(eb, v0, aB0);
      v128.store(cz + o, maddF32(eb, ub0v, maddF32(ea, ua0v, v128.load(cz + o))));
      if (D > 1) {
        const v1 = v128.load(vp + stride4 + o);
        aA1 = maddF32(ea, v1, aA1);
        aB1 = maddF32(eb, v1, aB1);
        v128.store(cz + stride4 + o, maddF32(eb, ub1v, maddF32(ea, ua1v, v128.load(cz + stride4 + o))));
      }
      if (D > 2) {
        const v2 = v128.load(vp + 2 * stride4 + o);
        aA2 = maddF32(ea, v2, aA2);
        aB2 = maddF32(eb, v2, aB2);
        v128.store(cz + 2 * stride4 + o, maddF32(eb, ub2v, maddF32(ea, ua2v, v128.load(cz + 2 * stride4 + o))));
      }
      if (j + 4 >= flushAt || j + 8 > n) {
        // Into float64 every ROW_FLUSH keys, and after the last vector.
        la += laneSum(lA);
        lb += laneSum(lB);
        za0 += laneSum(aA0);
        zb0 += laneSum(aB0);
        lA = f32x4.splat(0);
        lB = f32x4.splat(0);
        aA0 = f32x4.splat(0);
        aB0 = f32x4.splat(0);
        if (D > 1) {
          za1 += laneSum(aA1);
          zb1 += laneSum(aB1);
          aA1 = f32x4.splat(0);
          aB1 = f32x4.splat(0);
        }
        if (D > 2) {
          za2 += laneSum(aA2);
          zb2 += laneSum(aB2);
          aA2 = f32x4.splat(0);
          aB2 = f32x4.splat(0);
        }
        flushAt = j + 4 + ROW_FLUSH;
      }
    }
  }
  // The last keys (all of them in the scalar build), in float32 as the vectors.
  for (; j < n; j++) {
    const o = <usize>j << 2;
    const k0 = load<f32>(kp + o);
    let ta = k0 - ya0, tb = k0 - yb0;
    let sqa = ta * ta, sqb = tb * tb;
    if (DK > 1) {
      const k1 = load<f32>(kp + stride4 + o);
      ta = k1 - ya1;
      tb = k1 - yb1;
      sqa += ta * ta;
      sqb += tb * tb;
    }
    if (DK > 2) {
      const k2 = load<f32>(kp + 2 * stride4 + o);
      ta = k2 - ya2;
      tb = k2 - yb2;
      sqa += ta * ta;
      sqb += tb * tb;
    }
    const ea = expScalarF32(sqa * nhb), eb = expScalarF32(sqb * nhb);
    const w = load<f32>(wp + o);
    la += <f64>(ea * w);
    lb += <f64>(eb * w);
    store<f32>(cl + o, load<f32>(cl + o) + ea * wa + eb * wb);
    const v0 = load<f32>(vp + o);
    za0 += <f64>(ea * v0);
    zb0 += <f64>(eb * v0);
    store<f32>(cz + o, load<f32>(cz + o) + ea * ua0 + eb * ub0);
    if (D > 1) {
      const v1 = load<f32>(vp + stride4 + o);
      za1 += <f64>(ea * v1);
      zb1 += <f64>(eb * v1);
      store<f32>(cz + stride4 + o, load<f32>(cz + stride4 + o) + ea * ua1 + eb * ub1);
    }
    if (D > 2) {
      const v2 = load<f32>(vp + 2 * stride4 + o);
      za2 += <f64>(ea * v2);
      zb2 += <f64>(eb * v2);
      store<f32>(cz + 2 * stride4 + o, load<f32>(cz + 2 * stride4 + o) + ea * ua2 + eb * ub2);
    }
  }
  const ja = <usize>i << 3, jb = ja + 8;
  store<f64>(l8 + ja, load<f64>(l8 + ja) + la);
  store<f64>(l8 + jb, load<f64>(l8 + jb) + lb);
  store<f64>(z8 + ja, load<f64>(z8 + ja) + za0);
  store<f64>(z8 + jb, load<f64>(z8 + jb) + zb0);
  if (D > 1) {
    store<f64>(z8 + stride8 + ja, load<f64>(z8 + stride8 + ja) + za1);
    store<f64>(z8 + stride8 + jb, load<f64>(z8 + stride8 + jb) + zb1);
  }
  if (D > 2) {
    store<f64>(z8 + 2 * stride8 + ja, load<f64>(z8 + 2 * stride8 + ja) + za2);
    store<f64>(z8 + 2 * stride8 + jb, load<f64>(z8 + 2 * stride8 + jb) + zb2);
  }
}

/**
 * Rows [i0, i1) of one tile row, two at a time; a last odd row is the last token (the tile rows hold
 * TIED_TILE rows but the last), which has no key after it: its diagonal alone.
 */
// @ts-ignore: decorator
@inline function rowsOfWidthsF32(
  i0: i32, i1: i32, n: i32, D: i32, DK: i32, halfBeta: f64, stride4: usize, stride8: usize, z8: usize, l8: usize,
  kp: usize, vp: usize, wp: usize, cz: usize, cl: usize,
): void {
  let i = i0;
  for (; i + 2 <= i1; i += 2) pairRowTwoF32(i, n, D, DK, halfBeta, stride4, stride8, z8, l8, kp, vp, wp, cz, cl);
  if (i < i1) {
    const o4 = <usize>i << 2, o8 = <usize>i << 3;
    store<f64>(l8 + o8, load<f64>(l8 + o8) + <f64>load<f32>(wp + o4));
    for (let k = 0; k < D; k++) {
      const q = z8 + <usize>k * stride8 + o8;
      store<f64>(q, load<f64>(q) + <f64>load<f32>(vp + <usize>k * stride4 + o4));
    }
  }
}

/** The pairs of rows [i0, i1): one specialised loop per pair of widths (d, dk in 1..3). */
function pairRowsF32(
  i0: i32, i1: i32, n: i32, d: i32, dk: i32, halfBeta: f64, stride4: usize, stride8: usize, z8: usize, l8: usize,
  cz: usize, cl: usize,
): void {
  const kp = keysPtr, vp = valuesPtr, wp = tokenWeightsPtr;
  switch (d * 4 + dk) {
    case 5: rowsOfWidthsF32(i0, i1, n, 1, 1, halfBeta, stride4, stride8, z8, l8, kp, vp, wp, cz, cl); break;
    case 6: rowsOfWidthsF32(i0, i1, n, 1, 2, halfBeta, stride4, stride8, z8, l8, kp, vp, wp, cz, cl); break;
    case 7: rowsOfWidthsF32(i0, i1, n, 1, 3, halfBeta, stride4, stride8, z8, l8, kp, vp, wp, cz, cl); break;
    case 9: rowsOfWidthsF32(i0, i1, n, 2, 1, halfBeta, stride4, stride8, z8, l8, kp, vp, wp, cz, cl); break;
    case 10: rowsOfWidthsF32(i0, i1, n, 2, 2, halfBeta, stride4, stride8, z8, l8, kp, vp, wp, cz, cl); break;
    case 11: rowsOfWidthsF32(i0, i1, n, 2, 3, halfBeta, stride4, stride8, z8, l8, kp, vp, wp, cz, cl); break;
    case 13: rowsOfWidthsF32(i0, i1, n, 3, 1, halfBeta, stride4, stride8, z8, l8, kp, vp, wp, cz, cl); break;
    case 14: rowsOfWidthsF32(i0, i1, n, 3, 2, halfBeta, stride4, stride8, z8, l8, kp, vp, wp, cz, cl); break;
    default: rowsOfWidthsF32(i0, i1, n, 3, 3, halfBeta, stride4, stride8, z8, l8, kp, vp, wp, cz, cl); break;
  }
}

/** dst[j] += src[j] (float32 into float64) for j in [j0, j1). */
function addColumnsToF64(dst: usize, src: usize, j0: i32, j1: i32): void {
  let j = j0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 4 <= j1; j += 4) {
      const v = v128.load(src + (<usize>j << 2));
      const q = dst + (<usize>j << 3);
      v128.store(q, f64x2.add(v128.load(q), f64x2.promote_low_f32x4(v)));
      v128.store(q, f64x2.add(v128.load(q, 16), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 0, 1))), 16);
    }
  }
  for (; j < j1; j++) store<f64>(dst + (<usize>j << 3), load<f64>(dst + (<usize>j << 3)) + <f64>load<f32>(src + (<usize>j << 2)));
}

/**
 * Part p of the sums (p < tiedParts(n)), as tiedSmallPart: zeroes it in the scratch block `parts`, then
 * adds its tile rows in increasing order, each tile row's keys' side summed in float32 in `own` and then
 * added to the part.
 */
export function tiedSmallPartF32(n: i32, d: i32, dk: i32, beta: f64, p: i32, parts: usize, own: usize): void {
  const npad = tiedPadded(n);
  const stride8 = <usize>npad << 3;
  const stride4 = <usize>npad << 2;
  layoutTiedScratch(parts, n, d, dk);
  const z8 = tiedSumsPtr + <usize>p * tiedPartSumsBytes(n, d);
  const l8 = normalizersPtr + <usize>p * tiedPartNormalizersBytes(n);
  layoutTiedScratch(own, n, d, dk);
  memory.fill(z8, 0, <usize>d * stride8);
  memory.fill(l8, 0, stride8);
  const cl = valuesPtr + <usize>d * stride4;
  const cz = cl + stride4;
  const partCount = tiedParts(n);
  const tiles = (n + TIED_TILE - 1) / TIED_TILE;
  for (let a = 0; a < tiles; a++) {
    if (tiedPartOf(a, partCount) != p) continue;
    const i0 = a * TIED_TILE;
    const i1 = min(i0 + TIED_TILE, n);
    // Keys j > i >= i0 receive this tile row's terms: their float32 sums start at 0.
    const from = <usize>i0 << 2, bytes = <usize>(n - i0) << 2;
    memory.fill(cl + from, 0, bytes);
    for (let k = 0; k < d; k++) memory.fill(cz + <usize>k * stride4 + from, 0, bytes);
    pairRowsF32(i0, i1, n, d, dk, 0.5 * beta, stride4, stride8, z8, l8, cz, cl);
    addColumnsToF64(l8, cl, i0, n);
    for (let k = 0; k < d; k++) addColumnsToF64(z8 + <usize>k * stride8, cz + <usize>k * stride4, i0, n);
  }
}
