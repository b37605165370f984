// The float32 twin of the tied kernel (../tied.ts, which has the method and
// the work split): keys, queries, scores, exponentials and weighted values in
// float32 (f32x4 lanes), and each tile's sums (at most TIED_TILE = 64 terms
// per lane) added to the float64 parts z and l, so that rounding does not
// grow with N (as in ./attention.ts). The weighted values w_j x_j are
// float32, so the range of g is held to TIED_RANGE_F32 = 30 (w_j >= 9.4e-14,
// far above float32's smallest normal, 1.2e-38); wider ranges take the
// row-max kernel. The weight e_ij's argument s_ij - g_i - g_j, computed as
// (-g_j + sum_k q_ik k_jk) - g_i, has an absolute error of a few u S (u =
// 2^-24, S the largest sum_k |q_ik k_jk|; every partial sum is at most
// g_j + S <= 1.5 S and g_i <= S / 2): the bound of test/precision.test.ts.

import { expScalar } from '../exp';
import { maddF32 } from '../simd';
import { expScalarF32, expVectorF32NoNaN } from './exp';
import { KEY_PANEL_F32, paddedKeysF32, packKeysF32, scoreBlockF32, addToF64 } from './attention';
import {
  ROW_BLOCK, TIED_TILE, TIED_RANGE_F32, TIED_MAX_HALF_NORM_F32, tiedWidthF32, tiedFits, tiedTiles, tiedParts, tiedPartOf, tiedPartSumsBytes, tiedPartNormalizersBytes,
  layoutTiedScratch, keysPtr, valuesPtr, queriesPtr, scoresPtr, tiedSumsPtr, halfNormsPtr, tokenWeightsPtr,
  normalizersPtr,
} from '../scratch';

/** Bytes between float32 score rows of a tile. */
const TILE_STRIDE_F32: usize = <usize>TIED_TILE << 2;

// The part being accumulated (tiedPartF32): float64 sums z (npad rows of tiedWidthF32(d)) and normalizers l.
let partSums: usize = 0;
let partNormalizers: usize = 0;

/**
 * tiedPrepare in float32: packs float32 key panels, g_j = beta |f32(y_j)|^2 / 2
 * (computed in float64, stored as float32), w_j = exp(g_j - max g) (float32)
 * and the float32 weighted values, blocked by 8 coordinates:
 * values[c][j][0..7] = f32(w_j x_j[8c..8c+7]). False when too large or when
 * the range of g passes TIED_RANGE_F32, g passes TIED_MAX_HALF_NORM_F32
 * (so that the exponentials never see NaN: expVectorF32NoNaN) or is not finite.
 */
export function tiedPrepareF32(x: usize, n: i32, d: i32, dk: i32, key: usize, beta: f64, scratch: usize): bool {
  if (!tiedFits(n, d)) return false;
  const npad = paddedKeysF32(n);
  const width = tiedWidthF32(d);
  layoutTiedScratch(scratch, n, d, dk);
  packKeysF32(x, n, d, dk, key);
  let gMax = -Infinity, gMin = Infinity;
  for (let j = 0; j < n; j++) {
    let p = keysPtr + (<usize>((j / KEY_PANEL_F32) * dk * KEY_PANEL_F32 + j % KEY_PANEL_F32) << 2);
    let sq: f64 = 0;
    for (let k = 0; k < dk; k++) {
      const y = <f64>load<f32>(p);
      sq += y * y;
      p += <usize>KEY_PANEL_F32 << 2;
    }
    // Rounded to float32 here, the kernel's own g, so that the range is checked on it and the largest w is 1
    // (w from the float64 g's maximum and the float32 g's was 0 for every token once g passed ~1e9).
    const g = <f64><f32>(0.5 * beta * sq);
    store<f64>(tokenWeightsPtr + (<usize>j << 3), g); // g for a moment in the weights' place
    gMax = Math.max(gMax, g);
    gMin = Math.min(gMin, g);
  }
  if (!(gMax - gMin <= TIED_RANGE_F32 && gMax <= TIED_MAX_HALF_NORM_F32)) return false; // also NaN and infinities
  for (let j = 0; j < n; j++) {
    const g = load<f64>(tokenWeightsPtr + (<usize>j << 3));
    store<f32>(halfNormsPtr + (<usize>j << 2), <f32>g);
  }
  for (let j = 0; j < n; j++) {
    const g = <f64>load<f32>(halfNormsPtr + (<usize>j << 2));
    store<f32>(tokenWeightsPtr + (<usize>j << 2), <f32>expScalar(g - gMax));
  }
  for (let j = n; j < npad; j++) {
    store<f32>(halfNormsPtr + (<usize>j << 2), Infinity);
    store<f32>(tokenWeightsPtr + (<usize>j << 2), 0);
  }
  for (let c = 0; c < width >> 3; c++) {
    let dst = valuesPtr + (<usize>(c * npad) << 5);
    for (let j = 0; j < npad; j++) {
      const w = <f64>load<f32>(tokenWeightsPtr + (<usize>j << 2));
      for (let l = 0; l < 8; l++) {
        const k = (c << 3) + l;
        const v = j < n && k < d ? w * load<f64>(x + (<usize>(j * d + k) << 3)) : 0.0;
        store<f32>(dst + (<usize>l << 2), <f32>v);
      }
      dst += 32;
    }
  }
  return true;
}

