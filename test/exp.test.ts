// The softmax's vector exp (assembly/exp.ts) against Math.exp, in ulps.

import { describe, expect, it } from 'vitest';
import { WasmBackend } from '../src/wasm/backend.js';
import { wasmModule } from '../src/wasm/load.js';

/** Distance in units in the last place between two positive doubles. */
function ulps(a: number, b: number): number {
  const buf = new DataView(new ArrayBuffer(16));
  buf.setFloat64(0, a);
  buf.setFloat64(8, b);
  return Number(buf.getBigInt64(0) - buf.getBigInt64(8));
}

async function expOf(
  build: 'simd' | 'scalar',
  xs: Float64Array,
  kernel: 'exp' | 'pow2' | 'pow2Neg' = 'exp',
): Promise<Float64Array> {
  const backend = new WasmBackend(await wasmModule(build), build);
  const k = backend.exports;
  const base = Math.ceil(k.heapBase() / 16) * 16;
  const need = base + 16 * xs.length + 64;
  if (k.memory.buffer.byteLength < need) k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
  const inPtr = base;
  const outPtr = base + 8 * xs.length + 16;
  new Float64Array(k.memory.buffer, inPtr, xs.length).set(xs);
  if (kernel === 'exp') k.expArray(inPtr, outPtr, xs.length);
  else k.pow2Over64Array(inPtr, outPtr, xs.length, kernel === 'pow2Neg' ? 1 : 0);
  return new Float64Array(k.memory.buffer, outPtr, xs.length).slice();
}

describe.each(['simd', 'scalar'] as const)('exp in the %s build', (build) => {
  it('is within 2 ulp of Math.exp over [-708, 0] (odd count: SIMD body and scalar tail)', async () => {
    const count = 200001;
    const xs = Float64Array.from({ length: count }, (_, i) => -708 * (i / (count - 1)) ** 1.5);
    const ys = await expOf(build, xs);
    let worst = 0;
    for (let i = 0; i < count; i++) worst = Math.max(worst, Math.abs(ulps(ys[i], Math.exp(xs[i]))));
    expect(worst).toBeLessThanOrEqual(2);
  });

  it('is exact at 0, 0 below -708 and at -Infinity, and keeps NaN', async () => {
    const ys = await expOf(build, Float64Array.of(0, -709, -1e300, Number.NEGATIVE_INFINITY, Number.NaN, -0.5));
    expect(ys[0]).toBe(1);
    expect(ys[1]).toBe(0);
    expect(ys[2]).toBe(0);
    expect(ys[3]).toBe(0);
    expect(ys[4]).toBeNaN();
    expect(Math.abs(ulps(ys[5], Math.exp(-0.5)))).toBeLessThanOrEqual(2);
  });
});

// The tied kernels' weights in units of ln2 / 64: 2^(u/64), u <= 0 (pow2Over64, assembly/tied.ts) and
// 2^(-s/64), s >= 0 (pow2NegOver64, assembly/tied-small.ts). Reference: 2 ** (u / 64), whose exponent is
// exact (a division by 64) and whose result V8 computes within an ulp; the kernels' claim is 2 ulp, as exp's.
// `sign` maps a non-positive exponent u to the kernel's argument: u itself, or s = -u.
const variants = [
  { name: 'pow2Over64', kernel: 'pow2', sign: 1 },
  { name: 'pow2NegOver64', kernel: 'pow2Neg', sign: -1 },
] as const;

describe.each(['simd', 'scalar'] as const)("the tied kernels' 2^(u/64) in the %s build", (build) => {
  it.each(variants)(
    '$name is within 2 ulp over u in [-65344, 0] (integers, halves, fractions; odd count)',
    async ({ kernel, sign }) => {
      const count = 200001;
      const us = Float64Array.from({ length: count }, (_, i) => {
        const s = 65344 * (i / (count - 1)) ** 1.5;
        // every third an integer, every third a half-integer (ties of K = round(u)), the rest as they fall
        return -(i % 3 === 0 ? Math.round(s) : i % 3 === 1 ? Math.floor(s) + 0.5 : s);
      });
      const ys = await expOf(
        build,
        us.map((u) => sign * u),
        kernel,
      );
      let worst = 0;
      for (let i = 0; i < count; i++) worst = Math.max(worst, Math.abs(ulps(ys[i], 2 ** (us[i] / 64))));
      expect(worst).toBeLessThanOrEqual(2);
    },
  );

  it.each(variants)(
    '$name is exact at 0 and at multiples of 64, tiny u, and 2^-1021 below u = -65344',
    async ({ kernel, sign }) => {
      const us = [0, -64, -6400, -1e-300, -5e-324, -65344, -65345, -1e300, Number.NEGATIVE_INFINITY];
      const ys = await expOf(
        build,
        Float64Array.from(us, (u) => sign * u),
        kernel,
      );
      expect(ys[0]).toBe(1);
      expect(ys[1]).toBe(0.5);
      expect(ys[2]).toBe(2 ** -100);
      expect(ys[3]).toBe(1);
      expect(ys[4]).toBe(1);
      for (let i = 5; i < 9; i++) expect(ys[i]).toBe(2 ** -1021);
    },
  );
});

it.each(['simd', 'scalar'] as const)(
  'pow2Over64 in the %s build clamps u > 0 (rounding above a weight of 1) to 1',
  async (build) => {
    const ys = await expOf(build, Float64Array.of(1e-300, 0.5, 5, 1e300, Number.POSITIVE_INFINITY), 'pow2');
    expect([...ys]).toEqual([1, 1, 1, 1, 1]);
  },
);

it.each(variants)('$name: a lane of the simd build and its scalar tail give the same bits', async ({ kernel, sign }) => {
  // In an array of 2001 numbers the even positions before the last go through the vector body; one number
  // alone goes through the scalar tail (checked on a sample).
  const base = Float64Array.from({ length: 2001 }, (_, i) => sign * -((i * 32.71) % 65344));
  const vector = await expOf('simd', base, kernel);
  for (let i = 0; i < base.length - 1; i += 97) {
    const single = await expOf('simd', Float64Array.of(base[i]), kernel);
    expect(single[0]).toBe(vector[i]);
  }
});
