// Tied attention: one head whose query and key maps are the same matrix (Q =
// K, the identity included: the paper's pure-attention model Q = K = V = I,
// and every head with W_Q = W_K), with beta > 0 and no causal mask (float32:
// f32/tied.ts, the same plan in f32x4 lanes). Then the
// scores s_ij = beta <y_i, y_j> (y_j = x_j K) form a Gram matrix and
//   exp(s_ij) = exp(g_i) e_ij exp(g_j),   g_j = beta |y_j|^2 / 2,
//   e_ij = exp(s_ij - g_i - g_j) = exp(-beta |y_i - y_j|^2 / 2)  in (0, 1],
// so row i of the softmax of eq. (7) is P_ij = e_ij w_j / l_i with
// w_j = exp(g_j - G), G = max_j g_j, and l_i = sum_k e_ik w_k (the factor
// exp(g_i - G) cancels). e is symmetric: each pair's score and exponential is
// computed once, on tiles on and above the diagonal, and feeds both rows:
//   z_i += e_ij (w_j x_j, w_j),   z_j += e_ij (w_i x_i, w_i).
// That is 3 N^2 D flops and N^2 / 2 exponentials per head instead of 4 N^2 D
// and N^2, and no row maximum: e <= 1 cannot overflow (pow2Over64 clamps the
// computed exponent at 0, which rounding can pass when g is huge).
//
// Range: l_i >= e_ii w_i = w_i >= exp(-(G - min g)). tiedPrepare refuses
// (returns false, and the caller runs the row-max kernel of attention.ts)
// when G - min g > TIED_RANGE, G > TIED_MAX_HALF_NORM (1e300: below it no
// score or difference of half norms overflows, so the exponentials never see
// NaN and may skip that check) or some g is not finite: with the range at most
// 300, l_i >= 5e-131 and every term that matters to 1e-16 of it stays far
// from the subnormals. Units: the pair loop works in units of ln2 / 64 (the
// exponential's own), with queries beta' y_i, beta' = beta 64 / ln 2, and
// half norms h = g 64 / ln 2, so that e_ij = 2^(u_ij / 64) (pow2Over64,
// exp.ts: four operations fewer than exp, 1.02-1.035x at D = 16..64; below
// 1e300, 92 g still cannot overflow). Rounding: u_ij, computed as
// (-h_j + sum_k beta' y_ik y_jk) - h_i (the score block starts its sums from
// -h_j), carries an absolute error of about d_k ulp of |u_ij| + h_i + h_j
// (every partial sum is bounded by h_i + 2 h_j): relative to its own units,
// what exp(s_ij - m_i) carries in the row-max kernel; the tests hold both to
// the TypeScript reference at 1e-13.
//
// Work split: the sums z and l are accumulated in TIED_SLOTS parts
// (scratch.ts); part p owns the tile rows a with snake(a) = p (0, 1, 2, 3,
// 3, 2, 1, 0, 0, 1, ...: about equal work, tile row a having T - a tiles)
// and adds them in increasing a. Threads (parallel.ts) take whole parts,
// each after packing keys and values in its own scratch; every part lives
// in thread 0's scratch. Then every row sums its parts in order 0..P-1. So
// each number is computed by the same operations in the same order however
// many threads there are: results are the same bits on 1 or T threads.
// Problems whose sums would pass TIED_MAX_SUMS take the row-max kernel.

import { expScalar, pow2Over64, pow2Over64Scalar, INV_LN2_64 } from './exp';
import { addValueRow } from './linalg';
import { axpy } from './vec';
import { madd } from './simd';
import { packKeys, scoreBlock } from './scores';
import {
  KEY_PANEL, ROW_BLOCK, TIED_TILE, TIED_RANGE, TIED_MAX_HALF_NORM, paddedKeys, tiedParts, tiedWidth,
  tiedFits, tiedTiles, tiedPartOf, tiedPartSumsBytes, tiedPartNormalizersBytes, layoutTiedScratch,
  keysPtr, valuesPtr, queriesPtr, scoresPtr, transposedScoresPtr, workPtr, tiedSumsPtr, halfNormsPtr, tokenWeightsPtr, normalizersPtr,
} from './scratch';

/** Bytes between score rows of a tile. */
const TILE_STRIDE: usize = <usize>TIED_TILE << 3;

// The part being accumulated (tiedPart): its sums z (npad rows of tiedWidth(d)) and normalizers l.
let partSums: usize = 0;
let partNormalizers: usize = 0;

