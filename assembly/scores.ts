// The score side of the attention kernels (float64): keys packed in panels,
// query rows, and the register-blocked score kernel. Shared by the row-softmax
// kernel (attention.ts) and the tied-weights kernel (tied.ts).
//
// Layout (FINDINGS.md): the keys k_j = x_j K are packed in panels of
// KEY_PANEL keys interleaved per coordinate, so the score loop streams one
// panel contiguously and broadcasts q_i[k] (v128.load64_splat); ROW_BLOCK = 4
// query rows share every key load (register blocking).

import { rowTimesMatrix } from './linalg';
import { madd } from './simd';
import { KEY_PANEL, ROW_BLOCK, paddedKeys, keysPtr, workPtr } from './scratch';

/** keys[panel][k][lane] = (x_j K)[k] with j = panel * KEY_PANEL + lane; pads with 0. */
export function packKeys(x: usize, n: i32, d: i32, dk: i32, key: usize): void {
  const npad = paddedKeys(n);
  const panelBytes = <usize>(dk * KEY_PANEL) << 3;
  for (let j = 0; j < npad; j++) {
    const dst = keysPtr + <usize>(j / KEY_PANEL) * panelBytes + (<usize>(j % KEY_PANEL) << 3);
    if (j >= n) {
      for (let k = 0; k < dk; k++) store<f64>(dst + (<usize>(k * KEY_PANEL) << 3), 0.0);
      continue;
    }
    const xj = x + (<usize>(j * d) << 3);
    let src = xj;
    if (key != 0) {
      rowTimesMatrix(xj, key, d, dk, workPtr, 1.0, false);
      src = workPtr;
    }
    for (let k = 0; k < dk; k++) {
      store<f64>(dst + (<usize>(k * KEY_PANEL) << 3), load<f64>(src + (<usize>k << 3)));
    }
  }
}

/** q = beta * x_i Q (or beta * x_i when Q is the identity). */
export function queryRow(xi: usize, d: i32, dk: i32, query: usize, beta: f64, q: usize): void {
  if (query != 0) {
    rowTimesMatrix(xi, query, d, dk, q, beta, false);
  } else {
    for (let k = 0; k < d; k++) store<f64>(q + (<usize>k << 3), beta * load<f64>(xi + (<usize>k << 3)));
  }
}

/**
 * Scores of ROW_BLOCK query rows (q, rows of dk) against the packed panels
 * [p0, p1): s_r[(p - p0) KEY_PANEL + lane] = <q_r, k_j> - h_j; score rows are
 * `stride` bytes apart. h_j = load(minus + 8 j) when `minus` is not 0 (the
 * tied kernel's half norms g_j: the sum starts from -g_j, which costs two
 * loads per panel instead of a subtraction per score), else 0.
 */
export function scoreBlock(q: usize, dk: i32, p0: i32, p1: i32, s: usize, stride: usize, minus: usize): void {
  const qBytes = <usize>dk << 3;
  let kp = keysPtr + (<usize>(p0 * dk * KEY_PANEL) << 3);
  for (let p = p0; p < p1; p++) {
    const o = s + (<usize>((p - p0) * KEY_PANEL) << 3);
    if (ASC_FEATURE_SIMD) {
      let a0 = f64x2.splat(0), a1 = f64x2.splat(0);
      if (minus != 0) {
        const h = minus + (<usize>(p * KEY_PANEL) << 3);
        a0 = f64x2.neg(v128.load(h));
        a1 = f64x2.neg(v128.load(h, 16));
      }
      let b0 = a0, b1 = a1, c0 = a0, c1 = a1, e0 = a0, e1 = a1;
      let qp = q;
      for (let k = 0; k < dk; k++) {
        const k0 = v128.load(kp, 0), k1 = v128.load(kp, 16);
        let w = v128.load64_splat(qp);
        a0 = madd(w, k0, a0);
        a1 = madd(w, k1, a1);
        w = v128.load64_splat(qp + qBytes);
        b0 = madd(w, k0, b0);
        b1 = madd(w, k1, b1);
        w = v128.load64_splat(qp + 2 * qBytes);
        c0 = madd(w, k0, c0);
        c1 = madd(w, k1, c1);
        w = v128.load64_splat(qp + 3 * qBytes);
        e0 = madd(w, k0, e0);
        e1 = madd(w, k1, e1);
        kp += 32;
        qp += 8;
      }
      v128.store(o, a0, 0); v128.store(o, a1, 16);
      v128.store(o + stride, b0, 0); v128.store(o + stride, b1, 16);
      v128.store(o + 2 * stride, c0, 0); v128.store(o + 2 * stride, c1, 16);
      v128.store(o + 3 * stride, e0, 0); v128.store(o + 3 * stride, e1, 16);
    } else {
      for (let r = 0; r < ROW_BLOCK; r++) {
        const qr = q + <usize>r * qBytes;
        for (let l = 0; l < KEY_PANEL; l++) {
          let acc: f64 = minus != 0 ? -load<f64>(minus + (<usize>(p * KEY_PANEL + l) << 3)) : 0.0;
          for (let k = 0; k < dk; k++) {
            acc += load<f64>(qr + (<usize>k << 3)) * load<f64>(kp + (<usize>(k * KEY_PANEL + l) << 3));
          }
          store<f64>(o + <usize>r * stride + (<usize>l << 3), acc);
        }
      }
      kp += <usize>(dk * KEY_PANEL) << 3;
    }
  }
}

