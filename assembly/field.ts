// The vector field the integrator calls: dispatches on the problem record's
// field options (slots 6..15, abi.ts). PROBLEM_ATTENTION 0 is the row softmax
// of attention.ts; 1 is Sinkhorn attention (sinkhorn.ts), computed here head
// by head with an N x N buffer.

import {
  PROBLEM_N, PROBLEM_D, PROBLEM_HEADS, PROBLEM_BETA, PROBLEM_GEOMETRY, PROBLEM_HEAD0, HEAD_STRIDE, HEAD_DK,
  HEAD_QUERY, HEAD_KEY, HEAD_VALUE, GEOMETRY_SPHERE, PROBLEM_ATTENTION, ATTENTION_SINKHORN,
  PROBLEM_SINKHORN_ITERATIONS, PROBLEM_SINKHORN_TOLERANCE, PROBLEM_SINKHORN_SCRATCH,
} from './abi';
import { slot, pointerSlot } from './records';
import { attentionRhs, attentionMatrix } from './attention';
import { sinkhornHead, spareRow } from './sinkhorn';
import { rowTimesMatrix } from './linalg';
import { projectOnTangent } from './geometry';
import { axpy } from './vec';

function sinkhornOf(problem: usize, x: usize, h: i32): usize {
  const rec = PROBLEM_HEAD0 + h * HEAD_STRIDE;
  return sinkhornHead(
    x, <i32>slot(problem, PROBLEM_N), <i32>slot(problem, PROBLEM_D), <i32>slot(problem, rec + HEAD_DK),
    pointerSlot(problem, rec + HEAD_QUERY), pointerSlot(problem, rec + HEAD_KEY), slot(problem, PROBLEM_BETA),
    <i32>slot(problem, PROBLEM_SINKHORN_ITERATIONS), slot(problem, PROBLEM_SINKHORN_TOLERANCE),
    pointerSlot(problem, PROBLEM_SINKHORN_SCRATCH),
  );
}

/**
 * out = the attention field at x: eq. (7) with the attention the problem
 * record selects, summed over heads, projected on the sphere's tangent
 * spaces when the geometry is the sphere.
 */
export function field(problem: usize, x: usize, out: usize): void {
  if (<i32>slot(problem, PROBLEM_ATTENTION) != ATTENTION_SINKHORN) {
    attentionRhs(problem, x, out);
    return;
  }
  const n = <i32>slot(problem, PROBLEM_N);
  const d = <i32>slot(problem, PROBLEM_D);
  const heads = <i32>slot(problem, PROBLEM_HEADS);
  const rowBytes = <usize>d << 3;
  memory.fill(out, 0, <usize>(n * d) << 3);
  for (let h = 0; h < heads; h++) {
    const rec = PROBLEM_HEAD0 + h * HEAD_STRIDE;
    const value = pointerSlot(problem, rec + HEAD_VALUE);
    const p = sinkhornOf(problem, x, h);
    const z = spareRow; // z_i = sum_j P_ij x_j
    for (let i = 0; i < n; i++) {
      memory.fill(z, 0, rowBytes);
      const pi = p + (<usize>i * <usize>n << 3);
      for (let j = 0; j < n; j++) axpy(z, load<f64>(pi + (<usize>j << 3)), x + <usize>j * rowBytes, d);
      const oi = out + <usize>i * rowBytes;
      if (value != 0) rowTimesMatrix(z, value, d, d, oi, 1.0, true);
      else axpy(oi, 1.0, z, d);
    }
  }
  if (<i32>slot(problem, PROBLEM_GEOMETRY) == GEOMETRY_SPHERE) projectOnTangent(x, out, n, d);
}

/** attn = P_h(X) for head h, with the attention the problem record selects. */
export function fieldMatrix(problem: usize, x: usize, h: i32, attn: usize): void {
  if (<i32>slot(problem, PROBLEM_ATTENTION) != ATTENTION_SINKHORN) {
    attentionMatrix(problem, x, h, attn);
    return;
  }
  const n = <i32>slot(problem, PROBLEM_N);
  memory.copy(attn, sinkhornOf(problem, x, h), <usize>n * <usize>n << 3);
}
