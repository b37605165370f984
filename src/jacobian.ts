// The Jacobian of the attention field as public API: option checking, the
// full matrix, Jacobian-vector products, and the spectral norm by power
// iteration on J^T J (the local Lipschitz constant). The kernels are
// assembly/jacobian.ts (simd, scalar) and src/reference/jacobian.ts (js).

import type { Backend } from './backend.js';
import { AttnflowError } from './errors.js';
import { rejectUnknownKeys } from './keys.js';
import { type FlatProblem, fieldProblem, finite, firstNonFinite, positiveInteger } from './problem.js';
import { normal, seededRandom } from './random.js';
import type { Geometry, Head, Tokens } from './types.js';

/**
 * The field whose Jacobian is taken: f(X) = sum_h softmax_rows(beta (X Q_h)(X K_h)^T) X V_h
 * (eq. 7), or on the sphere F_i(X) = f_i(X) - <x_i, f_i(X)> x_i, differentiated as a map of
 * R^{N x D} (the projection's own derivative with respect to x_i included) at the tokens put on
 * the sphere.
 */
export interface JacobianOptions {
  readonly tokens: Tokens;
  readonly heads?: readonly Head[];
  readonly beta?: number;
  readonly geometry?: Geometry;
}

const JACOBIAN_KEYS: readonly (keyof JacobianOptions)[] = ['tokens', 'heads', 'beta', 'geometry'];

/** Options of lipschitzEstimate(). */
export interface LipschitzOptions {
  /** Most power iterations (products J^T J v); default 500. */
  readonly maxIterations?: number;
  /** Stop when the estimate changes by at most this, relative; default 1e-10. */
  readonly tolerance?: number;
  /** Seed of the random start vector; default 1. */
  readonly seed?: number;
}

/** What lipschitzEstimate() returns. */
export interface LipschitzEstimate {
  /** sigma = |J v| for the last unit v: the largest singular value of J, from below. */
  readonly value: number;
  /** Power iterations done. */
  readonly iterations: number;
  /** Whether the relative change fell below the tolerance before maxIterations. */
  readonly converged: boolean;
  /** |J^T J v - sigma^2 v|: some eigenvalue of J^T J lies within this of sigma^2 (symmetric matrix). */
  readonly residual: number;
  /** The last unit vector v (N x D row-major): the estimated top right singular vector. */
  readonly vector: Float64Array;
}

/** Checks the options; the field's tokens (on the sphere: normalized) and flat problem. */
export function jacobianProblem(options: JacobianOptions): { problem: FlatProblem; x: Float64Array } {
  if (options === null || typeof options !== 'object') throw new AttnflowError('invalid_option', '', 'options must be an object');
  rejectUnknownKeys(options, JACOBIAN_KEYS, '');
  return fieldProblem(options);
}

function checkFinite(values: Float64Array, what: string): Float64Array {
  for (let l = 0; l < values.length; l++) {
    if (!Number.isFinite(values[l])) {
      throw new AttnflowError(
        'non_finite',
        'tokens',
        `${what} is not finite at these tokens: the scores x_i^T A x_j overflow float64`,
      );
    }
  }
  return values;
}

/** A vector of N x D numbers as a Float64Array, checked. */
function flatVector(v: Float64Array | readonly (readonly number[])[], n: number, d: number, path: string): Float64Array {
  let out: Float64Array;
  if (v instanceof Float64Array) out = v.slice();
  else if (Array.isArray(v) && v.length === n) out = Float64Array.from(v.flatMap((r) => (Array.isArray(r) ? r : [])));
  else throw new AttnflowError('invalid_shape', path, `must be a Float64Array of N * D = ${n * d} numbers or N = ${n} rows`);
  if (out.length !== n * d) throw new AttnflowError('invalid_shape', path, `has ${out.length} numbers, N * D = ${n * d}`);
  const bad = firstNonFinite(out);
  if (bad >= 0) finite(out[bad], `${path}[${bad}]`);
  return out;
}

/** The full ND x ND Jacobian on a backend. */
export function jacobianOn(backend: Backend, options: JacobianOptions): Float64Array {
  const { problem, x } = jacobianProblem(options);
  return checkFinite(backend.attentionJacobian(problem, 0, x), 'the Jacobian');
}

/** J v or J^T v on a backend. */
export function productOn(
  backend: Backend,
  options: JacobianOptions,
  v: Float64Array | readonly (readonly number[])[],
  transpose: boolean,
): Float64Array {
  const { problem, x } = jacobianProblem(options);
  const vec = flatVector(v, problem.n, problem.d, transpose ? 'u' : 'v');
  const lin = backend.linearize(problem, 0, x);
  return checkFinite(transpose ? lin.vjp(vec) : lin.jvp(vec), transpose ? 'J^T u' : 'J v');
}

function norm(v: Float64Array): number {
  let s = 0;
  for (let l = 0; l < v.length; l++) s += v[l] * v[l];
  return Math.sqrt(s);
}

/**
 * The spectral norm of J (the local Lipschitz constant of the field at the
 * tokens) by power iteration on J^T J (Golub and Van Loan, Matrix
 * Computations, 4th ed., Section 8.2.1), each step one JVP and one VJP:
 * O(N D + N) memory and O(N^2 D) time per step.
 */
export function lipschitzOn(backend: Backend, options: JacobianOptions, settings: LipschitzOptions = {}): LipschitzEstimate {
  const { problem, x } = jacobianProblem(options);
  if (settings === null || typeof settings !== 'object')
    throw new AttnflowError('invalid_option', 'settings', 'must be an object');
  rejectUnknownKeys(settings, ['maxIterations', 'tolerance', 'seed'], 'settings');
  const maxIterations = settings.maxIterations === undefined ? 500 : positiveInteger(settings.maxIterations, 'maxIterations');
  const tolerance = settings.tolerance === undefined ? 1e-10 : finite(settings.tolerance, 'tolerance');
  if (tolerance < 0) throw new AttnflowError('invalid_value', 'tolerance', `must be >= 0, got ${tolerance}`);
  const random = seededRandom(settings.seed === undefined ? 1 : finite(settings.seed, 'seed'));
  const m = problem.n * problem.d;
  let v = Float64Array.from({ length: m }, () => normal(random));
  const n0 = norm(v);
  v = v.map((e) => e / n0);
  const lin = backend.linearize(problem, 0, x);
  let sigma = 0;
  let residual = 0;
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    const w = checkFinite(lin.jvp(v), 'J v');
    const z = checkFinite(lin.vjp(w), 'J^T u');
    iterations++;
    const next = norm(w);
    const lambda = next * next; // <v, J^T J v>
    let r = 0;
    for (let l = 0; l < m; l++) r += (z[l] - lambda * v[l]) ** 2;
    residual = Math.sqrt(r);
    const zNorm = norm(z);
    const change = Math.abs(next - sigma);
    sigma = next;
    if (zNorm === 0) {
      converged = true; // J v = 0 for this v and J^T J v = 0: sigma = 0 on this vector
      break;
    }
    if (iterations > 1 && change <= tolerance * sigma) {
      converged = true;
      break;
    }
    v = z.map((e) => e / zNorm);
  }
  return { value: sigma, iterations, converged, residual, vector: v };
}
