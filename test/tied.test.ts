// The tied-weights kernels (assembly/tied.ts, float32: assembly/f32/tied.ts; small widths:
// assembly/tied-small.ts): one head with W_Q = W_K (the identity included), beta > 0, no causal mask. Which problems take it (the attentionKernel export), and that it agrees with
// the TypeScript reference (the row-max softmax of eq. (7)) at odd sizes, near the edge of its range,
// on one thread and on two (the same bits).

import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine.js';
import { fieldProblem } from '../src/problem.js';
import type { FieldOptions, Head } from '../src/types.js';
import { kernelExports } from '../src/wasm/abi.js';
import { Arena } from '../src/wasm/arena.js';
import { wasmModule } from '../src/wasm/load.js';
import { allocProblem, widestHead, writeProblem } from '../src/wasm/records.js';
import { engineFor, randomHeads, randomMatrix, relativeError, seededRandom } from './helpers.js';

/** Which kernel the simd build's attentionRhs takes on these options: 2 tied small-width, 1 tied tiled, 0 row-max. */
async function kernelOf(options: FieldOptions, poison?: { at: number; value: number }): Promise<number> {
  const k = kernelExports(await WebAssembly.instantiate(await wasmModule('simd'), {}));
  const { problem, x } = fieldProblem(options);
  // A state the public API would refuse, as a diverging solve can hand the kernel (the solver stops on it after).
  if (poison) x[poison.at] = poison.value;
  const arena = new Arena(k.memory, k.heapBase());
  const block = allocProblem(arena, problem, k.attentionScratchBytes(problem.n, problem.d, widestHead(problem)));
  const xPtr = arena.alloc(8 * x.length);
  arena.commit('test');
  writeProblem(arena, block, problem, problem.layers[0]);
  arena.f64(xPtr, x.length).set(x);
  return k.attentionKernel(block.record, xPtr);
}

/** One head with query = key = W (d x dk) and a value matrix. */
function tiedHead(random: () => number, d: number, dk: number): Head {
  const w = randomMatrix(random, d, dk, 0.5);
  return { query: w, key: w.map((row) => [...row]), value: randomMatrix(random, d, d, 0.5) };
}

/** Tokens: x_0 = r e_1 with beta r^2 / 2 = halfNorm, the others tiny, so max g - min g is about halfNorm. */
function oneFarToken(n: number, d: number, halfNorm: number): number[][] {
  const beta = 1 / Math.sqrt(d);
  const tokens = randomMatrix(seededRandom(5), n, d, 0.01);
  tokens[0] = Array.from({ length: d }, (_, k) => (k === 0 ? Math.sqrt((2 * halfNorm) / beta) : 0));
  return tokens;
}

/**
 * N tokens +-r e_k (k = 0, 1, .., cycling) with g = beta r^2 / 2 = halfNorm each, in equal bits: max g - min g = 0
 * however large g is (points on a circle would differ by rounding, a relative 1e-16 of g).
 */
function onAxes(n: number, d: number, halfNorm: number): number[][] {
  const radius = Math.sqrt((2 * halfNorm) / (1 / Math.sqrt(d)));
  return Array.from({ length: n }, (_, j) =>
    Array.from({ length: d }, (_, k) => (k === (j >> 1) % d ? (j % 2 === 0 ? radius : -radius) : 0)),
  );
}

