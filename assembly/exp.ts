// exp(x) for the softmax, where x = s - max(s) lies in [-inf, 0]; and 2^(u/64),
// the same method for the tied kernels, whose exponents come in units of ln2 / 64.
//
// Method (Tang, "Table-driven implementation of the exponential function in
// IEEE floating-point arithmetic", ACM TOMS 15(2), 1989; the scheme of glibc
// and musl exp with a 64-entry table): x = (64 e + j) ln2 / 64 + r with
// k = 64 e + j = round(64 x / ln2), 0 <= j < 64 and |r| <= ln2 / 128, so
// exp(x) = 2^e 2^(j/64) exp(r). 2^(j/64) comes from a table of correctly
// rounded doubles, exp(r) - 1 = q from its Taylor polynomial of degree 5
// (truncation below (ln2/128)^6 / 6! < 3.5e-17 relative), evaluated in
// Estrin's scheme, and the result is T + T q (one rounding after the table's).
// ln2/64 is split in two (fdlibm's LN2_HI, LN2_LO divided by 64, exact) so
// that k ln2/64 is exact for |k| < 2^20 (Cody & Waite). 2^e is applied by
// adding e to the exponent bits, so results below e^-708 (where the result
// would be subnormal) are returned as 0: inside a softmax the largest term
// is 1, so this drops less than N * 3.3e-308 from the sum. NaN propagates
// (a non-finite score must reach the solver's check). test/exp.test.ts
// measures the error against Math.exp: within 2 ulp. The polynomial uses
// madd (simd.ts): fused in the relaxed-SIMD build.

import { madd } from './simd';

// 1.5 * 2^52 = 6755399441055744: adding it rounds to an integer held in the
// low mantissa bits (two's complement in the low 51 bits).
const SHIFT: f64 = 6755399441055744.0;
/** 64 / ln 2: also the unit change of pow2Over64's callers. */
export const INV_LN2_64: f64 = 92.33248261689366; // 64 / ln 2
const LN2_64_HI: f64 = 0.01083042469326756; // fdlibm LN2_HI / 64 (0x3FE62E42FEE00000 / 64, exact)
const LN2_64_LO: f64 = 2.9815858269852933e-12; // fdlibm LN2_LO / 64
/** Below this, the result would be subnormal: it is 0. */
export const EXP_LOWER: f64 = -708.0;
/** ln 2 / 64 rounded to double (0.010830424696249145; relative error 3.3e-17). */
const LN2_64: f64 = 0.010830424696249145;
const NEG_LN2_64: f64 = -LN2_64;
/** pow2NegOver64 clamps s to at most this, pow2Over64 u to at least minus it: 2^(-65344/64) = 2^-1021 = 4.5e-308, still normal. */
const POW2_NEG_MAX: f64 = 65344.0;

// Taylor coefficients 1/k!, each the correctly rounded double.
const C2: f64 = 0.5;
const C3: f64 = 0.16666666666666666;
const C4: f64 = 0.041666666666666664;
const C5: f64 = 0.008333333333333333;

/** 2^(j/64) for j = 0..63, correctly rounded (computed with 200-bit arithmetic). */
const POW2_TABLE: usize = memory.data<f64>([
  1.0, 1.0108892860517005, 1.0218971486541166, 1.0330248790212284,
  1.0442737824274138, 1.0556451783605572, 1.0671404006768237, 1.0787607977571199,
  1.0905077326652577, 1.102382583307841, 1.1143867425958924, 1.1265216186082418,
  1.1387886347566916, 1.1511892299529827, 1.1637248587775775, 1.1763969916502812,
  1.189207115002721, 1.202156731452703, 1.215247359980469, 1.22848053610687,
  1.241857812073484, 1.255380757024691, 1.2690509571917332, 1.2828700160787783,
  1.2968395546510096, 1.3109612115247644, 1.3252366431597413, 1.339667524053303,
  1.3542555469368927, 1.3690024229745905, 1.383909881963832, 1.3989796725383112,
  1.4142135623730951, 1.42961333839197, 1.4451808069770467, 1.460917794180647,
  1.4768261459394993, 1.4929077282912648, 1.5091644275934228, 1.5255981507445384,
  1.5422108254079407, 1.559004400237837, 1.5759808451078865, 1.593142151342267,
  1.6104903319492543, 1.6280274218573478, 1.645755478153965, 1.6636765803267364,
  1.681792830507429, 1.7001063537185235, 1.718619298122478, 1.7373338352737062,
  1.7562521603732995, 1.7753764925265212, 1.7947090750031072, 1.8142521755003989,
  1.8340080864093424, 1.8539791250833855, 1.8741676341103, 1.8945759815869656,
  1.9152065613971474, 1.9360617934922943, 1.9571441241754002, 1.978456026387951,
], 16);

