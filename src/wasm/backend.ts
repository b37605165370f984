// The 'simd' and 'scalar' backends: one WebAssembly instance, its arena, and
// the records of assembly/abi.ts written before each flat call.

import type { Backend, Integration, SegmentControl, SegmentResult } from '../backend.js';
import type { FlatLayer, FlatProblem } from '../problem.js';
import type { NumericTableau } from '../solvers/tableau.js';
import type { BackendName } from '../types.js';
import { ABI, type KernelExports, kernelExports } from './abi.js';
import { Arena } from './arena.js';

const PROBLEM_SLOTS = (layer: number) => ABI.PROBLEM_HEAD0 + ABI.HEAD_STRIDE * layer;

/** Pointers of one problem record and its weights. */
interface ProblemBlock {
  readonly record: number;
  readonly slots: number;
  readonly weights: number;
  readonly scratch: number;
}

function maxHeads(problem: FlatProblem): number {
  return Math.max(...problem.layers.map((l) => l.heads.length));
}

function maxDk(problem: FlatProblem): number {
  return Math.max(...problem.layers.flatMap((l) => l.heads.map((h) => h.dk)));
}

/** Bytes of the largest layer's non-identity weights. */
function weightBytes(problem: FlatProblem): number {
  const sizes = problem.layers.map((l) =>
    l.heads.reduce((s, h) => s + 8 * ((h.query?.length ?? 0) + (h.key?.length ?? 0) + (h.value?.length ?? 0)) + 48, 0),
  );
  return Math.max(...sizes);
}

export class WasmBackend implements Backend {
  readonly name: BackendName;
  private readonly kernel: KernelExports;
  private readonly arena: Arena;
  private disposed = false;

  constructor(module: WebAssembly.Module, name: BackendName) {
    this.name = name;
    this.kernel = kernelExports(new WebAssembly.Instance(module, {}));
    this.arena = new Arena(this.kernel.memory, this.kernel.heapBase());
  }

  /** The instance's exports, for tests and benchmarks. */
  get exports(): KernelExports {
    this.check();
    return this.kernel;
  }

  /** Bytes of linear memory the instance holds now. */
  get memoryBytes(): number {
    return this.arena.byteLength;
  }

  private check(): void {
    if (this.disposed) throw new Error(`attnflow: this ${this.name} engine was disposed`);
  }

  /** Reserves a problem record, weights and scratch big enough for every layer. */
  private allocProblem(problem: FlatProblem): ProblemBlock {
    const slots = PROBLEM_SLOTS(maxHeads(problem));
    return {
      record: this.arena.alloc(8 * slots),
      slots,
      weights: this.arena.alloc(weightBytes(problem)),
      scratch: this.arena.alloc(this.kernel.attentionScratchBytes(problem.n, problem.d, maxDk(problem))),
    };
  }

  /** Writes one layer's record and weights. */
  private writeLayer(block: ProblemBlock, problem: FlatProblem, layer: FlatLayer): void {
    const rec = this.arena.f64(block.record, block.slots);
    rec[ABI.PROBLEM_N] = problem.n;
    rec[ABI.PROBLEM_D] = problem.d;
    rec[ABI.PROBLEM_HEADS] = layer.heads.length;
    rec[ABI.PROBLEM_BETA] = layer.beta;
    rec[ABI.PROBLEM_GEOMETRY] = problem.geometry === 'sphere' ? ABI.GEOMETRY_SPHERE : ABI.GEOMETRY_EUCLIDEAN;
    rec[ABI.PROBLEM_SCRATCH] = block.scratch;
    let p = block.weights;
    const put = (m: Float64Array | null): number => {
      if (m === null) return 0;
      const at = Math.ceil(p / 16) * 16;
      this.arena.f64(at, m.length).set(m);
      p = at + 8 * m.length;
      return at;
    };
    layer.heads.forEach((h, i) => {
      const s = ABI.PROBLEM_HEAD0 + i * ABI.HEAD_STRIDE;
      rec[s + ABI.HEAD_DK] = h.dk;
      rec[s + ABI.HEAD_QUERY] = put(h.query);
      rec[s + ABI.HEAD_KEY] = put(h.key);
      rec[s + ABI.HEAD_VALUE] = put(h.value);
    });
  }

  attentionRhs(problem: FlatProblem, layer: number, x: Float64Array): Float64Array {
    this.check();
    const m = problem.n * problem.d;
    this.arena.reset();
    const block = this.allocProblem(problem);
    const xPtr = this.arena.alloc(8 * m);
    const outPtr = this.arena.alloc(8 * m);
    this.arena.commit('the attention field');
    this.writeLayer(block, problem, problem.layers[layer]);
    this.arena.f64(xPtr, m).set(x);
    this.kernel.attentionRhs(block.record, xPtr, outPtr);
    return this.arena.f64(outPtr, m).slice();
  }

  attentionMatrix(problem: FlatProblem, layer: number, x: Float64Array, head: number): Float64Array {
    this.check();
    const { n, d } = problem;
    this.arena.reset();
    const block = this.allocProblem(problem);
    const xPtr = this.arena.alloc(8 * n * d);
    const attnPtr = this.arena.alloc(8 * n * n);
    this.arena.commit('the attention matrix');
    this.writeLayer(block, problem, problem.layers[layer]);
    this.arena.f64(xPtr, n * d).set(x);
    this.kernel.attentionMatrix(block.record, xPtr, head, attnPtr);
    return this.arena.f64(attnPtr, n * n).slice();
  }

  integrate(problem: FlatProblem, method: NumericTableau, y0: Float64Array, maxSaves: number, attention: boolean): Integration {
    this.check();
    return new WasmIntegration(this, problem, method, y0, maxSaves, attention);
  }

