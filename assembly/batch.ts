// Batched ensembles: many independent solves in one call, each a whole
// rkSolve, spread over the pool's threads. TypeScript lays out every item
// (problem record, method, control record with its state, save times and
// outputs) once; each thread brings its own Runge-Kutta work area and
// attention scratch, so items share nothing and run in any order: a solve's
// result is the same bits whichever thread runs it.

import {
  BATCH_COUNT, BATCH_ITEMS, BATCH_WORK, BATCH_WORK_STRIDE, BATCH_SCRATCH, BATCH_SCRATCH_STRIDE, BATCH_POOL,
  ITEM_PROBLEM, ITEM_METHOD, ITEM_CONTROL, ITEM_SLOTS, POOL_NEXT, PROBLEM_POOL, JOB_BATCH,
} from './threads-abi';
import { PROBLEM_SCRATCH, CONTROL_WORK } from './abi';
import { slot, setSlot, pointerSlot } from './records';
import { rkSolve } from './rk';
import { runOnPool, countWork } from './parallel';

/** Runs item k of the batch on thread t: its field on this thread alone, with thread t's work and scratch. */
function runItem(batch: usize, k: i32, t: i32): void {
  const item = pointerSlot(batch, BATCH_ITEMS) + (<usize>(k * ITEM_SLOTS) << 3);
  const problem = pointerSlot(item, ITEM_PROBLEM);
  const control = pointerSlot(item, ITEM_CONTROL);
  setSlot(problem, PROBLEM_POOL, 0);
  setSlot(problem, PROBLEM_SCRATCH, <f64>(pointerSlot(batch, BATCH_SCRATCH) + <usize>t * pointerSlot(batch, BATCH_SCRATCH_STRIDE)));
  setSlot(control, CONTROL_WORK, <f64>(pointerSlot(batch, BATCH_WORK) + <usize>t * pointerSlot(batch, BATCH_WORK_STRIDE)));
  rkSolve(problem, pointerSlot(item, ITEM_METHOD), control);
}

/**
 * Thread t's part of a batch: with a pool, items are taken one at a time from
 * the shared counter POOL_NEXT (solves differ in length, so a static split
 * would leave threads idle); without one, every item in order.
 */
export function runBatchItems(batch: usize, pool: usize, t: i32): void {
  const count = <i32>slot(batch, BATCH_COUNT);
  if (ASC_FEATURE_THREADS) {
    if (pool != 0) {
      for (let k = atomic.add<i32>(pool + (<usize>POOL_NEXT << 2), 1); k < count; k = atomic.add<i32>(pool + (<usize>POOL_NEXT << 2), 1)) {
        runItem(batch, k, t);
        countWork(pool, t, 1);
      }
      return;
    }
  }
  for (let k = 0; k < count; k++) runItem(batch, k, t);
}

/** Runs every item of the batch record (threads-abi.ts); results stay in each item's control record and buffers. */
export function solveBatch(batch: usize): void {
  const pool = pointerSlot(batch, BATCH_POOL);
  if (!ASC_FEATURE_THREADS || pool == 0) {
    runBatchItems(batch, 0, 0);
    return;
  }
  runOnPool(pool, JOB_BATCH, batch, 0, 0);
}