/** Scalar exp on [-inf, 709]: the same algorithm as expVector. */
// @ts-ignore: decorator
@inline export function expScalar(x: f64): f64 {
  if (x < EXP_LOWER) return 0;
  if (x != x) return x;
  let kf = x * INV_LN2_64 + SHIFT;
  const kbits = reinterpret<i64>(kf);
  kf -= SHIFT;
  return expFromReducedScalar(kbits, x - kf * LN2_64_HI - kf * LN2_64_LO);
}

/** expFromReduced on one number: 2^(k/64) exp(r), k in the low bits of kbits, |r| <= ln2 / 128. */
// @ts-ignore: decorator
@inline function expFromReducedScalar(kbits: i64, r: f64): f64 {
  const r2 = r * r;
  const q = r + r2 * (C2 + C3 * r) + (r2 * r2) * (C4 + C5 * r);
  const t = load<f64>(POW2_TABLE + (<usize>(kbits & 63) << 3));
  const y = t + t * q;
  return reinterpret<f64>(reinterpret<i64>(y) + ((kbits >> 6) << 52));
}

// Vector constants, pre-splatted in linear memory: V8 rebuilds a v128.const
// at every use (FINDINGS.md), a v128.load from a hot line is one instruction.
const EXP_TABLE: usize = memory.data<f64>([
  SHIFT, SHIFT, // 0
  INV_LN2_64, INV_LN2_64, // 16
  LN2_64_HI, LN2_64_HI, // 32
  LN2_64_LO, LN2_64_LO, // 48
  EXP_LOWER, EXP_LOWER, // 64
  C2, C2, // 80
  C3, C3, // 96
  C4, C4, // 112
  C5, C5, // 128
  POW2_NEG_MAX, POW2_NEG_MAX, // 144
  NEG_LN2_64, NEG_LN2_64, // 160
  -POW2_NEG_MAX, -POW2_NEG_MAX, // 176
  LN2_64, LN2_64, // 192
], 16);

// Bits: the low 51 bits of kbits hold k = 64 e + j in two's complement, above
// them the exponent of SHIFT. (k >> 6) << 52 = (k & ~63) << 46 modulo 2^64,
// and the shift by 46 drops SHIFT's exponent: one and plus one shift instead of
// i64x2.shr_s, which x64 has no instruction for (V8 emits six).
const EXPONENT_MASK: usize = memory.data<i64>([~63, ~63], 16);

/** exp of both lanes of `x` in [EXP_LOWER, 709]; other lanes give garbage (callers mask or clamp). */
// @ts-ignore: decorator
@inline function expCore(x: v128): v128 {
  const shift = v128.load(EXP_TABLE, 0);
  let kf = madd(x, v128.load(EXP_TABLE, 16), shift);
  const kbits = kf;
  kf = f64x2.sub(kf, shift);
  const r = f64x2.sub(
    f64x2.sub(x, f64x2.mul(kf, v128.load(EXP_TABLE, 32))),
    f64x2.mul(kf, v128.load(EXP_TABLE, 48)),
  );
  return expFromReduced(kbits, r);
}

/**
 * 2^(k/64) exp(r) from kbits (k in the low bits, as expCore's) and the
 * reduced argument |r| <= ln2 / 128: the table, the polynomial and the exponent.
 */
// @ts-ignore: decorator
@inline function expFromReduced(kbits: v128, r: v128): v128 {
  // The two table entries, fetched while the polynomial runs.
  const j0 = <usize>(i64x2.extract_lane(kbits, 0) & 63) << 3;
  const j1 = <usize>(i64x2.extract_lane(kbits, 1) & 63) << 3;
  const t = v128.load64_lane(POW2_TABLE + j1, v128.load64_zero(POW2_TABLE + j0), 1);
  const r2 = f64x2.mul(r, r);
  const a1 = madd(v128.load(EXP_TABLE, 96), r, v128.load(EXP_TABLE, 80));
  const a2 = madd(v128.load(EXP_TABLE, 128), r, v128.load(EXP_TABLE, 112));
  const q = madd(f64x2.mul(r2, r2), a2, madd(r2, a1, r));
  const y = madd(t, q, t);
  return i64x2.add(y, i64x2.shl(v128.and(kbits, v128.load(EXPONENT_MASK)), 46));
}

/** exp of both lanes of `x` (SIMD builds only): 0 below EXP_LOWER and at -inf, NaN kept. */
// @ts-ignore: decorator
@inline export function expVector(x: v128): v128 {
  const lower = v128.load(EXP_TABLE, 64);
  // Lanes below EXP_LOWER (and -inf) become 0; NaN lanes stay NaN.
  const y = v128.and(expCore(x), f64x2.ge(x, lower));
  return v128.bitselect(y, x, f64x2.eq(x, x));
}

