// Run-time feature detection, as tfjs-backend-wasm and wasm-feature-detect do:
// WebAssembly.validate on the smallest module that uses the feature.

/**
 * (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt)), the
 * SIMD probe of GoogleChromeLabs/wasm-feature-detect (src/detectors/simd).
 */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/** True when WebAssembly itself is there. */
export function hasWebAssembly(): boolean {
  return typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function';
}

/** True when the runtime validates fixed-width SIMD (v128). */
export function hasSimd(): boolean {
  if (!hasWebAssembly()) return false;
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/**
 * (module (func (result v128) i32.const 0 i8x16.splat i32.const 0 i8x16.splat i32.const 0 i8x16.splat
 * f64x2.relaxed_madd)): validates only where relaxed SIMD is on (Node 22+, current Chrome; Node 20 with
 * --experimental-wasm-relaxed-simd), and checks the very instruction the relaxed build uses.
 */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0, 65, 0, 253, 15, 65, 0, 253, 15, 65, 0, 253,
  15, 253, 135, 2, 11,
]);

/** True when the runtime validates relaxed SIMD (f64x2.relaxed_madd). */
export function hasRelaxedSimd(): boolean {
  if (!hasSimd()) return false;
  try {
    return WebAssembly.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}
