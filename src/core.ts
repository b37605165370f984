// The runtime-independent core: engines over a backend, created from a
// compiled WebAssembly.Module that the runtime's entry supplies (src/entries/,
// src/index.ts). The core never compiles bytes: workerd and Vercel Edge forbid
// that at run time ("Wasm code generation disallowed by embedder"), so each
// entry decides how its runtime obtains the module.

import type { Backend } from './backend.js';
import { planMany, solveManyOn } from './batch.js';
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
import { ABI } from './wasm/abi.js';
import { WasmBackend } from './wasm/backend.js';
import { hasRelaxedSimd, hasSimd, hasWebAssembly } from './wasm/detect.js';
import { coreCount, sharedMemoryUnavailable, ThreadPool } from './wasm/threads.js';

export const BACKENDS: readonly BackendName[] = ['relaxed', 'simd', 'scalar', 'js'];

/**
 * The WebAssembly builds: relaxed SIMD (fused multiply-add), SIMD, scalar,
 * and SIMD or relaxed SIMD with threads ('simd-threads', 'relaxed-threads':
 * import a shared memory, have atomics; src/wasm/threads.ts).
 */
export type WasmBuild = 'relaxed' | 'simd' | 'scalar' | 'simd-threads' | 'relaxed-threads';

/** Options of init() and createEngine(). */
export interface InitOptions {
  /**
   * Force a backend; default: 'relaxed' where relaxed SIMD validates, else 'simd' where SIMD validates, else
   * 'scalar', else 'js'. 'relaxed' uses fused multiply-adds whose rounding may differ between machines, so
   * its results are not bitwise reproducible across machines: pass `backend: 'simd'` for that.
   */
  readonly backend?: BackendName;
  /**
   * Threads to compute on, the calling thread included; default the core count
   * (os.availableParallelism() in Node, navigator.hardwareConcurrency in
   * browsers). Only the SIMD build uses more than one; where memory cannot be
   * shared the engine runs on one and `engine.description` says why.
   */
  readonly threads?: number;
  /**
   * Smallest field, in N^2 max(D, d_k) H, that one evaluation splits over the
   * threads (smaller ones run on the calling thread: waking workers costs more
   * than it saves); default 2^18. 0 splits every field. Batches (solveMany)
   * always use every thread.
   */
  readonly parallelThreshold?: number;
}

/** Default parallelThreshold: a 64 x 64 field (~70 us on one core) is the smallest worth splitting. */
export const DEFAULT_PARALLEL_THRESHOLD = 2 ** 18;

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

  /** Threads this engine computes on, the calling thread included (1 unless SIMD with shared memory). */
  get threads(): number {
    return this.backendImpl.threads ?? 1;
  }

  /** The backend and its threads in words, e.g. "simd, 2 threads (...)", with the reason for one thread when more were asked. */
  get description(): string {
    return this.backendImpl.description ?? this.backendImpl.name;
  }

  /** Integrates the attention flow; see SolveOptions. Synchronous. */
  solve(options: SolveOptions): Solution {
    return solveOn(this.impl, options);
  }

  /**
   * Independent solves in one call: problem k is `{ ...shared, ...problems[k] }`.
   * Every problem is checked before any runs. On WebAssembly backends the
   * solves without layers, events, Sinkhorn attention or saveAttention run as
   * one batch spread over the engine's threads, with no per-solve layout; each
   * result equals what solve() returns for that problem, bit for bit.
   */
  solveMany(problems: readonly Partial<SolveOptions>[], shared: Partial<SolveOptions> = {}): Solution[] {
    return solveManyOn(this.impl, planMany(problems, shared));
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
  const forced = options.backend !== undefined;
  const name = oneOf(options.backend ?? detectBackend(), BACKENDS, 'backend');
  const threads = await threadCount(options.threads);
  const threshold = options.parallelThreshold ?? DEFAULT_PARALLEL_THRESHOLD;
  if (!(Number.isFinite(threshold) && threshold >= 0)) {
    throw new AttnflowError('invalid_value', 'parallelThreshold', `must be a number >= 0, got ${threshold}`);
  }
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
    if (name !== 'relaxed' || forced) throw error;
    build = 'simd';
    module = await source(build);
  }
  if (!(module instanceof WebAssembly.Module) && Object.prototype.toString.call(module) !== '[object WebAssembly.Module]') {
    throw new AttnflowError('backend_unavailable', 'backend', `the '${build}' module source gave no compiled WebAssembly.Module`);
  }
  let backendName = build as BackendName;
  if (threads > 1) {
    let why =
      build === 'simd' || build === 'relaxed'
        ? sharedMemoryUnavailable()
        : `multi-threading needs SIMD (the threads builds are SIMD builds), and this engine is '${build}'`;
    if (why === null) {
      try {
        const pool = await startPool(source, build === 'relaxed' && !forced, build === 'relaxed', threads);
        backendName = pool.build === 'relaxed-threads' ? 'relaxed' : 'simd';
        const description = `${backendName}, ${threads} threads (one shared WebAssembly.Memory, ${threads - 1} workers)`;
        return new Engine(new WasmBackend(module, backendName, { pool: pool.pool, minParallelWork: threshold }, description));
      } catch (e) {
        why = `the worker threads failed to start (${e instanceof Error ? e.message : String(e)})`;
      }
    }
    return new Engine(new WasmBackend(module, backendName, null, `${build}, 1 thread of ${threads} asked: ${why}`));
  }
  return new Engine(new WasmBackend(module, backendName, null, `${build}, 1 thread`));
}

/**
 * The thread pool on the threads build matching the engine's: 'relaxed-threads' for relaxed SIMD, else
 * 'simd-threads'. A detected (not forced) relaxed engine whose entry lacks 'relaxed-threads' runs on
 * 'simd-threads' (threads are worth more than fused multiply-adds).
 */
async function startPool(
  source: WasmModuleSource,
  mayFallBack: boolean,
  relaxed: boolean,
  threads: number,
): Promise<{ pool: ThreadPool; build: WasmBuild }> {
  if (relaxed) {
    try {
      return { pool: await ThreadPool.create(await source('relaxed-threads'), threads), build: 'relaxed-threads' };
    } catch (error) {
      if (!mayFallBack) throw error;
    }
  }
  return { pool: await ThreadPool.create(await source('simd-threads'), threads), build: 'simd-threads' };
}

async function threadCount(threads: number | undefined): Promise<number> {
  const most = ABI.POOL_MAX_THREADS;
  if (threads === undefined) return Math.min(await coreCount(), most);
  if (!Number.isInteger(threads) || threads < 1 || threads > most) {
    throw new AttnflowError('invalid_value', 'threads', `must be an integer in [1, ${most}], got ${threads}`);
  }
  return threads;
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
