// The blocked, tiled kernels (assembly/attention.ts) at sizes where the key
// tiles, the 4-row blocks and the small-D path all have remainders; the causal
// mask; the row-range entry attentionRhsRows used by worker threads.

import { describe, expect, it } from 'vitest';
import { fieldProblem } from '../src/problem.js';
import { Arena } from '../src/wasm/arena.js';
import { WasmBackend } from '../src/wasm/backend.js';
import { wasmModule } from '../src/wasm/load.js';
import { allocProblem, widestHead, writeProblem } from '../src/wasm/records.js';
import { BACKEND_NAMES, engineFor, randomHeads, randomMatrix, relativeError, seededRandom } from './helpers.js';

const ODD_NS = [1, 2, 3, 17, 123];
const ODD_DS = [1, 2, 3, 8, 33];

describe('causal mask (simd, scalar vs the js reference)', () => {
  for (const n of ODD_NS) {
    for (const d of ODD_DS) {
      it(`N = ${n}, D = ${d}, two heads with random Q, K, V`, async () => {
        const random = seededRandom(500 + 10 * n + d);
        const options = {
          tokens: randomMatrix(random, n, d),
          heads: randomHeads(random, d, 2, d + 1),
          causal: true,
        };
        const [simd, scalar, js] = await Promise.all(BACKEND_NAMES.map(engineFor));
        for (const geometry of ['euclidean', 'sphere'] as const) {
          const reference = js.attentionRhs({ ...options, geometry });
          expect(relativeError(simd.attentionRhs({ ...options, geometry }), reference)).toBeLessThan(1e-13);
          expect(relativeError(scalar.attentionRhs({ ...options, geometry }), reference)).toBeLessThan(1e-13);
        }
        for (let h = 0; h < 2; h++) {
          const p = js.attentionMatrix(options, h);
          expect(relativeError(simd.attentionMatrix(options, h), p)).toBeLessThan(1e-13);
          expect(relativeError(scalar.attentionMatrix(options, h), p)).toBeLessThan(1e-13);
        }
      });
    }
  }

  it.each(BACKEND_NAMES)('%s: row i of the attention matrix is zero past column i and sums to 1', async (backend) => {
    const engine = await engineFor(backend);
    const n = 37;
    const p = engine.attentionMatrix({ tokens: randomMatrix(seededRandom(3), n, 5), causal: true });
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < n; j++) {
        if (j > i) expect(p[i * n + j]).toBe(0);
        else expect(p[i * n + j]).toBeGreaterThan(0);
        sum += p[i * n + j];
      }
      expect(sum).toBeCloseTo(1, 14);
    }
  });

  it.each(BACKEND_NAMES)('%s: the first token does not move (it attends only to itself, V = I)', async (backend) => {
    // f_0 = P_00 x_0 - ... : with V = I, row 0 of f is x_0 itself (P_00 = 1).
    const engine = await engineFor(backend);
    const tokens = randomMatrix(seededRandom(4), 9, 3);
    const f = engine.attentionRhs({ tokens, causal: true });
    for (let k = 0; k < 3; k++) expect(f[k]).toBeCloseTo(tokens[0][k], 15);
  });

  it('a causal solve agrees across backends, and differs from the unmasked one', async () => {
    const [simd, scalar, js] = await Promise.all(BACKEND_NAMES.map(engineFor));
    const options = { tokens: randomMatrix(seededRandom(8), 11, 3), t1: 2, causal: true };
    const reference = js.solve(options).finalTokens;
    expect(relativeError(simd.solve(options).finalTokens, reference)).toBeLessThan(1e-10);
    expect(relativeError(scalar.solve(options).finalTokens, reference)).toBeLessThan(1e-10);
    expect(relativeError(js.solve({ ...options, causal: false }).finalTokens, reference)).toBeGreaterThan(1e-3);
  });

  it('rejects a non-boolean causal', async () => {
    const js = await engineFor('js');
    expect(() => js.attentionRhs({ tokens: [[1]], causal: 1 as unknown as boolean })).toThrow(/causal/);
    expect(() => js.solve({ tokens: [[1]], t1: 1, causal: 'yes' as unknown as boolean })).toThrow(/causal/);
  });
});