describe('which problems take the tied kernel', () => {
  const random = seededRandom(3);
  const tokens = randomMatrix(random, 97, 5);
  it('one identity head, or one head with W_Q = W_K (equal numbers), beta > 0, N > 64: tied', async () => {
    expect(await kernelOf({ tokens })).toBe(1);
    expect(await kernelOf({ tokens, geometry: 'sphere' })).toBe(1);
    expect(await kernelOf({ tokens, heads: [tiedHead(random, 5, 3)] })).toBe(1);
    expect(await kernelOf({ tokens, heads: [{ value: randomMatrix(random, 5, 5) }] })).toBe(1);
    expect(await kernelOf({ tokens, precision: 'float32' })).toBe(1);
  });
  it('W_Q != W_K, causal, two heads, beta <= 0, N <= 64 (one tile, nothing to save): the row-max kernel', async () => {
    expect(await kernelOf({ tokens: tokens.slice(0, 64) })).toBe(0);
    expect(await kernelOf({ tokens: tokens.slice(0, 65) })).toBe(1);
    expect(await kernelOf({ tokens, heads: randomHeads(random, 5, 1, 5) })).toBe(0);
    expect(await kernelOf({ tokens, causal: true })).toBe(0);
    expect(await kernelOf({ tokens, heads: [{}, {}] })).toBe(0);
    expect(await kernelOf({ tokens, beta: -0.5 })).toBe(0);
    expect(await kernelOf({ tokens, beta: 0 })).toBe(0);
  });
  it("kernel: 'row-max' turns it off (the same field to 1e-14), and a wrong kernel name is a clear error", async () => {
    expect(await kernelOf({ tokens, kernel: 'row-max' })).toBe(0);
    expect(await kernelOf({ tokens, kernel: 'auto' })).toBe(1);
    const [simd, js] = await Promise.all((['simd', 'js'] as const).map(engineFor));
    const reference = js.attentionRhs({ tokens });
    expect(relativeError(simd.attentionRhs({ tokens, kernel: 'row-max' }), reference)).toBeLessThan(1e-14);
    const solve = { tokens, t1: 1 };
    const rowMax = simd.solve({ ...solve, kernel: 'row-max' }).finalTokens;
    expect(relativeError(rowMax, js.solve(solve).finalTokens)).toBeLessThan(1e-12);
    for (const call of [
      () => simd.attentionRhs({ tokens, kernel: 'tied' as 'auto' }),
      () => simd.solve({ ...solve, kernel: 'fast' as 'auto' }),
    ]) {
      expect(call).toThrow(expect.objectContaining({ code: 'invalid_option', path: 'kernel' }));
    }
  });
  it('D and d_k below 4 (float64 and float32): the small-width tied kernel (no tiles; D = d_k = 3 up to N = 768), else as above', async () => {
    for (const n of [1, 3, 32, 64, 97]) {
      for (const d of [1, 2, 3]) {
        const small = randomMatrix(random, n, d);
        expect(await kernelOf({ tokens: small })).toBe(2);
        expect(await kernelOf({ tokens: small, heads: [tiedHead(random, d, 3)] })).toBe(2);
        expect(await kernelOf({ tokens: small, heads: [tiedHead(random, d, 4)] })).toBe(n > 64 ? 1 : 0);
        expect(await kernelOf({ tokens: small, precision: 'float32' })).toBe(2);
        expect(await kernelOf({ tokens: small, precision: 'float32', heads: [tiedHead(random, d, 4)] })).toBe(n > 64 ? 1 : 0);
        expect(await kernelOf({ tokens: small, causal: true })).toBe(0);
        expect(await kernelOf({ tokens: small, kernel: 'row-max' })).toBe(0);
        expect(await kernelOf({ tokens: small, heads: randomHeads(random, d, 1, 2) })).toBe(0);
      }
    }
    expect(await kernelOf({ tokens: randomMatrix(random, 32, 4) })).toBe(0);
    expect(await kernelOf({ tokens: oneFarToken(9, 2, 299) })).toBe(2);
    expect(await kernelOf({ tokens: oneFarToken(9, 2, 301) })).toBe(0);
    // D = d_k = 3: the small-width kernel up to N = 768, then the tiled one (faster there); D = 2 always.
    for (const precision of ['float64', 'float32'] as const) {
      expect(await kernelOf({ tokens: randomMatrix(random, 768, 3), precision })).toBe(2);
      expect(await kernelOf({ tokens: randomMatrix(random, 769, 3), precision })).toBe(1);
      expect(await kernelOf({ tokens: randomMatrix(random, 769, 3), precision, heads: [tiedHead(random, 3, 2)] })).toBe(2);
      expect(await kernelOf({ tokens: randomMatrix(random, 5000, 2), precision })).toBe(2);
    }
    // float32 exponentials are 0 below e^-87: the range of g is 30 there too.
    expect(await kernelOf({ tokens: oneFarToken(9, 2, 29.5), precision: 'float32' })).toBe(2);
    expect(await kernelOf({ tokens: oneFarToken(9, 2, 30.5), precision: 'float32' })).toBe(0);
  });
  it('half norms g above 1e300 (where scores could overflow): the row-max kernel, both tied kernels', async () => {
    expect(await kernelOf({ tokens: onAxes(9, 2, 5e299) })).toBe(2);
    expect(await kernelOf({ tokens: onAxes(9, 2, 2e300) })).toBe(0);
    expect(await kernelOf({ tokens: onAxes(70, 5, 5e299) })).toBe(1);
    expect(await kernelOf({ tokens: onAxes(70, 5, 2e300) })).toBe(0);
  });
  it('float32: half norms above 1e36 (where float32 scores could overflow): the row-max kernel, tiled kernel', async () => {
    expect(await kernelOf({ tokens: onAxes(70, 5, 5e35), precision: 'float32' })).toBe(1);
    expect(await kernelOf({ tokens: onAxes(70, 5, 2e36), precision: 'float32' })).toBe(0);
  });
  it('a NaN or infinite coordinate anywhere (vector lanes and scalar tail): the row-max kernel, both tied kernels', async () => {
    for (const [n, d] of [
      [9, 2],
      [8, 3],
      [70, 5],
    ]) {
      const tokens = randomMatrix(seededRandom(n + d), n, d);
      expect(await kernelOf({ tokens })).toBe(n > 64 ? 1 : 2);
      for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        for (const at of [0, d + 1, n * d - 1]) expect(await kernelOf({ tokens }, { at, value })).toBe(0);
      }
    }
  });
  it('max g - min g above 300 (g = beta |x|^2 / 2), or sums over 2^19 numbers: the row-max kernel', async () => {
    expect(await kernelOf({ tokens: oneFarToken(70, 4, 299) })).toBe(1);
    expect(await kernelOf({ tokens: oneFarToken(70, 4, 301) })).toBe(0);
    // float32 holds w_j x_j in float32: its range is 30.
    expect(await kernelOf({ tokens: oneFarToken(70, 4, 29.5), precision: 'float32' })).toBe(1);
    expect(await kernelOf({ tokens: oneFarToken(70, 4, 30.5), precision: 'float32' })).toBe(0);
    // 8192 tokens of width 64 fill a part's 2^19 numbers exactly; one more token is too many.
    expect(await kernelOf({ tokens: { data: new Float64Array(8192 * 64).fill(0.1), n: 8192, d: 64 } })).toBe(1);
    expect(await kernelOf({ tokens: { data: new Float64Array(8193 * 64).fill(0.1), n: 8193, d: 64 } })).toBe(0);
  });
});

