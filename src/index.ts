/**
 * attnflow: self-attention as a dynamical system. Tokens are particles, depth
 * is time, and attention moves them (Gisin 2025, eq. 7).
 *
 * ```ts
 * import { init, solve } from 'attnflow';
 * await init();
 * const sol = solve({ tokens: [[-1], [0.5], [2]], t1: 8 });
 * ```
 *
 * This is the default entry (WebAssembly inlined as base64). The package's
 * `exports` map sends workerd, edge-light, browsers, Deno and Node to entries
 * with the same API that load the `.wasm` files their own way (src/entries/).
 * @packageDocumentation
 */

import { createEngineFrom, type Engine, type InitOptions } from './core.js';
import { initFrom } from './default-engine.js';
import type { BackendName } from './types.js';
import { inlineModules } from './wasm/load.js';

export * from './api.js';

/**
 * Prepares the default engine behind solve(): 'simd' where the runtime
 * validates WebAssembly SIMD, else 'scalar', else the TypeScript 'js'
 * reference. `init({ backend })` forces one. Resolves to the backend's name.
 */
export function init(options: InitOptions = {}): Promise<BackendName> {
  return initFrom(inlineModules, options);
}

/** Creates an engine independent of the default one, on the given (or detected) backend. */
export function createEngine(options: InitOptions = {}): Promise<Engine> {
  return createEngineFrom(inlineModules, options);
}
