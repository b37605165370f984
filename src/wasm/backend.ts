// The 'simd' and 'scalar' backends: one WebAssembly instance and its arena.
// Each operation lays out its buffers from heapBase, writes the records of
// the flat ABI (records.ts) and makes one call.

import type {
  Backend,
  BackendEvents,
  BatchOutcome,
  Integration,
  Linearization,
  SegmentControl,
  SegmentResult,
} from '../backend.js';
import type { SolvePlan } from '../options.js';
import type { FlatProblem } from '../problem.js';
import type { NumericTableau } from '../solvers/tableau.js';
import type { BackendName } from '../types.js';
import { ABI, type KernelExports, kernelExports } from './abi.js';
import { Arena } from './arena.js';
import { solveBatchOn } from './batch.js';
import {
  allocProblem,
  eventGroupsSlots,
  methodSlots,
  type ProblemBlock,
  readControl,
  widestHead,
  writeControl,
  writeEventGroups,
  writeMethod,
  writeProblem,
} from './records.js';
import type { ThreadPool } from './threads.js';

/** How a WasmBackend uses threads: a started pool, and the smallest field it splits. */
export interface WasmThreading {
  readonly pool: ThreadPool;
  /** Fields with N^2 max(D, d_k) H below this run on one thread (waking workers costs more than it saves). */
  readonly minParallelWork: number;
}

export class WasmBackend implements Backend {
  readonly name: BackendName;
  /** The instance's exports (tests and benchmarks call them directly). */
  readonly exports: KernelExports;
  /** Threads the field and batches are spread over, the calling thread included. */
  readonly threads: number;
  readonly description: string;
  private readonly arena: Arena;
  private readonly threading: WasmThreading | null;
  private disposed = false;

  /**
   * Without `threading`, instantiates `module` on its own memory. With it,
   * uses the pool's instance of the 'simd-threads' build on the shared memory;
   * the pool record sits at heapBase and the arena starts after it.
   */
  constructor(module: WebAssembly.Module, name: BackendName, threading: WasmThreading | null = null, description: string = name) {
    this.name = name;
    this.threading = threading;
    this.threads = threading?.pool.threads ?? 1;
    this.description = description;
    this.exports = kernelExports(threading?.pool.instance ?? new WebAssembly.Instance(module, {}));
    const reserved = threading ? threading.pool.pool + ABI.POOL_BYTES : this.exports.heapBase();
    this.arena = new Arena(this.exports.memory, reserved);
  }

  /** Bytes of linear memory the instance holds now. */
  get memoryBytes(): number {
    return this.arena.byteLength;
  }

  private begin(problem: FlatProblem): ProblemBlock {
    if (this.disposed) throw new Error(`attnflow: this ${this.name} engine was disposed`);
    this.arena.reset();
    const dk = widestHead(problem);
    const scratch = this.exports.attentionScratchBytes(problem.n, problem.d, dk);
    const sinkhornBytes = problem.sinkhorn ? this.exports.sinkhornScratchBytes(problem.n, problem.d, dk) : 0;
    const heads = Math.max(...problem.layers.map((l) => l.heads.length));
    const work = problem.n * problem.n * Math.max(problem.d, dk) * heads;
    // Sinkhorn needs the whole matrix at once: it runs on the calling thread.
    const split = this.threading !== null && !problem.sinkhorn && work >= this.threading.minParallelWork;
    return split
      ? allocProblem(this.arena, problem, scratch, sinkhornBytes, this.threading?.pool.pool ?? 0, this.threads)
      : allocProblem(this.arena, problem, scratch, sinkhornBytes);
  }

  attentionRhs(problem: FlatProblem, layer: number, x: Float64Array): Float64Array {
    const block = this.begin(problem);
    const xPtr = this.arena.alloc(8 * x.length);
    const outPtr = this.arena.alloc(8 * x.length);
    this.arena.commit('the attention field');
    writeProblem(this.arena, block, problem, problem.layers[layer]);
    this.arena.f64(xPtr, x.length).set(x);
    this.exports.fieldRhs(block.record, xPtr, outPtr);
    return this.arena.f64(outPtr, x.length).slice();
  }

  attentionMatrix(problem: FlatProblem, layer: number, x: Float64Array, head: number): Float64Array {
    const block = this.begin(problem);
    const xPtr = this.arena.alloc(8 * x.length);
    const attnPtr = this.arena.alloc(8 * problem.n * problem.n);
    this.arena.commit('the attention matrix');
    writeProblem(this.arena, block, problem, problem.layers[layer]);
    this.arena.f64(xPtr, x.length).set(x);
    this.exports.fieldMatrix(block.record, xPtr, head, attnPtr);
    return this.arena.f64(attnPtr, problem.n * problem.n).slice();
  }

  attentionJacobian(problem: FlatProblem, layer: number, x: Float64Array): Float64Array {
    const block = this.begin(problem);
    const m = x.length;
    const xPtr = this.arena.alloc(8 * m);
    const outPtr = this.arena.alloc(8 * m * m);
    const scratch = this.arena.alloc(this.exports.jacobianScratchBytes(problem.n, problem.d, widestHead(problem)));
    this.arena.commit('the Jacobian');
    writeProblem(this.arena, block, problem, problem.layers[layer]);
    this.arena.f64(xPtr, m).set(x);
    this.exports.attentionJacobian(block.record, xPtr, outPtr, scratch);
    return this.arena.f64(outPtr, m * m).slice();
  }