/**
 * Lays out `scratch`, packs the keys y_j (x_j K, or x_j when key = 0), the
 * half norms g, the token weights w and the weighted values (w_j x_j, zero
 * padded to tiedWidth(d) and blocked by 4 coordinates:
 * values[c][j][0..3] = w_j x_j[4c..4c+3]). Returns false when the problem is
 * too large (TIED_MAX_SUMS) or the range of g too wide (or not finite) for
 * the tied kernel; then nothing else may be called for this head.
 */
export function tiedPrepare(x: usize, n: i32, d: i32, dk: i32, key: usize, beta: f64, scratch: usize): bool {
  if (!tiedFits(n, d)) return false;
  const npad = paddedKeys(n);
  const width = tiedWidth(d);
  layoutTiedScratch(scratch, n, d, dk);
  packKeys(x, n, d, dk, key);
  // g_j from the packed keys: keys[j / P][k][j % P].
  let gMax = -Infinity, gMin = Infinity;
  for (let j = 0; j < n; j++) {
    let p = keysPtr + (<usize>((j / KEY_PANEL) * dk * KEY_PANEL + j % KEY_PANEL) << 3);
    let sq: f64 = 0;
    for (let k = 0; k < dk; k++) {
      const y = load<f64>(p);
      sq += y * y;
      p += <usize>KEY_PANEL << 3;
    }
    const g = 0.5 * beta * sq;
    store<f64>(halfNormsPtr + (<usize>j << 3), g);
    gMax = Math.max(gMax, g);
    gMin = Math.min(gMin, g);
  }
  if (!(gMax - gMin <= TIED_RANGE && gMax <= TIED_MAX_HALF_NORM)) return false; // also catches NaN and infinities
  for (let j = n; j < npad; j++) {
    store<f64>(halfNormsPtr + (<usize>j << 3), Infinity);
    store<f64>(tokenWeightsPtr + (<usize>j << 3), 0.0);
  }
  for (let j = 0; j < n; j++) {
    const h = halfNormsPtr + (<usize>j << 3);
    const g = load<f64>(h);
    store<f64>(tokenWeightsPtr + (<usize>j << 3), expScalar(g - gMax));
    store<f64>(h, g * INV_LN2_64); // the pair loop works in units of ln2 / 64 (pow2Over64)
  }
  for (let c = 0; c < width >> 2; c++) {
    let dst = valuesPtr + (<usize>(c * npad) << 5);
    for (let j = 0; j < npad; j++) {
      const w = load<f64>(tokenWeightsPtr + (<usize>j << 3));
      for (let l = 0; l < 4; l++) {
        const k = (c << 2) + l;
        const v = j < n && k < d ? w * load<f64>(x + (<usize>(j * d + k) << 3)) : 0.0;
        store<f64>(dst + (<usize>l << 3), v);
      }
      dst += 32;
    }
  }
  return true;
}

/**
 * z_r += sum_{t < count} W(r, t) values[.][j0 + t] for the ROW_BLOCK sums
 * rows z_r = z + r * (width * 8), where W(r, t) = load(w + r * rowStep +
 * t * innerStep): rowStep = TILE_STRIDE, innerStep = 8 reads a tile's rows
 * (z_i += e_ij u_j); rowStep = 8, innerStep = TILE_STRIDE reads its columns
 * (z_j += e_ij u_i).
 */
