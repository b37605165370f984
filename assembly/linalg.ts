// Small dense products for the weight matrices (row-major).

/**
 * dst[c] (+)= scale * sum_a src[a] M[a][c] for c < cols: the row vector `src`
 * (length rows) times M (rows x cols). Overwrites dst unless `accumulate`.
 */
export function rowTimesMatrix(
  src: usize, matrix: usize, rows: i32, cols: i32, dst: usize, scale: f64, accumulate: bool,
): void {
  if (!accumulate) memory.fill(dst, 0, <usize>cols << 3);
  const rowBytes = <usize>cols << 3;
  for (let a = 0; a < rows; a++) {
    const w = scale * load<f64>(src + (<usize>a << 3));
    const m = matrix + <usize>a * rowBytes;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      const wv = f64x2.splat(w);
      for (; c + 2 <= cols; c += 2) {
        const o = <usize>c << 3;
        v128.store(dst + o, f64x2.add(v128.load(dst + o), f64x2.mul(wv, v128.load(m + o))));
      }
    }
    for (; c < cols; c++) {
      const o = <usize>c << 3;
      store<f64>(dst + o, load<f64>(dst + o) + w * load<f64>(m + o));
    }
  }
}

/**
 * out_i += scale * z V (or scale * z when V is the identity, value = 0) over
 * d float64; a NaN scale poisons the row. The last step of every softmax
 * kernel (attention.ts, f32/attention.ts, tied.ts).
 */
export function addValueRow(z: usize, d: i32, value: usize, scale: f64, outRow: usize): void {
  if (value != 0) {
    rowTimesMatrix(z, value, d, d, outRow, scale, true);
  } else {
    for (let k = 0; k < d; k++) {
      const o = outRow + (<usize>k << 3);
      store<f64>(o, load<f64>(o) + scale * load<f64>(z + (<usize>k << 3)));
    }
  }
}
