// The threaded 'simd' engine (worker threads on one shared memory) against the
// single-threaded builds and the reference; attentionRhsRows against the whole
// field; solveMany against one solve() per problem; worker lifecycle and the
// fallback to one thread where memory cannot be shared.

import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createEngine, type Engine } from '../src/engine.js';
import { AttnflowError } from '../src/errors.js';
import type { FlatProblem } from '../src/problem.js';
import { fieldProblem } from '../src/problem.js';
import type { Solution, SolveOptions } from '../src/types.js';
import { ABI, kernelExports } from '../src/wasm/abi.js';
import { Arena } from '../src/wasm/arena.js';
import { wasmBytes, wasmModule } from '../src/wasm/load.js';
import { allocProblem, widestHead, writeProblem } from '../src/wasm/records.js';
import { ThreadPool } from '../src/wasm/threads.js';
import { engineFor, randomHeads, randomMatrix, relativeError, seededRandom } from './helpers.js';

const NS = [1, 2, 3, 17, 123];

/** Two threads that split every field, however small: rows 0..n/2 on this thread, the rest on the worker. */
const threaded: Promise<Engine> = createEngine({ backend: 'simd', threads: 2, parallelThreshold: 0 });
const single: Promise<Engine> = createEngine({ backend: 'simd', threads: 1 });
afterAll(async () => {
  (await threaded).dispose();
  (await single).dispose();
});

describe('simd-threads build', () => {
  const module = new WebAssembly.Module(wasmBytes('simd-threads'));

  it('imports exactly one shared memory and nothing else (no env.abort)', () => {
    expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 16, shared: true });
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    expect(instance.exports.memory).toBe(memory);
  });

  it('exports the same functions and ABI constants as the simd build', () => {
    const names = (m: WebAssembly.Module) =>
      WebAssembly.Module.exports(m)
        .map((e) => `${e.kind}:${e.name}`)
        .sort();
    expect(names(module)).toEqual(names(new WebAssembly.Module(wasmBytes('simd'))));
  });
});

/** Lays out one field evaluation by hand and returns a function computing rows [a, b) with attentionRhsRows. */
function rowsKernel(build: 'simd' | 'scalar', problem: FlatProblem, x: Float64Array) {
  const exports = kernelExports(new WebAssembly.Instance(new WebAssembly.Module(wasmBytes(build)), {}));
  const arena = new Arena(exports.memory, exports.heapBase());
  const block = allocProblem(arena, problem, exports.attentionScratchBytes(problem.n, problem.d, widestHead(problem)));
  const xPtr = arena.alloc(8 * x.length);
  const outPtr = arena.alloc(8 * x.length);
  arena.commit('test');
  writeProblem(arena, block, problem, problem.layers[0]);
  arena.f64(xPtr, x.length).set(x);
  return {
    rows(a: number, b: number, fill: number): Float64Array {
      arena.f64(outPtr, x.length).fill(fill);
      exports.attentionRhsRows(block.record, xPtr, outPtr, a, b, block.scratch);
      return arena.f64(outPtr, x.length).slice();
    },
    whole(): Float64Array {
      exports.attentionRhs(block.record, xPtr, outPtr);
      return arena.f64(outPtr, x.length).slice();
    },
  };
}

describe.each(['simd', 'scalar'] as const)('attentionRhsRows (%s build)', (build) => {
  for (const n of NS) {
    it(`N = ${n}: any split of the rows gives the whole field and writes no other row`, async () => {
      const random = seededRandom(70 + n);
      const d = 5;
      const options = { tokens: randomMatrix(random, n, d), heads: randomHeads(random, d, 2, 3), geometry: 'sphere' as const };
      const { problem, x } = fieldProblem(options);
      const kernel = rowsKernel(build, problem, x);
      const whole = kernel.whole();
      const js = await engineFor('js');
      expect(relativeError(whole, js.attentionRhs(options))).toBeLessThan(1e-13);
      for (const cut of [0, 1, Math.floor(n / 2), n - 1, n].filter((c) => c >= 0 && c <= n)) {
        const first = kernel.rows(0, cut, Number.NaN);
        const second = kernel.rows(cut, n, Number.NaN);
        const merged = new Float64Array(n * d);
        for (let l = 0; l < n * d; l++) {
          const own = l < cut * d ? first[l] : second[l];
          const other = l < cut * d ? second[l] : first[l];
          expect(Number.isNaN(other), `row ${Math.floor(l / d)} written outside its range`).toBe(true);
          merged[l] = own;
        }
        expect(merged).toEqual(whole); // rows do not depend on their partner in the 2-row blocking: same bits
      }
    });
  }
});

