// The TypeScript view of the WASM module's exports (assembly/index.ts).
// test/abi.test.ts checks it against WebAssembly.Module.exports of both
// builds: every name, kind, arity and constant value.

import { THREADS_ABI } from './threads-abi.js';

/** The exported functions: flat calls over pointers (byte offsets) and sizes. */
export interface KernelFunctions {
  heapBase(): number;
  attentionRhs(problem: number, x: number, out: number): void;
  /**
   * Rows [rowStart, rowEnd) of the field into the same rows of out (other rows untouched), with its own
   * scratch block of attentionScratchBytes(n, d, widest dk) bytes: what each worker thread calls.
   */
  attentionRhsRows(problem: number, x: number, out: number, rowStart: number, rowEnd: number, scratch: number): void;
  attentionMatrix(problem: number, x: number, head: number, attn: number): void;
  attentionScratchBytes(n: number, d: number, dk: number): number;
  /**
   * Which kernel attentionRhs takes on this problem and x: 2 the small-width tied kernel (assembly/tied-small.ts),
   * 1 the tiled tied kernel (assembly/tied.ts), 0 the row-max kernel (assembly/attention.ts).
   */
  attentionKernel(problem: number, x: number): number;
  rkSolve(problem: number, method: number, control: number): number;
  /** The last accepted step's interpolant at time t (dense output, or cubic Hermite for fixed-step methods) into out. */
  rkInterpolate(problem: number, method: number, control: number, t: number, out: number): void;
  eventWorkBytes(n: number, d: number, stages: number, functions: number): number;
  expArray(x: number, out: number, count: number): void;
  /**
   * 2^(x/64) over `count` float64 numbers x <= 0 (the tiled tied kernel's exponential), or 2^(-x/64) for
   * x >= 0 when `negated` is 1 (the small-width kernel's); for tests.
   */
  pow2Over64Array(x: number, out: number, count: number, negated: number): void;
  field(problem: number, x: number, out: number): void;
  fieldMatrix(problem: number, x: number, head: number, attn: number): void;
  sinkhornScratchBytes(n: number, d: number, dk: number): number;
  attentionJacobian(problem: number, x: number, out: number, scratch: number): void;
  attentionJvp(problem: number, x: number, v: number, out: number, scratch: number): void;
  attentionVjp(problem: number, x: number, u: number, out: number, scratch: number): void;
  jacobianScratchBytes(n: number, d: number, dk: number): number;
  /** The float32 softmax exp over `count` float32 numbers (for tests). */
  expArrayF32(x: number, out: number, count: number): void;
  /** The field, split over the problem's pool when PROBLEM_POOL != 0 (assembly/parallel.ts). */
  fieldRhs(problem: number, x: number, out: number): void;
  /** A worker thread's loop; returns when the pool is stopped. */
  workerLoop(pool: number, threadIndex: number): void;
  /** Runs a batch record's independent solves (assembly/batch.ts). */
  solveBatch(batch: number): void;
}

/** Arity of each exported function; the type makes its keys those of KernelFunctions. */
export const KERNEL_FUNCTION_ARITY = {
  heapBase: 0,
  attentionRhs: 3,
  attentionRhsRows: 6,
  attentionMatrix: 4,
  attentionScratchBytes: 3,
  attentionKernel: 2,
  rkSolve: 3,
  rkInterpolate: 5,
  eventWorkBytes: 4,
  expArray: 3,
  pow2Over64Array: 4,
  field: 3,
  fieldMatrix: 4,
  sinkhornScratchBytes: 3,
  attentionJacobian: 4,
  attentionJvp: 5,
  attentionVjp: 5,
  jacobianScratchBytes: 3,
  expArrayF32: 3,
  fieldRhs: 3,
  workerLoop: 2,
  solveBatch: 1,
} as const satisfies Record<keyof KernelFunctions, number>;

