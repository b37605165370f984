// The attention vector field, eq. (7) in row form:
//   dX/dt = sum_h softmax_rows(beta (X Q_h)(X K_h)^T) X V_h,
// computed without any N x N matrix (unless one is asked for): the scratch is
// O(N (d_k + D)) and is reused by every head.
//
// Layout and blocking (FINDINGS.md):
// - the keys k_j = x_j K are packed in panels of KEY_PANEL keys interleaved
//   per coordinate, so the score loop streams one panel contiguously and
//   broadcasts q_i[k] (v128.load64_splat);
// - ROW_BLOCK = 4 query rows share every key load (register blocking), and
//   4 rows share every x_j load in the weighted sum;
// - keys are processed in tiles of about TILE_BUDGET numbers (keys + values)
//   with an online softmax (Milakov & Gimelshein 2018, "Online normalizer
//   calculation for softmax"; the flash-attention recurrence): for each row,
//   m <- max(m, max_tile s), l <- l e^{m_old - m} + sum_tile e^{s - m},
//   z <- z e^{m_old - m} + sum_tile e^{s - m} x_j. While a tile is hot in L2
//   every row of a block of BLOCK_ROWS rows goes through it. When all keys fit
//   in one tile this is the plain two-pass stable softmax;
// - for D < 4 the weighted sum runs over j on a transposed copy of X.
// Padded keys (N not a multiple of KEY_PANEL) and masked keys (causal) score
// -infinity, so their weight is exactly 0.
//
// The float32 kernels (f32/attention.ts) follow the same plan; attentionRhs
// dispatches on the problem's PROBLEM_PRECISION slot. A tied head (one head
// with W_Q = W_K, beta > 0, no mask, N > 64; any N when D, d_k <= 3 in
// float64) goes to tied.ts (tied-small.ts) instead, where each pair's
// exponential is computed once, unless the problem asks for this row-max
// kernel (PROBLEM_KERNEL).

import {
  PROBLEM_N, PROBLEM_D, PROBLEM_HEADS, PROBLEM_BETA, PROBLEM_GEOMETRY, PROBLEM_CAUSAL, PROBLEM_PRECISION,
  PROBLEM_SCRATCH, PROBLEM_HEAD0, HEAD_STRIDE, HEAD_DK, HEAD_QUERY, HEAD_KEY, HEAD_VALUE, GEOMETRY_SPHERE,
  PRECISION_FLOAT32,
} from './abi';
import { slot, pointerSlot } from './records';
import { expScalar } from './exp';
import { expShifted, rowMax } from './softmax';
import { addValueRow } from './linalg';
import { projectOnTangent } from './geometry';
import { madd } from './simd';
import { headRowsF32 } from './f32/attention';
import { packKeys, queryRow, scoreBlock } from './scores';
import { tiedApplies, tiedPrepareProblem, tiedPartProblem, tiedRowsProblem } from './tied-dispatch';
import {
  KEY_PANEL, ROW_BLOCK, BLOCK_ROWS, SMALL_D, tiedParts, paddedKeys, tileKeys, layoutScratch,
  valuesPtr, queriesPtr, scoresPtr, sumsPtr, maxPtr, totalPtr,
} from './scratch';

export { attentionScratchBytes } from './scratch';

/** values[k][j] = x_j[k] (X^T, rows of npad, zero padded): the small-D weighted sum runs along j. */
function packValuesTransposed(x: usize, n: i32, d: i32): void {
  const npad = paddedKeys(n);
  for (let k = 0; k < d; k++) {
    const row = valuesPtr + (<usize>(k * npad) << 3);
    for (let j = 0; j < n; j++) store<f64>(row + (<usize>j << 3), load<f64>(x + (<usize>(j * d + k) << 3)));
    for (let j = n; j < npad; j++) store<f64>(row + (<usize>j << 3), 0.0);
  }
}

/**
 * values[c][j][0..3] = x_j[4c..4c+3] for the full blocks of 4 coordinates
 * (D >= SMALL_D): the weighted sum then streams each block contiguously
 * instead of striding through X. The D % 4 coordinates left over are read
 * from X itself.
 */
