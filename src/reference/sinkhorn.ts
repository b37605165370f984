// Sinkhorn attention in plain TypeScript, the oracle of assembly/sinkhorn.ts:
// the kernel exp(S), S = beta (X Q)(X K)^T, scaled to a doubly stochastic
// P_ij = exp(S_ij + a_i + b_j) by log-domain Sinkhorn iterations (Sander,
// Ablin, Blondel, Peyre 2022; Peyre and Cuturi 2019, Remark 4.23). Starts
// from b = 0, ends with a row normalization, so one iteration is the row
// softmax; stops after `iterations` row normalizations or once every column
// sum is within `tolerance` of 1.

import type { FlatHead, SinkhornPlan } from '../problem.js';

/** log sum_j exp(v_j), stable (maximum subtracted). */
function logSumExp(v: ArrayLike<number>): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < v.length; j++) m = Math.max(m, v[j]);
  let sum = 0;
  for (let j = 0; j < v.length; j++) sum += Math.exp(v[j] - m);
  return m + Math.log(sum);
}

function project(x: Float64Array, i: number, d: number, m: Float64Array | null, dk: number): Float64Array {
  const row = x.subarray(i * d, (i + 1) * d);
  if (m === null) return Float64Array.from(row);
  const out = new Float64Array(dk);
  for (let a = 0; a < d; a++) for (let c = 0; c < dk; c++) out[c] += row[a] * m[a * dk + c];
  return out;
}

/** The result of Sinkhorn scaling: P (N x N row-major) and the row normalizations done. */
export interface SinkhornResult {
  readonly matrix: Float64Array;
  readonly iterations: number;
}

/** Sinkhorn-scaled attention matrix of one head at state x (N x D). */
export function referenceSinkhornMatrix(
  x: Float64Array,
  n: number,
  d: number,
  head: FlatHead,
  beta: number,
  plan: SinkhornPlan,
): SinkhornResult {
  const q = Array.from({ length: n }, (_, i) => project(x, i, d, head.query, head.dk));
  const k = Array.from({ length: n }, (_, j) => project(x, j, d, head.key, head.dk));
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let c = 0; c < head.dk; c++) dot += q[i][c] * k[j][c];
      s[i * n + j] = beta * dot;
    }
  }
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const column = new Float64Array(n);
  const rowsNormalized = () => {
    for (let i = 0; i < n; i++) a[i] = -logSumExp(Array.from({ length: n }, (_, j) => s[i * n + j] + b[j]));
  };
  rowsNormalized();
  let done = 1;
  while (done < plan.iterations) {
    let residual = 0;
    for (let j = 0; j < n; j++) {
      column[j] = logSumExp(Array.from({ length: n }, (_, i) => s[i * n + j] + a[i]));
      const dev = Math.abs(Math.exp(column[j] + b[j]) - 1);
      residual = dev > residual || Number.isNaN(dev) ? dev : residual;
    }
    if (residual <= plan.tolerance) break;
    for (let j = 0; j < n; j++) b[j] = -column[j];
    rowsNormalized();
    done++;
  }
  const p = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) p[i * n + j] = Math.exp(s[i * n + j] + a[i] + b[j]);
  return { matrix: p, iterations: done };
}
