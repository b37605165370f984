// The public API every entry exports, except init() and createEngine(),
// which each entry binds to its way of obtaining the WebAssembly module.
// New public exports go here, so that every runtime's entry has them.

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
export type {
  AttentionCollapse,
  ExitCertificate,
  OneDimensionalAnalysis,
  OneDimensionalOptions,
  Solver,
  TokenFate,
} from './analysis/one-dimensional.js';
export {
  DEFAULT_PARALLEL_THRESHOLD,
  detectBackend,
  Engine,
  type InitOptions,
  type WasmBuild,
  type WasmModuleSource,
} from './core.js';
export { corridorHalfWidth } from './corridor.js';
export {
  analyzeOneDimensional,
  analyzeOneDimensionalOn,
  attentionJacobian,
  attentionJvp,
  attentionMatrix,
  attentionRhs,
  attentionVjp,
  backend,
  layer,
  lipschitzEstimate,
  solve,
  solveMany,
} from './default-engine.js';
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
