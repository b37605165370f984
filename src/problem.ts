// Input checking and flattening: turns user options into the row-major
// Float64Arrays the kernels read. Everything here runs before any work starts.

import { AttnflowError } from './errors.js';
import { rejectUnknownKeys } from './keys.js';
import type {
  AttentionKernel,
  AttentionKind,
  AttentionOptions,
  FieldOptions,
  Geometry,
  Head,
  Matrix,
  Precision,
  Tokens,
} from './types.js';

/** A head with row-major weights; null stands for an identity (its multiply is skipped). */
export interface FlatHead {
  readonly dk: number;
  readonly query: Float64Array | null;
  readonly key: Float64Array | null;
  readonly value: Float64Array | null;
}

/** The vector field of one layer. */
export interface FlatLayer {
  readonly beta: number;
  readonly heads: readonly FlatHead[];
}

/** Sinkhorn attention's stopping rule (AttentionOptions). */
export interface SinkhornPlan {
  readonly iterations: number;
  readonly tolerance: number;
}

/** A checked problem: N tokens of dimension D, and one field per layer. */
export interface FlatProblem {
  readonly n: number;
  readonly d: number;
  readonly geometry: Geometry;
  readonly layers: readonly FlatLayer[];
  /** Token i attends to j <= i only. */
  readonly causal: boolean;
  readonly precision: Precision;
  /** Present (and 'row-max') when the tied kernel must not be used; see AttentionOptions.kernel. */
  readonly kernel?: AttentionKernel;
  /** Present when the attention is Sinkhorn's (doubly stochastic); absent: row softmax. */
  readonly sinkhorn?: SinkhornPlan;
}

export const ATTENTION_KINDS: readonly AttentionKind[] = ['softmax', 'sinkhorn'];
export const ATTENTION_KERNELS: readonly AttentionKernel[] = ['auto', 'row-max'];

/** The checked kernel option: { kernel: 'row-max' } when asked for, else nothing (auto). */
export function kernelChoice(options: { kernel?: unknown }): { kernel?: 'row-max' } {
  return oneOf(options.kernel ?? 'auto', ATTENTION_KERNELS, 'kernel') === 'row-max' ? { kernel: 'row-max' } : {};
}
export const SINKHORN_DEFAULT_ITERATIONS = 1000;
export const SINKHORN_DEFAULT_TOLERANCE = 1e-12;

/**
 * Checks the attention options; undefined for the row softmax. Sinkhorn does
 * not combine with a causal mask (the only doubly stochastic lower-triangular
 * matrix is the identity) nor with float32 (its kernel is float64 only).
 */
export function sinkhornPlan(options: AttentionOptions & { causal?: unknown; precision?: unknown }): SinkhornPlan | undefined {
  const kind = oneOf(options.attention ?? 'softmax', ATTENTION_KINDS, 'attention');
  if (kind === 'softmax') {
    for (const key of ['sinkhornIterations', 'sinkhornTolerance'] as const) {
      if (options[key] !== undefined) throw new AttnflowError('invalid_option', key, "applies only with attention: 'sinkhorn'");
    }
    return undefined;
  }
  if (options.causal === true) {
    throw new AttnflowError(
      'invalid_option',
      'causal',
      "does not combine with attention: 'sinkhorn' (a doubly stochastic lower-triangular matrix is the identity)",
    );
  }
  if (options.precision === 'float32') {
    throw new AttnflowError(
      'invalid_option',
      'precision',
      "'float32' does not combine with attention: 'sinkhorn' (float64 only)",
    );
  }
  const iterations =
    options.sinkhornIterations === undefined
      ? SINKHORN_DEFAULT_ITERATIONS
      : positiveInteger(options.sinkhornIterations, 'sinkhornIterations');
  const tolerance =
    options.sinkhornTolerance === undefined ? SINKHORN_DEFAULT_TOLERANCE : finite(options.sinkhornTolerance, 'sinkhornTolerance');
  if (tolerance < 0) throw new AttnflowError('invalid_value', 'sinkhornTolerance', `must be >= 0, got ${tolerance}`);
  return { iterations, tolerance };
}

const GEOMETRIES: readonly Geometry[] = ['euclidean', 'sphere'];
export const PRECISIONS: readonly Precision[] = ['float64', 'float32'];

