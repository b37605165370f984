// The TypeScript view of the WASM module's exports (assembly/index.ts).
// test/abi.test.ts checks it against WebAssembly.Module.exports of both
// builds: every name, kind, arity and constant value.

import { THREADS_ABI } from './threads-abi.js';

/** The exported functions: flat calls over pointers (byte offsets) and sizes. */
export interface KernelFunctions {
  heapBase(): number;
  attentionRhs(problem: number, x: number, out: number): void;
  attentionMatrix(problem: number, x: number, head: number, attn: number): void;
  attentionScratchBytes(n: number, d: number, dk: number): number;
  rkSolve(problem: number, method: number, control: number): number;
  expArray(x: number, out: number, count: number): void;
  /** Rows [rowStart, rowEnd) of the field, with the given scratch (assembly/attention.ts). */
  attentionRhsRows(problem: number, x: number, out: number, rowStart: number, rowEnd: number, scratch: number): void;
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
  attentionMatrix: 4,
  attentionScratchBytes: 3,
  rkSolve: 3,
  expArray: 3,
  attentionRhsRows: 6,
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
  CONTROL_STATUS: 16,
  CONTROL_T_REACHED: 17,
  CONTROL_DT_NEXT: 18,
  CONTROL_STEPS: 19,
  CONTROL_REJECTED: 20,
  CONTROL_RHS_EVALS: 21,
  CONTROL_N_SAVED: 22,
  CONTROL_SLOTS: 24,
  STATUS_SUCCESS: 0,
  STATUS_MAX_STEPS: 1,
  STATUS_NON_FINITE: 2,
  STATUS_DT_MIN: 3,
  GEOMETRY_EUCLIDEAN: 0,
  GEOMETRY_SPHERE: 1,
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
