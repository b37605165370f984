// exp(x) in float32 for the float32 softmax, x = s - max(s) in [-inf, 0].
//
// The method of ../exp.ts in single precision: x = k ln2 + r, |r| <= ln2/2,
// with ln2 split in two float32 parts (Cody & Waite; the split of Cephes
// expf.c: 0.693359375 - 2.12194440e-4), exp(r) by its Taylor polynomial of
// degree 7 (truncation below (ln2/2)^8 / 8! < 5.3e-9 relative, under the
// float32 half-ulp 3e-8) in Estrin's scheme, then 2^k by adding k to the
// exponent bits. Results below e^-87 (where 2^k would leave the normal range)
// are 0: inside a softmax whose largest term is 1 this drops less than
// N * 1.7e-38. NaN propagates. test/precision.test.ts measures the error.

import { maddF32 } from '../simd';

const SHIFT: f32 = 12582912.0; // 1.5 * 2^23: adding it rounds to an integer in the low mantissa bits
const INV_LN2: f32 = 1.44269504;
const LN2_HI: f32 = 0.693359375; // exactly representable with 9 bits: k * LN2_HI is exact for |k| < 2^15
const LN2_LO: f32 = -2.12194440e-4;
export const EXP_LOWER_F32: f32 = -87.0;

const C2: f32 = 0.5;
const C3: f32 = 0.16666666666666666;
const C4: f32 = 0.041666666666666664;
const C5: f32 = 0.008333333333333333;
const C6: f32 = 0.001388888888888889;
const C7: f32 = 1.984126984126984e-4;

/** Scalar float32 exp: the same steps as expVectorF32, for tails and the scalar build. */
// @ts-ignore: decorator
@inline export function expScalarF32(x: f32): f32 {
  if (x < EXP_LOWER_F32) return 0;
  if (x != x) return x;
  let kf = x * INV_LN2 + SHIFT;
  const kbits = reinterpret<i32>(kf);
  kf -= SHIFT;
  const r = x - kf * LN2_HI - kf * LN2_LO;
  const r2 = r * r;
  const r4 = r2 * r2;
  const p = (<f32>1.0 + r + (C2 + C3 * r) * r2) + (C4 + C5 * r + (C6 + C7 * r) * r2) * r4;
  return reinterpret<f32>(reinterpret<i32>(p) + (kbits << 23));
}

// Pre-splatted vector constants (V8 rebuilds every v128.const at each use).
const TABLE: usize = memory.data<f32>([
  SHIFT, SHIFT, SHIFT, SHIFT, // 0
  INV_LN2, INV_LN2, INV_LN2, INV_LN2, // 16
  LN2_HI, LN2_HI, LN2_HI, LN2_HI, // 32
  LN2_LO, LN2_LO, LN2_LO, LN2_LO, // 48
  EXP_LOWER_F32, EXP_LOWER_F32, EXP_LOWER_F32, EXP_LOWER_F32, // 64
  1.0, 1.0, 1.0, 1.0, // 80
  C2, C2, C2, C2, // 96
  C3, C3, C3, C3, // 112
  C4, C4, C4, C4, // 128
  C5, C5, C5, C5, // 144
  C6, C6, C6, C6, // 160
  C7, C7, C7, C7, // 176
], 16);

/** exp of the four lanes of `x` in [EXP_LOWER_F32, 88]; other lanes give garbage (callers mask or clamp). */
// @ts-ignore: decorator
@inline function expCoreF32(x: v128): v128 {
  const shift = v128.load(TABLE, 0);
  let kf = f32x4.add(f32x4.mul(x, v128.load(TABLE, 16)), shift);
  const kbits = kf;
  kf = f32x4.sub(kf, shift);
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(kf, v128.load(TABLE, 32))), f32x4.mul(kf, v128.load(TABLE, 48)));
  const one = v128.load(TABLE, 80);
  const r2 = f32x4.mul(r, r);
  const r4 = f32x4.mul(r2, r2);
  const a0 = maddF32(one, r, one);
  const a1 = maddF32(v128.load(TABLE, 112), r, v128.load(TABLE, 96));
  const a2 = maddF32(v128.load(TABLE, 144), r, v128.load(TABLE, 128));
  const a3 = maddF32(v128.load(TABLE, 176), r, v128.load(TABLE, 160));
  const p = maddF32(maddF32(a3, r2, a2), r4, maddF32(a1, r2, a0));
  return i32x4.add(p, i32x4.shl(kbits, 23));
}

/** exp of the four lanes of `x` (SIMD builds only): 0 below EXP_LOWER_F32 and at -inf, NaN kept. */
// @ts-ignore: decorator
@inline export function expVectorF32(x: v128): v128 {
  const y = v128.and(expCoreF32(x), f32x4.ge(x, v128.load(TABLE, 64)));
  return v128.bitselect(y, x, f32x4.eq(x, x));
}

/**
 * exp of the four lanes of `x` for arguments that are never NaN (f32/tied-small.ts: -beta |y_i - y_j|^2 / 2,
 * finite or -inf): lanes below EXP_LOWER_F32 give e^-87 = 1.6e-38 instead of 0, which that kernel's sums
 * cannot notice (a pair's weight there is at most e^30 times its row's normalizer), as ../exp.ts's
 * expVectorNoNaN. Saves the masks of expVectorF32.
 */
// @ts-ignore: decorator
@inline export function expVectorF32NoNaN(x: v128): v128 {
  return expCoreF32(f32x4.pmax(x, v128.load(TABLE, 64)));
}

/** out[i] = exp(x[i]) in float32 for i < count (for tests). */
export function expArrayF32(x: usize, out: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, expVectorF32(v128.load(x + o)));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, expScalarF32(load<f32>(x + o)));
  }
}