describe('key tiles with the online softmax (several tiles, remainders everywhere)', () => {
  // Tiles hold about 24576 / (d_k + D) keys (at least 64): these sizes give 2 to 5 tiles with a partial last one.
  const CASES: [number, number, number][] = [
    [701, 40, 40],
    [333, 96, 96],
    [517, 3, 2],
    [1031, 1, 1],
    [290, 6, 130],
    [4999, 2, 3], // small-D path: 24576 / 5 = 4915 keys per tile, so two tiles
  ];
  for (const [n, d, dk] of CASES) {
    it(`N = ${n}, D = ${d}, d_k = ${dk}, causal and not`, async () => {
      const random = seededRandom(n + d);
      const tokens = randomMatrix(random, n, d, 1.5 / Math.sqrt(d));
      const heads = dk === d ? undefined : randomHeads(random, d, 1, dk);
      const [simd, scalar, js] = await Promise.all(BACKEND_NAMES.map(engineFor));
      for (const causal of [false, true]) {
        const options = { tokens, heads, causal, beta: 2.5 };
        const reference = js.attentionRhs(options);
        expect(relativeError(simd.attentionRhs(options), reference)).toBeLessThan(1e-13);
        expect(relativeError(scalar.attentionRhs(options), reference)).toBeLessThan(1e-13);
      }
    });
  }
});

/** Calls attentionRhsRows directly on a backend's exports. */
async function rowRanges(backend: 'simd' | 'scalar', n: number, d: number, ranges: [number, number][], causal: boolean) {
  const wasm = new WasmBackend(await wasmModule(backend), backend);
  const random = seededRandom(77 + n);
  const { problem, x } = fieldProblem({
    tokens: randomMatrix(random, n, d),
    heads: randomHeads(random, d, 2, d + 2),
    geometry: 'sphere',
    causal,
  });
  const whole = wasm.attentionRhs(problem, 0, x);
  const k = wasm.exports;
  // The arena is private: lay out our own blocks after heapBase, with a second scratch for the ranges.
  const scratchBytes = k.attentionScratchBytes(n, d, widestHead(problem));
  const arena = new Arena(k.memory, k.heapBase());
  const block = allocProblem(arena, problem, scratchBytes);
  const xPtr = arena.alloc(8 * x.length);
  const outPtr = arena.alloc(8 * x.length);
  const ownScratch = arena.alloc(scratchBytes);
  arena.commit('test');
  writeProblem(arena, block, problem, problem.layers[0]);
  // Poison the problem's own scratch slot: the row entry must use the scratch it is given.
  arena.f64(block.record, block.slots)[5] = 0;
  arena.f64(xPtr, x.length).set(x);
  arena.f64(outPtr, x.length).fill(Number.NaN);
  const untouched: boolean[] = [];
  for (const [start, end] of ranges) {
    k.attentionRhsRows(block.record, xPtr, outPtr, start, end, ownScratch);
    const out = arena.f64(outPtr, x.length);
    // Rows after this range are still NaN: nothing outside [start, end) was written.
    untouched.push(out.subarray(end * d).every(Number.isNaN));
  }
  return { whole, pieces: arena.f64(outPtr, x.length).slice(), untouched };
}

describe.each(['simd', 'scalar'] as const)('attentionRhsRows on %s', (backend) => {
  it('row ranges written one after another equal the whole field (sphere, 2 heads)', async () => {
    for (const causal of [false, true]) {
      const { whole, pieces, untouched } = await rowRanges(
        backend,
        150,
        7,
        [
          [0, 1],
          [1, 66],
          [66, 67],
          [67, 149],
          [149, 150],
        ],
        causal,
      );
      expect(untouched.slice(0, -1).every(Boolean)).toBe(true);
      // Same arithmetic in the same order: equal to the last bit.
      expect(Array.from(pieces)).toEqual(Array.from(whole));
    }
  });

  it('an empty or clipped range writes nothing outside [0, N)', async () => {
    const { whole, pieces } = await rowRanges(
      backend,
      20,
      3,
      [
        [5, 5],
        [-3, 10],
        [10, 99],
      ],
      false,
    );
    expect(Array.from(pieces)).toEqual(Array.from(whole));
  });
});
