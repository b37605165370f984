// The flat ABI between TypeScript and this module: three records of float64
// slots that TypeScript writes into linear memory before a call. Pointers and
// counts are stored as float64 (exact below 2^53). TypeScript mirrors these
// slot numbers in src/wasm/abi.ts; test/abi.test.ts checks both builds export
// exactly these values.

// Problem record: the attention vector field of one layer.
export const PROBLEM_N: i32 = 0; // tokens
export const PROBLEM_D: i32 = 1; // dimension
export const PROBLEM_HEADS: i32 = 2; // number of heads H
export const PROBLEM_BETA: i32 = 3; // inverse temperature
export const PROBLEM_GEOMETRY: i32 = 4; // 0 euclidean, 1 sphere
export const PROBLEM_SCRATCH: i32 = 5; // pointer to attentionScratchBytes(n, d, dk) bytes
export const PROBLEM_CAUSAL: i32 = 6; // 1: token i attends only to j <= i (decoder mask)
export const PROBLEM_ATTENTION: i32 = 7; // 0 softmax rows, 1 Sinkhorn (doubly stochastic)
export const PROBLEM_SINKHORN_ITERATIONS: i32 = 8; // most row normalizations, >= 1
export const PROBLEM_SINKHORN_TOLERANCE: i32 = 9; // stop when every column sum is within this of 1
export const PROBLEM_SINKHORN_SCRATCH: i32 = 10; // pointer to sinkhornScratchBytes(n, d, dk) bytes
export const PROBLEM_PRECISION: i32 = 11; // 0: float64, 1: float32 kernels (PRECISION_*)
export const PROBLEM_KERNEL: i32 = 14; // softmax kernel choice: KERNEL_AUTO (tied where it applies) or KERNEL_ROW_MAX
export const PROBLEM_HEAD0: i32 = 16; // first head's slots (6..15 are reserved for field options)
export const HEAD_STRIDE: i32 = 4; // slots per head
export const HEAD_DK: i32 = 0; // key/query width d_k
export const HEAD_QUERY: i32 = 1; // pointer to Q (D x d_k), 0 = identity
export const HEAD_KEY: i32 = 2; // pointer to K (D x d_k), 0 = identity
export const HEAD_VALUE: i32 = 3; // pointer to V (D x D), 0 = identity

// Method record: an explicit Runge-Kutta tableau.
export const METHOD_STAGES: i32 = 0; // s
export const METHOD_ADAPTIVE: i32 = 1; // 1: error-controlled steps
export const METHOD_ERROR_ORDER: i32 = 2; // order q of the embedded estimate
export const METHOD_FSAL: i32 = 3; // 1: last stage is f(y_new)
export const METHOD_DENSE_DEGREE: i32 = 4; // degree of the dense-output polynomials, 0: none
export const METHOD_ERROR_KIND: i32 = 5; // 0: RMS of h sum e_i k_i; 1: DOP853's estimate from e (e5) and e3
export const METHOD_DENSE_STAGES: i32 = 6; // S >= s: stages of the dense output (S - s evaluated after a step, when interpolated)
export const METHOD_DENSE_SAVES: i32 = 7; // 1: save points are interpolated; 0: steps end at them (events still interpolate)
export const METHOD_TABLE: i32 = 8; // A (s*s), b (s), c (s), e (s), dense (S*degree), e3 (s), extra A ((S-s)*S)

