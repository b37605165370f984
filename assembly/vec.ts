// Small vector kernels over float64 rows, shared by jacobian.ts and
// sinkhorn.ts. Every SIMD loop has a scalar tail (the whole loop in the
// scalar build).


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
