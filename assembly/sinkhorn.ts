// Sinkhorn attention (Sinkformers: Sander, Ablin, Blondel, Peyre 2022): the
// kernel exp(S) with S = beta (X Q)(X K)^T is scaled to a doubly stochastic
// P_ij = exp(S_ij + a_i + b_j) by alternately normalizing rows and columns
// (Sinkhorn and Knopp 1967). The potentials a, b are updated in the log
// domain (Peyre and Cuturi, "Computational Optimal Transport", 2019, Remark
// 4.23), so large beta stays finite:
//
//   a_i = -LSE_j (S_ij + b_j)   (rows sum to 1)
//   b_j = -LSE_i (S_ij + a_i)   (columns sum to 1)
//
// The iteration starts from b = 0 and always ends with a row normalization:
// one iteration is exactly the row softmax. It stops after `iterations` row
// normalizations, or earlier once every column sum is within `tolerance` of 1
// (rows then sum to 1 up to rounding). This needs the N x N matrix S.

import { rowTimesMatrix } from './linalg';
import { expScalar, expVector } from './exp';
import { dot } from './vec';

// @ts-ignore: decorator
@inline function align16(bytes: f64): f64 {
  return Math.ceil(bytes / 16) * 16;
}

/** Bytes of scratch for Sinkhorn attention: S (N x N), keys (N x d_k), four N-vectors, two rows. */
export function sinkhornScratchBytes(n: i32, d: i32, dk: i32): f64 {
  const nf = <f64>n;
  return align16(nf * nf * 8) + align16(nf * <f64>dk * 8) + 4 * align16(nf * 8) +
    2 * align16(<f64>Math.max(d, dk) * 8) + 16;
}

let sPtr: usize = 0; // S, then P in place
let keyRows: usize = 0; // k_j = x_j K
let aPtr: usize = 0; // row potentials
let bPtr: usize = 0; // column potentials
let colMax: usize = 0;
let colSum: usize = 0;
let qRow: usize = 0;
/** A free row of max(D, d_k) float64 for the caller (field.ts sums P_i. X there). */
export let spareRow: usize = 0;

function layout(base: usize, n: i32, d: i32, dk: i32): void {
  const nf = <f64>n;
  let p = (base + 15) & ~(<usize>15);
  sPtr = p; p += <usize>align16(nf * nf * 8);
  keyRows = p; p += <usize>align16(nf * <f64>dk * 8);
  aPtr = p; p += <usize>align16(nf * 8);
  bPtr = p; p += <usize>align16(nf * 8);
  colMax = p; p += <usize>align16(nf * 8);
  colSum = p; p += <usize>align16(nf * 8);
  qRow = p; p += <usize>align16(<f64>Math.max(d, dk) * 8);
  spareRow = p;
}

// @ts-ignore: decorator
@inline function at(base: usize, i: i32): usize {
  return base + (<usize>i << 3);
}

/** S_ij = beta <x_i Q, x_j K> into sPtr. */
function scores(x: usize, n: i32, d: i32, dk: i32, query: usize, key: usize, beta: f64): void {
  for (let j = 0; j < n; j++) {
    const xj = x + (<usize>(j * d) << 3);
    const kj = keyRows + (<usize>(j * dk) << 3);
    if (key != 0) rowTimesMatrix(xj, key, d, dk, kj, 1.0, false);
    else memory.copy(kj, xj, <usize>d << 3);
  }
  for (let i = 0; i < n; i++) {
    const xi = x + (<usize>(i * d) << 3);
    let qi = xi;
    if (query != 0) {
      rowTimesMatrix(xi, query, d, dk, qRow, 1.0, false);
      qi = qRow;
    }
    const si = sPtr + (<usize>i * <usize>n << 3);
    for (let j = 0; j < n; j++) store<f64>(at(si, j), beta * dot(qi, keyRows + (<usize>(j * dk) << 3), dk));
  }
}

