// The attention field split by rows over T threads that share one linear
// memory (WebAssembly threads: shared memory and atomics), and the worker
// side of that split.
//
// Protocol (pool record, threads-abi.ts): the main thread (thread 0) writes
// the job into the pool, sets DONE = 0 and bumps GENERATION (a sequentially
// consistent atomic, which publishes the job's plain stores), then notifies.
// Workers 1..T-1 wait on GENERATION with memory.atomic.wait32. Every thread,
// the main one included, takes blocks of the job (rows of the field, or
// whole solves of a batch) from the shared counter NEXT until none is left;
// workers then count themselves into DONE and notify it. The main thread
// then polls DONE; where it may block (POOL_MAIN_MAY_WAIT: Node, a Web
// Worker) it sleeps in wait32 after POOL_SPIN_POLLS polls, which frees the core
// for a worker on a loaded machine. A browser's main thread may not block in
// wait32: there it spins, which costs only the time the slowest worker needs
// to finish the block it holds.
//
// Only the main thread hands out jobs and only TypeScript on the main thread
// grows memory: workers never allocate. Globals (the scratch pointers of
// attention.ts) are per instance, so every thread has its own.

import {
  POOL_GENERATION, POOL_DONE, POOL_STOP, POOL_THREADS, POOL_JOB, POOL_ARG0, POOL_ARG1, POOL_ARG2, POOL_MAIN_MAY_WAIT,
  POOL_NEXT, POOL_WORK_DONE0, POOL_MIN_BLOCK_ROWS, POOL_SPIN_POLLS,
  JOB_FIELD, JOB_BATCH, JOB_TIED_PAIRS, JOB_TIED_ROWS, PROBLEM_POOL, PROBLEM_SCRATCH_STRIDE,
} from './threads-abi';
import {
  PROBLEM_N, PROBLEM_D, PROBLEM_SCRATCH, PROBLEM_ATTENTION, ATTENTION_SOFTMAX, PROBLEM_GEOMETRY, GEOMETRY_SPHERE,
} from './abi';
import { slot, pointerSlot } from './records';
import { attentionRhsRows } from './attention';
import { projectOnTangent } from './geometry';
import { tiedApplies, tiedPrepareProblem, tiedRowsProblem, tiedPartProblem } from './tied-dispatch';
import { tiedParts } from './scratch';
import { field } from './field';
import { runBatchItems } from './batch';

// @ts-ignore: decorator
@inline function word(pool: usize, i: i32): usize {
  return pool + (<usize>i << 2);
}

/** Adds to thread t's cumulative count of work done (only thread t writes it; read after DONE). */
export function countWork(pool: usize, t: i32, amount: i32): void {
  const w = word(pool, POOL_WORK_DONE0 + t);
  store<i32>(w, load<i32>(w) + amount);
}

// Whether this thread's tiedPrepare accepted the current tied field (every thread decides the same: same data).
let tiedReady: bool = false;

/** Thread t's scratch block. */
function threadScratch(problem: usize, t: i32): usize {
  return pointerSlot(problem, PROBLEM_SCRATCH) + <usize>t * pointerSlot(problem, PROBLEM_SCRATCH_STRIDE);
}

/**
 * Thread t's part of the field: blocks of rows taken from the shared counter
 * POOL_NEXT until none is left, with its own scratch. Guided self-scheduling
 * (Polychronopoulos & Kuck 1987): each block is 1/(2T) of the rows left and
 * at least POOL_MIN_BLOCK_ROWS (set by TypeScript, src/wasm/threads.ts), so a thread that starts late (a
 * worker still waking, a core taken by another process) leaves its rows to
 * the others instead of holding everyone up, while each thread packs the keys
 * only a few times (every attentionRhsRows call packs all N keys).
 * With `tied` (JOB_TIED_ROWS) a block's rows are summed from every thread's
 * tied sums when tiedReady, else computed by the row-max kernel.
 */
function fieldBlocks(pool: usize, problem: usize, x: usize, out: usize, t: i32, threads: i32, tied: bool): void {
  if (!ASC_FEATURE_THREADS) return; // never called there: runOnPool computes the whole field itself
  const n = <i32>slot(problem, PROBLEM_N);
  const d = <i32>slot(problem, PROBLEM_D);
  const scratch = threadScratch(problem, t);
  const next = word(pool, POOL_NEXT);
  const smallest = max(2, load<i32>(word(pool, POOL_MIN_BLOCK_ROWS)));
  let start = atomic.load<i32>(next);
  while (start < n) {
    let rows = max(smallest, (n - start) / (2 * threads));
    rows += rows & 1;
    const end = min(n, start + rows);
    const seen = atomic.cmpxchg<i32>(next, start, end);
    if (seen != start) {
      start = seen; // another thread took a block first: try again from where it ended
      continue;
    }
    if (tied && tiedReady) {
      const rowBytes = <usize>d << 3;
      memory.fill(out + <usize>start * rowBytes, 0, <usize>(end - start) * rowBytes);
      tiedRowsProblem(problem, out, start, end, threadScratch(problem, 0), scratch);
      if (<i32>slot(problem, PROBLEM_GEOMETRY) == GEOMETRY_SPHERE) {
        projectOnTangent(x + <usize>start * rowBytes, out + <usize>start * rowBytes, end - start, d);
      }
    } else {
      attentionRhsRows(problem, x, out, start, end, scratch);
    }
    countWork(pool, t, end - start);
    start = atomic.load<i32>(next);
  }
}