/** Slot numbers of the float64 records, and status codes (assembly/abi.ts). */
export const ABI = {
  PROBLEM_N: 0,
  PROBLEM_D: 1,
  PROBLEM_HEADS: 2,
  PROBLEM_BETA: 3,
  PROBLEM_GEOMETRY: 4,
  PROBLEM_SCRATCH: 5,
  PROBLEM_CAUSAL: 6,
  PROBLEM_ATTENTION: 7,
  PROBLEM_SINKHORN_ITERATIONS: 8,
  PROBLEM_SINKHORN_TOLERANCE: 9,
  PROBLEM_SINKHORN_SCRATCH: 10,
  PROBLEM_PRECISION: 11,
  PROBLEM_KERNEL: 14,
  PROBLEM_HEAD0: 16,
  HEAD_STRIDE: 4,
  HEAD_DK: 0,
  HEAD_QUERY: 1,
  HEAD_KEY: 2,
  HEAD_VALUE: 3,
  METHOD_STAGES: 0,
  METHOD_ADAPTIVE: 1,
  METHOD_ERROR_ORDER: 2,
  METHOD_FSAL: 3,
  METHOD_DENSE_DEGREE: 4,
  METHOD_ERROR_KIND: 5,
  METHOD_DENSE_STAGES: 6,
  METHOD_DENSE_SAVES: 7,
  METHOD_TABLE: 8,
  CONTROL_T0: 0,
  CONTROL_T1: 1,
  CONTROL_DT: 2,
  CONTROL_RTOL: 3,
  CONTROL_ATOL: 4,
  CONTROL_MAX_STEPS: 5,
  CONTROL_N_SAVE: 6,
  CONTROL_SAVE_TIMES: 7,
  CONTROL_SAVE_OUT: 8,
  CONTROL_STATE: 9,
  CONTROL_WORK: 10,
  CONTROL_FACOLD: 11,
  CONTROL_PI_BETA: 12,
  CONTROL_SAFETY: 13,
  CONTROL_FAC_MIN: 14,
  CONTROL_FAC_MAX: 15,
  CONTROL_STATUS: 16,
  CONTROL_T_REACHED: 17,
  CONTROL_DT_NEXT: 18,
  CONTROL_STEPS: 19,
  CONTROL_REJECTED: 20,
  CONTROL_RHS_EVALS: 21,
  CONTROL_N_SAVED: 22,
  CONTROL_EVENT_GROUPS: 24,
  CONTROL_N_EVENT_GROUPS: 25,
  CONTROL_EVENT_VALUES: 26,
  CONTROL_EVENT_WORK: 27,
  CONTROL_EVENT_OUT: 28,
  CONTROL_EVENT_CAPACITY: 29,
  CONTROL_RESUME: 30,
  CONTROL_STEP_LIMIT: 31,
  CONTROL_N_EVENTS: 32,
  CONTROL_STEP_START: 33,
  CONTROL_STEP_END: 34,
  CONTROL_DT_MAX: 35,
  CONTROL_SLOTS: 40,
  EVENT_KIND: 0,
  EVENT_LEVEL: 1,
  EVENT_DIRECTION: 2,
  EVENT_TERMINAL: 3,
  EVENT_COUNT: 4,
  EVENT_TARGETS: 5,
  EVENT_STRIDE: 8,
  EVENT_KIND_CORRIDOR: 1,
  EVENT_KIND_DISTANCE: 2,
  EVENT_KIND_INNER_PRODUCT: 3,
  EVENT_RECORD_FUNCTION: 0,
  EVENT_RECORD_T: 1,
  EVENT_RECORD_DIRECTION: 2,
  EVENT_RECORD_SIGN: 3,
  EVENT_RECORD_SLOTS: 4,
  STATUS_SUCCESS: 0,
  STATUS_MAX_STEPS: 1,
  STATUS_NON_FINITE: 2,
  STATUS_DT_MIN: 3,
  STATUS_EVENT: 4,
  GEOMETRY_EUCLIDEAN: 0,
  GEOMETRY_SPHERE: 1,
  ATTENTION_SOFTMAX: 0,
  ATTENTION_SINKHORN: 1,
  PRECISION_FLOAT64: 0,
  PRECISION_FLOAT32: 1,
  KERNEL_AUTO: 0,
  KERNEL_ROW_MAX: 1,
  ...THREADS_ABI,
} as const;

/** An instance's exports as TypeScript sees them. */
export type KernelExports = KernelFunctions & { readonly memory: WebAssembly.Memory };

/** Reads the exports of an instance into the typed view, failing loudly if one is missing. */
export function kernelExports(instance: WebAssembly.Instance): KernelExports {
  const ex = instance.exports as Record<string, unknown>;
  for (const name of Object.keys(KERNEL_FUNCTION_ARITY)) {
    if (typeof ex[name] !== 'function') throw new Error(`attnflow: the WASM module lacks the export ${name}`);
  }
  if (!(ex.memory instanceof WebAssembly.Memory)) throw new Error('attnflow: the WASM module exports no memory');
  return ex as unknown as KernelExports;
}