function accumulateBlock(
  w: usize, rowStep: usize, innerStep: usize, j0: i32, count: i32, npad: i32, width: i32, z: usize,
): void {
  const zRow = <usize>width << 3;
  for (let c = 0; c < width >> 2; c++) {
    const vp0 = valuesPtr + (<usize>(c * npad + j0) << 5);
    const o = z + (<usize>c << 5);
    if (ASC_FEATURE_SIMD) {
      let a0 = f64x2.splat(0), a1 = f64x2.splat(0), b0 = f64x2.splat(0), b1 = f64x2.splat(0);
      let c0 = f64x2.splat(0), c1 = f64x2.splat(0), e0 = f64x2.splat(0), e1 = f64x2.splat(0);
      let vp = vp0;
      let wp = w;
      for (let t = 0; t < count; t++) {
        const v0 = v128.load(vp, 0), v1 = v128.load(vp, 16);
        let p = v128.load64_splat(wp);
        a0 = madd(p, v0, a0);
        a1 = madd(p, v1, a1);
        p = v128.load64_splat(wp + rowStep);
        b0 = madd(p, v0, b0);
        b1 = madd(p, v1, b1);
        p = v128.load64_splat(wp + 2 * rowStep);
        c0 = madd(p, v0, c0);
        c1 = madd(p, v1, c1);
        p = v128.load64_splat(wp + 3 * rowStep);
        e0 = madd(p, v0, e0);
        e1 = madd(p, v1, e1);
        vp += 32;
        wp += innerStep;
      }
      let q = o;
      v128.store(q, f64x2.add(v128.load(q), a0)); v128.store(q, f64x2.add(v128.load(q, 16), a1), 16);
      q += zRow;
      v128.store(q, f64x2.add(v128.load(q), b0)); v128.store(q, f64x2.add(v128.load(q, 16), b1), 16);
      q += zRow;
      v128.store(q, f64x2.add(v128.load(q), c0)); v128.store(q, f64x2.add(v128.load(q, 16), c1), 16);
      q += zRow;
      v128.store(q, f64x2.add(v128.load(q), e0)); v128.store(q, f64x2.add(v128.load(q, 16), e1), 16);
    } else {
      for (let r = 0; r < ROW_BLOCK; r++) {
        for (let l = 0; l < 4; l++) {
          let acc: f64 = 0;
          let vp = vp0 + (<usize>l << 3);
          let wp = w + <usize>r * rowStep;
          for (let t = 0; t < count; t++) {
            acc += load<f64>(wp) * load<f64>(vp);
            vp += 32;
            wp += innerStep;
          }
          const q = o + <usize>r * zRow + (<usize>l << 3);
          store<f64>(q, load<f64>(q) + acc);
        }
      }
    }
  }
}

/**
 * et[j][g..g+3] = e[g..g+3][j] for j < len: four rows of a tile's weights
 * into the transposed tile, so that z_j += e_ij u_i reads whole rows (the
 * column walk through a 32 KiB tile missed L1).
 */
function transposeRows(e: usize, et: usize, g: i32, len: i32): void {
  const col = <usize>g << 3;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 2 <= len; j += 2) {
      const o = <usize>j << 3;
      const r0 = v128.load(e + o), r1 = v128.load(e + TILE_STRIDE + o);
      const r2 = v128.load(e + 2 * TILE_STRIDE + o), r3 = v128.load(e + 3 * TILE_STRIDE + o);
      const t0 = et + <usize>j * TILE_STRIDE + col;
      v128.store(t0, i64x2.shuffle(r0, r1, 0, 2));
      v128.store(t0, i64x2.shuffle(r2, r3, 0, 2), 16);
      v128.store(t0 + TILE_STRIDE, i64x2.shuffle(r0, r1, 1, 3));
      v128.store(t0 + TILE_STRIDE, i64x2.shuffle(r2, r3, 1, 3), 16);
    }
  }
  for (; j < len; j++) {
    const t0 = et + <usize>j * TILE_STRIDE + col;
    for (let r = 0; r < ROW_BLOCK; r++) store<f64>(t0 + (<usize>r << 3), load<f64>(e + <usize>r * TILE_STRIDE + (<usize>j << 3)));
  }
}

/**
 * One row of tileRowWeights, four keys (two exponentials) per iteration:
 * s <- e = 2^((s - h) / 64) for j < len & ~3 (the score block holds
 * <q_i, y_j> - h_j, in units of ln2 / 64), returns sum_j e_j w_j (one accumulator, in j order) and,
 * when `both`, adds e_j wRow to l_j. One row at a time with two exponentials
 * in flight keeps the loop within the 16 vector registers of x64 (two rows
 * at a time spilled: 1.03-1.05x at N = 1024, D = 16).
 */
// @ts-ignore: decorator
@inline function rowWeightsSimd(s: usize, g: f64, wRow: f64, wp: usize, lp: usize, len: i32, both: bool): f64 {
  const gv = f64x2.splat(g), wv = f64x2.splat(wRow);
  let acc = f64x2.splat(0);
  // Two copies of the loop, so that the off-diagonal test is not in it.
  if (both) {
    for (let j = 0; j + 4 <= len; j += 4) {
      const o = <usize>j << 3;
      const e0 = pow2Over64(f64x2.sub(v128.load(s + o), gv));
      const e1 = pow2Over64(f64x2.sub(v128.load(s + o, 16), gv));
      v128.store(s + o, e0);
      v128.store(s + o, e1, 16);
      acc = madd(e1, v128.load(wp + o, 16), madd(e0, v128.load(wp + o), acc));
      v128.store(lp + o, madd(e0, wv, v128.load(lp + o)));
      v128.store(lp + o, madd(e1, wv, v128.load(lp + o, 16)), 16);
    }
  } else {
    for (let j = 0; j + 4 <= len; j += 4) {
      const o = <usize>j << 3;
      const e0 = pow2Over64(f64x2.sub(v128.load(s + o), gv));
      const e1 = pow2Over64(f64x2.sub(v128.load(s + o, 16), gv));
      v128.store(s + o, e0);
      v128.store(s + o, e1, 16);
      acc = madd(e1, v128.load(wp + o, 16), madd(e0, v128.load(wp + o), acc));
    }
  }
  return f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
}