describe('the tied kernel agrees with the reference', () => {
  // D <= 3 (and d_k <= 3) take the small-width kernel at every N; the others take the tiled kernel from N = 65
  // (N <= 64: the row-max kernel, checked as the tied kernel's neighbours).
  const NS = [1, 3, 64, 65, 123, 130, 257, 520];
  const DS = [1, 2, 3, 5, 33];
  for (const n of NS) {
    for (const d of DS) {
      it(`N = ${n}, D = ${d}: identity head (both geometries) and W_Q = W_K with V; simd, scalar, 2 threads`, async () => {
        const random = seededRandom(900 + 7 * n + d);
        const tokens = randomMatrix(random, n, d, 1.5 / Math.sqrt(d));
        const [simd, scalar, js] = await Promise.all((['simd', 'scalar', 'js'] as const).map(engineFor));
        const threads = await threadedEngine();
        const cases: FieldOptions[] = [
          { tokens },
          { tokens, geometry: 'sphere' },
          { tokens, heads: [tiedHead(random, d, Math.max(1, d - 1))] },
        ];
        for (const options of cases) {
          const reference = js.attentionRhs(options);
          expect(relativeError(simd.attentionRhs(options), reference)).toBeLessThan(1e-13);
          expect(relativeError(scalar.attentionRhs(options), reference)).toBeLessThan(1e-13);
          expect(threads.attentionRhs(options)).toEqual(simd.attentionRhs(options));
        }
      });
    }
  }

  it('near the edge of its range (max g - min g = 299 and 301: tied and row-max) to 1e-12', async () => {
    const [simd, js] = await Promise.all((['simd', 'js'] as const).map(engineFor));
    for (const halfNorm of [299, 301]) {
      for (const n of [9, 70]) {
        for (const d of [2, 4]) {
          const options = { tokens: oneFarToken(n, d, halfNorm) };
          expect(relativeError(simd.attentionRhs(options), js.attentionRhs(options))).toBeLessThan(1e-12);
        }
      }
    }
  });

  it('float32, half norms of 1e12 to 5e35 (float32 g rounded by up to 4e28): each token stays put', async () => {
    // The weights w_j = exp(g_j - max g) are taken from the float32 g (the kernel's): from the float64 maximum
    // they were 0 for every token once g passed ~1e9, and the field 0 / 0. Row i's weight lies on the tokens
    // equal to x_i (its distance to the others is of order sqrt(g)): the field is x_i, to float32's accuracy.
    const [simd, scalar] = await Promise.all((['simd', 'scalar'] as const).map(engineFor));
    for (const [n, d, g] of [
      [130, 16, 1e12],
      [70, 5, 1e20],
      [70, 5, 5e35],
    ]) {
      const tokens = onAxes(n, d, g);
      expect(await kernelOf({ tokens, precision: 'float32' })).toBe(1);
      for (const engine of [simd, scalar]) {
        expect(relativeError(engine.attentionRhs({ tokens, precision: 'float32' }), tokens.flat())).toBeLessThan(1e-6);
      }
    }
  });

  it('half norms of 5e299 (scores near 1e300; P_ij = 0 but between equal tokens): each token stays put', async () => {
    const [simd, scalar] = await Promise.all((['simd', 'scalar'] as const).map(engineFor));
    for (const [n, d] of [
      [9, 2],
      [70, 5],
    ]) {
      const tokens = onAxes(n, d, 5e299);
      // Row i spreads its weight evenly over the tokens equal to x_i: the field is x_i itself, an exact closed form.
      for (const engine of [simd, scalar])
        expect(relativeError(engine.attentionRhs({ tokens }), tokens.flat())).toBeLessThan(1e-15);
    }
  });

  it('float32: within 1e-5 of the float64 reference at odd sizes, near its range edge, the same bits on 2 threads', async () => {
    const [simd, scalar, js] = await Promise.all((['simd', 'scalar', 'js'] as const).map(engineFor));
    const threads = await threadedEngine();
    // Small widths (f32/tied-small.ts): odd N, one token, more than one part (N = 1100: its float32 row
    // sums are flushed every 64 keys, the keys' side after every tile row).
    for (const [n, d] of [
      [1, 1],
      [2, 3],
      [3, 2],
      [65, 9],
      [100, 1],
      [123, 2],
      [130, 33],
      [257, 16],
      [1100, 1],
    ]) {
      const random = seededRandom(40 + n + d);
      const tokens = randomMatrix(random, n, d, 1.5 / Math.sqrt(d));
      for (const options of [{ tokens }, { tokens, heads: [tiedHead(random, d, d + 1)] }, { tokens: oneFarToken(n, d, 29.5) }]) {
        const reference = js.attentionRhs(options);
        const f32 = { ...options, precision: 'float32' as const };
        expect(relativeError(simd.attentionRhs(f32), reference)).toBeLessThan(1e-5);
        expect(relativeError(scalar.attentionRhs(f32), reference)).toBeLessThan(1e-5);
        expect(threads.attentionRhs(f32)).toEqual(simd.attentionRhs(f32));
      }
    }
  });

  it('a Dormand-Prince solve with the tied kernels matches the reference solve to 1e-10', async () => {
    const [simd, js] = await Promise.all((['simd', 'js'] as const).map(engineFor));
    for (const [n, d] of [
      [150, 3],
      [32, 2],
      [150, 6],
    ]) {
      const options = { tokens: randomMatrix(seededRandom(12), n, d), t1: 3, geometry: 'sphere' as const };
      expect(relativeError(simd.solve(options).finalTokens, js.solve(options).finalTokens)).toBeLessThan(1e-10);
    }
  });
});

let threaded: ReturnType<typeof createEngine> | undefined;
/** A simd engine on 2 threads that splits every field, however small. */
function threadedEngine(): ReturnType<typeof createEngine> {
  threaded ??= createEngine({ backend: 'simd', threads: 2, parallelThreshold: 0 });
  return threaded;
}
