// createEngine() of the default entry (base64-inlined WebAssembly), kept at
// this path for code inside the repository (tests, benchmarks, the CLI).

import { createEngineFrom, type Engine, type InitOptions } from './core.js';
import { inlineModules } from './wasm/load.js';

export { BACKENDS, DEFAULT_PARALLEL_THRESHOLD, detectBackend, Engine, type InitOptions } from './core.js';

/** Creates an engine on the given (or detected) backend, from the inlined WebAssembly. */
export function createEngine(options: InitOptions = {}): Promise<Engine> {
  return createEngineFrom(inlineModules, options);
}
