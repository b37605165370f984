// The public API every entry exports, except init() and createEngine(),
// which each entry binds to its way of obtaining the WebAssembly module.
// New public exports go here, so that every runtime's entry has them.

export type {
  AttentionCollapse,
  ExitCertificate,
  OneDimensionalAnalysis,
  OneDimensionalOptions,
  Solver,
  TokenFate,
} from './analysis/one-dimensional.js';
export { detectBackend, Engine, type InitOptions, type WasmModuleSource } from './core.js';
export { corridorHalfWidth } from './corridor.js';
export {
  analyzeOneDimensional,
  analyzeOneDimensionalOn,
  attentionMatrix,
  attentionRhs,
  backend,
  solve,
} from './default-engine.js';
export { AttnflowError, type ErrorCode } from './errors.js';
export type { ButcherTableau } from './solvers/index.js';
export { METHODS } from './solvers/index.js';
export type * from './types.js';