/**
 * z_r += sum_{t < count} W(r, t) values[.][j0 + t] for ROW_BLOCK float64 sums
 * rows, W(r, t) = load<f32>(w + r * rowStep + t * innerStep): as accumulateBlock
 * in ../tied.ts, with the count's float32 partial sums added to z.
 */
function accumulateBlockF32(
  w: usize, rowStep: usize, innerStep: usize, j0: i32, count: i32, npad: i32, width: i32, z: usize,
): void {
  const zRow = <usize>width << 3;
  for (let c = 0; c < width >> 3; c++) {
    const vp0 = valuesPtr + (<usize>(c * npad + j0) << 5);
    const o = z + (<usize>c << 6);
    if (ASC_FEATURE_SIMD) {
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), b0 = f32x4.splat(0), b1 = f32x4.splat(0);
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), e0 = f32x4.splat(0), e1 = f32x4.splat(0);
      let vp = vp0;
      let wp = w;
      for (let t = 0; t < count; t++) {
        const v0 = v128.load(vp, 0), v1 = v128.load(vp, 16);
        let p = v128.load32_splat(wp);
        a0 = maddF32(p, v0, a0);
        a1 = maddF32(p, v1, a1);
        p = v128.load32_splat(wp + rowStep);
        b0 = maddF32(p, v0, b0);
        b1 = maddF32(p, v1, b1);
        p = v128.load32_splat(wp + 2 * rowStep);
        c0 = maddF32(p, v0, c0);
        c1 = maddF32(p, v1, c1);
        p = v128.load32_splat(wp + 3 * rowStep);
        e0 = maddF32(p, v0, e0);
        e1 = maddF32(p, v1, e1);
        vp += 32;
        wp += innerStep;
      }
      addToF64(o, a0); addToF64(o + 32, a1);
      addToF64(o + zRow, b0); addToF64(o + zRow + 32, b1);
      addToF64(o + 2 * zRow, c0); addToF64(o + 2 * zRow + 32, c1);
      addToF64(o + 3 * zRow, e0); addToF64(o + 3 * zRow + 32, e1);
    } else {
      for (let r = 0; r < ROW_BLOCK; r++) {
        for (let l = 0; l < 8; l++) {
          let acc: f32 = 0;
          let vp = vp0 + (<usize>l << 2);
          let wp = w + <usize>r * rowStep;
          for (let t = 0; t < count; t++) {
            acc += load<f32>(wp) * load<f32>(vp);
            vp += 32;
            wp += innerStep;
          }
          const q = o + <usize>r * zRow + (<usize>l << 3);
          store<f64>(q, load<f64>(q) + <f64>acc);
        }
      }
    }
  }
}

/**
 * Row i of a tile against keys [j0, j0 + len): s <- e_ij = exp(s - g_i) in
 * float32, in place (s = <beta y_i, y_j> - g_j from scoreBlockF32; never NaN
 * below TIED_MAX_HALF_NORM_F32, so expVectorF32NoNaN); adds sum_j e_ij w_j to l_i (float64) and, when
 * `both`, e_ij w_i to the tile's float32 column sums `columns`.
 */
function tileRowWeightsF32(s: usize, i: i32, j0: i32, len: i32, both: bool, columns: usize): void {
  const gi = load<f32>(halfNormsPtr + (<usize>i << 2));
  const wi = load<f32>(tokenWeightsPtr + (<usize>i << 2));
  const wp = tokenWeightsPtr + (<usize>j0 << 2);
  let row: f64 = 0;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const giv = f32x4.splat(gi), wiv = f32x4.splat(wi);
    let acc = f32x4.splat(0);
    // Two exponentials in flight (as tied.ts; 1.03-1.08x at 1024 x 16), then one: the same operations per lane.
    for (; j + 8 <= len; j += 8) {
      const o = <usize>j << 2;
      const e0 = expVectorF32NoNaN(f32x4.sub(v128.load(s + o), giv));
      const e1 = expVectorF32NoNaN(f32x4.sub(v128.load(s + o, 16), giv));
      v128.store(s + o, e0);
      v128.store(s + o, e1, 16);
      acc = maddF32(e1, v128.load(wp + o, 16), maddF32(e0, v128.load(wp + o), acc));
      if (both) {
        v128.store(columns + o, maddF32(e0, wiv, v128.load(columns + o)));
        v128.store(columns + o, maddF32(e1, wiv, v128.load(columns + o, 16)), 16);
      }
    }
    for (; j + 4 <= len; j += 4) {
      const o = <usize>j << 2;
      const e = expVectorF32NoNaN(f32x4.sub(v128.load(s + o), giv));
      v128.store(s + o, e);
      acc = maddF32(e, v128.load(wp + o), acc);
      if (both) v128.store(columns + o, maddF32(e, wiv, v128.load(columns + o)));
    }
    row = <f64>f32x4.extract_lane(acc, 0) + <f64>f32x4.extract_lane(acc, 1) +
      <f64>f32x4.extract_lane(acc, 2) + <f64>f32x4.extract_lane(acc, 3);
  }
  for (; j < len; j++) {
    const o = <usize>j << 2;
    const e = expScalarF32(load<f32>(s + o) - gi);
    store<f32>(s + o, e);
    row += <f64>(e * load<f32>(wp + o));
    if (both) store<f32>(columns + o, load<f32>(columns + o) + e * wi);
  }
  const li = partNormalizers + (<usize>i << 3);
  store<f64>(li, load<f64>(li) + row);
}

