// What each runtime's entry adds to the shared API (src/api.ts): init() and
// createEngine() bound to that runtime's way of obtaining the WebAssembly.

import { createEngineFrom, type Engine, type InitOptions, type WasmModuleSource } from '../core.js';
import { initFrom } from '../default-engine.js';
import type { BackendName } from '../types.js';

/** The entry functions of one runtime. */
export interface EntryFunctions {
  /**
   * Prepares the default engine behind solve(): 'simd' where the runtime
   * validates WebAssembly SIMD, else 'scalar', else the TypeScript 'js'
   * reference. `init({ backend })` forces one. Resolves to the backend's name.
   */
  init(options?: InitOptions): Promise<BackendName>;
  /** Creates an engine independent of the default one, on the given (or detected) backend. */
  createEngine(options?: InitOptions): Promise<Engine>;
}

export function bindEntry(source: WasmModuleSource): EntryFunctions {
  return {
    init: (options: InitOptions = {}) => initFrom(source, options),
    createEngine: (options: InitOptions = {}) => createEngineFrom(source, options),
  };
}
