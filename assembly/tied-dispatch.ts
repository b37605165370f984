// Which tied kernel runs a problem's head, and the calls that run it: the
// tiled kernel (tied.ts), its float32 twin (f32/tied.ts) or the small-width
// kernel (tied-small.ts). attention.ts (one thread) and parallel.ts (parts
// and rows split over threads) call these.

import {
  PROBLEM_N, PROBLEM_D, PROBLEM_HEADS, PROBLEM_SCRATCH, PROBLEM_BETA, PROBLEM_CAUSAL, PROBLEM_PRECISION, PROBLEM_HEAD0, HEAD_DK,
  HEAD_QUERY, HEAD_KEY, HEAD_VALUE, PRECISION_FLOAT32, PROBLEM_KERNEL, KERNEL_AUTO,
} from './abi';
import { slot, pointerSlot } from './records';
import { TIED_TILE, tiedWidth, tiedWidthF32 } from './scratch';
import { tiedPrepare, tiedPart, tiedRows } from './tied';
import { tiedPrepareF32, tiedPartF32 } from './f32/tied';
import { tiedSmallWidths, tiedSmallPrepare, tiedSmallPart, tiedSmallRows } from './tied-small';
import { tiedSmallPrepareF32, tiedSmallPartF32 } from './f32/tied-small';

/**
 * Whether the problem's field can take the tied kernel: one head with the
 * same query and key matrix (or both identity), beta > 0, no causal mask,
 * and the problem does not ask for the row-max kernel (PROBLEM_KERNEL); and
 * either more than one tile of tokens (N > TIED_TILE: with one tile the tiled
 * kernel saves nothing) or small widths (tied-small.ts and its float32 twin,
 * which have no tiles). (The prepare step may still refuse, on the size or the data's range.)
 */
export function tiedApplies(problem: usize): bool {
  if (
    !(<i32>slot(problem, PROBLEM_HEADS) == 1 &&
      pointerSlot(problem, PROBLEM_HEAD0 + HEAD_QUERY) == pointerSlot(problem, PROBLEM_HEAD0 + HEAD_KEY) &&
      slot(problem, PROBLEM_BETA) > 0 && <i32>slot(problem, PROBLEM_CAUSAL) == 0 &&
      <i32>slot(problem, PROBLEM_KERNEL) == KERNEL_AUTO)
  ) return false;
  return <i32>slot(problem, PROBLEM_N) > TIED_TILE || takesSmall(problem);
}

/**
 * Whether the tied head runs on tied-small.ts, or its float32 twin f32/tied-small.ts (D and d_k below
 * SMALL_D). At D = d_k = 3 the small kernel costs about 5 ns a pair at every N, while the tiled kernel
 * (which pads D to 4, float32 to 8, anyway) amortizes its tiles down to about 4.2: past
 * SMALL_MAX_N_AT_3 the tiled one is faster (simd build, side by side: float64 1024 x 3 2.29 against
 * 2.61-2.70 ms, 2048 x 3 8.8 against 10.7; float32 1024 x 3 1.52 against 1.62-1.79; at 768 x 3 float64
 * is even and float32 favours the small one, 0.76 against 0.86 ms). At D <= 2 the small one always wins.
 */
function takesSmall(problem: usize): bool {
  const d = <i32>slot(problem, PROBLEM_D), dk = <i32>slot(problem, PROBLEM_HEAD0 + HEAD_DK);
  if (!tiedSmallWidths(d, dk)) return false;
  return !(d == 3 && dk == 3 && <i32>slot(problem, PROBLEM_N) > SMALL_MAX_N_AT_3);
}

/** Largest N at which a head of D = d_k = 3 takes the small-width kernel (see takesSmall). */
const SMALL_MAX_N_AT_3: i32 = 768;

// @ts-ignore: decorator
@inline function isFloat32(problem: usize): bool {
  return <i32>slot(problem, PROBLEM_PRECISION) == PRECISION_FLOAT32;
}

/** tiedPrepare (or tiedPrepareF32) for the problem's head (see tiedApplies) on `scratch`. */
export function tiedPrepareProblem(problem: usize, x: usize, scratch: usize): bool {
  const n = <i32>slot(problem, PROBLEM_N);
  const d = <i32>slot(problem, PROBLEM_D);
  const dk = <i32>slot(problem, PROBLEM_HEAD0 + HEAD_DK);
  const key = pointerSlot(problem, PROBLEM_HEAD0 + HEAD_KEY);
  const beta = slot(problem, PROBLEM_BETA);
  if (takesSmall(problem)) {
    return isFloat32(problem)
      ? tiedSmallPrepareF32(x, n, d, dk, key, beta, scratch)
      : tiedSmallPrepare(x, n, d, dk, key, beta, scratch);
  }
  if (isFloat32(problem)) return tiedPrepareF32(x, n, d, dk, key, beta, scratch);
  return tiedPrepare(x, n, d, dk, key, beta, scratch);
}

/** tiedPart (or tiedPartF32) for the problem's head. */
export function tiedPartProblem(problem: usize, p: i32, parts: usize, own: usize): void {
  const n = <i32>slot(problem, PROBLEM_N);
  const d = <i32>slot(problem, PROBLEM_D);
  const dk = <i32>slot(problem, PROBLEM_HEAD0 + HEAD_DK);
  const beta = slot(problem, PROBLEM_BETA);
  if (takesSmall(problem)) {
    if (isFloat32(problem)) tiedSmallPartF32(n, d, dk, beta, p, parts, own);
    else tiedSmallPart(n, d, dk, p, parts, own);
  } else if (isFloat32(problem)) tiedPartF32(n, d, dk, beta, p, parts, own);
  else tiedPart(n, d, dk, beta, p, parts, own);
}

/** tiedRows (or tiedSmallRows) for the problem's head. */
export function tiedRowsProblem(problem: usize, out: usize, r0: i32, r1: i32, parts: usize, own: usize): void {
  const n = <i32>slot(problem, PROBLEM_N);
  const d = <i32>slot(problem, PROBLEM_D);
  const dk = <i32>slot(problem, PROBLEM_HEAD0 + HEAD_DK);
  const value = pointerSlot(problem, PROBLEM_HEAD0 + HEAD_VALUE);
  if (takesSmall(problem)) tiedSmallRows(n, d, dk, value, out, r0, r1, parts, own);
  else tiedRows(n, d, dk, isFloat32(problem) ? tiedWidthF32(d) : tiedWidth(d), value, out, r0, r1, parts, own);
}

/**
 * Which kernel attentionRhs runs on this problem and these tokens: 2 the
 * small-width tied kernel (tied-small.ts), 1 the tiled tied kernel, 0 the
 * row-max kernel (attention.ts). Prepares the tied kernel in the problem's
 * scratch to find out (O(N D)); for tests and diagnostics.
 */
export function attentionKernel(problem: usize, x: usize): i32 {
  if (!tiedApplies(problem) || !tiedPrepareProblem(problem, x, pointerSlot(problem, PROBLEM_SCRATCH))) return 0;
  return takesSmall(problem) ? 2 : 1;
}
