// What every backend ('simd', 'scalar', 'js') provides to the solve driver.

import type { SolvePlan } from './options.js';
import type { FlatProblem } from './problem.js';
import type { StepControl } from './solvers/control.js';
import type { NumericTableau } from './solvers/tableau.js';
import type { BackendName, SolveStatus } from './types.js';

/** Status codes shared with the WASM ABI (assembly/abi.ts STATUS_*). */
export const STATUS_NAMES: readonly SolveStatus[] = ['success', 'max_steps', 'non_finite', 'dt_min', 'event'];

/** Index of 'event' in STATUS_NAMES (assembly/abi.ts STATUS_EVENT). */
export const STATUS_EVENT = 4;

/** Built-in event function kinds (assembly/abi.ts EVENT_KIND_*). */
export const EVENT_KIND_CODES = { corridor: 1, distance: 2, innerProduct: 3 } as const;

/** One group of built-in event functions of the same kind, as the kernels read it. */
export interface FlatEventGroup {
  /** An EVENT_KIND_CODES value. */
  readonly kind: 1 | 2 | 3;
  /** Corridor level, distance, or inner-product threshold. */
  readonly level: number;
  /** 1 rising, -1 falling, 0 either. */
  readonly direction: -1 | 0 | 1;
  readonly terminal: boolean;
  /** Event functions in the group. */
  readonly count: number;
  /** Token indices (one per corridor function, two per pair), or null for all tokens / all pairs i < j. */
  readonly targets: Float64Array | null;
}

/** The events a backend handles during a solve. */
export interface BackendEvents {
  readonly groups: readonly FlatEventGroup[];
  /** Total number of built-in event functions. */
  readonly functions: number;
  /** Keep each accepted step for Integration.interpolate (needed by user events). */
  readonly keepStep: boolean;
}

/** A built-in event located by the backend. */
export interface LocatedEvent {
  /** Index of the event function (groups in order, then their targets). */
  readonly fn: number;
  readonly t: number;
  /** 1 rising, -1 falling. */
  readonly direction: number;
  /** Corridor events: the sign of token i's first coordinate at t. */
  readonly sign: number;
}

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
  /** The step-size controller (adaptive methods). */
  readonly controller: StepControl;
  /** Largest attempted step of an adaptive method (Infinity: none). */
  readonly dtMax: number;
  /** Sorted save times inside (t0, t1]. */
  readonly saveTimes: Float64Array;
  /** Continue the segment of the previous call (f(y) and the event values are still those of the state). */
  readonly resume: boolean;
  /** Return after this many accepted steps; 0: run to t1. */
  readonly stepLimit: number;
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
  /** Built-in events located in this call, in time order. */
  readonly events: LocatedEvent[];
  /** The last accepted step [stepStart, stepEnd] (when events are on and a step was accepted). */
  readonly stepStart: number;
  readonly stepEnd: number;
}

/** One solve in progress: the state lives in the backend between segments. */
export interface Integration {
  runSegment(layer: number, control: SegmentControl): SegmentResult;
  /** A copy of the current state. */
  state(): Float64Array;
  /** P_h at state x, with the given layer's weights. */
  attentionMatrix(layer: number, x: Float64Array, head: number): Float64Array;
  /** The last accepted step's interpolant at t in [stepStart, stepEnd] (requires events with keepStep). */
  interpolate(t: number): Float64Array;
}

/** The attention field linearized at one state: Jacobian-vector products without forming J. */
export interface Linearization {
  /** J v (v is N x D row-major). */
  jvp(v: Float64Array): Float64Array;
  /** J^T u (u is N x D row-major). */
  vjp(u: Float64Array): Float64Array;
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
   * `attention`, room for one N x N matrix is kept for Integration.attentionMatrix;
   * with `events`, the built-in events are located and steps kept for interpolation.
   */
  integrate(
    problem: FlatProblem,
    method: NumericTableau,
    y0: Float64Array,
    maxSaves: number,
    attention: boolean,
    events: BackendEvents | null,
  ): Integration;
  /** Bytes of linear memory held (0 without WebAssembly). */
  readonly memoryBytes: number;
  /** The full ND x ND Jacobian of the layer's field at x (row-major, see Engine.attentionJacobian). */
  attentionJacobian(problem: FlatProblem, layer: number, x: Float64Array): Float64Array;
  /** JVP and VJP at x, O(N D + N) memory, O(N^2 D) time per product. */
  linearize(problem: FlatProblem, layer: number, x: Float64Array): Linearization;
  /** Releases what the backend holds; it cannot be used afterwards. */
  dispose(): void;
}