/** a_i = -LSE_j (S_ij + b_j) for every row. */
function normalizeRows(n: i32): void {
  for (let i = 0; i < n; i++) {
    const si = sPtr + (<usize>i * <usize>n << 3);
    let m = -Infinity;
    for (let j = 0; j < n; j++) m = Math.max(m, load<f64>(at(si, j)) + load<f64>(at(bPtr, j)));
    let sum: f64 = 0;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const mv = f64x2.splat(m);
      let acc = f64x2.splat(0);
      for (; j + 2 <= n; j += 2) {
        const o = <usize>j << 3;
        acc = f64x2.add(acc, expVector(f64x2.sub(f64x2.add(v128.load(si + o), v128.load(bPtr + o)), mv)));
      }
      sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    }
    for (; j < n; j++) sum += expScalar(load<f64>(at(si, j)) + load<f64>(at(bPtr, j)) - m);
    store<f64>(at(aPtr, i), -(m + Math.log(sum)));
  }
}

/** colSum[j] = LSE_i (S_ij + a_i), by two row-major passes (maximum, then sum). */
function columnLogSums(n: i32): void {
  for (let j = 0; j < n; j++) {
    store<f64>(at(colMax, j), -Infinity);
    store<f64>(at(colSum, j), 0.0);
  }
  for (let i = 0; i < n; i++) {
    const si = sPtr + (<usize>i * <usize>n << 3);
    const ai = load<f64>(at(aPtr, i));
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const av = f64x2.splat(ai);
      for (; j + 2 <= n; j += 2) {
        const o = <usize>j << 3;
        v128.store(colMax + o, f64x2.pmax(v128.load(colMax + o), f64x2.add(v128.load(si + o), av)));
      }
    }
    for (; j < n; j++) store<f64>(at(colMax, j), Math.max(load<f64>(at(colMax, j)), load<f64>(at(si, j)) + ai));
  }
  for (let i = 0; i < n; i++) {
    const si = sPtr + (<usize>i * <usize>n << 3);
    const ai = load<f64>(at(aPtr, i));
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const av = f64x2.splat(ai);
      for (; j + 2 <= n; j += 2) {
        const o = <usize>j << 3;
        const e = expVector(f64x2.sub(f64x2.add(v128.load(si + o), av), v128.load(colMax + o)));
        v128.store(colSum + o, f64x2.add(v128.load(colSum + o), e));
      }
    }
    for (; j < n; j++) {
      const p = at(colSum, j);
      store<f64>(p, load<f64>(p) + expScalar(load<f64>(at(si, j)) + ai - load<f64>(at(colMax, j))));
    }
  }
  for (let j = 0; j < n; j++) store<f64>(at(colSum, j), load<f64>(at(colMax, j)) + Math.log(load<f64>(at(colSum, j))));
}

/**
 * Lays out `scratch` and leaves the Sinkhorn-scaled P of one head at the
 * start of the S buffer; returns a pointer to it (N x N, row-major). Returns
 * the number of row normalizations done through `iterationsDone`.
 */
export function sinkhornHead(
  x: usize, n: i32, d: i32, dk: i32, query: usize, key: usize, beta: f64,
  iterations: i32, tolerance: f64, scratch: usize,
): usize {
  layout(scratch, n, d, dk);
  scores(x, n, d, dk, query, key, beta);
  for (let j = 0; j < n; j++) store<f64>(at(bPtr, j), 0.0);
  normalizeRows(n);
  let done = 1;
  while (done < iterations) {
    columnLogSums(n);
    let residual: f64 = 0;
    for (let j = 0; j < n; j++) {
      const dev = Math.abs(Math.exp(load<f64>(at(colSum, j)) + load<f64>(at(bPtr, j))) - 1.0);
      // NaN never passes the test below: a non-finite kernel runs to the end and stays NaN.
      residual = dev > residual || dev != dev ? dev : residual;
    }
    if (residual <= tolerance) break;
    for (let j = 0; j < n; j++) store<f64>(at(bPtr, j), -load<f64>(at(colSum, j)));
    normalizeRows(n);
    done++;
  }
  iterationsDone = done;
  for (let i = 0; i < n; i++) {
    const si = sPtr + (<usize>i * <usize>n << 3);
    const ai = load<f64>(at(aPtr, i));
    for (let j = 0; j < n; j++) {
      const p = at(si, j);
      store<f64>(p, expScalar(load<f64>(p) + ai + load<f64>(at(bPtr, j))));
    }
  }
  return sPtr;
}

/** Row normalizations the last sinkhornHead call did. */
export let iterationsDone: i32 = 0;
