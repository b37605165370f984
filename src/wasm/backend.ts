// The 'simd' and 'scalar' backends: one WebAssembly instance and its arena.
// Each operation lays out its buffers from heapBase, writes the records of
// the flat ABI (records.ts) and makes one call.

import type { Backend, BatchOutcome, Integration, SegmentControl, SegmentResult } from '../backend.js';
import type { SolvePlan } from '../options.js';
import type { FlatProblem } from '../problem.js';
import type { NumericTableau } from '../solvers/tableau.js';
import type { BackendName } from '../types.js';
import { ABI, type KernelExports, kernelExports } from './abi.js';
import { Arena } from './arena.js';
import { solveBatchOn } from './batch.js';
import {
  allocProblem,
  methodSlots,
  type ProblemBlock,
  readControl,
  widestHead,
  writeControl,
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
    const heads = Math.max(...problem.layers.map((l) => l.heads.length));
    const work = problem.n * problem.n * Math.max(problem.d, dk) * heads;
    const split = this.threading !== null && work >= this.threading.minParallelWork;
    return split
      ? allocProblem(this.arena, problem, scratch, this.threading?.pool.pool ?? 0, this.threads)
      : allocProblem(this.arena, problem, scratch);
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
    this.exports.attentionMatrix(block.record, xPtr, head, attnPtr);
    return this.arena.f64(attnPtr, problem.n * problem.n).slice();
  }

  integrate(problem: FlatProblem, method: NumericTableau, y0: Float64Array, maxSaves: number, attention: boolean): Integration {
    const block = this.begin(problem);
    const m = problem.n * problem.d;
    const arena = this.arena;
    const exports = this.exports;
    const methodPtr = arena.alloc(8 * methodSlots(method));
    const control = arena.alloc(8 * ABI.CONTROL_SLOTS);
    const buffers = {
      state: arena.alloc(8 * m),
      saveTimes: arena.alloc(8 * Math.max(1, maxSaves)),
      saveOut: arena.alloc(8 * m * maxSaves),
      work: arena.alloc(8 * m * (method.stages + 2)),
    };
    const xPtr = attention ? arena.alloc(8 * m) : 0;
    const attnPtr = attention ? arena.alloc(8 * problem.n * problem.n) : 0;
    arena.commit('this solve');
    writeMethod(arena, methodPtr, method);
    arena.f64(buffers.state, m).set(y0);
    // The buffers stay valid while this solve runs: solve() is synchronous and
    // nothing else uses the engine's arena until it returns.
    return {
      runSegment(layer: number, c: SegmentControl): SegmentResult {
        writeProblem(arena, block, problem, problem.layers[layer]);
        writeControl(arena, control, c, buffers);
        exports.rkSolve(block.record, methodPtr, control);
        return readControl(arena, control, buffers.saveOut, m);
      },
      state: () => arena.f64(buffers.state, m).slice(),
      attentionMatrix(layer: number, x: Float64Array, head: number): Float64Array {
        writeProblem(arena, block, problem, problem.layers[layer]);
        arena.f64(xPtr, m).set(x);
        exports.attentionMatrix(block.record, xPtr, head, attnPtr);
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
