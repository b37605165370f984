// The plain TypeScript attention field: the test oracle, and the 'js'
// backend where WebAssembly is missing. Written for clarity, not speed:
// it follows eq. (7) literally, one row at a time, with Math.exp.

import type { FlatHead, FlatLayer } from '../problem.js';

/** y = x M for a row vector x (length rows) and M (rows x cols), or x itself when M is the identity. */
function rowTimes(x: Float64Array, m: Float64Array | null, rows: number, cols: number): Float64Array {
  if (m === null) return x;
  const y = new Float64Array(cols);
  for (let a = 0; a < rows; a++) for (let c = 0; c < cols; c++) y[c] = y[c] + x[a] * m[a * cols + c];
  return y;
}

function row(x: Float64Array, i: number, d: number): Float64Array {
  return x.subarray(i * d, (i + 1) * d);
}

/** Row i of P_h = softmax(beta (X Q)(X K)^T), stable (row maximum subtracted). */
function attentionRow(
  x: Float64Array,
  n: number,
  d: number,
  head: FlatHead,
  beta: number,
  i: number,
  keys: Float64Array[],
  causal: boolean,
): Float64Array {
  const q = rowTimes(row(x, i, d), head.query, d, head.dk);
  const s = new Float64Array(n);
  // The causal (decoder) mask: token i sees j <= i only; the other weights are exactly 0.
  const seen = causal ? i + 1 : n;
  let max = -Infinity;
  for (let j = 0; j < seen; j++) {
    const k = keys[j];
    let dot = 0;
    for (let c = 0; c < head.dk; c++) dot += q[c] * k[c];
    s[j] = beta * dot;
    max = Math.max(max, s[j]);
  }
  if (!Number.isFinite(max)) return s.fill(Number.NaN);
  let sum = 0;
  for (let j = 0; j < seen; j++) {
    s[j] = Math.exp(s[j] - max);
    sum += s[j];
  }
  for (let j = 0; j < seen; j++) s[j] = s[j] / sum;
  return s;
}

function keysOf(x: Float64Array, n: number, d: number, head: FlatHead): Float64Array[] {
  return Array.from({ length: n }, (_, j) => rowTimes(row(x, j, d), head.key, d, head.dk));
}

/** The N x N attention matrix P_h of one head, row-major; with `causal`, row i is zero past column i. */
export function referenceAttentionMatrix(
  x: Float64Array,
  n: number,
  d: number,
  layer: FlatLayer,
  h: number,
  causal = false,
): Float64Array {
  const head = layer.heads[h];
  const keys = keysOf(x, n, d, head);
  const p = new Float64Array(n * n);
  for (let i = 0; i < n; i++) p.set(attentionRow(x, n, d, head, layer.beta, i, keys, causal), i * n);
  return p;
}

/**
 * f(X) = sum_h P_h X V_h (eq. 7, row form); on the sphere each row is then
 * projected on the tangent space at x_i: y - <x_i, y> x_i. With `causal`,
 * token i attends to the tokens j <= i only.
 */
export function referenceAttentionRhs(
  x: Float64Array,
  n: number,
  d: number,
  layer: FlatLayer,
  sphere: boolean,
  causal = false,
): Float64Array {
  const out = new Float64Array(n * d);
  for (const head of layer.heads) {
    const keys = keysOf(x, n, d, head);
    for (let i = 0; i < n; i++) {
      const p = attentionRow(x, n, d, head, layer.beta, i, keys, causal);
      const z = new Float64Array(d);
      for (let j = 0; j < n; j++) for (let k = 0; k < d; k++) z[k] = z[k] + p[j] * x[j * d + k];
      const v = rowTimes(z, head.value, d, d);
      for (let k = 0; k < d; k++) out[i * d + k] = out[i * d + k] + v[k];
    }
  }
  if (sphere) {
    for (let i = 0; i < n; i++) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += x[i * d + k] * out[i * d + k];
      for (let k = 0; k < d; k++) out[i * d + k] = out[i * d + k] - dot * x[i * d + k];
    }
  }
  return out;
}
