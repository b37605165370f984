// Small vector helpers shared by the kernels.

/**
 * a * b + c on two float64 lanes: a fused multiply-add (`f64x2.relaxed_madd`)
 * in the relaxed-SIMD build, a rounded multiply then add otherwise. The
 * relaxed build may therefore differ in the last bits from machine to machine
 * (relaxed_madd may or may not fuse): it is not bitwise reproducible.
 */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(f64x2.mul(a, b), c);
}

/** a * b + c on four float32 lanes, as madd. */
// @ts-ignore: decorator
@inline export function maddF32(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}