function packValuesBlocked(x: usize, n: i32, d: i32): void {
  const npad = paddedKeys(n);
  const blocks = d >> 2;
  for (let c = 0; c < blocks; c++) {
    let dst = valuesPtr + (<usize>(c * npad) << 5);
    let src = x + (<usize>(c << 2) << 3);
    for (let j = 0; j < n; j++) {
      if (ASC_FEATURE_SIMD) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
      } else {
        for (let l = 0; l < 4; l++) store<f64>(dst + (<usize>l << 3), load<f64>(src + (<usize>l << 3)));
      }
      dst += 32;
      src += <usize>d << 3;
    }
  }
}

/**
 * z_r += sum_{j < count} w_r[j] x_{j0 + j} for the ROW_BLOCK rows r (z rows
 * of d numbers; weight rows `stride` bytes apart), reading X row-major.
 */
function weightedBlock(x: usize, d: i32, npad: i32, j0: i32, count: i32, w: usize, stride: usize, z: usize): void {
  const rowBytes = <usize>d << 3;
  const x0 = x + <usize>j0 * rowBytes;
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    for (; c + 4 <= d; c += 4) {
      let a0 = f64x2.splat(0), a1 = f64x2.splat(0), b0 = f64x2.splat(0), b1 = f64x2.splat(0);
      let c0 = f64x2.splat(0), c1 = f64x2.splat(0), e0 = f64x2.splat(0), e1 = f64x2.splat(0);
      let xp = valuesPtr + (<usize>((c >> 2) * npad + j0) << 5);
      let wp = w;
      for (let j = 0; j < count; j++) {
        const v0 = v128.load(xp, 0), v1 = v128.load(xp, 16);
        let p = v128.load64_splat(wp);
        a0 = madd(p, v0, a0);
        a1 = madd(p, v1, a1);
        p = v128.load64_splat(wp + stride);
        b0 = madd(p, v0, b0);
        b1 = madd(p, v1, b1);
        p = v128.load64_splat(wp + 2 * stride);
        c0 = madd(p, v0, c0);
        c1 = madd(p, v1, c1);
        p = v128.load64_splat(wp + 3 * stride);
        e0 = madd(p, v0, e0);
        e1 = madd(p, v1, e1);
        xp += 32;
        wp += 8;
      }
      let o = z + (<usize>c << 3);
      v128.store(o, f64x2.add(v128.load(o), a0)); v128.store(o, f64x2.add(v128.load(o, 16), a1), 16);
      o += rowBytes;
      v128.store(o, f64x2.add(v128.load(o), b0)); v128.store(o, f64x2.add(v128.load(o, 16), b1), 16);
      o += rowBytes;
      v128.store(o, f64x2.add(v128.load(o), c0)); v128.store(o, f64x2.add(v128.load(o, 16), c1), 16);
      o += rowBytes;
      v128.store(o, f64x2.add(v128.load(o), e0)); v128.store(o, f64x2.add(v128.load(o, 16), e1), 16);
    }
    for (; c + 2 <= d; c += 2) {
      let a = f64x2.splat(0), b = f64x2.splat(0), cc = f64x2.splat(0), e = f64x2.splat(0);
      let xp = x0 + (<usize>c << 3);
      let wp = w;
      for (let j = 0; j < count; j++) {
        const v = v128.load(xp);
        a = madd(v128.load64_splat(wp), v, a);
        b = madd(v128.load64_splat(wp + stride), v, b);
        cc = madd(v128.load64_splat(wp + 2 * stride), v, cc);
        e = madd(v128.load64_splat(wp + 3 * stride), v, e);
        xp += rowBytes;
        wp += 8;
      }
      let o = z + (<usize>c << 3);
      v128.store(o, f64x2.add(v128.load(o), a));
      o += rowBytes;
      v128.store(o, f64x2.add(v128.load(o), b));
      o += rowBytes;
      v128.store(o, f64x2.add(v128.load(o), cc));
      o += rowBytes;
      v128.store(o, f64x2.add(v128.load(o), e));
    }
  }
  // Scalar tail: the coordinates left over (all of them in the scalar build).
  for (; c < d; c++) {
    for (let r = 0; r < ROW_BLOCK; r++) {
      let acc: f64 = 0;
      let xp = x0 + (<usize>c << 3);
      const wr = w + <usize>r * stride;
      for (let j = 0; j < count; j++) {
        acc += load<f64>(wr + (<usize>j << 3)) * load<f64>(xp);
        xp += rowBytes;
      }
      const o = z + <usize>r * rowBytes + (<usize>c << 3);
      store<f64>(o, load<f64>(o) + acc);
    }
  }
}

