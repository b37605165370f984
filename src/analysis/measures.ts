// Diagnostics of the empirical measure mu = (1/N) sum_i delta_{x_i} of any
// state (MODEL.md, "The empirical measure view"; Geshkovski, Letrouit,
// Polyanskiy, Rigollet 2023): clusters, the interaction energy, the spread,
// and the measure itself as a histogram.

import { AttnflowError } from '../errors.js';
import { finite, flattenTokens, positive, positiveInteger } from '../problem.js';
import type { Tokens } from '../types.js';

/** How two tokens are linked when counting clusters: exactly one of the two. */
export interface ClusterThreshold {
  /** Linked when |x_i - x_j| <= distance. */
  readonly distance?: number;
  /** Linked when <x_i, x_j> >= innerProduct (on the sphere: cosine similarity). */
  readonly innerProduct?: number;
}

/** Single-linkage clusters of a state. */
export interface Clusters {
  readonly count: number;
  /** labels[i]: the cluster of token i, numbered 0.. in order of first appearance. */
  readonly labels: Int32Array;
  /** Tokens per cluster, by label. */
  readonly sizes: number[];
}

function flat(tokens: Tokens): { data: Float64Array; n: number; d: number } {
  return flattenTokens(tokens, 'euclidean');
}

function dot(x: Float64Array, i: number, j: number, d: number): number {
  let s = 0;
  for (let c = 0; c < d; c++) s += x[i * d + c] * x[j * d + c];
  return s;
}

function dist(x: Float64Array, i: number, j: number, d: number): number {
  let s = 0;
  for (let c = 0; c < d; c++) s += (x[i * d + c] - x[j * d + c]) ** 2;
  return Math.sqrt(s);
}

/**
 * Single-linkage clusters: the connected components of the graph linking
 * tokens within `distance` (or with inner product at least `innerProduct`).
 * Union-find over all pairs, O(N^2 D).
 */
export function clusters(tokens: Tokens, threshold: ClusterThreshold): Clusters {
  const { data, n, d } = flat(tokens);
  if (threshold === null || typeof threshold !== 'object')
    throw new AttnflowError('invalid_option', 'threshold', 'must be { distance } or { innerProduct }');
  const hasDistance = threshold.distance !== undefined;
  if (hasDistance === (threshold.innerProduct !== undefined)) {
    throw new AttnflowError('invalid_option', 'threshold', 'give exactly one of distance and innerProduct');
  }
  let linked: (i: number, j: number) => boolean;
  if (hasDistance) {
    const eps = finite(threshold.distance, 'threshold.distance');
    if (eps < 0) throw new AttnflowError('invalid_value', 'threshold.distance', `must be >= 0, got ${eps}`);
    linked = (i, j) => dist(data, i, j, d) <= eps;
  } else {
    const c = finite(threshold.innerProduct, 'threshold.innerProduct');
    linked = (i, j) => dot(data, i, j, d) >= c;
  }
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const root = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r];
    while (parent[i] !== r) {
      const next = parent[i];
      parent[i] = r;
      i = next;
    }
    return r;
  };
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const ri = root(i);
      const rj = root(j);
      if (ri !== rj && linked(i, j)) parent[Math.max(ri, rj)] = Math.min(ri, rj);
    }
  }
  const labels = new Int32Array(n);
  const labelOf = new Map<number, number>();
  const sizes: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = root(i);
    let label = labelOf.get(r);
    if (label === undefined) {
      label = sizes.length;
      labelOf.set(r, label);
      sizes.push(0);
    }
    labels[i] = label;
    sizes[label]++;
  }
  return { count: sizes.length, labels, sizes };
}

/** The number of single-linkage clusters (see clusters()). */
export function clusterCount(tokens: Tokens, threshold: ClusterThreshold): number {
  return clusters(tokens, threshold).count;
}