/** The pairs of tile row a (tiles (a, b), b >= a) into the current part, in float32. */
function tiedTileRowF32(n: i32, d: i32, dk: i32, beta: f64, a: i32): void {
  const npad = paddedKeysF32(n);
  const width = tiedWidthF32(d);
  const tiles = tiedTiles(npad);
  const qBytes = <usize>dk << 2;
  const zRow = <usize>width << 3;
  const i0 = a * TIED_TILE;
  const rows = min(TIED_TILE, npad - i0);
  // The float32 scores take TIED_TILE^2 * 4 bytes of the float64-sized region: the column sums go after them.
  const columns = scoresPtr + (<usize>(TIED_TILE * TIED_TILE) << 2);
  for (let r = 0; r < rows; r++) {
    const i = i0 + r;
    let p = keysPtr + (<usize>((i / KEY_PANEL_F32) * dk * KEY_PANEL_F32 + i % KEY_PANEL_F32) << 2);
    const q = queriesPtr + <usize>r * qBytes;
    for (let k = 0; k < dk; k++) {
      store<f32>(q + (<usize>k << 2), <f32>(beta * <f64>load<f32>(p)));
      p += <usize>KEY_PANEL_F32 << 2;
    }
  }
  for (let b = a; b < tiles; b++) {
    const j0 = b * TIED_TILE;
    const len = min(TIED_TILE, npad - j0);
    const both = b != a;
    if (both) memory.fill(columns, 0, <usize>len << 2);
    for (let g = 0; g < rows; g += ROW_BLOCK) {
      const s = scoresPtr + <usize>g * TILE_STRIDE_F32;
      scoreBlockF32(queriesPtr + <usize>g * qBytes, dk, j0 / KEY_PANEL_F32, (j0 + len) / KEY_PANEL_F32, s, TILE_STRIDE_F32, halfNormsPtr);
      for (let r = 0; r < ROW_BLOCK; r++) {
        tileRowWeightsF32(s + <usize>r * TILE_STRIDE_F32, i0 + g + r, j0, len, both, columns);
      }
      accumulateBlockF32(s, TILE_STRIDE_F32, 4, j0, len, npad, width, partSums + <usize>(i0 + g) * zRow);
    }
    if (!both) continue;
    for (let j = 0; j < len; j++) {
      const l = partNormalizers + (<usize>(j0 + j) << 3);
      store<f64>(l, load<f64>(l) + <f64>load<f32>(columns + (<usize>j << 2)));
    }
    for (let h = 0; h < len; h += ROW_BLOCK) {
      accumulateBlockF32(
        scoresPtr + (<usize>h << 2), 4, TILE_STRIDE_F32, i0, rows, npad, width, partSums + <usize>(j0 + h) * zRow,
      );
    }
  }
}

/** Part p of the sums in float32 (see tiedPart in ../tied.ts). */
export function tiedPartF32(n: i32, d: i32, dk: i32, beta: f64, p: i32, parts: usize, own: usize): void {
  const npad = paddedKeysF32(n);
  layoutTiedScratch(parts, n, d, dk);
  partSums = tiedSumsPtr + <usize>p * tiedPartSumsBytes(n, d);
  partNormalizers = normalizersPtr + <usize>p * tiedPartNormalizersBytes(n);
  layoutTiedScratch(own, n, d, dk);
  memory.fill(partSums, 0, <usize>npad * <usize>tiedWidthF32(d) << 3);
  memory.fill(partNormalizers, 0, <usize>npad << 3);
  const tiles = tiedTiles(npad);
  const partCount = tiedParts(n);
  for (let a = 0; a < tiles; a++) if (tiedPartOf(a, partCount) == p) tiedTileRowF32(n, d, dk, beta, a);
}
