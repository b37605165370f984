// What every backend ('simd', 'scalar', 'js') provides to the solve driver.

import type { SolvePlan } from './options.js';
import type { FlatProblem } from './problem.js';
import type { NumericTableau } from './solvers/tableau.js';
import type { BackendName, SolveStatus } from './types.js';

/** Status codes shared with the WASM ABI (assembly/abi.ts STATUS_*). */
export const STATUS_NAMES: readonly SolveStatus[] = ['success', 'max_steps', 'non_finite', 'dt_min'];

/** Inputs of one solve segment (one layer's weights on [t0, t1]). */
export interface SegmentControl {
  readonly t0: number;
  readonly t1: number;
  /** Fixed step, or trial step for adaptive methods (0: choose). */
  readonly dt: number;
  readonly rtol: number;
  readonly atol: number;
  /** Attempted steps allowed in this segment. */
  readonly maxSteps: number;
  /** PI controller memory carried across segments (0 at the start). */
  readonly facold: number;
  /** Sorted save times inside (t0, t1]. */
  readonly saveTimes: Float64Array;
}

/** Outputs of one solve segment. */
export interface SegmentResult {
  /** Index into STATUS_NAMES. */
  readonly status: number;
  readonly tReached: number;
  readonly dtNext: number;
  readonly facold: number;
  readonly steps: number;
  readonly rejected: number;
  readonly rhsEvaluations: number;
  /** Copies of the states at the save times reached. */
  readonly saves: Float64Array[];
}

/** One solve in progress: the state lives in the backend between segments. */
export interface Integration {
  runSegment(layer: number, control: SegmentControl): SegmentResult;
  /** A copy of the current state. */
  state(): Float64Array;
  /** P_h at state x, with the given layer's weights. */
  attentionMatrix(layer: number, x: Float64Array, head: number): Float64Array;
}

/** One solve of a batch: its single segment's result and the state it ended in. */
export interface BatchOutcome {
  readonly result: SegmentResult;
  readonly finalState: Float64Array;
}

export interface Backend {
  readonly name: BackendName;
  /** Threads the backend computes on (default 1). */
  readonly threads?: number;
  /** The backend and its threads in a sentence, with the reason when threads were asked for and are missing. */
  readonly description?: string;
  /** Runs single-segment solves without saved attention (plans with layers or saveAttention excluded) as one batch. */
  solveMany?(plans: readonly SolvePlan[]): BatchOutcome[];
  /** f(X) of eq. (7) with the given layer's weights. */
  attentionRhs(problem: FlatProblem, layer: number, x: Float64Array): Float64Array;
  /** The N x N attention matrix of one head. */
  attentionMatrix(problem: FlatProblem, layer: number, x: Float64Array, head: number): Float64Array;
  /**
   * Starts a solve from y0 that will save at most maxSaves states; with
   * `attention`, room for one N x N matrix is kept for Integration.attentionMatrix.
   */
  integrate(problem: FlatProblem, method: NumericTableau, y0: Float64Array, maxSaves: number, attention: boolean): Integration;
  /** Bytes of linear memory held (0 without WebAssembly). */
  readonly memoryBytes: number;
  /** Releases what the backend holds; it cannot be used afterwards. */
  dispose(): void;
}