/**
 * The interaction energy E_beta = 1 / (2 beta N^2) sum_{i,j} exp(beta <x_i, x_j>)
 * (Geshkovski et al. 2023; on the sphere it increases along the flow with
 * Q = K = V = I). Summed with the largest exponent factored out, so it is
 * finite whenever the result is representable.
 */
export function interactionEnergy(tokens: Tokens, beta: number): number {
  const { data, n, d } = flat(tokens);
  const b = positive(beta, 'beta');
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) max = Math.max(max, b * dot(data, i, j, d));
  let sum = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sum += Math.exp(b * dot(data, i, j, d) - max);
  return (Math.exp(max) * sum) / (2 * b * n * n);
}

/** The spread max_{i,j} |x_i - x_j| (0 for one token). */
export function spread(tokens: Tokens): number {
  const { data, n, d } = flat(tokens);
  let s = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) s = Math.max(s, dist(data, i, j, d));
  return s;
}

/** The empirical measure on bins: mass[b] = (tokens in [edges[b], edges[b + 1])) / N. */
export interface Histogram {
  /** bins + 1 increasing edges. */
  readonly edges: Float64Array;
  /** Mass of each bin; sums to the share of tokens inside [edges[0], edges[bins]]. */
  readonly mass: Float64Array;
}

function binned(values: Float64Array, bins: number, lo: number, hi: number, wrap: boolean): Histogram {
  const edges = Float64Array.from({ length: bins + 1 }, (_, b) => lo + ((hi - lo) * b) / bins);
  const mass = new Float64Array(bins);
  for (const v of values) {
    if (v < lo || v > hi) continue;
    let b = Math.floor(((v - lo) / (hi - lo)) * bins);
    if (b === bins) b = wrap ? 0 : bins - 1; // the last edge belongs to the last bin (to bin 0 on the circle)
    mass[b] += 1 / values.length;
  }
  return { edges, mass };
}

/** Options of histogram(). */
export interface HistogramOptions {
  /** Number of bins; default 32. */
  readonly bins?: number;
  /** Range; default the smallest and largest token. */
  readonly min?: number;
  readonly max?: number;
}

/** The empirical measure of a 1-D state as a histogram (the last bin includes its right edge). */
export function histogram(tokens: Tokens, options: HistogramOptions = {}): Histogram {
  const { data, d } = flat(tokens);
  if (d !== 1)
    throw new AttnflowError(
      'invalid_shape',
      'tokens',
      `histogram() takes 1-D tokens, got D = ${d} (use angleHistogram on the circle)`,
    );
  const bins = options.bins === undefined ? 32 : positiveInteger(options.bins, 'bins');
  const lo = options.min === undefined ? Math.min(...data) : finite(options.min, 'min');
  let hi = options.max === undefined ? Math.max(...data) : finite(options.max, 'max');
  if (hi < lo) throw new AttnflowError('invalid_value', 'max', `must be >= min = ${lo}, got ${hi}`);
  if (hi === lo) hi = lo + 1; // all tokens equal: one unit-wide range
  return binned(data, bins, lo, hi, false);
}

/**
 * The empirical measure of a state on the circle (D = 2) as a histogram of
 * the angles atan2(x_{i,1}, x_{i,0}) over [-pi, pi) (tokens need not be unit).
 */
export function angleHistogram(tokens: Tokens, bins = 36): Histogram {
  const { data, n, d } = flat(tokens);
  if (d !== 2)
    throw new AttnflowError('invalid_shape', 'tokens', `angleHistogram() takes tokens on the circle (D = 2), got D = ${d}`);
  const b = positiveInteger(bins, 'bins');
  const angles = Float64Array.from({ length: n }, (_, i) => Math.atan2(data[i * 2 + 1], data[i * 2]));
  // atan2 returns pi for angles on the negative axis: the same point as -pi.
  for (let i = 0; i < n; i++) if (angles[i] === Math.PI) angles[i] = -Math.PI;
  return binned(angles, b, -Math.PI, Math.PI, true);
}