/**
 * Rows r and r + 1 of a tile (tokens i and i + 1) against keys [j0, j0 + len):
 * s <- e = 2^((s - h_i) / 64) in place (s = <beta' y_i, y_j> - h_j from
 * scoreBlock, in units of ln2 / 64);
 * adds sum_j e_ij w_j to l_i (and to l_(i+1)) and, when `both` (an
 * off-diagonal tile), e_ij w_i then e_(i+1)j w_(i+1) to l_j.
 */
function tileRowWeights(s: usize, i: i32, j0: i32, len: i32, both: bool): void {
  const sb = s + TILE_STRIDE;
  const ga = load<f64>(halfNormsPtr + (<usize>i << 3)), gb = load<f64>(halfNormsPtr + (<usize>(i + 1) << 3));
  const wa = load<f64>(tokenWeightsPtr + (<usize>i << 3)), wb = load<f64>(tokenWeightsPtr + (<usize>(i + 1) << 3));
  const wp = tokenWeightsPtr + (<usize>j0 << 3);
  const lp = partNormalizers + (<usize>j0 << 3);
  let rowA: f64 = 0, rowB: f64 = 0;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    rowA = rowWeightsSimd(s, ga, wa, wp, lp, len, both);
    rowB = rowWeightsSimd(sb, gb, wb, wp, lp, len, both);
    j = len & ~3;
  }
  // Scalar rest (all of it in the scalar build): row r's terms, then row r + 1's.
  for (let k = j; k < len; k++) {
    const o = <usize>k << 3;
    const e = pow2Over64Scalar(load<f64>(s + o) - ga);
    store<f64>(s + o, e);
    rowA += e * load<f64>(wp + o);
    if (both) store<f64>(lp + o, load<f64>(lp + o) + e * wa);
  }
  for (let k = j; k < len; k++) {
    const o = <usize>k << 3;
    const e = pow2Over64Scalar(load<f64>(sb + o) - gb);
    store<f64>(sb + o, e);
    rowB += e * load<f64>(wp + o);
    if (both) store<f64>(lp + o, load<f64>(lp + o) + e * wb);
  }
  const la = partNormalizers + (<usize>i << 3);
  store<f64>(la, load<f64>(la) + rowA);
  store<f64>(la + 8, load<f64>(la + 8) + rowB);
}

/** The pairs of tile row a: tiles (a, b) for b >= a, into the current part's z and l. */
function tiedTileRow(n: i32, d: i32, dk: i32, beta: f64, a: i32): void {
  const npad = paddedKeys(n);
  const width = tiedWidth(d);
  const tiles = tiedTiles(npad);
  const qBytes = <usize>dk << 3;
  const zRow = <usize>width << 3;
  const i0 = a * TIED_TILE;
  const rows = min(TIED_TILE, npad - i0);
  // Queries beta y_i of the tile's rows, from the packed keys, in units of ln2 / 64 (as the half norms).
  const betaUnits = beta * INV_LN2_64;
  for (let r = 0; r < rows; r++) {
    const i = i0 + r;
    let p = keysPtr + (<usize>((i / KEY_PANEL) * dk * KEY_PANEL + i % KEY_PANEL) << 3);
    const q = queriesPtr + <usize>r * qBytes;
    for (let k = 0; k < dk; k++) {
      store<f64>(q + (<usize>k << 3), betaUnits * load<f64>(p));
      p += <usize>KEY_PANEL << 3;
    }
  }
  for (let b = a; b < tiles; b++) {
    const j0 = b * TIED_TILE;
    const len = min(TIED_TILE, npad - j0);
    const both = b != a;
    for (let g = 0; g < rows; g += ROW_BLOCK) {
      const s = scoresPtr + <usize>g * TILE_STRIDE;
      scoreBlock(queriesPtr + <usize>g * qBytes, dk, j0 / KEY_PANEL, (j0 + len) / KEY_PANEL, s, TILE_STRIDE, halfNormsPtr);
      for (let r = 0; r < ROW_BLOCK; r += 2) tileRowWeights(s + <usize>r * TILE_STRIDE, i0 + g + r, j0, len, both);
      accumulateBlock(s, TILE_STRIDE, 8, j0, len, npad, width, partSums + <usize>(i0 + g) * zRow);
      if (both) transposeRows(s, transposedScoresPtr, g, len);
    }
    if (!both) continue;
    for (let h = 0; h < len; h += ROW_BLOCK) {
      accumulateBlock(
        transposedScoresPtr + <usize>h * TILE_STRIDE, TILE_STRIDE, 8, i0, rows, npad, width,
        partSums + <usize>(j0 + h) * zRow,
      );
    }
  }
}

