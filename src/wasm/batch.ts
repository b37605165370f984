// Batched ensembles on a WebAssembly backend: many independent solves laid
// out once in the arena and run by one call to solveBatch
// (assembly/batch.ts), spread over the pool's threads.
//
// Memory design: every item owns its problem record, control record, state,
// save times and saved states; each thread owns one Runge-Kutta work area and
// one attention scratch, sized for the largest item of the chunk. So a thread
// needs no arena of its own: the main thread lays out everything (it alone
// grows memory), the workers only read and write inside their items and
// their own work area and scratch. Items are taken from an atomic counter, in
// any order, and give the same bits as one solve() each: the same rkSolve on
// the same inputs. Batches larger than CHUNK_BYTES run in chunks that reuse
// one layout's memory, so memory stays O(chunk) however many problems come.

import type { BatchOutcome } from '../backend.js';
import type { SolvePlan } from '../options.js';
import { ABI, type KernelExports } from './abi.js';
import type { Arena } from './arena.js';
import {
  allocProblem,
  methodSlots,
  type ProblemBlock,
  readControl,
  type SegmentBuffers,
  widestHead,
  writeControl,
  writeMethod,
  writeProblem,
} from './records.js';

/** Bytes of per-item buffers laid out per chunk (the per-thread areas come on top). */
const CHUNK_BYTES = 32 * 2 ** 20;

function itemBytes(plan: SolvePlan): number {
  const m = plan.problem.n * plan.problem.d;
  const saves = plan.saveAt.length;
  const headSlots = ABI.PROBLEM_HEAD0 + ABI.HEAD_STRIDE * plan.problem.layers[0].heads.length;
  const weights = plan.problem.layers[0].heads.reduce(
    (s, h) => s + 8 * ((h.query?.length ?? 0) + (h.key?.length ?? 0) + (h.value?.length ?? 0) + 3),
    0,
  );
  return 8 * (headSlots + ABI.CONTROL_SLOTS + m + Math.max(1, saves) + m * saves) + weights + 6 * 16;
}

const roundUp64 = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/** Runs plans (each one segment, no saved attention) as batches; outcomes in the order of plans. */
/** The control-record buffers of one batch item: no events (the batch kernel sets the work area per thread). */
function buffersOf(l: { saveTimes: number; saveOut: number; state: number }): SegmentBuffers {
  const none = { eventGroups: 0, nEventGroups: 0, eventValues: 0, eventWork: 0, eventOut: 0, eventCapacity: 0 };
  return { saveTimes: l.saveTimes, saveOut: l.saveOut, state: l.state, work: 0, ...none };
}

export function solveBatchOn(
  arena: Arena,
  exports: KernelExports,
  pool: number,
  threads: number,
  plans: readonly SolvePlan[],
): BatchOutcome[] {
  const outcomes: BatchOutcome[] = [];
  let start = 0;
  while (start < plans.length) {
    let end = start;
    let bytes = 0;
    while (end < plans.length && (end === start || bytes + itemBytes(plans[end]) <= CHUNK_BYTES)) {
      bytes += itemBytes(plans[end]);
      end++;
    }
    outcomes.push(...runChunk(arena, exports, pool, threads, plans.slice(start, end)));
    start = end;
  }
  return outcomes;
}

interface ItemLayout {
  readonly block: ProblemBlock;
  readonly method: number;
  readonly control: number;
  readonly state: number;
  readonly saveTimes: number;
  readonly saveOut: number;
}

function runChunk(
  arena: Arena,
  exports: KernelExports,
  pool: number,
  threads: number,
  plans: readonly SolvePlan[],
): BatchOutcome[] {
  arena.reset();
  const batch = arena.alloc(8 * ABI.BATCH_SLOTS);
  const items = arena.alloc(8 * ABI.ITEM_SLOTS * plans.length);
  const methods = new Map<SolvePlan['method'], number>();
  let workBytes = 0;
  let scratchBytes = 0;
  const layouts: ItemLayout[] = plans.map((plan) => {
    const { problem } = plan;
    const m = problem.n * problem.d;
    let method = methods.get(plan.method);
    if (method === undefined) {
      method = arena.alloc(8 * methodSlots(plan.method));
      methods.set(plan.method, method);
    }
    workBytes = Math.max(workBytes, 8 * m * (plan.method.denseStages + 2));
    scratchBytes = Math.max(scratchBytes, exports.attentionScratchBytes(problem.n, problem.d, widestHead(problem)));
    return {
      block: allocProblem(arena, problem, 0), // each thread brings its scratch (BATCH_SCRATCH)
      method,
      control: arena.alloc(8 * ABI.CONTROL_SLOTS),
      state: arena.alloc(8 * m),
      saveTimes: arena.alloc(8 * Math.max(1, plan.saveAt.length)),
      saveOut: arena.alloc(8 * m * plan.saveAt.length),
    };
  });
  const workStride = roundUp64(workBytes);
  const scratchStride = roundUp64(scratchBytes);
  const work = arena.alloc(workStride * threads);
  const scratch = arena.alloc(scratchStride * threads);
  arena.commit('this batch of solves');

  for (const [tableau, at] of methods) writeMethod(arena, at, tableau);
  const itemView = arena.f64(items, ABI.ITEM_SLOTS * plans.length);
  plans.forEach((plan, k) => {
    const l = layouts[k];
    writeProblem(arena, l.block, plan.problem, plan.problem.layers[0]);
    arena.f64(l.state, plan.y0.length).set(plan.y0);
    // The control record solveOn writes for the first and only segment (src/solve.ts).
    writeControl(
      arena,
      l.control,
      {
        t0: 0,
        t1: plan.t1,
        dt: plan.dt,
        rtol: plan.rtol,
        atol: plan.atol,
        maxSteps: plan.maxSteps,
        facold: 0,
        controller: plan.controller,
        dtMax: plan.dtMax,
        saveTimes: plan.saveAt.filter((ts) => ts > 0 && ts <= plan.t1),
        resume: false,
        stepLimit: 0,
      },
      buffersOf(l),
    );
    itemView[k * ABI.ITEM_SLOTS + ABI.ITEM_PROBLEM] = l.block.record;
    itemView[k * ABI.ITEM_SLOTS + ABI.ITEM_METHOD] = l.method;
    itemView[k * ABI.ITEM_SLOTS + ABI.ITEM_CONTROL] = l.control;
  });
  const rec = arena.f64(batch, ABI.BATCH_SLOTS);
  rec[ABI.BATCH_COUNT] = plans.length;
  rec[ABI.BATCH_ITEMS] = items;
  rec[ABI.BATCH_WORK] = work;
  rec[ABI.BATCH_WORK_STRIDE] = workStride;
  rec[ABI.BATCH_SCRATCH] = scratch;
  rec[ABI.BATCH_SCRATCH_STRIDE] = scratchStride;
  rec[ABI.BATCH_POOL] = threads > 1 ? pool : 0;

  exports.solveBatch(batch);

  return plans.map((plan, k) => {
    const l = layouts[k];
    const m = plan.problem.n * plan.problem.d;
    return { result: readControl(arena, l.control, buffersOf(l), m), finalState: arena.f64(l.state, m).slice() };
  });
}