/** A boolean option, default false. */
export function flag(v: unknown, path: string): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new AttnflowError('invalid_option', path, `must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

/** Checks and copies tokens into a row-major Float64Array (normalized rows on the sphere). */
export function flattenTokens(tokens: Tokens, geometry: Geometry): { data: Float64Array; n: number; d: number } {
  let data: Float64Array;
  let n: number;
  let d: number;
  if (Array.isArray(tokens)) {
    const rows = tokens as Matrix;
    n = rows.length;
    if (n === 0) throw new AttnflowError('invalid_shape', 'tokens', 'the prompt is empty (need at least one token)');
    const first = rows[0];
    if (!Array.isArray(first)) throw new AttnflowError('invalid_shape', 'tokens[0]', 'each token must be an array of numbers');
    d = first.length;
    if (d === 0) throw new AttnflowError('invalid_shape', 'tokens[0]', 'tokens have dimension 0 (need D >= 1)');
    data = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      const row = rows[i];
      if (!Array.isArray(row) || row.length !== d) {
        throw new AttnflowError(
          'invalid_shape',
          `tokens[${i}]`,
          `ragged rows: token 0 has ${d} numbers, token ${i} has ${Array.isArray(row) ? row.length : 'none'}`,
        );
      }
      for (let k = 0; k < d; k++) data[i * d + k] = finiteEntry(row[k], 'tokens', i, k);
    }
  } else if (tokens !== null && typeof tokens === 'object' && 'data' in tokens) {
    const t = tokens as { data: unknown; n: unknown; d: unknown };
    if (!(t.data instanceof Float64Array)) throw new AttnflowError('invalid_shape', 'tokens.data', 'must be a Float64Array');
    n = positiveInteger(t.n, 'tokens.n');
    d = positiveInteger(t.d, 'tokens.d');
    if (t.data.length !== n * d) {
      throw new AttnflowError('invalid_shape', 'tokens.data', `has ${t.data.length} numbers, n * d = ${n} * ${d} = ${n * d}`);
    }
    data = t.data.slice();
    const bad = firstNonFinite(data);
    if (bad >= 0) finite(data[bad], `tokens.data[${bad}]`);
  } else {
    throw new AttnflowError(
      'invalid_shape',
      'tokens',
      'must be number[][] (N rows of D numbers) or { data: Float64Array, n, d }',
    );
  }
  if (geometry === 'sphere') {
    for (let i = 0; i < n; i++) {
      // Scale by the largest entry first, so that tiny or huge rows neither underflow nor overflow.
      let big = 0;
      for (let k = 0; k < d; k++) big = Math.max(big, Math.abs(data[i * d + k]));
      if (big === 0) throw new AttnflowError('invalid_value', `tokens[${i}]`, 'is zero and cannot be put on the sphere');
      let sq = 0;
      for (let k = 0; k < d; k++) sq += (data[i * d + k] / big) ** 2;
      for (let k = 0; k < d; k++) data[i * d + k] = data[i * d + k] / big / Math.sqrt(sq);
    }
  }
  return { data, n, d };
}

/** Checks one layer's heads against dimension D. */
export function flattenHeads(heads: readonly Head[] | undefined, d: number, beta: number | undefined, path: string): FlatLayer {
  const list = heads ?? [{}];
  if (!Array.isArray(list) || list.length === 0) {
    throw new AttnflowError('invalid_shape', path, 'needs at least one head (omit it for one identity head)');
  }
  const flat = list.map((h: Head, i: number) => flattenHead(h, d, `${path}[${i}]`));
  const b = beta ?? 1 / Math.sqrt(d / flat.length);
  return { beta: b, heads: flat };
}

const HEAD_KEYS = ['query', 'key', 'value'];

function flattenHead(head: Head, d: number, path: string): FlatHead {
  if (head === null || typeof head !== 'object')
    throw new AttnflowError('invalid_shape', path, 'must be { query?, key?, value? }');
  rejectUnknownKeys(head, HEAD_KEYS, path);
  const query = head.query === undefined ? null : checkedMatrix(head.query, d, undefined, `${path}.query`, 'D');
  const key = head.key === undefined ? null : checkedMatrix(head.key, d, undefined, `${path}.key`, 'D');
  const dkQuery = query ? query.cols : d;
  const dkKey = key ? key.cols : d;
  if (dkQuery !== dkKey) {
    throw new AttnflowError(
      'invalid_shape',
      `${path}.key`,
      `query is D x ${dkQuery} but key is D x ${dkKey}: both need the same d_k${query === null || key === null ? ' (an omitted matrix is the D x D identity)' : ''}`,
    );
  }
  const value = head.value === undefined ? null : checkedMatrix(head.value, d, d, `${path}.value`, 'D');
  return {
    dk: dkQuery,
    query: query && !isIdentity(query.data, d, query.cols) ? query.data : null,
    key: key && !isIdentity(key.data, d, key.cols) ? key.data : null,
    value: value && !isIdentity(value.data, d, d) ? value.data : null,
  };
}

/**
 * A checked rows x cols matrix, row-major (cols undefined: taken from row 0).
 * `rowsName` names the required row count in messages (e.g. 'D').
 */
export function checkedMatrix(
  m: unknown,
  rows: number,
  cols: number | undefined,
  path: string,
  rowsName = '',
): { data: Float64Array; cols: number } {
  if (!Array.isArray(m) || m.length !== rows) {
    const want = rowsName ? `${rowsName} = ${rows}` : `${rows}`;
    throw new AttnflowError('invalid_shape', path, `must have ${want} rows, got ${Array.isArray(m) ? m.length : typeof m}`);
  }
  const c = cols ?? (Array.isArray(m[0]) ? m[0].length : 0);
  if (c < 1) throw new AttnflowError('invalid_shape', `${path}[0]`, 'must be a non-empty array of numbers');
  const data = new Float64Array(rows * c);
  for (let r = 0; r < rows; r++) {
    const row: unknown = m[r];
    if (!Array.isArray(row) || row.length !== c) {
      throw new AttnflowError(
        'invalid_shape',
        `${path}[${r}]`,
        `must have ${c} columns (${cols === undefined ? 'as row 0' : `${rows} x ${c}`}), got ${Array.isArray(row) ? row.length : typeof row}`,
      );
    }
    for (let k = 0; k < c; k++) data[r * c + k] = finiteEntry(row[k], path, r, k);
  }
  return { data, cols: c };
}

function isIdentity(data: Float64Array, rows: number, cols: number): boolean {
  if (rows !== cols) return false;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (data[r * cols + c] !== (r === c ? 1 : 0)) return false;
  return true;
}

/** A finite number, or an error naming the field. */
export function finite(v: unknown, path: string): number {
  if (typeof v !== 'number') throw new AttnflowError('invalid_value', path, `must be a number, got ${typeof v}`);
  if (!Number.isFinite(v)) throw new AttnflowError('non_finite', path, `is ${v}; every number must be finite`);
  return v;
}

/**
 * finite(v, `${base}[${i}]` or `${base}[${i}][${k}]`), with the path built only when v fails: checking
 * N D entries must not build N D strings (that was most of the time of a large attentionRhs call).
 */
export function finiteEntry(v: unknown, base: string, i: number, k?: number): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  return finite(v, k === undefined ? `${base}[${i}]` : `${base}[${i}][${k}]`);
}

/** The index of data's first non-finite entry, or -1 (one pass of x - x, 0 for every finite x, NaN otherwise). */
export function firstNonFinite(data: Float64Array): number {
  let probe = 0;
  for (let l = 0; l < data.length; l++) probe += data[l] - data[l];
  if (probe === 0) return -1;
  return data.findIndex((x) => !Number.isFinite(x));
}

/** A positive finite number. */
export function positive(v: unknown, path: string): number {
  const x = finite(v, path);
  if (!(x > 0)) throw new AttnflowError('invalid_value', path, `must be > 0, got ${x}`);
  return x;
}

/** An integer >= 1. */
export function positiveInteger(v: unknown, path: string): number {
  const x = finite(v, path);
  if (!Number.isInteger(x) || x < 1) throw new AttnflowError('invalid_value', path, `must be an integer >= 1, got ${x}`);
  return x;
}

/** One of a list of names. */
export function oneOf<T extends string>(v: unknown, allowed: readonly T[], path: string): T {
  if (typeof v !== 'string' || !allowed.includes(v as T)) {
    throw new AttnflowError(
      'invalid_option',
      path,
      `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(v)}`,
    );
  }
  return v as T;
}

const FIELD_KEYS: readonly (keyof FieldOptions)[] = [
  'tokens',
  'heads',
  'beta',
  'geometry',
  'causal',
  'precision',
  'attention',
  'sinkhornIterations',
  'sinkhornTolerance',
  'kernel',
];

/** The checked field of attentionRhs / attentionMatrix. */
export function fieldProblem(options: FieldOptions): { problem: FlatProblem; x: Float64Array } {
  if (options === null || typeof options !== 'object') throw new AttnflowError('invalid_option', '', 'options must be an object');
  rejectUnknownKeys(options, FIELD_KEYS, '');
  const geometry = oneOf(options.geometry ?? 'euclidean', GEOMETRIES, 'geometry');
  const causal = flag(options.causal, 'causal');
  const precision = oneOf(options.precision ?? 'float64', PRECISIONS, 'precision');
  const beta = options.beta === undefined ? undefined : finite(options.beta, 'beta');
  const { data, n, d } = flattenTokens(options.tokens, geometry);
  const layer = flattenHeads(options.heads, d, beta, 'heads');
  const sinkhorn = sinkhornPlan(options);
  const kernel = kernelChoice(options);
  return {
    problem: { n, d, geometry, layers: [layer], causal, precision, ...kernel, ...(sinkhorn ? { sinkhorn } : {}) },
    x: data,
  };
}

export { GEOMETRIES };
