// Writing and reading the float64 records of the flat ABI (assembly/abi.ts).

import type { FlatEventGroup, LocatedEvent, SegmentControl, SegmentResult } from '../backend.js';
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
  /** Scratch of Sinkhorn attention (0 when the problem uses the row softmax). */
  readonly sinkhornScratch: number;
  /** Pool record the field is split over (0: one thread), and the bytes between consecutive threads' scratches. */
  readonly pool: number;
  readonly scratchStride: number;
}

/**
 * Reserves a problem block big enough for every layer of the problem, with
 * one attention scratch per thread when the field is split over `pool`.
 */
export function allocProblem(
  arena: Arena,
  problem: FlatProblem,
  scratchBytes: number,
  sinkhornScratchBytes = 0,
  pool = 0,
  threads = 1,
): ProblemBlock {
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
  const sinkhornScratch = problem.sinkhorn ? arena.alloc(sinkhornScratchBytes) : 0;
  return { record, slots, weights, scratch, sinkhornScratch, pool, scratchStride };
}

/** The widest d_k of any head: what the attention scratch is sized for. */
export function widestHead(problem: FlatProblem): number {
  // Plain loops: this runs on every call, and the spread of a flatMap allocated on each (small calls felt it).
  let widest = 0;
  for (const layer of problem.layers) for (const head of layer.heads) widest = Math.max(widest, head.dk);
  return widest;
}

/** Writes one layer's problem record and weights (0 pointers stand for identities). */
export function writeProblem(arena: Arena, block: ProblemBlock, problem: FlatProblem, layer: FlatLayer): void {
  const rec = arena.f64(block.record, block.slots);
  rec.fill(0); // unused option slots read as 0 (off), whatever the arena held before
  rec[ABI.PROBLEM_N] = problem.n;
  rec[ABI.PROBLEM_D] = problem.d;
  rec[ABI.PROBLEM_HEADS] = layer.heads.length;
  rec[ABI.PROBLEM_BETA] = layer.beta;
  rec[ABI.PROBLEM_GEOMETRY] = problem.geometry === 'sphere' ? ABI.GEOMETRY_SPHERE : ABI.GEOMETRY_EUCLIDEAN;
  rec[ABI.PROBLEM_SCRATCH] = block.scratch;
  rec[ABI.PROBLEM_CAUSAL] = problem.causal ? 1 : 0;
  rec[ABI.PROBLEM_PRECISION] = problem.precision === 'float32' ? ABI.PRECISION_FLOAT32 : ABI.PRECISION_FLOAT64;
  rec[ABI.PROBLEM_KERNEL] = problem.kernel === 'row-max' ? ABI.KERNEL_ROW_MAX : ABI.KERNEL_AUTO;
  rec[ABI.PROBLEM_ATTENTION] = problem.sinkhorn ? ABI.ATTENTION_SINKHORN : ABI.ATTENTION_SOFTMAX;
  rec[ABI.PROBLEM_SINKHORN_ITERATIONS] = problem.sinkhorn?.iterations ?? 0;
  rec[ABI.PROBLEM_SINKHORN_TOLERANCE] = problem.sinkhorn?.tolerance ?? 0;
  rec[ABI.PROBLEM_SINKHORN_SCRATCH] = block.sinkhornScratch;
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
    // Tied weights (W_Q = W_K) share one copy: assembly/tied.ts recognizes a tied head by equal pointers.
    rec[s + ABI.HEAD_KEY] = sameMatrix(h.query, h.key) ? rec[s + ABI.HEAD_QUERY] : put(h.key);
    rec[s + ABI.HEAD_VALUE] = put(h.value);
  });
}

/** Whether two optional matrices are both absent (identity) or hold the same numbers. */
function sameMatrix(a: Float64Array | null, b: Float64Array | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let l = 0; l < a.length; l++) if (a[l] !== b[l]) return false;
  return true;
}

/** Slots of a method record: header, then A (s*s), b, c, e (s each), dense (S*degree), e3 (s), extra A ((S-s)*S). */
export function methodSlots(method: NumericTableau): number {
  const s = method.stages;
  const stagesDense = method.denseStages;
  return ABI.METHOD_TABLE + s * s + 4 * s + stagesDense * method.denseDegree + (stagesDense - s) * stagesDense;
}

