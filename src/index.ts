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
import type { BackendName, FieldOptions, Solution, SolveOptions } from './types.js';

export { corridorHalfWidth } from './corridor.js';
export { createEngine, DEFAULT_PARALLEL_THRESHOLD, detectBackend, Engine, type InitOptions } from './engine.js';
export { AttnflowError, type ErrorCode } from './errors.js';
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
