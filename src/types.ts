/**
 * Which implementation runs the kernels: 'relaxed' (WebAssembly relaxed SIMD, fused multiply-add; not
 * bitwise reproducible across machines), 'simd', 'scalar' (WebAssembly) or 'js' (TypeScript reference).
 */
export type BackendName = 'relaxed' | 'simd' | 'scalar' | 'js';

/**
 * Arithmetic of the attention field. 'float64' (default): results within about 1e-13 relative of the
 * reference. 'float32': scores, exponentials and weighted sums in float32 (f32x4 kernels, about twice the
 * throughput), about 1e-6 relative, growing with beta |x|^2; states, solver arithmetic and attention matrices
 * stay float64. The 'js' backend always computes in float64.
 */
export type Precision = 'float64' | 'float32';

/** 'euclidean': eq. (7) as is. 'sphere': tokens on S^{D-1}, velocities projected on the tangent space. */
export type Geometry = 'euclidean' | 'sphere';

/**
 * Integration methods: adaptive Dormand-Prince 5(4) (dense output of order 4) or 8(7) (Prince & Dormand's
 * RK8(7)13M: 13 stages a step, far fewer steps at tight tolerances; its save points end steps, its events
 * are located on a dense output of order 5) or 8(5,3) (Hairer's DOP853, SciPy's
 * 'DOP853': 12 stages a step, a less pessimistic error estimate, and a dense output of order 7 that costs
 * 3 more evaluations on the steps it interpolates); or fixed-step RK4, Heun, explicit Euler.
 */
export type MethodName = 'dopri5' | 'dopri8' | 'dop853' | 'rk4' | 'heun' | 'euler';

/**
 * Why a solve ended.
 * - 'success': t1 reached.
 * - 'max_steps': maxSteps attempted steps were used up.
 * - 'non_finite': the field produced Inf or NaN (e.g. x_i x_j overflowing in the 1-D model near t ~ 350).
 * - 'dt_min': a rejected step left the adaptive step below 1e-14 |t|, where t + dt barely moves t.
 * - 'event': a terminal event fired; the solve stopped at its time.
 */
export type SolveStatus = 'success' | 'max_steps' | 'non_finite' | 'dt_min' | 'event';

/**
 * Which sign changes of an event function count: 'rising' (from < 0 to >= 0),
 * 'falling' (from > 0 to <= 0) or 'either'. Built-in event functions are
 * oriented so that the named occurrence (leaving, coming within, going above) is rising.
 */
export type EventDirection = 'rising' | 'falling' | 'either';

interface EventSpecBase {
  /** Stop the solve at the first such event (status 'event'); default false. */
  readonly terminal?: boolean;
  /** Default 'rising' for the built-in kinds, 'either' for 'user'. */
  readonly direction?: EventDirection;
}

/**
 * A token leaves the corridor: g = |x_i| - level (the Euclidean norm when D > 1).
 * Rising: leaving; falling: coming back in.
 */
export interface CorridorEventSpec extends EventSpecBase {
  readonly kind: 'corridor';
  /** Half-width; default v0 = corridorHalfWidth(N) of eq. (13) (1-D only; required when D > 1). */
  readonly level?: number;
  /** Token indices to watch; default all. */
  readonly tokens?: readonly number[];
}

/** Two tokens come within a distance: g = distance^2 - |x_i - x_j|^2. Rising: coming within. */
export interface DistanceEventSpec extends EventSpecBase {
  readonly kind: 'distance';
  readonly distance: number;
  /** Pairs [i, j] to watch; default all pairs i < j. */
  readonly pairs?: readonly (readonly [number, number])[];
}

/** Two tokens' inner product goes above a threshold (cluster merge on the sphere): g = <x_i, x_j> - above. */
export interface InnerProductEventSpec extends EventSpecBase {
  readonly kind: 'innerProduct';
  readonly above: number;
  /** Pairs [i, j] to watch; default all pairs i < j. */
  readonly pairs?: readonly (readonly [number, number])[];
}

/**
 * A user function g(t, tokens) of the time and the row-major N * D state,
 * evaluated in TypeScript after every accepted step and, when its sign
 * changes, on the step's interpolant to locate the root.
 */
export interface UserEventSpec extends EventSpecBase {
  readonly kind: 'user';
  readonly fn: (t: number, tokens: Float64Array) => number;
  /** A label copied into the event records. */
  readonly name?: string;
}

/** One entry of SolveOptions.events. */
export type EventSpec = CorridorEventSpec | DistanceEventSpec | InnerProductEventSpec | UserEventSpec;

