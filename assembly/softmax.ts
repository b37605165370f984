// The stable softmax over one row of scores (row maximum subtracted), shared
// by the attention kernel, the Jacobian and the tests' exp export.

import { expScalar, expVector } from './exp';

/** Largest of s[0..n). Non-finite maxima are caught by the caller. */
export function rowMax(s: usize, n: i32): f64 {
  let m = -Infinity;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    if (n >= 2) {
      let mv = v128.load(s);
      for (j = 2; j + 2 <= n; j += 2) mv = f64x2.pmax(mv, v128.load(s + (<usize>j << 3)));
      m = Math.max(f64x2.extract_lane(mv, 0), f64x2.extract_lane(mv, 1));
    }
  }
  for (; j < n; j++) m = Math.max(m, load<f64>(s + (<usize>j << 3)));
  return m;
}

/** s[j] = exp(s[j] - m) for j < n; returns the sum. Stable softmax numerator. */
export function expShifted(s: usize, n: i32, m: f64): f64 {
  let sum: f64 = 0;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const mv = f64x2.splat(m);
    let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
    for (; j + 4 <= n; j += 4) {
      const p = s + (<usize>j << 3);
      const e0 = expVector(f64x2.sub(v128.load(p), mv));
      const e1 = expVector(f64x2.sub(v128.load(p, 16), mv));
      v128.store(p, e0);
      v128.store(p, e1, 16);
      acc0 = f64x2.add(acc0, e0);
      acc1 = f64x2.add(acc1, e1);
    }
    acc0 = f64x2.add(acc0, acc1);
    sum = f64x2.extract_lane(acc0, 0) + f64x2.extract_lane(acc0, 1);
  }
  for (; j < n; j++) {
    const p = s + (<usize>j << 3);
    const e = expScalar(load<f64>(p) - m);
    store<f64>(p, e);
    sum += e;
  }
  return sum;
}

/**
 * s[j] <- softmax(s)[j] for j < n (row maximum subtracted, then divided by
 * the sum). Returns false, leaving s undefined, when the row is not finite.
 */
export function softmaxInPlace(s: usize, n: i32): bool {
  const m = rowMax(s, n);
  if (!isFinite(m)) return false;
  const inv = 1.0 / expShifted(s, n, m);
  for (let l = 0; l < n; l++) {
    const p = s + (<usize>l << 3);
    store<f64>(p, load<f64>(p) * inv);
  }
  return true;
}