// Control record: one solve segment, inputs then outputs.
export const CONTROL_T0: i32 = 0;
export const CONTROL_T1: i32 = 1;
export const CONTROL_DT: i32 = 2; // fixed step, or first trial step (0: choose, HNW II.4)
export const CONTROL_RTOL: i32 = 3;
export const CONTROL_ATOL: i32 = 4;
export const CONTROL_MAX_STEPS: i32 = 5; // attempted steps allowed in this segment
export const CONTROL_N_SAVE: i32 = 6;
export const CONTROL_SAVE_TIMES: i32 = 7; // pointer, sorted, inside (t0, t1]
export const CONTROL_SAVE_OUT: i32 = 8; // pointer, n_save * N * D
export const CONTROL_STATE: i32 = 9; // pointer, N * D, in: y(t0), out: y(t reached)
export const CONTROL_WORK: i32 = 10; // pointer, (s + 2) * N * D
export const CONTROL_FACOLD: i32 = 11; // PI controller memory, in and out
// The step-size controller (dopri5.f's PI control): h_new = h err^-alpha facold^beta safety, with
// alpha = 1/(q+1) - 0.75 beta, the ratio h_new / h kept in [FAC_MIN, FAC_MAX].
export const CONTROL_PI_BETA: i32 = 12; // beta, weight of the previous error (0.04: dopri5.f; 0: I control)
export const CONTROL_SAFETY: i32 = 13; // safety factor (0.9)
export const CONTROL_FAC_MIN: i32 = 14; // smallest h_new / h (0.2)
export const CONTROL_FAC_MAX: i32 = 15; // largest h_new / h (10)
export const CONTROL_STATUS: i32 = 16; // out: a STATUS_* code
export const CONTROL_T_REACHED: i32 = 17; // out
export const CONTROL_DT_NEXT: i32 = 18; // out: proposed next step
export const CONTROL_STEPS: i32 = 19; // out: accepted steps
export const CONTROL_REJECTED: i32 = 20; // out
export const CONTROL_RHS_EVALS: i32 = 21; // out
export const CONTROL_N_SAVED: i32 = 22; // out
// Events (assembly/events.ts). Inputs:
export const CONTROL_EVENT_GROUPS: i32 = 24; // pointer to n_groups event records (EVENT_*)
export const CONTROL_N_EVENT_GROUPS: i32 = 25;
export const CONTROL_EVENT_VALUES: i32 = 26; // pointer, one float64 per event function: g at the current state
export const CONTROL_EVENT_WORK: i32 = 27; // pointer to eventWorkBytes(n, d, s, functions) bytes, 0: keep no step
export const CONTROL_EVENT_OUT: i32 = 28; // pointer, EVENT_RECORD_SLOTS float64 per located event
export const CONTROL_EVENT_CAPACITY: i32 = 29; // records that fit at EVENT_OUT (>= the number of event functions)
export const CONTROL_RESUME: i32 = 30; // 1: continuing a segment, work holds f(y) and EVENT_VALUES are g(y)
export const CONTROL_STEP_LIMIT: i32 = 31; // return after this many accepted steps, 0: no limit
// Outputs:
export const CONTROL_N_EVENTS: i32 = 32; // event records written at EVENT_OUT by this call
export const CONTROL_STEP_START: i32 = 33; // the last accepted step is [STEP_START, STEP_END] ...
export const CONTROL_STEP_END: i32 = 34; // ... (rkInterpolate evaluates it; needs EVENT_WORK)
// Input:
export const CONTROL_DT_MAX: i32 = 35; // largest attempted step of an adaptive method (Infinity: none)
export const CONTROL_SLOTS: i32 = 40;

// Event record: one group of built-in event functions of the same kind.
export const EVENT_KIND: i32 = 0; // an EVENT_KIND_* code
export const EVENT_LEVEL: i32 = 1; // corridor level, distance, or inner-product threshold
export const EVENT_DIRECTION: i32 = 2; // 1 rising, -1 falling, 0 either
export const EVENT_TERMINAL: i32 = 3; // 1: stop the solve at the first one located
export const EVENT_COUNT: i32 = 4; // event functions in the group
export const EVENT_TARGETS: i32 = 5; // pointer to token indices (1 per corridor function, 2 per pair), 0: all
export const EVENT_STRIDE: i32 = 8; // slots per group
export const EVENT_KIND_CORRIDOR: i32 = 1; // g = |x_i| - level
export const EVENT_KIND_DISTANCE: i32 = 2; // g = level^2 - |x_i - x_j|^2
export const EVENT_KIND_INNER_PRODUCT: i32 = 3; // g = <x_i, x_j> - level
// A located event, written at EVENT_OUT in time order:
export const EVENT_RECORD_FUNCTION: i32 = 0; // index of the event function (groups in order, then targets)
export const EVENT_RECORD_T: i32 = 1; // its time
export const EVENT_RECORD_DIRECTION: i32 = 2; // 1 rising, -1 falling
export const EVENT_RECORD_SIGN: i32 = 3; // sign of the first coordinate of token i at t (corridor events)
export const EVENT_RECORD_SLOTS: i32 = 4;

export const STATUS_SUCCESS: i32 = 0;
export const STATUS_MAX_STEPS: i32 = 1;
export const STATUS_NON_FINITE: i32 = 2;
export const STATUS_DT_MIN: i32 = 3;
export const STATUS_EVENT: i32 = 4; // a terminal event fired; the state is the one at its time

export const GEOMETRY_EUCLIDEAN: i32 = 0;
export const GEOMETRY_SPHERE: i32 = 1;

export const ATTENTION_SOFTMAX: i32 = 0;
export const ATTENTION_SINKHORN: i32 = 1;
export const PRECISION_FLOAT64: i32 = 0;
export const PRECISION_FLOAT32: i32 = 1;

// Kernel choices (PROBLEM_KERNEL).
export const KERNEL_AUTO: i32 = 0; // the tied kernel (tied.ts) where it applies, else the row-max kernel
export const KERNEL_ROW_MAX: i32 = 1; // always the row-max kernel (attention.ts)
