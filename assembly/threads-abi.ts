// The flat ABI of the parallel field and of batched solves (parallel.ts,
// batch.ts). Mirrored in src/wasm/threads-abi.ts; test/abi.test.ts checks that
// every build exports exactly these values.

// Problem record, field options (slots 6..15 are reserved for them; abi.ts).
export const PROBLEM_POOL: i32 = 12; // pointer to a pool record; 0: compute the field on this thread alone
export const PROBLEM_SCRATCH_STRIDE: i32 = 13; // bytes between thread t's scratch and thread t + 1's (t = 0 uses PROBLEM_SCRATCH)

// Pool record: int32 words shared by every thread, accessed with atomics.
export const POOL_GENERATION: i32 = 0; // bumped by the main thread to hand out a job (workers wait on it)
export const POOL_DONE: i32 = 1; // workers that finished the current job
export const POOL_STOP: i32 = 2; // 1: workers return from workerLoop
export const POOL_THREADS: i32 = 3; // threads T, the main thread included (it is thread 0)
export const POOL_JOB: i32 = 4; // JOB_FIELD, JOB_BATCH, JOB_TIED_PAIRS or JOB_TIED_ROWS
export const POOL_ARG0: i32 = 5; // field: problem record; batch: batch record
export const POOL_ARG1: i32 = 6; // field: x
export const POOL_ARG2: i32 = 7; // field: out
export const POOL_NEXT: i32 = 8; // field: next row to take; batch: next item to take
export const POOL_MAIN_MAY_WAIT: i32 = 9; // 1: the main thread may block in wait32 (Node, a Web Worker); 0: it spins (a browser's main thread)
export const POOL_MIN_BLOCK_ROWS: i32 = 10; // field: smallest block of rows a thread takes (even, >= 2)
export const POOL_SPIN_POLLS: i32 = 11; // polls of a counter before a thread sleeps in wait32
export const POOL_WORK_DONE0: i32 = 16; // word 16 + t: rows (field) and solves (batch) thread t has done, cumulative
export const POOL_MAX_THREADS: i32 = 256;
export const POOL_BYTES: i32 = 64 + 4 * 256;

export const JOB_FIELD: i32 = 1;
export const JOB_BATCH: i32 = 2;
export const JOB_TIED_PAIRS: i32 = 3; // a tied head's tile rows (tied.ts), each thread into its own sums
export const JOB_TIED_ROWS: i32 = 4; // then the field's rows from every thread's sums

// Batch record (float64 slots): independent solves, each one whole rkSolve.
export const BATCH_COUNT: i32 = 0; // items
export const BATCH_ITEMS: i32 = 1; // pointer to COUNT items of ITEM_SLOTS float64
export const BATCH_WORK: i32 = 2; // thread 0's Runge-Kutta work area ((s + 2) N D float64 at least)
export const BATCH_WORK_STRIDE: i32 = 3; // bytes between the work areas of consecutive threads
export const BATCH_SCRATCH: i32 = 4; // thread 0's attention scratch
export const BATCH_SCRATCH_STRIDE: i32 = 5; // bytes between the scratches of consecutive threads
export const BATCH_POOL: i32 = 6; // pool record; 0: run every item on the calling thread
export const BATCH_SLOTS: i32 = 8;

// Batch item: what one solve reads (its control record carries its state, save times and outputs).
export const ITEM_PROBLEM: i32 = 0;
export const ITEM_METHOD: i32 = 1;
export const ITEM_CONTROL: i32 = 2;
export const ITEM_SLOTS: i32 = 3;