/**
 * exp of both lanes of `x` for arguments that are never NaN (the tied kernels,
 * whose arguments -beta |y_i - y_j|^2 / 2 are finite or -inf by construction):
 * lanes below EXP_LOWER give e^-708 = 3.3e-308 instead of 0, which no sum of
 * those kernels can notice (every normalizer there is at least e^-300). Saves
 * the masks of expVector, about a tenth of its instructions.
 */
// @ts-ignore: decorator
@inline export function expVectorNoNaN(x: v128): v128 {
  return expCore(f64x2.pmax(x, v128.load(EXP_TABLE, 64)));
}

/**
 * 2^(-s/64) on both lanes of `s` >= 0 (not NaN), for the small-width tied
 * kernel (tied-small.ts), whose keys are scaled so that its weights
 * exp(-beta |y_i - y_j|^2 / 2) are 2^(-|y'_i - y'_j|^2 / 64). The same
 * method as expCore with the argument already in units of ln2 / 64: with
 * K = round(-s) (kf - SHIFT), s + K is exact (|s + K| <= 1/2, Sterbenz), so
 * the reduced argument r = -(s + K) ln2 / 64 carries one rounding of its
 * own, and no multiply by 64 / ln2 nor the two-part ln2 / 64 of Cody & Waite
 * is needed: four operations fewer than expVectorNoNaN(-s ln2 / 64), and a
 * shorter dependency chain (the kernel's pair loop is latency-bound). s is
 * clamped to POW2_NEG_MAX: larger s give 2^-1021 instead of less, which no
 * sum of that kernel notices (its normalizers are at least e^-300).
 */
// @ts-ignore: decorator
@inline export function pow2NegOver64(s: v128): v128 {
  const shift = v128.load(EXP_TABLE, 0);
  const sc = f64x2.pmin(s, v128.load(EXP_TABLE, 144));
  const kbits = f64x2.sub(shift, sc); // K = round(-s) in the low bits
  const r = f64x2.mul(f64x2.add(sc, f64x2.sub(kbits, shift)), v128.load(EXP_TABLE, 160));
  return expFromReduced(kbits, r);
}

/**
 * 2^(u/64) on both lanes of `u` (not NaN), clamped to [-POW2_NEG_MAX, 0]:
 * for the tiled tied kernel (tied.ts), whose scores come in units of ln2 / 64
 * and whose weights are at most 1 in exact arithmetic (rounding may make u
 * positive, by far when the half norms are huge: 1 there, not an overflow).
 * pow2NegOver64's method for a non-positive argument (K = round(u), u - K
 * exact); 2^-1021 below -POW2_NEG_MAX.
 */
// @ts-ignore: decorator
@inline export function pow2Over64(u: v128): v128 {
  const shift = v128.load(EXP_TABLE, 0);
  const uc = f64x2.pmin(f64x2.pmax(u, v128.load(EXP_TABLE, 176)), f64x2.splat(0));
  const kbits = f64x2.add(uc, shift); // K = round(u) in the low bits
  const r = f64x2.mul(f64x2.sub(uc, f64x2.sub(kbits, shift)), v128.load(EXP_TABLE, 192));
  return expFromReduced(kbits, r);
}

/** pow2Over64 on one number (in the simd build, the same bits as a lane of it). */
// @ts-ignore: decorator
@inline export function pow2Over64Scalar(u: f64): f64 {
  const uc = Math.min(Math.max(u, -POW2_NEG_MAX), 0.0);
  let kf = uc + SHIFT;
  const kbits = reinterpret<i64>(kf);
  kf -= SHIFT;
  return expFromReducedScalar(kbits, (uc - kf) * LN2_64);
}

/** pow2NegOver64 on one number (the same operations: in the simd build, the same bits as a lane of it). */
// @ts-ignore: decorator
@inline export function pow2NegOver64Scalar(s: f64): f64 {
  const sc = Math.min(s, POW2_NEG_MAX);
  let kf = SHIFT - sc;
  const kbits = reinterpret<i64>(kf);
  kf -= SHIFT;
  return expFromReducedScalar(kbits, (sc + kf) * NEG_LN2_64);
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

/**
 * out[i] = 2^(x[i] / 64) for i < count: pow2Over64 (x clamped to <= 0, the
 * tiled tied kernel's exponential) or, when `negated` != 0, 2^(-x[i] / 64) by
 * pow2NegOver64 (x >= 0, the small-width kernel's), as a flat export, so
 * tests can measure their error.
 */
export function pow2Over64Array(x: usize, out: usize, count: i32, negated: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 2 <= count; i += 2) {
      const o = <usize>i << 3;
      const v = v128.load(x + o);
      v128.store(out + o, negated != 0 ? pow2NegOver64(v) : pow2Over64(v));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 3;
    const v = load<f64>(x + o);
    store<f64>(out + o, negated != 0 ? pow2NegOver64Scalar(v) : pow2Over64Scalar(v));
  }
}