/**
 * Thread t's share of a tied head's pairs (tied.ts): it prepares its own
 * scratch (every thread packs all keys and values), then takes whole parts
 * of the sums from POOL_NEXT; the parts live in thread 0's scratch. Every
 * thread prepares, even one that gets no part: tiedReady decides the rows
 * phase, and every thread must decide the same.
 */
function tiedPairs(pool: usize, problem: usize, x: usize, t: i32): void {
  if (!ASC_FEATURE_THREADS) return;
  const own = threadScratch(problem, t);
  tiedReady = tiedPrepareProblem(problem, x, own);
  if (!tiedReady) return;
  const next = word(pool, POOL_NEXT);
  let p = atomic.add<i32>(next, 1);
  const parts = tiedParts(<i32>slot(problem, PROBLEM_N));
  while (p < parts) {
    tiedPartProblem(problem, p, threadScratch(problem, 0), own);
    p = atomic.add<i32>(next, 1);
  }
}

/**
 * Hands a job to the workers, runs thread 0's part and returns when every
 * worker is done. Called on the main thread only.
 */
export function runOnPool(pool: usize, job: i32, arg0: usize, arg1: usize, arg2: usize): void {
  // Without threads (a build that cannot share memory) there is no one to hand work to.
  const threads = ASC_FEATURE_THREADS ? load<i32>(word(pool, POOL_THREADS)) : 1;
  if (!ASC_FEATURE_THREADS && job == JOB_FIELD) {
    field(arg0, arg1, arg2);
    return;
  }
  if (ASC_FEATURE_THREADS) {
    store<i32>(word(pool, POOL_NEXT), 0);
    store<i32>(word(pool, POOL_JOB), job);
    store<i32>(word(pool, POOL_ARG0), <i32>arg0);
    store<i32>(word(pool, POOL_ARG1), <i32>arg1);
    store<i32>(word(pool, POOL_ARG2), <i32>arg2);
    atomic.store<i32>(word(pool, POOL_DONE), 0);
    atomic.add<i32>(word(pool, POOL_GENERATION), 1);
    atomic.notify(word(pool, POOL_GENERATION), threads - 1);
  }
  runJob(pool, job, arg0, arg1, arg2, 0, threads);
  if (ASC_FEATURE_THREADS) {
    const mayWait = load<i32>(word(pool, POOL_MAIN_MAY_WAIT)) != 0;
    const spin = load<i32>(word(pool, POOL_SPIN_POLLS));
    let polls = 0;
    while (true) {
      const done = atomic.load<i32>(word(pool, POOL_DONE));
      if (done >= threads - 1) break;
      if (mayWait && ++polls > spin) {
        memory.atomic.wait32(word(pool, POOL_DONE), done, -1);
        polls = 0;
      }
    }
  }
}

function runJob(pool: usize, job: i32, arg0: usize, arg1: usize, arg2: usize, t: i32, threads: i32): void {
  if (job == JOB_FIELD) fieldBlocks(pool, arg0, arg1, arg2, t, threads, false);
  else if (job == JOB_TIED_PAIRS) tiedPairs(pool, arg0, arg1, t);
  else if (job == JOB_TIED_ROWS) fieldBlocks(pool, arg0, arg1, arg2, t, threads, true);
  else if (job == JOB_BATCH) runBatchItems(arg0, pool, t);
}

/**
 * out = f(X), split over the threads of the problem's pool when it has one
 * (PROBLEM_POOL != 0), else attentionRhs on this thread. The Runge-Kutta loop
 * calls the field through this function.
 */
export function fieldRhs(problem: usize, x: usize, out: usize): void {
  const pool = pointerSlot(problem, PROBLEM_POOL);
  // Sinkhorn normalizes the whole matrix at once: it is not split by rows.
  if (pool == 0 || <i32>slot(problem, PROBLEM_ATTENTION) != ATTENTION_SOFTMAX) {
    field(problem, x, out);
    return;
  }
  if (ASC_FEATURE_THREADS && tiedApplies(problem)) {
    // A tied head (tied.ts) in two phases: every pair once, each thread into its own sums; then the rows.
    runOnPool(pool, JOB_TIED_PAIRS, problem, x, out);
    runOnPool(pool, JOB_TIED_ROWS, problem, x, out);
    return;
  }
  runOnPool(pool, JOB_FIELD, problem, x, out);
}

/**
 * A worker's life: wait for a new generation, do this thread's part of the
 * job, count into DONE, until STOP. Generations start at 0 and the main
 * thread hands out the next job only after every worker finished the last,
 * so a worker that enters late still sees the first job (GENERATION != 0).
 * Returns at once in builds without threads.
 */
export function workerLoop(pool: usize, threadIndex: i32): void {
  if (!ASC_FEATURE_THREADS) return;
  let seen: i32 = 0;
  while (true) {
    let polls = 0;
    const spin = load<i32>(word(pool, POOL_SPIN_POLLS));
    while (atomic.load<i32>(word(pool, POOL_GENERATION)) == seen) {
      if (++polls > spin) {
        memory.atomic.wait32(word(pool, POOL_GENERATION), seen, -1);
        polls = 0;
      }
    }
    seen = atomic.load<i32>(word(pool, POOL_GENERATION));
    if (atomic.load<i32>(word(pool, POOL_STOP)) != 0) return;
    const threads = load<i32>(word(pool, POOL_THREADS));
    runJob(
      pool, load<i32>(word(pool, POOL_JOB)), <usize>load<u32>(word(pool, POOL_ARG0)),
      <usize>load<u32>(word(pool, POOL_ARG1)), <usize>load<u32>(word(pool, POOL_ARG2)), threadIndex, threads,
    );
    atomic.add<i32>(word(pool, POOL_DONE), 1);
    atomic.notify(word(pool, POOL_DONE), 1);
  }
}