/** An event that happened during a solve. */
export interface EventRecord {
  readonly kind: EventSpec['kind'];
  /** Index of its spec in SolveOptions.events. */
  readonly event: number;
  /** The time, located by root finding on the step's interpolant (to ~1e-13 max(1, |t|) in t). */
  readonly t: number;
  /** Tokens involved: [i] for corridor, [i, j] for pair events, [] for user events. */
  readonly tokens: readonly number[];
  /** The sign change that happened. */
  readonly direction: 'rising' | 'falling';
  readonly terminal: boolean;
  /** Corridor events in 1-D: through the top ('up', x_i = +level) or the bottom ('down'). */
  readonly side?: 'up' | 'down';
  /** The user event's name. */
  readonly name?: string;
}

/**
 * How scores become attention weights. 'softmax': each row of exp(S)
 * normalized (the paper's eq. 4). 'sinkhorn': exp(S) scaled to a doubly
 * stochastic matrix by Sinkhorn iterations in the log domain (Sinkformers,
 * Sander, Ablin, Blondel, Peyre 2022); one iteration is the row softmax.
 */
export type AttentionKind = 'softmax' | 'sinkhorn';

/** The options that choose the attention normalization (FieldOptions and SolveOptions take them). */
export interface AttentionOptions {
  /** Default 'softmax'. */
  readonly attention?: AttentionKind;
  /**
   * Sinkhorn only: the most row normalizations (an integer >= 1; default 1000). Between two of
   * them the columns are normalized; the last step is always a row normalization, so rows sum
   * to 1 up to rounding and 1 iteration is exactly the row softmax.
   */
  readonly sinkhornIterations?: number;
  /** Sinkhorn only: stop once every column sum is within this of 1 (>= 0; default 1e-12; 0 runs every iteration). Sinkhorn converges linearly, slowly when exp(S) spans many orders of magnitude (large beta): raise sinkhornIterations there. */
  readonly sinkhornTolerance?: number;
  /**
   * Softmax attention: which WebAssembly kernel evaluates the field. 'auto' (default) takes the tied
   * kernel for a tied head (one head with W_Q = W_K or both identity, beta > 0, no causal mask: each
   * pair's exponential once; README "Tied heads") and the row-max kernel otherwise; 'row-max' always
   * takes the row-max kernel (to compare the two, or to keep its rounding). Both agree to ~1e-15
   * relative; the row-max kernel also keeps equal tokens bitwise equal (the tied kernels sum each row in
   * an order that depends on the row). The 'js' backend has one kernel and ignores this.
   */
  readonly kernel?: AttentionKernel;
}

/** The softmax kernels: see AttentionOptions.kernel. */
export type AttentionKernel = 'auto' | 'row-max';

/** A row-major matrix given as rows of numbers. */
export type Matrix = readonly (readonly number[])[];

/** N tokens of dimension D, as rows or as a row-major Float64Array. */
export type Tokens = Matrix | { readonly data: Float64Array; readonly n: number; readonly d: number };

/**
 * One attention head. Omitted matrices are identities.
 * - query, key: D x d_k (both the same d_k).
 * - value: D x D, the paper's V_h (D x D/H) folded with its rows of W_O.
 */
export interface Head {
  readonly query?: Matrix;
  readonly key?: Matrix;
  readonly value?: Matrix;
}

/** The attention vector field at one state: what attentionRhs and attentionMatrix take. */
export interface FieldOptions extends AttentionOptions {
  /** The state X, N x D. */
  readonly tokens: Tokens;
  /** Heads; default one head with identity weights. */
  readonly heads?: readonly Head[];
  /** Inverse temperature; default 1 / sqrt(D / H). */
  readonly beta?: number;
  /** Default 'euclidean'. On the sphere the tokens are normalized first. */
  readonly geometry?: Geometry;
  /** Causal (decoder) mask: token i attends only to tokens j <= i. Default false. */
  readonly causal?: boolean;
  /** Default 'float64'; see Precision. */
  readonly precision?: Precision;
}

/** Options of solve(). */
/**
 * The adaptive methods' step-size controller: dopri5.f's PI control (Hairer, Norsett, Wanner I, II.4;
 * Gustafsson). After a step with error norm err <= 1 the next step is
 * h * clamp(safety * err^-alpha * errPrev^beta, minFactor, maxFactor), alpha = 1/(q + 1) - 0.75 beta with q
 * the order of the error estimate and errPrev the previous accepted step's err; a step with err > 1 is
 * rejected and retried with h * max(minFactor, safety * err^-alpha), and the step after a rejection does not
 * grow. beta = 0 is the classic controller of SciPy's `solve_ivp`: dopri5 with `{ beta: 0 }` takes the steps
 * of SciPy's RK45 (and dop853, whose default beta is 0, those of its DOP853).
 */