  /** Used by WasmIntegration: the arena and kernel are private to this file. */
  layout(problem: FlatProblem, method: NumericTableau, maxSaves: number, attention: boolean) {
    const m = problem.n * problem.d;
    const s = method.stages;
    const table = ABI.METHOD_TABLE + s * s + 3 * s + s * method.denseDegree;
    this.arena.reset();
    const block = this.allocProblem(problem);
    const ptrs = {
      block,
      method: this.arena.alloc(8 * table),
      control: this.arena.alloc(8 * ABI.CONTROL_SLOTS),
      state: this.arena.alloc(8 * m),
      saveTimes: this.arena.alloc(8 * Math.max(1, maxSaves)),
      saveOut: this.arena.alloc(8 * m * maxSaves),
      work: this.arena.alloc(8 * m * (s + 2)),
      attention: attention ? this.arena.alloc(8 * problem.n * problem.n) : 0,
      x: attention ? this.arena.alloc(8 * m) : 0,
    };
    this.arena.commit('this solve');
    const rec = this.arena.f64(ptrs.method, table);
    rec[ABI.METHOD_STAGES] = s;
    rec[ABI.METHOD_ADAPTIVE] = method.adaptive ? 1 : 0;
    rec[ABI.METHOD_ERROR_ORDER] = method.errorOrder;
    rec[ABI.METHOD_FSAL] = method.fsal ? 1 : 0;
    rec[ABI.METHOD_DENSE_DEGREE] = method.denseDegree;
    let o = ABI.METHOD_TABLE;
    for (const part of [method.a, method.b, method.c, method.e, method.dense]) {
      rec.set(part, o);
      o += part.length;
    }
    return ptrs;
  }

  run(ptrs: ReturnType<WasmBackend['layout']>, problem: FlatProblem, layer: number, c: SegmentControl): SegmentResult {
    this.check();
    const m = problem.n * problem.d;
    this.writeLayer(ptrs.block, problem, problem.layers[layer]);
    this.arena.f64(ptrs.saveTimes, c.saveTimes.length).set(c.saveTimes);
    const ctl = this.arena.f64(ptrs.control, ABI.CONTROL_SLOTS);
    ctl.fill(0);
    ctl[ABI.CONTROL_T0] = c.t0;
    ctl[ABI.CONTROL_T1] = c.t1;
    ctl[ABI.CONTROL_DT] = c.dt;
    ctl[ABI.CONTROL_RTOL] = c.rtol;
    ctl[ABI.CONTROL_ATOL] = c.atol;
    ctl[ABI.CONTROL_MAX_STEPS] = c.maxSteps;
    ctl[ABI.CONTROL_N_SAVE] = c.saveTimes.length;
    ctl[ABI.CONTROL_SAVE_TIMES] = ptrs.saveTimes;
    ctl[ABI.CONTROL_SAVE_OUT] = ptrs.saveOut;
    ctl[ABI.CONTROL_STATE] = ptrs.state;
    ctl[ABI.CONTROL_WORK] = ptrs.work;
    ctl[ABI.CONTROL_FACOLD] = c.facold;
    const status = this.kernel.rkSolve(ptrs.block.record, ptrs.method, ptrs.control);
    const out = this.arena.f64(ptrs.control, ABI.CONTROL_SLOTS);
    const nSaved = out[ABI.CONTROL_N_SAVED];
    const saves: Float64Array[] = [];
    for (let i = 0; i < nSaved; i++) saves.push(this.arena.f64(ptrs.saveOut + 8 * m * i, m).slice());
    return {
      status,
      tReached: out[ABI.CONTROL_T_REACHED],
      dtNext: out[ABI.CONTROL_DT_NEXT],
      facold: out[ABI.CONTROL_FACOLD],
      steps: out[ABI.CONTROL_STEPS],
      rejected: out[ABI.CONTROL_REJECTED],
      rhsEvaluations: out[ABI.CONTROL_RHS_EVALS],
      saves,
    };
  }

  readState(ptrs: ReturnType<WasmBackend['layout']>, m: number): Float64Array {
    return this.arena.f64(ptrs.state, m).slice();
  }

  writeState(ptrs: ReturnType<WasmBackend['layout']>, y: Float64Array): void {
    this.arena.f64(ptrs.state, y.length).set(y);
  }

  matrixAt(
    ptrs: ReturnType<WasmBackend['layout']>,
    problem: FlatProblem,
    layer: number,
    x: Float64Array,
    head: number,
  ): Float64Array {
    this.check();
    const n = problem.n;
    this.writeLayer(ptrs.block, problem, problem.layers[layer]);
    this.arena.f64(ptrs.x, x.length).set(x);
    this.kernel.attentionMatrix(ptrs.block.record, ptrs.x, head, ptrs.attention);
    return this.arena.f64(ptrs.attention, n * n).slice();
  }

  dispose(): void {
    this.disposed = true;
  }
}

class WasmIntegration implements Integration {
  private readonly ptrs: ReturnType<WasmBackend['layout']>;

  constructor(
    private readonly backend: WasmBackend,
    private readonly problem: FlatProblem,
    method: NumericTableau,
    y0: Float64Array,
    maxSaves: number,
    attention: boolean,
  ) {
    this.ptrs = backend.layout(problem, method, maxSaves, attention);
    backend.writeState(this.ptrs, y0);
  }

  runSegment(layer: number, control: SegmentControl): SegmentResult {
    return this.backend.run(this.ptrs, this.problem, layer, control);
  }

  state(): Float64Array {
    return this.backend.readState(this.ptrs, this.problem.n * this.problem.d);
  }

  attentionMatrix(layer: number, x: Float64Array, head: number): Float64Array {
    return this.backend.matrixAt(this.ptrs, this.problem, layer, x, head);
  }
}
