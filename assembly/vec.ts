// Small vector kernels over float64 rows, shared by jacobian.ts and
// sinkhorn.ts. Every SIMD loop has a scalar tail (the whole loop in the
// scalar build).

import { expScalar, expVector } from './exp';

/** <a, b> over n float64. */
// @ts-ignore: decorator
@inline export function dot(a: usize, b: usize, n: i32): f64 {
  let s: f64 = 0;
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = f64x2.splat(0);
    for (; k + 2 <= n; k += 2) {
      const o = <usize>k << 3;
      acc = f64x2.add(acc, f64x2.mul(v128.load(a + o), v128.load(b + o)));
    }
    s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  }
  for (; k < n; k++) s += load<f64>(a + (<usize>k << 3)) * load<f64>(b + (<usize>k << 3));
  return s;
}

/** dst += alpha * src over n float64. */
// @ts-ignore: decorator
@inline export function axpy(dst: usize, alpha: f64, src: usize, n: i32): void {
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    const av = f64x2.splat(alpha);
    for (; k + 2 <= n; k += 2) {
      const o = <usize>k << 3;
      v128.store(dst + o, f64x2.add(v128.load(dst + o), f64x2.mul(av, v128.load(src + o))));
    }
  }
  for (; k < n; k++) {
    const o = <usize>k << 3;
    store<f64>(dst + o, load<f64>(dst + o) + alpha * load<f64>(src + o));
  }
}

/** dst = alpha * src over n float64. */
export function scaleInto(dst: usize, alpha: f64, src: usize, n: i32): void {
  for (let k = 0; k < n; k++) {
    const o = <usize>k << 3;
    store<f64>(dst + o, alpha * load<f64>(src + o));
  }
}

/** dst[a] = scale * sum_c src[c] M[a][c] for a < rows: the row vector src (length cols) times M^T, M rows x cols. */
export function rowTimesTransposed(src: usize, matrix: usize, rows: i32, cols: i32, dst: usize, scale: f64): void {
  for (let a = 0; a < rows; a++) {
    store<f64>(dst + (<usize>a << 3), scale * dot(src, matrix + <usize>(a * cols) * 8, cols));
  }
}

/**
 * s[j] <- softmax(s)[j] for j < n (row maximum subtracted, then divided by
 * the sum). Returns false, leaving s undefined, when the row is not finite.
 */
export function softmaxInPlace(s: usize, n: i32): bool {
  let m = -Infinity;
  for (let j = 0; j < n; j++) m = Math.max(m, load<f64>(s + (<usize>j << 3)));
  if (!isFinite(m)) return false;
  let sum: f64 = 0;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const mv = f64x2.splat(m);
    let acc = f64x2.splat(0);
    for (; j + 2 <= n; j += 2) {
      const p = s + (<usize>j << 3);
      const e = expVector(f64x2.sub(v128.load(p), mv));
      v128.store(p, e);
      acc = f64x2.add(acc, e);
    }
    sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  }
  for (; j < n; j++) {
    const p = s + (<usize>j << 3);
    const e = expScalar(load<f64>(p) - m);
    store<f64>(p, e);
    sum += e;
  }
  const inv = 1.0 / sum;
  for (let l = 0; l < n; l++) {
    const p = s + (<usize>l << 3);
    store<f64>(p, load<f64>(p) * inv);
  }
  return true;
}
