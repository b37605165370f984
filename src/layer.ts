// The discrete transformer layer of eqs. (1)-(2), written literally:
//   Phi(X) = [P_1 X V_1, ..., P_H X V_H] W_O,
// with each head's value matrix V_h of size D x d_v and the output matrix
// W_O of size (H d_v) x D; and the paper's sinusoidal positions.

import { AttnflowError } from './errors.js';
import { rejectUnknownKeys } from './keys.js';
import { checkedMatrix, finite, flattenHeads, flattenTokens, positive, positiveInteger } from './problem.js';
import type { FieldOptions, Head, Matrix, Tokens } from './types.js';

/** One head of a discrete layer: Q_h, K_h are D x d_k, V_h is D x d_v (eq. 2). Omitted: identity. */
export interface LayerHead {
  readonly query?: Matrix;
  readonly key?: Matrix;
  readonly value?: Matrix;
}

/** Options of layer(). */
export interface LayerOptions {
  /** X, N x D. */
  readonly tokens: Tokens;
  /** Heads; default one head with identity weights. */
  readonly heads?: readonly LayerHead[];
  /** W_O, (sum_h d_v) x D; omitted: the identity (needs sum_h d_v = D). */
  readonly output?: Matrix;
  /** Default 1 / sqrt(D / H). */
  readonly beta?: number;
  /**
   * Add the sinusoidal positions to the tokens first (Phi(X + R) is returned):
   * true for L = 10000 and positions from 1, or { L, firstPosition }.
   */
  readonly positions?: boolean | PositionOptions;
}

/** Options of the positional encoding. */
export interface PositionOptions {
  /** The base L of the frequencies; default 10000. */
  readonly L?: number;
  /** The position of the first token (row 0); default 1, the paper's x_1. */
  readonly firstPosition?: number;
}

/** The part of the engine layer() needs. */
export interface FieldEvaluator {
  attentionRhs(options: FieldOptions): Float64Array;
}

const LAYER_KEYS: readonly (keyof LayerOptions)[] = ['tokens', 'heads', 'output', 'beta', 'positions'];

function identity(d: number): Float64Array {
  const m = new Float64Array(d * d);
  for (let i = 0; i < d; i++) m[i * d + i] = 1;
  return m;
}

/** The value matrices (D x d_v each) and W_O ((sum d_v) x D) of a layer, checked. */
function valuesAndOutput(
  heads: readonly LayerHead[],
  output: Matrix | undefined,
  d: number,
): { values: { data: Float64Array; cols: number }[]; output: Float64Array } {
  const values = heads.map((h, i) =>
    h.value === undefined ? { data: identity(d), cols: d } : checkedMatrix(h.value, d, undefined, `heads[${i}].value`),
  );
  const width = values.reduce((s, v) => s + v.cols, 0);
  if (output === undefined) {
    if (width !== d) {
      throw new AttnflowError(
        'invalid_shape',
        'output',
        `is required: the heads' outputs concatenate to ${width} columns, so W_O must be ${width} x ${d}`,
      );
    }
    return { values, output: identity(d) };
  }
  return { values, output: checkedMatrix(output, width, d, 'output').data };
}

function headList(heads: readonly LayerHead[] | undefined): readonly LayerHead[] {
  const list = heads ?? [{}];
  if (!Array.isArray(list) || list.length === 0) throw new AttnflowError('invalid_shape', 'heads', 'needs at least one head');
  return list;
}

/**
 * The values of solve() equivalent to a layer with output matrix W_O: head h
 * gets V_h W_O^(h) (D x D), W_O^(h) being the d_v rows of W_O that multiply
 * head h's output. Then Phi(X) = sum_h P_h X (V_h W_O^(h)), the field of eq. (7).
 */
export function foldOutput(heads: readonly LayerHead[], output?: Matrix): Head[] {
  const list = headList(heads);
  const first = list[0];
  const d = first.query?.length ?? first.key?.length ?? first.value?.length ?? output?.[0]?.length;
  if (d === undefined) return list.map(() => ({}));
  const { values, output: wo } = valuesAndOutput(list, output, d);
  let offset = 0;
  return list.map((h, i) => {
    const v = values[i];
    const folded: number[][] = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (let a = 0; a < d; a++) {
      for (let c = 0; c < d; c++) {
        let s = 0;
        for (let m = 0; m < v.cols; m++) s += v.data[a * v.cols + m] * wo[(offset + m) * d + c];
        folded[a][c] = s;
      }
    }
    offset += v.cols;
    return { ...(h.query ? { query: h.query } : {}), ...(h.key ? { key: h.key } : {}), value: folded };
  });
}