export function writeMethod(arena: Arena, at: number, method: NumericTableau): void {
  const rec = arena.f64(at, methodSlots(method));
  rec[ABI.METHOD_STAGES] = method.stages;
  rec[ABI.METHOD_ADAPTIVE] = method.adaptive ? 1 : 0;
  rec[ABI.METHOD_ERROR_ORDER] = method.errorOrder;
  rec[ABI.METHOD_FSAL] = method.fsal ? 1 : 0;
  rec[ABI.METHOD_DENSE_DEGREE] = method.denseDegree;
  rec[ABI.METHOD_ERROR_KIND] = method.errorKind;
  rec[ABI.METHOD_DENSE_STAGES] = method.denseStages;
  rec[ABI.METHOD_DENSE_SAVES] = method.denseSaves ? 1 : 0;
  let o = ABI.METHOD_TABLE;
  for (const part of [method.a, method.b, method.c, method.e, method.dense, method.e3, method.extraA]) {
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
  /** Event buffers, all 0 without events. */
  readonly eventGroups: number;
  readonly nEventGroups: number;
  readonly eventValues: number;
  readonly eventWork: number;
  readonly eventOut: number;
  readonly eventCapacity: number;
}

/** Slots of the event group records followed by their target lists. */
export function eventGroupsSlots(groups: readonly FlatEventGroup[]): number {
  return groups.reduce((sum, g) => sum + ABI.EVENT_STRIDE + (g.targets?.length ?? 0), 0);
}

/** Writes the event group records at `at`, each group's target list after all records. */
export function writeEventGroups(arena: Arena, at: number, groups: readonly FlatEventGroup[]): void {
  const rec = arena.f64(at, eventGroupsSlots(groups));
  let next = groups.length * ABI.EVENT_STRIDE;
  groups.forEach((g, i) => {
    const o = i * ABI.EVENT_STRIDE;
    rec[o + ABI.EVENT_KIND] = g.kind;
    rec[o + ABI.EVENT_LEVEL] = g.level;
    rec[o + ABI.EVENT_DIRECTION] = g.direction;
    rec[o + ABI.EVENT_TERMINAL] = g.terminal ? 1 : 0;
    rec[o + ABI.EVENT_COUNT] = g.count;
    rec[o + ABI.EVENT_TARGETS] = 0;
    if (g.targets !== null) {
      rec.set(g.targets, next);
      rec[o + ABI.EVENT_TARGETS] = at + 8 * next;
      next += g.targets.length;
    }
  });
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
  ctl[ABI.CONTROL_PI_BETA] = c.controller.beta;
  ctl[ABI.CONTROL_SAFETY] = c.controller.safety;
  ctl[ABI.CONTROL_FAC_MIN] = c.controller.minFactor;
  ctl[ABI.CONTROL_FAC_MAX] = c.controller.maxFactor;
  ctl[ABI.CONTROL_DT_MAX] = c.dtMax;
  ctl[ABI.CONTROL_EVENT_GROUPS] = buffers.eventGroups;
  ctl[ABI.CONTROL_N_EVENT_GROUPS] = buffers.nEventGroups;
  ctl[ABI.CONTROL_EVENT_VALUES] = buffers.eventValues;
  ctl[ABI.CONTROL_EVENT_WORK] = buffers.eventWork;
  ctl[ABI.CONTROL_EVENT_OUT] = buffers.eventOut;
  ctl[ABI.CONTROL_EVENT_CAPACITY] = buffers.eventCapacity;
  ctl[ABI.CONTROL_RESUME] = c.resume ? 1 : 0;
  ctl[ABI.CONTROL_STEP_LIMIT] = c.stepLimit;
}

/** Reads a finished segment's outputs, copying the saved states and event records out of linear memory. */
export function readControl(arena: Arena, at: number, buffers: SegmentBuffers, m: number): SegmentResult {
  const out = arena.f64(at, ABI.CONTROL_SLOTS);
  const saves: Float64Array[] = [];
  for (let i = 0; i < out[ABI.CONTROL_N_SAVED]; i++) saves.push(arena.f64(buffers.saveOut + 8 * m * i, m).slice());
  const events: LocatedEvent[] = [];
  const nEvents = buffers.eventOut === 0 ? 0 : out[ABI.CONTROL_N_EVENTS];
  if (nEvents > 0) {
    const rec = arena.f64(buffers.eventOut, nEvents * ABI.EVENT_RECORD_SLOTS);
    for (let k = 0; k < nEvents; k++) {
      const o = k * ABI.EVENT_RECORD_SLOTS;
      events.push({
        fn: rec[o + ABI.EVENT_RECORD_FUNCTION],
        t: rec[o + ABI.EVENT_RECORD_T],
        direction: rec[o + ABI.EVENT_RECORD_DIRECTION],
        sign: rec[o + ABI.EVENT_RECORD_SIGN],
      });
    }
  }
  return {
    events,
    stepStart: out[ABI.CONTROL_STEP_START],
    stepEnd: out[ABI.CONTROL_STEP_END],
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