  linearize(problem: FlatProblem, layer: number, x: Float64Array): Linearization {
    const block = this.begin(problem);
    const m = x.length;
    const arena = this.arena;
    const exports = this.exports;
    const xPtr = arena.alloc(8 * m);
    const inPtr = arena.alloc(8 * m);
    const outPtr = arena.alloc(8 * m);
    const scratch = arena.alloc(exports.jacobianScratchBytes(problem.n, problem.d, widestHead(problem)));
    arena.commit('Jacobian-vector products');
    writeProblem(arena, block, problem, problem.layers[layer]);
    arena.f64(xPtr, m).set(x);
    // Valid until the engine's next operation lays out its arena again.
    const product = (kernel: typeof exports.attentionJvp, v: Float64Array): Float64Array => {
      arena.f64(inPtr, m).set(v);
      kernel(block.record, xPtr, inPtr, outPtr, scratch);
      return arena.f64(outPtr, m).slice();
    };
    return { jvp: (v) => product(exports.attentionJvp, v), vjp: (u) => product(exports.attentionVjp, u) };
  }

  integrate(
    problem: FlatProblem,
    method: NumericTableau,
    y0: Float64Array,
    maxSaves: number,
    attention: boolean,
    events: BackendEvents | null,
  ): Integration {
    const block = this.begin(problem);
    const m = problem.n * problem.d;
    const arena = this.arena;
    const exports = this.exports;
    const methodPtr = arena.alloc(8 * methodSlots(method));
    const control = arena.alloc(8 * ABI.CONTROL_SLOTS);
    const groups = events?.groups ?? [];
    const functions = events?.functions ?? 0;
    const withEvents = events !== null && (groups.length > 0 || events.keepStep);
    // Room for one step's worth of records beyond what a call may already hold (rkSolve returns before overflowing).
    const eventCapacity = groups.length > 0 ? 2 * functions + 256 : 0;
    const buffers = {
      state: arena.alloc(8 * m),
      saveTimes: arena.alloc(8 * Math.max(1, maxSaves)),
      saveOut: arena.alloc(8 * m * maxSaves),
      work: arena.alloc(8 * m * (method.denseStages + 2)), // the dense output's stages, ytmp, yNew
      eventGroups: groups.length > 0 ? arena.alloc(8 * eventGroupsSlots(groups)) : 0,
      nEventGroups: groups.length,
      eventValues: groups.length > 0 ? arena.alloc(8 * functions) : 0,
      eventWork: withEvents ? arena.alloc(exports.eventWorkBytes(problem.n, problem.d, method.denseStages, functions)) : 0,
      eventOut: groups.length > 0 ? arena.alloc(8 * ABI.EVENT_RECORD_SLOTS * eventCapacity) : 0,
      eventCapacity,
    };
    const xPtr = attention || withEvents ? arena.alloc(8 * m) : 0;
    const attnPtr = attention ? arena.alloc(8 * problem.n * problem.n) : 0;
    arena.commit('this solve');
    writeMethod(arena, methodPtr, method);
    if (groups.length > 0) writeEventGroups(arena, buffers.eventGroups, groups);
    arena.f64(buffers.state, m).set(y0);
    // The buffers stay valid while this solve runs: solve() is synchronous and
    // nothing else uses the engine's arena until it returns.
    return {
      runSegment(layer: number, c: SegmentControl): SegmentResult {
        writeProblem(arena, block, problem, problem.layers[layer]);
        writeControl(arena, control, c, buffers);
        exports.rkSolve(block.record, methodPtr, control);
        return readControl(arena, control, buffers, m);
      },
      state: () => arena.f64(buffers.state, m).slice(),
      interpolate(t: number): Float64Array {
        if (!withEvents) throw new Error('attnflow: interpolate needs a solve with events');
        exports.rkInterpolate(block.record, methodPtr, control, t, xPtr);
        return arena.f64(xPtr, m).slice();
      },
      attentionMatrix(layer: number, x: Float64Array, head: number): Float64Array {
        writeProblem(arena, block, problem, problem.layers[layer]);
        arena.f64(xPtr, m).set(x);
        exports.fieldMatrix(block.record, xPtr, head, attnPtr);
        return arena.f64(attnPtr, problem.n * problem.n).slice();
      },
    };
  }

  /** Independent single-segment solves in one call, spread over the threads (src/wasm/batch.ts). */
  solveMany(plans: readonly SolvePlan[]): BatchOutcome[] {
    if (this.disposed) throw new Error(`attnflow: this ${this.name} engine was disposed`);
    return solveBatchOn(this.arena, this.exports, this.threading ? this.threading.pool.pool : 0, this.threads, plans);
  }

  dispose(): void {
    this.disposed = true;
    this.threading?.pool.dispose();
  }
}
