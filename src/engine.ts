// Engines: one backend each, created asynchronously (WASM compiles), then
// used synchronously. init() makes the default engine behind solve().

import type { Backend } from './backend.js';
import { AttnflowError } from './errors.js';
import { fieldProblem, oneOf } from './problem.js';
import { createReferenceBackend } from './reference/integrate.js';
import { solveOn } from './solve.js';
import type { BackendName, FieldOptions, Solution, SolveOptions } from './types.js';
import { WasmBackend } from './wasm/backend.js';
import { hasRelaxedSimd, hasSimd, hasWebAssembly } from './wasm/detect.js';
import { wasmModule } from './wasm/load.js';

export const BACKENDS: readonly BackendName[] = ['relaxed', 'simd', 'scalar', 'js'];

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

/** Creates an engine on the given (or detected) backend. */
export async function createEngine(options: InitOptions = {}): Promise<Engine> {
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
  return new Engine(new WasmBackend(await wasmModule(name), name));
}