/**
 * Part p of the sums (p < tiedParts(n)): zeroes it, then adds its tile rows in
 * increasing order. The parts live in the scratch block `parts` (thread 0's);
 * packing comes from `own` (this thread's, where tiedPrepare succeeded).
 */
export function tiedPart(n: i32, d: i32, dk: i32, beta: f64, p: i32, parts: usize, own: usize): void {
  const npad = paddedKeys(n);
  layoutTiedScratch(parts, n, d, dk);
  partSums = tiedSumsPtr + <usize>p * tiedPartSumsBytes(n, d);
  partNormalizers = normalizersPtr + <usize>p * tiedPartNormalizersBytes(n);
  layoutTiedScratch(own, n, d, dk);
  memory.fill(partSums, 0, <usize>npad * <usize>tiedWidth(d) << 3);
  memory.fill(partNormalizers, 0, <usize>npad << 3);
  const tiles = tiedTiles(npad);
  const partCount = tiedParts(n);
  for (let a = 0; a < tiles; a++) if (tiedPartOf(a, partCount) == p) tiedTileRow(n, d, dk, beta, a);
}

/**
 * out_i += (z_i / l_i) V (or z_i / l_i for identity V) for rows [r0, r1),
 * where z_i and l_i are summed over the tiedParts(n) parts in the scratch block
 * `parts`, in order; z rows are `width` float64 (tiedWidth or tiedWidthF32).
 * Leaves the scratch laid out at `own`.
 */
export function tiedRows(
  n: i32, d: i32, dk: i32, width: i32, value: usize, out: usize, r0: i32, r1: i32, parts: usize, own: usize,
): void {
  const zRow = <usize>width << 3;
  const partCount = tiedParts(n);
  const sumsBytes = tiedPartSumsBytes(n, d);
  const normalizersBytes = tiedPartNormalizersBytes(n);
  const rowBytes = <usize>d << 3;
  layoutTiedScratch(own, n, d, dk);
  const sum = workPtr; // d numbers (workPtr holds max(d, dk))
  layoutTiedScratch(parts, n, d, dk);
  const sums = tiedSumsPtr;
  const normalizers = normalizersPtr;
  layoutTiedScratch(own, n, d, dk);
  if (value == 0) {
    // Identity V: the loop below fused (no zeroing, axpy or addValueRow call per row and part), with its
    // operations in the same order (0 + z_0 + z_1 + ..., then out + (1 / l) sum): the same bits.
    for (let i = r0; i < r1; i++) {
      let l: f64 = 0;
      for (let p = 0; p < partCount; p++) l += load<f64>(normalizers + <usize>p * normalizersBytes + (<usize>i << 3));
      const scale = 1.0 / l;
      const zi = sums + <usize>i * zRow;
      const o = out + <usize>i * rowBytes;
      let k = 0;
      if (ASC_FEATURE_SIMD) {
        const sv = f64x2.splat(scale);
        for (; k + 2 <= d; k += 2) {
          const c = <usize>k << 3;
          let acc = f64x2.splat(0);
          for (let p = 0; p < partCount; p++) acc = f64x2.add(acc, v128.load(zi + <usize>p * sumsBytes + c));
          v128.store(o + c, f64x2.add(v128.load(o + c), f64x2.mul(sv, acc)));
        }
      }
      for (; k < d; k++) {
        const c = <usize>k << 3;
        let acc: f64 = 0;
        for (let p = 0; p < partCount; p++) acc += load<f64>(zi + <usize>p * sumsBytes + c);
        store<f64>(o + c, load<f64>(o + c) + scale * acc);
      }
    }
    return;
  }
  for (let i = r0; i < r1; i++) {
    let l: f64 = 0;
    memory.fill(sum, 0, rowBytes);
    for (let p = 0; p < partCount; p++) {
      l += load<f64>(normalizers + <usize>p * normalizersBytes + (<usize>i << 3));
      axpy(sum, 1.0, sums + <usize>p * sumsBytes + <usize>i * zRow, d); // 1.0 * z is exact: a plain sum
    }
    addValueRow(sum, d, value, 1.0 / l, out + <usize>i * rowBytes);
  }
}
