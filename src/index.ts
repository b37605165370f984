/**
 * attnflow: self-attention as a dynamical system. Tokens are particles, depth
 * is time, and attention moves them (Gisin 2025, eq. 7).
 *
 * ```ts
 * import { init, solve } from 'attnflow';
 * await init();
 * const sol = solve({ tokens: [[-1], [0.5], [2]], t1: 8 });
 * ```
 * @packageDocumentation
 */

import { createEngine, type Engine, type InitOptions } from './engine.js';
import { AttnflowError } from './errors.js';
import type { JacobianOptions, LipschitzEstimate, LipschitzOptions } from './jacobian.js';
import type { LayerOptions } from './layer.js';
import type { BackendName, FieldOptions, Solution, SolveOptions } from './types.js';

export {
  type GrowthOptions,
  type LipschitzGrowth,
  lipschitzGrowth,
  type NormalizedPairMaximum,
  normalizedPairJacobian,
  normalizedPairMaximum,
  type SphereBound,
  type SphereCheck,
  spectralNorm,
  sphereLipschitzBound,
  sphereLipschitzCheck,
} from './analysis/lipschitz.js';
export {
  angleHistogram,
  type Clusters,
  type ClusterThreshold,
  clusterCount,
  clusters,
  type Histogram,
  type HistogramOptions,
  histogram,
  interactionEnergy,
  spread,
} from './analysis/measures.js';
export { corridorHalfWidth } from './corridor.js';
export { createEngine, detectBackend, Engine, type InitOptions } from './engine.js';
export { AttnflowError, type ErrorCode } from './errors.js';
export type { JacobianOptions, LipschitzEstimate, LipschitzOptions } from './jacobian.js';
export {
  foldOutput,
  type LayerHead,
  type LayerOptions,
  type PositionOptions,
  sinusoidalPositions,
  withPositions,
} from './layer.js';
export type { ButcherTableau } from './solvers/index.js';
export { METHODS } from './solvers/index.js';
export type * from './types.js';

let defaultEngine: Engine | null = null;

/**
 * Prepares the default engine behind solve(): 'simd' where the runtime
 * validates WebAssembly SIMD, else 'scalar', else the TypeScript 'js'
 * reference. `init({ backend })` forces one. Resolves to the backend's name.
 */
export async function init(options: InitOptions = {}): Promise<BackendName> {
  const engine = await createEngine(options);
  defaultEngine?.dispose();
  defaultEngine = engine;
  return engine.backend;
}

function engine(): Engine {
  if (defaultEngine === null) throw new AttnflowError('not_initialized', '', 'call `await init()` before solve()');
  return defaultEngine;
}

/** The default engine's backend, or null before init(). */
export function backend(): BackendName | null {
  return defaultEngine?.backend ?? null;
}

/** Integrates the attention flow with the default engine. See SolveOptions and Solution. */
export function solve(options: SolveOptions): Solution {
  return engine().solve(options);
}

/** f(X) of eq. (7) with the default engine. */
export function attentionRhs(options: FieldOptions): Float64Array {
  return engine().attentionRhs(options);
}

/** The N x N attention matrix P_h of one head with the default engine. */
export function attentionMatrix(options: FieldOptions, head = 0): Float64Array {
  return engine().attentionMatrix(options, head);
}

/** The full ND x ND Jacobian of the field with the default engine (row-major, d f_{i,a} / d x_{k,b}). */
export function attentionJacobian(options: JacobianOptions): Float64Array {
  return engine().attentionJacobian(options);
}

/** J v without forming J, with the default engine. */
export function attentionJvp(options: JacobianOptions, v: Float64Array | readonly (readonly number[])[]): Float64Array {
  return engine().attentionJvp(options, v);
}

/** J^T u without forming J, with the default engine. */
export function attentionVjp(options: JacobianOptions, u: Float64Array | readonly (readonly number[])[]): Float64Array {
  return engine().attentionVjp(options, u);
}

/** The local Lipschitz constant (spectral norm of J) by power iteration, with the default engine. */
export function lipschitzEstimate(options: JacobianOptions, settings?: LipschitzOptions): LipschitzEstimate {
  return engine().lipschitzEstimate(options, settings);
}

/** Phi(X) of the discrete layer (eqs. 1-2) with the default engine. */
export function layer(options: LayerOptions): Float64Array {
  return engine().layer(options);
}
