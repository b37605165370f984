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
export const PROBLEM_PRECISION: i32 = 10; // 0: float64, 1: float32 kernels (PRECISION_*)
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
export const METHOD_TABLE: i32 = 8; // A (s*s), b (s), c (s), e (s), dense (s*degree)

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
export const CONTROL_STATUS: i32 = 16; // out: a STATUS_* code
export const CONTROL_T_REACHED: i32 = 17; // out
export const CONTROL_DT_NEXT: i32 = 18; // out: proposed next step
export const CONTROL_STEPS: i32 = 19; // out: accepted steps
export const CONTROL_REJECTED: i32 = 20; // out
export const CONTROL_RHS_EVALS: i32 = 21; // out
export const CONTROL_N_SAVED: i32 = 22; // out
export const CONTROL_SLOTS: i32 = 24;

export const STATUS_SUCCESS: i32 = 0;
export const STATUS_MAX_STEPS: i32 = 1;
export const STATUS_NON_FINITE: i32 = 2;
export const STATUS_DT_MIN: i32 = 3;

export const GEOMETRY_EUCLIDEAN: i32 = 0;
export const GEOMETRY_SPHERE: i32 = 1;

export const PRECISION_FLOAT64: i32 = 0;
export const PRECISION_FLOAT32: i32 = 1;