describe('threaded field and solves (2 threads, every field split)', () => {
  for (const n of NS) {
    for (const d of [1, 3, 8]) {
      it(`N = ${n}, D = ${d}: RHS and solves agree with one thread and with the reference`, async () => {
        const [two, one, js] = await Promise.all([threaded, single, engineFor('js')]);
        expect(two.threads).toBe(2);
        const random = seededRandom(5000 + 10 * n + d);
        const heads = randomHeads(random, d, 2, Math.max(1, d - 1));
        for (const geometry of ['euclidean', 'sphere'] as const) {
          const options = { tokens: randomMatrix(random, n, d), heads, geometry };
          const reference = js.attentionRhs(options);
          expect(relativeError(two.attentionRhs(options), one.attentionRhs(options))).toBeLessThan(1e-13);
          expect(relativeError(two.attentionRhs(options), reference)).toBeLessThan(1e-13);
          const solve: SolveOptions = { ...options, t1: 1.5, saveAt: [0.5, 1.5] };
          const a = two.solve(solve);
          const b = one.solve(solve);
          expect(a.status).toBe('success');
          expect(a.stats).toEqual(b.stats);
          a.tokens.forEach((y, i) => {
            expect(relativeError(y, b.tokens[i])).toBeLessThan(1e-13);
          });
          const layered = two.solve({
            tokens: options.tokens,
            layers: [heads, heads.slice(1)],
            geometry,
            t1: 2,
            method: 'rk4',
            dt: 0.25,
          });
          const layeredOne = one.solve({
            tokens: options.tokens,
            layers: [heads, heads.slice(1)],
            geometry,
            t1: 2,
            method: 'rk4',
            dt: 0.25,
          });
          expect(relativeError(layered.finalTokens, layeredOne.finalTokens)).toBeLessThan(1e-13);
        }
      });
    }
  }
});

/** Everything a Solution holds, as plain data (Float64Arrays compared element by element). */
function plain(s: Solution): unknown {
  return JSON.parse(JSON.stringify(s, (_, v) => (v instanceof Float64Array ? Array.from(v) : v)));
}

describe('solveMany', () => {
  it('a small phase diagram (circle, N = 32): every batched solve equals its own solve(), on 2 threads and on 1', async () => {
    const [two, one] = await Promise.all([threaded, single]);
    const random = seededRandom(9);
    const betas = [0, 1, 4, 9];
    // Random points on the circle, as in Geshkovski et al.'s phase diagrams (2048 systems per beta there).
    const problems = betas.flatMap((beta) => Array.from({ length: 6 }, () => ({ beta, tokens: randomMatrix(random, 32, 2) })));
    const shared = { geometry: 'sphere' as const, t1: 6, saveAt: [0, 2, 4, 6] };
    const batchedTwo = two.solveMany(problems, shared);
    const batchedOne = one.solveMany(problems, shared);
    problems.forEach((p, k) => {
      const alone = one.solve({ ...shared, ...p });
      expect(plain(batchedTwo[k])).toEqual(plain(alone));
      expect(plain(batchedOne[k])).toEqual(plain(alone));
    });
  });

  it('mixes sizes, methods, statuses, layers and saveAttention, and keeps the order', async () => {
    const [two, js] = await Promise.all([threaded, engineFor('js')]);
    const random = seededRandom(10);
    const problems: SolveOptions[] = [
      { tokens: randomMatrix(random, 17, 3), t1: 1 },
      { tokens: randomMatrix(random, 1, 1), t1: 2, method: 'rk4', dt: 0.1 },
      { tokens: [[-2], [0.1], [3]], t1: 400 }, // the 1-D model overflows: 'non_finite'
      { tokens: randomMatrix(random, 5, 2), t1: 50, maxSteps: 3 }, // 'max_steps'
      { tokens: randomMatrix(random, 4, 2), layers: [[{}], [{}]], t1: 2, saveAt: [1, 2] }, // runs alone (layers)
      { tokens: randomMatrix(random, 3, 2), t1: 1, saveAttention: true }, // runs alone (attention)
      { tokens: randomMatrix(random, 123, 2), t1: 0.5, method: 'heun', dt: 0.05, geometry: 'sphere' },
    ];
    const batched = two.solveMany(problems);
    expect(batched.map((s) => s.status)).toEqual([
      'success',
      'success',
      'non_finite',
      'max_steps',
      'success',
      'success',
      'success',
    ]);
    problems.forEach((p, k) => {
      expect(plain(batched[k])).toEqual(plain(two.solve(p)));
      // And the reference agrees to solver precision (same steps: same arithmetic up to rounding).
      if (batched[k].status === 'success') {
        expect(relativeError(batched[k].finalTokens, js.solve(p).finalTokens)).toBeLessThan(1e-9);
      }
    });
    expect(js.solveMany(problems).map(plain)).toEqual(problems.map((p) => plain(js.solve(p))));
  });

  it('checks every problem before running any, naming problems[k]', async () => {
    const two = await threaded;
    const good = { tokens: [[1], [2]], t1: 1 };
    let error: unknown;
    try {
      two.solveMany([good, { ...good, t1: -1 }]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AttnflowError);
    expect((error as AttnflowError).path).toBe('problems[1].t1');
    expect(() => two.solveMany([{ tokens: [[1]] }], {})).toThrow(/problems\[0\]/);
  });
});

/** OS threads of this process (Linux), or null elsewhere. */
function osThreads(): number | null {
  try {
    return readdirSync('/proc/self/task').length;
  } catch {
    return null;
  }
}

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return condition();
}

