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

async function expOf(build: 'simd' | 'scalar', xs: Float64Array): Promise<Float64Array> {
  const backend = new WasmBackend(await wasmModule(build), build);
  const k = backend.exports;
  const base = Math.ceil(k.heapBase() / 16) * 16;
  const need = base + 16 * xs.length + 64;
  if (k.memory.buffer.byteLength < need) k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / 65536));
  const inPtr = base;
  const outPtr = base + 8 * xs.length + 16;
  new Float64Array(k.memory.buffer, inPtr, xs.length).set(xs);
  k.expArray(inPtr, outPtr, xs.length);
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