/**
 * The small-D weighted sum (D < SMALL_D): z_r[k] += sum_{j < count} w_r[j]
 * X^T[k][j0 + j], vectorized over j (count is a multiple of KEY_PANEL; padded
 * keys have weight 0 and value 0).
 */
function weightedBlockSmall(d: i32, npad: i32, j0: i32, count: i32, w: usize, stride: usize, z: usize): void {
  const rowBytes = <usize>d << 3;
  for (let k = 0; k < d; k++) {
    const xt = valuesPtr + (<usize>(k * npad + j0) << 3);
    let j = 0;
    let a: f64 = 0, b: f64 = 0, cc: f64 = 0, e: f64 = 0;
    if (ASC_FEATURE_SIMD) {
      let av = f64x2.splat(0), bv = f64x2.splat(0), cv = f64x2.splat(0), ev = f64x2.splat(0);
      for (; j + 2 <= count; j += 2) {
        const o = <usize>j << 3;
        const v = v128.load(xt + o);
        av = madd(v128.load(w + o), v, av);
        bv = madd(v128.load(w + stride + o), v, bv);
        cv = madd(v128.load(w + 2 * stride + o), v, cv);
        ev = madd(v128.load(w + 3 * stride + o), v, ev);
      }
      a = f64x2.extract_lane(av, 0) + f64x2.extract_lane(av, 1);
      b = f64x2.extract_lane(bv, 0) + f64x2.extract_lane(bv, 1);
      cc = f64x2.extract_lane(cv, 0) + f64x2.extract_lane(cv, 1);
      e = f64x2.extract_lane(ev, 0) + f64x2.extract_lane(ev, 1);
    }
    for (; j < count; j++) {
      const o = <usize>j << 3;
      const v = load<f64>(xt + o);
      a += load<f64>(w + o) * v;
      b += load<f64>(w + stride + o) * v;
      cc += load<f64>(w + 2 * stride + o) * v;
      e += load<f64>(w + 3 * stride + o) * v;
    }
    const o = z + (<usize>k << 3);
    store<f64>(o, load<f64>(o) + a);
    store<f64>(o + rowBytes, load<f64>(o + rowBytes) + b);
    store<f64>(o + 2 * rowBytes, load<f64>(o + 2 * rowBytes) + cc);
    store<f64>(o + 3 * rowBytes, load<f64>(o + 3 * rowBytes) + e);
  }
}

/** v[k] *= alpha for k < d. */
function scaleRow(v: usize, d: i32, alpha: f64): void {
  for (let k = 0; k < d; k++) {
    const o = v + (<usize>k << 3);
    store<f64>(o, load<f64>(o) * alpha);
  }
}

/**
 * One head over the rows [rowStart, rowEnd): adds their velocity to `out` (if
 * out != 0) and writes their rows of the attention matrix to `attn` (if attn
 * != 0; then all keys form one tile, so the rows are final after one pass).
 * With `causal`, row i sees the keys j <= i only. layoutScratch must have
 * been called; the keys are packed here.
 */