describe('every thread takes part', () => {
  it('the rows of each field evaluation are split between the threads, all of them computed once', async () => {
    const pool = await ThreadPool.create(await wasmModule('simd-threads'), 2);
    try {
      const exports = kernelExports(pool.instance);
      const arena = new Arena(exports.memory, pool.pool + ABI.POOL_BYTES);
      const random = seededRandom(11);
      const n = 301;
      const d = 16;
      const options = { tokens: randomMatrix(random, n, d), geometry: 'sphere' as const };
      const { problem, x } = fieldProblem(options);
      const scratch = exports.attentionScratchBytes(n, d, d);
      const block = allocProblem(arena, problem, scratch, 0, pool.pool, 2);
      const xPtr = arena.alloc(8 * x.length);
      const outPtr = arena.alloc(8 * x.length);
      arena.commit('test');
      writeProblem(arena, block, problem, problem.layers[0]);
      arena.f64(xPtr, x.length).set(x);
      const expected = (await single).attentionRhs(options);
      // Which thread gets which rows depends on timing; over enough calls the worker gets some.
      for (let call = 1; call <= 400; call++) {
        arena.f64(outPtr, x.length).fill(Number.NaN);
        exports.fieldRhs(block.record, xPtr, outPtr);
        expect(arena.f64(outPtr, x.length)).toEqual(expected);
        const done = pool.workDone();
        expect(done[0] + done[1]).toBe(call * n);
        if (done[1] > 0 && done[0] > 0) return;
      }
      throw new Error(`after 400 calls the rows were done ${pool.workDone().join(' / ')} by the two threads`);
    } finally {
      pool.dispose();
    }
  });
});

describe('worker lifecycle', () => {
  it('stop() makes every workerLoop return: the workers end by themselves with exit code 0', async () => {
    const pool = await ThreadPool.create(await wasmModule('simd-threads'), 3);
    pool.stop();
    expect(await pool.exited).toEqual([0, 0]);
  });

  it('engine.dispose() ends its worker threads', async () => {
    const before = osThreads();
    const engine = await createEngine({ backend: 'simd', threads: 3 });
    expect(engine.threads).toBe(3);
    expect(engine.description).toMatch(/3 threads/);
    if (before !== null) expect(osThreads()).toBeGreaterThanOrEqual(before + 2);
    engine.dispose();
    expect(() => engine.solve({ tokens: [[1]], t1: 1 })).toThrow(AttnflowError);
    if (before !== null) expect(await until(() => (osThreads() ?? 0) <= before, 5000)).toBe(true);
  });
});

describe('fallback to one thread', () => {
  it('without SharedArrayBuffer (a page without cross-origin isolation): 1 thread, said in the description, same results', async () => {
    vi.stubGlobal('SharedArrayBuffer', undefined);
    let engine: Engine;
    try {
      engine = await createEngine({ backend: 'simd', threads: 4 });
    } finally {
      vi.unstubAllGlobals();
    }
    expect(engine.threads).toBe(1);
    expect(engine.backend).toBe('simd');
    expect(engine.description).toMatch(/1 thread of 4 asked: SharedArrayBuffer is unavailable/);
    const random = seededRandom(3);
    const options = { tokens: randomMatrix(random, 17, 3) };
    expect(engine.attentionRhs(options)).toEqual((await single).attentionRhs(options));
    expect(engine.solveMany([{ ...options, t1: 1 }])[0].finalTokens).toEqual(
      (await single).solve({ ...options, t1: 1 }).finalTokens,
    );
    engine.dispose();
  });

  it("the 'scalar' and 'js' backends run on one thread and say why", async () => {
    const scalar = await createEngine({ backend: 'scalar', threads: 2 });
    expect(scalar.threads).toBe(1);
    expect(scalar.description).toMatch(/needs SIMD/);
    scalar.dispose();
    const js = await createEngine({ backend: 'js', threads: 2 });
    expect(js.threads).toBe(1);
    js.dispose();
  });

  it('rejects a thread count that is not an integer in [1, 256]', async () => {
    for (const threads of [0, 1.5, -1, 1000]) {
      await expect(createEngine({ backend: 'simd', threads })).rejects.toMatchObject({ code: 'invalid_value', path: 'threads' });
    }
  });
});

it('the pool record is sized as the ABI says', () => {
  expect(ThreadPool.RESERVED_BYTES).toBe(ABI.POOL_BYTES);
});