/**
 * Sinusoidal positions as in the paper (after eq. 4; Vaswani et al. 2017):
 * r_{i,m} = sin(i / L^{m/D}) for even m and cos(i / L^{(m-1)/D}) for odd m.
 * The coordinate m starts at 0 (so coordinates 2k and 2k + 1 share the
 * frequency L^{-2k/D}, as in Vaswani et al.), the position i of row 0 is
 * `firstPosition` (default 1: the paper numbers tokens x_1, ..., x_N).
 */
export function sinusoidalPositions(n: number, d: number, L = 10000, firstPosition = 1): number[][] {
  positiveInteger(n, 'n');
  positiveInteger(d, 'd');
  positive(L, 'L');
  finite(firstPosition, 'firstPosition');
  return Array.from({ length: n }, (_, row) => {
    const i = firstPosition + row;
    return Array.from({ length: d }, (_, m) => (m % 2 === 0 ? Math.sin(i / L ** (m / d)) : Math.cos(i / L ** ((m - 1) / d))));
  });
}

/** X + R: the tokens with the sinusoidal positions added. */
export function withPositions(tokens: Tokens, L = 10000, firstPosition = 1): { data: Float64Array; n: number; d: number } {
  const { data, n, d } = flattenTokens(tokens, 'euclidean');
  const r = sinusoidalPositions(n, d, L, firstPosition);
  for (let i = 0; i < n; i++) for (let m = 0; m < d; m++) data[i * d + m] += r[i][m];
  return { data, n, d };
}

/**
 * Phi(X) of eqs. (1)-(2), N x D row-major (without the residual X). Each
 * head's P_h X comes from the attention kernel of `engine`; V_h, the
 * concatenation and W_O are applied here, as written in the paper.
 */
export function layerOn(engine: FieldEvaluator, options: LayerOptions): Float64Array {
  if (options === null || typeof options !== 'object')
    throw new AttnflowError('invalid_option', '', 'layer() takes an options object');
  rejectUnknownKeys(options, LAYER_KEYS, '');
  let tokens = flattenTokens(options.tokens, 'euclidean');
  const { n, d } = tokens;
  const positions = options.positions ?? false;
  if (positions !== false) {
    const p: PositionOptions = positions === true ? {} : positions;
    if (p === null || typeof p !== 'object')
      throw new AttnflowError('invalid_option', 'positions', 'must be true, false or { L, firstPosition }');
    rejectUnknownKeys(p, ['L', 'firstPosition'], 'positions');
    tokens = withPositions(tokens, p.L ?? 10000, p.firstPosition ?? 1);
  }
  const heads = headList(options.heads);
  const beta = options.beta === undefined ? undefined : finite(options.beta, 'beta');
  // Checks Q_h, K_h (D x d_k) and fixes the default beta = 1 / sqrt(D / H) with H = heads.length.
  const checked = flattenHeads(
    heads.map((h) => ({ ...(h.query ? { query: h.query } : {}), ...(h.key ? { key: h.key } : {}) })),
    d,
    beta,
    'heads',
  );
  const { values, output } = valuesAndOutput(heads, options.output, d);
  const out = new Float64Array(n * d);
  let offset = 0;
  heads.forEach((h, i) => {
    // P_h X: one head with identity values.
    const px = engine.attentionRhs({
      tokens,
      heads: [{ ...(h.query ? { query: h.query } : {}), ...(h.key ? { key: h.key } : {}) }],
      beta: checked.beta,
    });
    const v = values[i];
    for (let r = 0; r < n; r++) {
      // Row r of head i's block of [ ... P_h X V_h ... ], then times its rows of W_O.
      for (let m = 0; m < v.cols; m++) {
        let z = 0;
        for (let a = 0; a < d; a++) z += px[r * d + a] * v.data[a * v.cols + m];
        for (let c = 0; c < d; c++) out[r * d + c] += z * output[(offset + m) * d + c];
      }
    }
    offset += v.cols;
  });
  return out;
}
