// exp(x) for the softmax, where x = s - max(s) lies in [-inf, 0].
//
// Method (Cody & Waite range reduction, as in fdlibm e_exp.c and
// AssemblyScript's std/assembly/math.ts): x = k ln2 + r with k = round(x / ln2)
// and |r| <= ln2 / 2; exp(x) = 2^k exp(r). exp(r) is its Taylor polynomial of
// degree 13, whose truncation error is below (ln2/2)^14 / 14! < 3.2e-18
// relative, evaluated by Estrin's scheme (shorter dependency chains than
// Horner). 2^k is applied by adding k to the exponent bits, so results below
// e^-708 (where 2^k p would be subnormal) are returned as 0: inside a softmax
// the largest term is 1, so this drops less than N * 3.3e-308 from the sum.
// NaN propagates (a non-finite score must reach the solver's check).
// test/exp.test.ts measures the error against Math.exp: within 2 ulp. The
// polynomial uses madd (simd.ts): fused in the relaxed-SIMD build.

import { madd } from './simd';

// 1.5 * 2^52 = 6755399441055744: adding it rounds to an integer held in the
// low mantissa bits.
const SHIFT: f64 = 6755399441055744.0;
const INV_LN2: f64 = 1.4426950408889634; // 1 / ln 2 (0x3FF71547652B82FE)
const LN2_HI: f64 = 6.93147180369123816490e-1; // ln 2, upper 32 bits (0x3FE62E42FEE00000), fdlibm
const LN2_LO: f64 = 1.90821492927058770002e-10; // ln 2 - LN2_HI (0x3DEA39EF35793C76), fdlibm
/** Below this, 2^k exp(r) would be subnormal: the result is 0. */
export const EXP_LOWER: f64 = -708.0;

// Taylor coefficients 1/k!, each the correctly rounded double.
const C0: f64 = 1.0; // 1/0!
const C1: f64 = 1.0; // 1/1!
const C2: f64 = 0.5; // 1/2!
const C3: f64 = 0.16666666666666666; // 1/3! = 1/6
const C4: f64 = 0.041666666666666664; // 1/4! = 1/24
const C5: f64 = 0.008333333333333333; // 1/5! = 1/120
const C6: f64 = 0.001388888888888889; // 1/6! = 1/720
const C7: f64 = 1.984126984126984e-4; // 1/7! = 1/5040
const C8: f64 = 2.48015873015873e-5; // 1/8! = 1/40320
const C9: f64 = 2.7557319223985893e-6; // 1/9! = 1/362880
const C10: f64 = 2.755731922398589e-7; // 1/10! = 1/3628800
const C11: f64 = 2.505210838544172e-8; // 1/11! = 1/39916800
const C12: f64 = 2.08767569878681e-9; // 1/12! = 1/479001600
const C13: f64 = 1.6059043836821613e-10; // 1/13! = 1/6227020800

/** Scalar exp on [-inf, 709]: the same algorithm as expVector, lane by lane. */
// @ts-ignore: decorator
@inline export function expScalar(x: f64): f64 {
  if (x < EXP_LOWER) return 0;
  if (x != x) return x;
  let kf = x * INV_LN2 + SHIFT;
  const kbits = reinterpret<i64>(kf);
  kf -= SHIFT;
  const r = x - kf * LN2_HI - kf * LN2_LO;
  const r2 = r * r;
  const r4 = r2 * r2;
  const r8 = r4 * r4;
  const b0 = C0 + C1 * r + (C2 + C3 * r) * r2;
  const b1 = C4 + C5 * r + (C6 + C7 * r) * r2;
  const b2 = C8 + C9 * r + (C10 + C11 * r) * r2;
  const b3 = C12 + C13 * r;
  const p = b0 + b1 * r4 + (b2 + b3 * r4) * r8;
  return reinterpret<f64>(reinterpret<i64>(p) + (kbits << 52));
}

// Vector constants, pre-splatted in linear memory: V8 rebuilds a v128.const
// at every use (FINDINGS.md), a v128.load from a hot line is one instruction.
const EXP_TABLE: usize = memory.data<f64>([
  SHIFT, SHIFT, // 0
  INV_LN2, INV_LN2, // 16
  LN2_HI, LN2_HI, // 32
  LN2_LO, LN2_LO, // 48
  EXP_LOWER, EXP_LOWER, // 64
  C1, C1, // 80 (C0 = C1 = 1)
  C2, C2, // 96
  C3, C3, // 112
  C4, C4, // 128
  C5, C5, // 144
  C6, C6, // 160
  C7, C7, // 176
  C8, C8, // 192
  C9, C9, // 208
  C10, C10, // 224
  C11, C11, // 240
  C12, C12, // 256
  C13, C13, // 272
], 16);

/** exp of both lanes of `x` (SIMD builds only). */
// @ts-ignore: decorator
@inline export function expVector(x: v128): v128 {
  const shift = v128.load(EXP_TABLE, 0);
  let kf = f64x2.add(f64x2.mul(x, v128.load(EXP_TABLE, 16)), shift);
  const kbits = kf;
  kf = f64x2.sub(kf, shift);
  const r = f64x2.sub(
    f64x2.sub(x, f64x2.mul(kf, v128.load(EXP_TABLE, 32))),
    f64x2.mul(kf, v128.load(EXP_TABLE, 48)),
  );
  const one = v128.load(EXP_TABLE, 80);
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const r8 = f64x2.mul(r4, r4);
  const a0 = madd(one, r, one);
  const a1 = madd(v128.load(EXP_TABLE, 112), r, v128.load(EXP_TABLE, 96));
  const a2 = madd(v128.load(EXP_TABLE, 144), r, v128.load(EXP_TABLE, 128));
  const a3 = madd(v128.load(EXP_TABLE, 176), r, v128.load(EXP_TABLE, 160));
  const a4 = madd(v128.load(EXP_TABLE, 208), r, v128.load(EXP_TABLE, 192));
  const a5 = madd(v128.load(EXP_TABLE, 240), r, v128.load(EXP_TABLE, 224));
  const a6 = madd(v128.load(EXP_TABLE, 272), r, v128.load(EXP_TABLE, 256));
  const b0 = madd(a1, r2, a0);
  const b1 = madd(a3, r2, a2);
  const b2 = madd(a5, r2, a4);
  const p = madd(madd(a6, r4, b2), r8, madd(b1, r4, b0));
  let y = i64x2.add(p, i64x2.shl(kbits, 52));
  // Lanes below EXP_LOWER (and -inf) become 0; NaN lanes stay NaN.
  y = v128.and(y, f64x2.ge(x, v128.load(EXP_TABLE, 64)));
  return v128.bitselect(y, x, f64x2.eq(x, x));
}

/**
 * out[i] = exp(x[i]) for i < count: the softmax's exp as a flat export, so
 * tests can measure its error against Math.exp.
 */
export function expArray(x: usize, out: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 2 <= count; i += 2) {
      const o = <usize>i << 3;
      v128.store(out + o, expVector(v128.load(x + o)));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 3;
    store<f64>(out + o, expScalar(load<f64>(x + o)));
  }
}
