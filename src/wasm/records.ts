// Writing and reading the float64 records of the flat ABI (assembly/abi.ts).

import type { SegmentControl, SegmentResult } from '../backend.js';
import type { FlatLayer, FlatProblem } from '../problem.js';
import type { NumericTableau } from '../solvers/tableau.js';
import { ABI } from './abi.js';
import type { Arena } from './arena.js';

/** Where one problem record, its weights and the attention scratch live. */
export interface ProblemBlock {
  readonly record: number;
  readonly slots: number;
  readonly weights: number;
  readonly scratch: number;
  /** Pool record the field is split over (0: one thread), and the bytes between consecutive threads' scratches. */
  readonly pool: number;
  readonly scratchStride: number;
}

/**
 * Reserves a problem block big enough for every layer of the problem, with
 * one attention scratch per thread when the field is split over `pool`.
 */
export function allocProblem(arena: Arena, problem: FlatProblem, scratchBytes: number, pool = 0, threads = 1): ProblemBlock {
  const heads = Math.max(...problem.layers.map((l) => l.heads.length));
  const slots = ABI.PROBLEM_HEAD0 + ABI.HEAD_STRIDE * heads;
  // Each matrix is 16-byte aligned: at most 8 bytes of padding per matrix.
  const weightBytes = Math.max(
    ...problem.layers.map((l) =>
      l.heads.reduce((s, h) => s + 8 * ((h.query?.length ?? 0) + (h.key?.length ?? 0) + (h.value?.length ?? 0) + 3), 0),
    ),
  );
  const scratchStride = Math.ceil(scratchBytes / 64) * 64; // threads' scratches on separate cache lines
  const record = arena.alloc(8 * slots);
  const weights = arena.alloc(weightBytes);
  const scratch = arena.alloc(scratchStride * (pool === 0 ? 1 : threads));
  return { record, slots, weights, scratch, pool, scratchStride };
}

/** The widest d_k of any head: what the attention scratch is sized for. */
export function widestHead(problem: FlatProblem): number {
  return Math.max(...problem.layers.flatMap((l) => l.heads.map((h) => h.dk)));
}

/** Writes one layer's problem record and weights (0 pointers stand for identities). */
export function writeProblem(arena: Arena, block: ProblemBlock, problem: FlatProblem, layer: FlatLayer): void {
  const rec = arena.f64(block.record, block.slots);
  rec[ABI.PROBLEM_N] = problem.n;
  rec[ABI.PROBLEM_D] = problem.d;
  rec[ABI.PROBLEM_HEADS] = layer.heads.length;
  rec[ABI.PROBLEM_BETA] = layer.beta;
  rec[ABI.PROBLEM_GEOMETRY] = problem.geometry === 'sphere' ? ABI.GEOMETRY_SPHERE : ABI.GEOMETRY_EUCLIDEAN;
  rec[ABI.PROBLEM_SCRATCH] = block.scratch;
  rec[ABI.PROBLEM_POOL] = block.pool;
  rec[ABI.PROBLEM_SCRATCH_STRIDE] = block.scratchStride;
  let next = block.weights;
  const put = (m: Float64Array | null): number => {
    if (m === null) return 0;
    const at = Math.ceil(next / 16) * 16;
    arena.f64(at, m.length).set(m);
    next = at + 8 * m.length;
    return at;
  };
  layer.heads.forEach((h, i) => {
    const s = ABI.PROBLEM_HEAD0 + i * ABI.HEAD_STRIDE;
    rec[s + ABI.HEAD_DK] = h.dk;
    rec[s + ABI.HEAD_QUERY] = put(h.query);
    rec[s + ABI.HEAD_KEY] = put(h.key);
    rec[s + ABI.HEAD_VALUE] = put(h.value);
  });
}

/** Slots of a method record: header, then A (s*s), b, c, e (s each), dense (s*degree). */
export function methodSlots(method: NumericTableau): number {
  const s = method.stages;
  return ABI.METHOD_TABLE + s * s + 3 * s + s * method.denseDegree;
}

export function writeMethod(arena: Arena, at: number, method: NumericTableau): void {
  const rec = arena.f64(at, methodSlots(method));
  rec[ABI.METHOD_STAGES] = method.stages;
  rec[ABI.METHOD_ADAPTIVE] = method.adaptive ? 1 : 0;
  rec[ABI.METHOD_ERROR_ORDER] = method.errorOrder;
  rec[ABI.METHOD_FSAL] = method.fsal ? 1 : 0;
  rec[ABI.METHOD_DENSE_DEGREE] = method.denseDegree;
  let o = ABI.METHOD_TABLE;
  for (const part of [method.a, method.b, method.c, method.e, method.dense]) {
    rec.set(part, o);
    o += part.length;
  }
}

/** Pointers a control record refers to. */
export interface SegmentBuffers {
  readonly saveTimes: number;
  readonly saveOut: number;
  readonly state: number;
  readonly work: number;
}

export function writeControl(arena: Arena, at: number, c: SegmentControl, buffers: SegmentBuffers): void {
  arena.f64(buffers.saveTimes, c.saveTimes.length).set(c.saveTimes);
  const ctl = arena.f64(at, ABI.CONTROL_SLOTS);
  ctl.fill(0);
  ctl[ABI.CONTROL_T0] = c.t0;
  ctl[ABI.CONTROL_T1] = c.t1;
  ctl[ABI.CONTROL_DT] = c.dt;
  ctl[ABI.CONTROL_RTOL] = c.rtol;
  ctl[ABI.CONTROL_ATOL] = c.atol;
  ctl[ABI.CONTROL_MAX_STEPS] = c.maxSteps;
  ctl[ABI.CONTROL_N_SAVE] = c.saveTimes.length;
  ctl[ABI.CONTROL_SAVE_TIMES] = buffers.saveTimes;
  ctl[ABI.CONTROL_SAVE_OUT] = buffers.saveOut;
  ctl[ABI.CONTROL_STATE] = buffers.state;
  ctl[ABI.CONTROL_WORK] = buffers.work;
  ctl[ABI.CONTROL_FACOLD] = c.facold;
}

/** Reads a finished segment's outputs, copying the saved states out of linear memory. */
export function readControl(arena: Arena, at: number, saveOut: number, m: number): SegmentResult {
  const out = arena.f64(at, ABI.CONTROL_SLOTS);
  const saves: Float64Array[] = [];
  for (let i = 0; i < out[ABI.CONTROL_N_SAVED]; i++) saves.push(arena.f64(saveOut + 8 * m * i, m).slice());
  return {
    status: out[ABI.CONTROL_STATUS],
    tReached: out[ABI.CONTROL_T_REACHED],
    dtNext: out[ABI.CONTROL_DT_NEXT],
    facold: out[ABI.CONTROL_FACOLD],
    steps: out[ABI.CONTROL_STEPS],
    rejected: out[ABI.CONTROL_REJECTED],
    rhsEvaluations: out[ABI.CONTROL_RHS_EVALS],
    saves,
  };
}
