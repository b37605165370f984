// Peak probes for bench/run.mjs (a separate build, build/attnflow.probe*.wasm,
// not part of the library): how many multiply-adds per second one core does
// on f64x2 and f32x4 vectors, and how many vector exps per second, on this
// machine and runtime. 12 independent accumulator chains hide the add
// latency (FINDINGS.md); inputs come from memory so nothing constant-folds.

import { madd, maddF32 } from '../simd';
import { expVector } from '../exp';
import { expVectorF32 } from '../f32/exp';

const SEED: usize = memory.data<f64>([1.0000001, 0.9999999, 1e-9, 1e-9], 16);

/** Runs `iterations` rounds of 12 f64x2 multiply-adds (48 flops); returns a checksum. */
export function peakF64(iterations: i32): f64 {
  const m = v128.load(SEED);
  const c = v128.load(SEED, 16);
  let a0 = c, a1 = c, a2 = c, a3 = c, a4 = c, a5 = c, a6 = c, a7 = c, a8 = c, a9 = c, a10 = c, a11 = c;
  for (let i = 0; i < iterations; i++) {
    a0 = madd(a0, m, c); a1 = madd(a1, m, c); a2 = madd(a2, m, c); a3 = madd(a3, m, c);
    a4 = madd(a4, m, c); a5 = madd(a5, m, c); a6 = madd(a6, m, c); a7 = madd(a7, m, c);
    a8 = madd(a8, m, c); a9 = madd(a9, m, c); a10 = madd(a10, m, c); a11 = madd(a11, m, c);
  }
  const s = f64x2.add(f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3)), f64x2.add(f64x2.add(a4, a5), f64x2.add(a6, a7)));
  const t = f64x2.add(s, f64x2.add(f64x2.add(a8, a9), f64x2.add(a10, a11)));
  return f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
}

/** Runs `iterations` rounds of 12 f32x4 multiply-adds (96 flops); returns a checksum. */
export function peakF32(iterations: i32): f64 {
  const m = f32x4.splat(<f32>load<f64>(SEED));
  const c = f32x4.splat(<f32>load<f64>(SEED, 16));
  let a0 = c, a1 = c, a2 = c, a3 = c, a4 = c, a5 = c, a6 = c, a7 = c, a8 = c, a9 = c, a10 = c, a11 = c;
  for (let i = 0; i < iterations; i++) {
    a0 = maddF32(a0, m, c); a1 = maddF32(a1, m, c); a2 = maddF32(a2, m, c); a3 = maddF32(a3, m, c);
    a4 = maddF32(a4, m, c); a5 = maddF32(a5, m, c); a6 = maddF32(a6, m, c); a7 = maddF32(a7, m, c);
    a8 = maddF32(a8, m, c); a9 = maddF32(a9, m, c); a10 = maddF32(a10, m, c); a11 = maddF32(a11, m, c);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  const t = f32x4.add(s, f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11)));
  return <f64>(f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 3));
}

/** 4 * iterations float64 exps (two independent f64x2 chains per round); returns a checksum. */
export function expRateF64(iterations: i32): f64 {
  let x = f64x2.splat(-0.5);
  let y = f64x2.splat(-3.25);
  const step = f64x2.splat(-1e-7);
  let acc = f64x2.splat(0);
  for (let i = 0; i < iterations; i++) {
    acc = f64x2.add(acc, f64x2.add(expVector(x), expVector(y)));
    x = f64x2.add(x, step);
    y = f64x2.add(y, step);
  }
  return f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
}

/** 8 * iterations float32 exps; returns a checksum. */
export function expRateF32(iterations: i32): f64 {
  let x = f32x4.splat(-0.5);
  let y = f32x4.splat(-3.25);
  const step = f32x4.splat(-1e-6);
  let acc = f32x4.splat(0);
  for (let i = 0; i < iterations; i++) {
    acc = f32x4.add(acc, f32x4.add(expVectorF32(x), expVectorF32(y)));
    x = f32x4.add(x, step);
    y = f32x4.add(y, step);
  }
  return <f64>(f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1));
}