function headRows(
  x: usize, n: i32, d: i32, dk: i32, query: usize, key: usize, value: usize, beta: f64, causal: bool,
  rowStart: i32, rowEnd: i32, out: usize, attn: usize,
): void {
  const npad = paddedKeys(n);
  const small = d < SMALL_D;
  packKeys(x, n, d, dk, key);
  if (out != 0) {
    if (small) packValuesTransposed(x, n, d);
    else if (ASC_FEATURE_SIMD) packValuesBlocked(x, n, d);
  }
  const tile = attn != 0 ? npad : tileKeys(n, d, dk);
  const stride = <usize>npad << 3;
  const qBytes = <usize>dk << 3;
  const rowBytes = <usize>d << 3;
  for (let b0 = rowStart; b0 < rowEnd; b0 += BLOCK_ROWS) {
    const b1 = min(b0 + BLOCK_ROWS, rowEnd);
    // Rows are taken ROW_BLOCK at a time; a short last group repeats its last row (computed, not written).
    const rows = ((b1 - b0 + ROW_BLOCK - 1) / ROW_BLOCK) * ROW_BLOCK;
    for (let r = 0; r < rows; r++) {
      const i = min(b0 + r, b1 - 1);
      queryRow(x + <usize>i * rowBytes, d, dk, query, beta, queriesPtr + <usize>r * qBytes);
      store<f64>(maxPtr + (<usize>r << 3), -Infinity);
      store<f64>(totalPtr + (<usize>r << 3), 0.0);
    }
    memory.fill(sumsPtr, 0, <usize>rows * rowBytes);
    const keyEnd = causal ? b1 : n; // keys [0, keyEnd) matter to this block
    for (let t0 = 0; t0 < keyEnd; t0 += tile) {
      const t1 = min(t0 + tile, keyEnd);
      const len = min(((t1 + KEY_PANEL - 1) / KEY_PANEL) * KEY_PANEL, npad) - t0; // panels cover [t0, t0 + len)
      for (let g = 0; g < rows; g += ROW_BLOCK) {
        const gLast = min(b0 + g + ROW_BLOCK - 1, b1 - 1);
        if (causal && gLast < t0) continue; // every row of the group precedes this tile
        scoreBlock(queriesPtr + <usize>g * qBytes, dk, t0 / KEY_PANEL, (t0 + len) / KEY_PANEL, scoresPtr, stride, 0);
        for (let r = 0; r < ROW_BLOCK; r++) {
          const i = min(b0 + g + r, b1 - 1);
          const s = scoresPtr + <usize>r * stride;
          let valid = (causal ? min(i + 1, t1) : t1) - t0; // keys [t0, t0 + valid) count for row i
          if (valid < 0) valid = 0;
          for (let j = valid; j < len; j++) store<f64>(s + (<usize>j << 3), -Infinity);
          const mp = maxPtr + (<usize>(g + r) << 3);
          const tp = totalPtr + (<usize>(g + r) << 3);
          const mOld = load<f64>(mp);
          const mNew = Math.max(mOld, rowMax(s, len));
          if (mNew == -Infinity) {
            // Nothing but -inf so far (only possible with infinite scores): weight 0 now, NaN at the end.
            memory.fill(s, 0, <usize>len << 3);
            continue;
          }
          const sum = expShifted(s, len, mNew);
          const alpha = expScalar(mOld - mNew); // 0 on the first tile (mOld = -inf)
          store<f64>(tp, load<f64>(tp) * alpha + sum);
          store<f64>(mp, mNew);
          if (out != 0 && mOld != -Infinity && alpha != 1.0) scaleRow(sumsPtr + <usize>(g + r) * rowBytes, d, alpha);
          if (attn != 0 && b0 + g + r < b1) {
            // One tile: e^{s - m} / l is the final row (masked and padded keys give 0).
            const scale = isFinite(mNew) ? 1.0 / load<f64>(tp) : NaN;
            const row = attn + (<usize>i * <usize>n << 3);
            const upto = min(len, n); // causal blocks score only the keys before their last row
            for (let j = 0; j < upto; j++) store<f64>(row + (<usize>j << 3), load<f64>(s + (<usize>j << 3)) * scale);
            for (let j = upto; j < n; j++) store<f64>(row + (<usize>j << 3), 0.0);
          }
        }
        if (out == 0) continue;
        const z = sumsPtr + <usize>g * rowBytes;
        if (small) weightedBlockSmall(d, npad, t0, len, scoresPtr, stride, z);
        else weightedBlock(x, d, npad, t0, min(t0 + len, n) - t0, scoresPtr, stride, z);
      }
    }
    if (out == 0) continue;
    for (let r = 0; r < b1 - b0; r++) {
      const m = load<f64>(maxPtr + (<usize>r << 3));
      const scale = isFinite(m) ? 1.0 / load<f64>(totalPtr + (<usize>r << 3)) : NaN;
      addValueRow(sumsPtr + <usize>r * rowBytes, d, value, scale, out + <usize>(b0 + r) * rowBytes);
    }
  }
}

