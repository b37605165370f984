// The default engine behind solve(), shared by every entry: each entry's
// init() creates it from that entry's module source.

import {
  analyzeOneDimensional as analyzeOneDimensionalOn,
  type OneDimensionalAnalysis,
  type OneDimensionalOptions,
} from './analysis/one-dimensional.js';
import { createEngineFrom, type Engine, type InitOptions, type WasmModuleSource } from './core.js';
import { AttnflowError } from './errors.js';
import type { JacobianOptions, LipschitzEstimate, LipschitzOptions } from './jacobian.js';
import type { LayerOptions } from './layer.js';
import type { BackendName, FieldOptions, Solution, SolveOptions } from './types.js';

let defaultEngine: Engine | null = null;

/** init() of an entry: replaces the default engine by one from `source`. */
export async function initFrom(source: WasmModuleSource, options: InitOptions = {}): Promise<BackendName> {
  const engine = await createEngineFrom(source, options);
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

/** Independent solves in one batch with the default engine (problem k is `{ ...shared, ...problems[k] }`); see Engine.solveMany. */
export function solveMany(problems: readonly Partial<SolveOptions>[], shared: Partial<SolveOptions> = {}): Solution[] {
  return engine().solveMany(problems, shared);
}

/** f(X) of eq. (7) with the default engine. */
export function attentionRhs(options: FieldOptions): Float64Array {
  return engine().attentionRhs(options);
}

/** The N x N attention matrix P_h of one head with the default engine. */
export function attentionMatrix(options: FieldOptions, head = 0): Float64Array {
  return engine().attentionMatrix(options, head);
}

/**
 * The paper's 1-D analysis (eq. 9-13): per token its fate, corridor exit time
 * with a certificate, and the collapse of attention onto the extreme tokens.
 * Uses the default engine; `analyzeOneDimensionalOn(engine, options)` takes any.
 */
export function analyzeOneDimensional(options: OneDimensionalOptions): OneDimensionalAnalysis {
  return analyzeOneDimensionalOn(engine(), options);
}

export { analyzeOneDimensionalOn };

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
