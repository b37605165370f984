// The runtime-independent core: engines over a backend, created from a
// compiled WebAssembly.Module that the runtime's entry supplies (src/entries/,
// src/index.ts). The core never compiles bytes: workerd and Vercel Edge forbid
// that at run time ("Wasm code generation disallowed by embedder"), so each
// entry decides how its runtime obtains the module.

import type { Backend } from './backend.js';
import { AttnflowError } from './errors.js';
import {
  type JacobianOptions,
  jacobianOn,
  type LipschitzEstimate,
  type LipschitzOptions,
  lipschitzOn,
  productOn,
} from './jacobian.js';
import { type LayerOptions, layerOn } from './layer.js';
import { fieldProblem, oneOf } from './problem.js';
import { createReferenceBackend } from './reference/integrate.js';
import { solveOn } from './solve.js';
import type { BackendName, FieldOptions, Solution, SolveOptions } from './types.js';
import { WasmBackend } from './wasm/backend.js';
import { hasRelaxedSimd, hasSimd, hasWebAssembly } from './wasm/detect.js';

export const BACKENDS: readonly BackendName[] = ['relaxed', 'simd', 'scalar', 'js'];

/** The WebAssembly builds: relaxed SIMD (fused multiply-add), SIMD, scalar. */
export type WasmBuild = 'relaxed' | 'simd' | 'scalar';

/** Options of init() and createEngine(). */
export interface InitOptions {
  /**
   * Force a backend; default: 'relaxed' where relaxed SIMD validates, else 'simd' where SIMD validates, else
   * 'scalar', else 'js'. 'relaxed' uses fused multiply-adds whose rounding may differ between machines, so
   * its results are not bitwise reproducible across machines: pass `backend: 'simd'` for that.
   */
  readonly backend?: BackendName;
}

/**
 * How an entry obtains the compiled module of a build: imported as a module
 * (workerd, edge), fetched (browsers, Deno), read from disk (Node) or decoded
 * from base64 (the default entry). Called at most once per build by createEngineFrom's callers' caches.
 */
export type WasmModuleSource = (build: WasmBuild) => Promise<WebAssembly.Module>;

/**
 * The backend init() picks on this runtime: 'relaxed' if WebAssembly.validate accepts a relaxed-SIMD probe
 * (f64x2.relaxed_madd), else 'simd' if it accepts a v128 probe, else 'scalar', else 'js'.
 */
export function detectBackend(): BackendName {
  if (hasRelaxedSimd()) return 'relaxed';
  if (hasSimd()) return 'simd';
  if (hasWebAssembly()) return 'scalar';
  return 'js';
}

/** A solver bound to one backend. Independent of every other engine. */
export class Engine {
  private disposed = false;

  constructor(private readonly backendImpl: Backend) {}

  private get impl(): Backend {
    if (this.disposed) throw new AttnflowError('disposed', '', `this ${this.backendImpl.name} engine was disposed`);
    return this.backendImpl;
  }

  /** 'relaxed', 'simd', 'scalar' or 'js'. */
  get backend(): BackendName {
    return this.backendImpl.name;
  }

  /** Integrates the attention flow; see SolveOptions. Synchronous. */
  solve(options: SolveOptions): Solution {
    return solveOn(this.impl, options);
  }

  /** f(X) of eq. (7): the velocity of every token, N * D row-major (projected on the sphere's tangent spaces there). */
  attentionRhs(options: FieldOptions): Float64Array {
    const { problem, x } = fieldProblem(options);
    return this.impl.attentionRhs(problem, 0, x);
  }

  /** P_h(X), the N x N row-stochastic attention matrix of head `head`, row-major. */
  attentionMatrix(options: FieldOptions, head = 0): Float64Array {
    const { problem, x } = fieldProblem(options);
    const heads = problem.layers[0].heads.length;
    if (!Number.isInteger(head) || head < 0 || head >= heads) {
      throw new AttnflowError('invalid_value', 'head', `must be an integer in [0, ${heads - 1}], got ${head}`);
    }
    return this.impl.attentionMatrix(problem, 0, x, head);
  }

