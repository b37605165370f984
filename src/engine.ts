// Engines: one backend each, created asynchronously (WASM compiles), then
// used synchronously. init() makes the default engine behind solve().

import type { Backend } from './backend.js';
import { planMany, solveManyOn } from './batch.js';
import { AttnflowError } from './errors.js';
import { fieldProblem, oneOf } from './problem.js';
import { createReferenceBackend } from './reference/integrate.js';
import { solveOn } from './solve.js';
import type { BackendName, FieldOptions, Solution, SolveOptions } from './types.js';
import { ABI } from './wasm/abi.js';
import { WasmBackend } from './wasm/backend.js';
import { hasSimd, hasWebAssembly } from './wasm/detect.js';
import { wasmModule } from './wasm/load.js';
import { coreCount, sharedMemoryUnavailable, ThreadPool } from './wasm/threads.js';

export const BACKENDS: readonly BackendName[] = ['simd', 'scalar', 'js'];

/** Options of init() and createEngine(). */
export interface InitOptions {
  /** Force a backend; default: 'simd' where SIMD validates, else 'scalar', else 'js'. */
  readonly backend?: BackendName;
  /**
   * Threads to compute on, the calling thread included; default the core count
   * (os.availableParallelism() in Node, navigator.hardwareConcurrency in
   * browsers). Only 'simd' uses more than one; where memory cannot be shared
   * the engine runs on one and `engine.description` says why.
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

/** The backend init() picks on this runtime: SIMD if WebAssembly.validate accepts a v128 probe. */
export function detectBackend(): BackendName {
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

  /** 'simd', 'scalar' or 'js'. */
  get backend(): BackendName {
    return this.backendImpl.name;
  }

  /** Threads this engine computes on, the calling thread included (1 unless 'simd' with shared memory). */
  get threads(): number {
    return this.backendImpl.threads ?? 1;
  }

  /** The backend and its threads in words, e.g. "simd, 2 threads (shared WebAssembly.Memory)", with the reason for one thread when more were asked. */
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
   * solves without layers or saveAttention run as one batch spread over the
   * engine's threads, with no per-solve layout; each result equals what
   * solve() returns for that problem, bit for bit.
   */
  solveMany(problems: readonly Partial<SolveOptions>[], shared: Partial<SolveOptions> = {}): Solution[] {
    const impl = this.impl;
    return solveManyOn(impl, planMany(problems, shared));
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
  const threads = await threadCount(options.threads);
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
  const threshold = options.parallelThreshold ?? DEFAULT_PARALLEL_THRESHOLD;
  if (!(Number.isFinite(threshold) && threshold >= 0)) {
    throw new AttnflowError('invalid_value', 'parallelThreshold', `must be a number >= 0, got ${threshold}`);
  }
  if (threads > 1) {
    const reason = name === 'simd' ? sharedMemoryUnavailable() : `the threads build needs SIMD, and this engine is '${name}'`;
    let why = reason;
    if (why === null) {
      try {
        const pool = await ThreadPool.create(await wasmModule('simd-threads'), threads);
        const description = `simd, ${threads} threads (one shared WebAssembly.Memory, ${threads - 1} workers)`;
        return new Engine(new WasmBackend(await wasmModule(name), name, { pool, minParallelWork: threshold }, description));
      } catch (e) {
        why = `the worker threads failed to start (${e instanceof Error ? e.message : String(e)})`;
      }
    }
    return new Engine(new WasmBackend(await wasmModule(name), name, null, `${name}, 1 thread of ${threads} asked: ${why}`));
  }
  return new Engine(new WasmBackend(await wasmModule(name), name, null, `${name}, 1 thread`));
}

async function threadCount(threads: number | undefined): Promise<number> {
  const most = ABI.POOL_MAX_THREADS;
  if (threads === undefined) return Math.min(await coreCount(), most);
  if (!Number.isInteger(threads) || threads < 1 || threads > most) {
    throw new AttnflowError('invalid_value', 'threads', `must be an integer in [1, ${most}], got ${threads}`);
  }
  return threads;
}