/**
 * Rows [rowStart, rowEnd) of f(X), the attention velocity of eq. (7) summed
 * over heads (projected on the sphere's tangent spaces there), written into
 * the same rows of `out`; other rows of `out` are not touched. Uses the
 * attentionScratchBytes(n, d, max dk) bytes at `scratch` (not the problem's
 * scratch slot), so that threads sharing one memory can each compute a range
 * of rows with their own scratch. Every call packs all keys itself.
 */
export function attentionRhsRows(problem: usize, x: usize, out: usize, rowStart: i32, rowEnd: i32, scratch: usize): void {
  const n = <i32>slot(problem, PROBLEM_N);
  const d = <i32>slot(problem, PROBLEM_D);
  const heads = <i32>slot(problem, PROBLEM_HEADS);
  const beta = slot(problem, PROBLEM_BETA);
  const causal = <i32>slot(problem, PROBLEM_CAUSAL) == 1;
  const f32 = <i32>slot(problem, PROBLEM_PRECISION) == PRECISION_FLOAT32;
  if (rowStart < 0) rowStart = 0;
  if (rowEnd > n) rowEnd = n;
  if (rowEnd <= rowStart) return;
  const rowBytes = <usize>d << 3;
  memory.fill(out + <usize>rowStart * rowBytes, 0, <usize>(rowEnd - rowStart) * rowBytes);
  // All rows of a tied head (tied.ts): each pair's exponential once. Ranges of rows (threads) take
  // the row-max kernel here; parallel.ts splits the tied kernel its own way.
  const tied = rowStart == 0 && rowEnd == n && tiedApplies(problem) && tiedPrepareProblem(problem, x, scratch);
  if (tied) {
    for (let p = 0; p < tiedParts(n); p++) tiedPartProblem(problem, p, scratch, scratch);
    tiedRowsProblem(problem, out, 0, n, scratch, scratch);
  }
  const rowMaxHeads = tied ? 0 : heads;
  for (let h = 0; h < rowMaxHeads; h++) {
    const rec = PROBLEM_HEAD0 + h * HEAD_STRIDE;
    const dk = <i32>slot(problem, rec + HEAD_DK);
    const query = pointerSlot(problem, rec + HEAD_QUERY);
    const key = pointerSlot(problem, rec + HEAD_KEY);
    const value = pointerSlot(problem, rec + HEAD_VALUE);
    layoutScratch(scratch, n, d, dk);
    if (f32) headRowsF32(x, n, d, dk, query, key, value, beta, causal, rowStart, rowEnd, out);
    else headRows(x, n, d, dk, query, key, value, beta, causal, rowStart, rowEnd, out, 0);
  }
  if (<i32>slot(problem, PROBLEM_GEOMETRY) == GEOMETRY_SPHERE) {
    projectOnTangent(x + <usize>rowStart * rowBytes, out + <usize>rowStart * rowBytes, rowEnd - rowStart, d);
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

/** attn = P_h(X), the N x N row-stochastic attention matrix of head `h` (float64, causal mask applied). */
export function attentionMatrix(problem: usize, x: usize, h: i32, attn: usize): void {
  const n = <i32>slot(problem, PROBLEM_N);
  const d = <i32>slot(problem, PROBLEM_D);
  const rec = PROBLEM_HEAD0 + h * HEAD_STRIDE;
  const dk = <i32>slot(problem, rec + HEAD_DK);
  layoutScratch(pointerSlot(problem, PROBLEM_SCRATCH), n, d, dk);
  headRows(
    x, n, d, dk, pointerSlot(problem, rec + HEAD_QUERY), pointerSlot(problem, rec + HEAD_KEY),
    pointerSlot(problem, rec + HEAD_VALUE), slot(problem, PROBLEM_BETA), <i32>slot(problem, PROBLEM_CAUSAL) == 1,
    0, n, 0, attn,
  );
}