  /**
   * The full ND x ND Jacobian of the field, row-major:
   * J[(i D + a) N D + k D + b] = d f_{i,a} / d x_{k,b} (see JacobianOptions for the sphere).
   */
  attentionJacobian(options: JacobianOptions): Float64Array {
    return jacobianOn(this.impl, options);
  }

  /** J v without forming J (v: N x D, as rows or row-major). O(N D + N) memory, O(N^2 D) time. */
  attentionJvp(options: JacobianOptions, v: Float64Array | readonly (readonly number[])[]): Float64Array {
    return productOn(this.impl, options, v, false);
  }

  /** J^T u without forming J (u: N x D, as rows or row-major). */
  attentionVjp(options: JacobianOptions, u: Float64Array | readonly (readonly number[])[]): Float64Array {
    return productOn(this.impl, options, u, true);
  }

  /** The spectral norm of J, the local Lipschitz constant, by power iteration on J^T J. */
  lipschitzEstimate(options: JacobianOptions, settings?: LipschitzOptions): LipschitzEstimate {
    return lipschitzOn(this.impl, options, settings);
  }

  /** Phi(X) of the discrete layer, eqs. (1)-(2) (without the residual X). */
  layer(options: LayerOptions): Float64Array {
    return layerOn(this, options);
  }

  /** Bytes of WebAssembly linear memory this engine holds (0 for 'js'); it grows only for a larger problem than any before. */
  get memoryBytes(): number {
    return this.impl.memoryBytes;
  }

  /** Releases the engine; later calls throw. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.backendImpl.dispose();
  }
}

/** Creates an engine on the given (or detected) backend, taking WebAssembly modules from `source`. */
export async function createEngineFrom(source: WasmModuleSource, options: InitOptions = {}): Promise<Engine> {
  const name = oneOf(options.backend ?? detectBackend(), BACKENDS, 'backend');
  if (name === 'js') return new Engine(createReferenceBackend());
  if (!hasWebAssembly())
    throw new AttnflowError('backend_unavailable', 'backend', `'${name}' needs WebAssembly, which this runtime lacks`);
  if (name === 'simd' && !hasSimd()) {
    throw new AttnflowError(
      'backend_unavailable',
      'backend',
      "'simd' needs WebAssembly SIMD, which this runtime does not validate; use 'scalar'",
    );
  }
  if (name === 'relaxed' && !hasRelaxedSimd()) {
    throw new AttnflowError(
      'backend_unavailable',
      'backend',
      "'relaxed' needs WebAssembly relaxed SIMD, which this runtime does not validate (Node 20 needs --experimental-wasm-relaxed-simd); use 'simd'",
    );
  }
  let build: WasmBuild = name;
  let module: WebAssembly.Module;
  try {
    module = await source(build);
  } catch (error) {
    // An entry may ship without the relaxed build (workerd, edge): detected, not forced, falls back to SIMD.
    if (name !== 'relaxed' || options.backend !== undefined) throw error;
    build = 'simd';
    module = await source(build);
  }
  if (!(module instanceof WebAssembly.Module) && Object.prototype.toString.call(module) !== '[object WebAssembly.Module]') {
    throw new AttnflowError('backend_unavailable', 'backend', `the '${name}' module source gave no compiled WebAssembly.Module`);
  }
  return new Engine(new WasmBackend(module, build));
}

/** Wraps a source so that each build is obtained once (a failed attempt is retried next time). */
export function cachedSource(source: WasmModuleSource): WasmModuleSource {
  const cache = new Map<WasmBuild, Promise<WebAssembly.Module>>();
  return (build) => {
    let m = cache.get(build);
    if (!m) {
      m = source(build);
      cache.set(build, m);
      m.catch(() => cache.delete(build));
    }
    return m;
  };
}