export interface StepController {
  /** Weight of the previous step's error, in [0, 0.2]; default the method's: 0.04 (dopri5.f) for dopri5 and dopri8, 0 for dop853 (dop853.f). */
  readonly beta?: number;
  /** Safety factor, in (1e-4, 1); default 0.9. */
  readonly safety?: number;
  /** Smallest ratio of a new step to the last, in (0, 1]; default 0.2. */
  readonly minFactor?: number;
  /** Largest ratio of a new step to the last, >= 1; default 10. */
  readonly maxFactor?: number;
}

export interface SolveOptions extends AttentionOptions {
  /** Initial tokens X(0), N x D. On the sphere each row is normalized first. */
  readonly tokens: Tokens;
  /** Heads of a time-independent field; default one head with identity weights. */
  readonly heads?: readonly Head[];
  /** Instead of heads: layers[l] acts on t in [l, l + 1) (the paper's layer l + 1); needs t1 <= layers.length. */
  readonly layers?: readonly (readonly Head[])[];
  /** Inverse temperature; default 1 / sqrt(D / H), H the layer's number of heads. */
  readonly beta?: number;
  /** Default 'euclidean'. */
  readonly geometry?: Geometry;
  /** Causal (decoder) mask: token i attends only to tokens j <= i. Default false. */
  readonly causal?: boolean;
  /**
   * Default 'float64'; 'float32' evaluates the field in float32 (see Precision). The result is good to about
   * 1e-6 relative whatever rtol; below rtol ~ 1e-6 the rounding is noise that may cost extra steps.
   */
  readonly precision?: Precision;
  /** End time (t0 = 0). */
  readonly t1: number;
  /**
   * Times to report, increasing, inside [0, t1]; default [t1]. dopri5 and dop853 interpolate them on their
   * dense outputs (no extra steps); dopri8 and the fixed-step methods end a step at each.
   */
  readonly saveAt?: readonly number[];
  /** Default 'dopri5'. */
  readonly method?: MethodName;
  /** Fixed step for rk4, heun, euler (required there); first trial step for dopri5, dopri8, dop853 (default: chosen by HNW II.4). */
  readonly dt?: number;
  /**
   * Largest step of dopri5, dopri8, dop853 (SciPy's max_step, dopri5.f's HMAX): every attempted step is
   * clipped to it; default none. For flows with features shorter than the steps the error control takes.
   */
  readonly dtMax?: number;
  /** Relative tolerance for the adaptive methods; default 1e-8. */
  readonly rtol?: number;
  /** Absolute tolerance for the adaptive methods; default 1e-10. */
  readonly atol?: number;
  /** Attempted steps (accepted + rejected) allowed over the whole solve; default 100000. */
  readonly maxSteps?: number;
  /** Step-size control of the adaptive methods (see StepController); default dopri5.f's. */
  readonly controller?: StepController;
  /** Also return each head's N x N attention matrix at each save time. */
  readonly saveAttention?: boolean;
  /** Events to locate (see EventSpec); the first terminal one ends the solve. */
  readonly events?: readonly EventSpec[];
  /**
   * Called with the time reached every few accepted steps (for progress bars).
   * The integration is the same, bit for bit, as without it.
   */
  readonly onProgress?: (t: number) => void;
}

/** Counters of a solve. */
export interface SolveStats {
  /** Accepted steps. */
  readonly steps: number;
  /** Rejected steps (adaptive methods). */
  readonly rejected: number;
  /** Evaluations of the attention field (each covers all heads). */
  readonly rhsEvaluations: number;
}

/** What solve() returns. */
export interface Solution {
  readonly status: SolveStatus;
  /** A sentence saying why the solve ended. */
  readonly message: string;
  /** The save times reached (a prefix of saveAt when the solve stopped early). */
  readonly t: Float64Array;
  /** One row-major N * D state per entry of t. */
  readonly tokens: Float64Array[];
  /** When saveAttention: attention[saveIndex][head] is the N x N row-major matrix P_h. */
  readonly attention?: Float64Array[][];
  readonly stats: SolveStats;
  /** Last time reached: t1 on success, the last accepted (finite) time otherwise. */
  readonly finalTime: number;
  /** The state at finalTime, always finite. */
  readonly finalTokens: Float64Array;
  /** The events located, in time order (empty without SolveOptions.events). */
  readonly events: readonly EventRecord[];
  readonly n: number;
  readonly d: number;
  /** The backend that ran the solve. */
  readonly backend: BackendName;
}
