// The discrete layer of eqs. (1)-(2) against a direct evaluation written here, the residual
// block as one Euler step of the flow with the folded values, and the sinusoidal positions.

import { describe, expect, it } from 'vitest';
import { foldOutput, sinusoidalPositions, withPositions } from '../src/layer.js';
import { BACKEND_NAMES, engineFor, randomMatrix, relativeError, seededRandom } from './helpers.js';

type M = number[][];

const matmul = (a: M, b: M): M => a.map((row) => b[0].map((_, c) => row.reduce((s, v, k) => s + v * b[k][c], 0)));
const transpose = (a: M): M => a[0].map((_, c) => a.map((row) => row[c]));

/** Phi(X) = [P_1 X V_1, ..., P_H X V_H] W_O with P_h = softmax_rows(beta (X Q_h)(X K_h)^T), eq. (1)-(2). */
function directLayer(x: M, heads: { query: M; key: M; value: M }[], output: M, beta: number): M {
  const blocks = heads.map(({ query, key, value }) => {
    const s = matmul(matmul(x, query), transpose(matmul(x, key))).map((row) => row.map((v) => beta * v));
    const p = s.map((row) => {
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const z = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / z);
    });
    return matmul(matmul(p, x), value);
  });
  const concatenated = x.map((_, i) => blocks.flatMap((b) => b[i]));
  return matmul(concatenated, output);
}

describe.each(BACKEND_NAMES)('layer on %s', (backend) => {
  it('equals a direct evaluation of eqs. (1)-(2) with H = 3, d_v = 2, W_O 6 x 4', async () => {
    const engine = await engineFor(backend);
    const random = seededRandom(3);
    const n = 7;
    const d = 4;
    const heads = Array.from({ length: 3 }, () => ({
      query: randomMatrix(random, d, 2, 0.7),
      key: randomMatrix(random, d, 2, 0.7),
      value: randomMatrix(random, d, 2, 0.7),
    }));
    const output = randomMatrix(random, 6, d, 0.7);
    const tokens = randomMatrix(random, n, d);
    const phi = engine.layer({ tokens, heads, output });
    // Default beta = 1 / sqrt(D / H).
    const expected = directLayer(tokens, heads, output, 1 / Math.sqrt(d / 3)).flat();
    expect(relativeError(phi, expected)).toBeLessThan(1e-13);
  });

  it('X + layer(X) is one Euler step with dt = 1 of the flow with the folded values', async () => {
    const engine = await engineFor(backend);
    const random = seededRandom(9);
    const n = 6;
    const d = 4;
    const heads = Array.from({ length: 2 }, () => ({
      query: randomMatrix(random, d, 2, 0.7),
      key: randomMatrix(random, d, 2, 0.7),
      value: randomMatrix(random, d, 2, 0.7),
    }));
    const output = randomMatrix(random, 4, d, 0.7);
    const tokens = randomMatrix(random, n, d);
    const beta = 0.8;
    const phi = engine.layer({ tokens, heads, output, beta });
    const step = engine.solve({ tokens, heads: foldOutput(heads, output), beta, method: 'euler', dt: 1, t1: 1 });
    const residual = tokens.flat().map((v, l) => v + phi[l]);
    expect(relativeError(step.finalTokens, residual)).toBeLessThan(1e-13);
  });

  it('adds sinusoidal positions on request', async () => {
    const engine = await engineFor(backend);
    const random = seededRandom(10);
    const tokens = randomMatrix(random, 5, 4);
    const shifted = withPositions(tokens);
    const a = engine.layer({ tokens, positions: true });
    const b = engine.layer({ tokens: shifted });
    expect(relativeError(a, b)).toBeLessThan(1e-15);
    const c = engine.layer({ tokens, positions: { L: 100, firstPosition: 0 } });
    expect(relativeError(c, engine.layer({ tokens: withPositions(tokens, 100, 0) }))).toBeLessThan(1e-15);
  });

  it('checks shapes: W_O needs sum d_v rows; omitted only when sum d_v = D', async () => {
    const engine = await engineFor(backend);
    const tokens = [
      [1, 0],
      [0, 1],
    ];
    expect(() => engine.layer({ tokens, heads: [{ value: [[1], [0]] }, { value: [[0], [1]] }, {}] })).toThrow(
      /W_O must be 4 x 2/,
    );
    expect(() => engine.layer({ tokens, heads: [{}], output: [[1, 0]] })).toThrow(/output: must have 2 rows/);
    // Two heads of width 1 with W_O = I: the concatenation itself.
    const phi = engine.layer({ tokens, heads: [{ value: [[1], [0]] }, { value: [[0], [1]] }], beta: 1 });
    const p = Math.E / (Math.E + 1); // softmax of (1, 0)
    expect(Array.from(phi)).toEqual([p, 1 - p, 1 - p, p].map((v) => expect.closeTo(v, 15)));
  });
});

describe('sinusoidal positions', () => {
  it('r_{i,m} = sin(i / L^{m/D}) (m even), cos(i / L^{(m-1)/D}) (m odd), m from 0, i from 1', () => {
    const r = sinusoidalPositions(3, 4);
    expect(r[0]).toEqual([Math.sin(1), Math.cos(1), Math.sin(1 / 100), Math.cos(1 / 100)]);
    expect(r[2]).toEqual([Math.sin(3), Math.cos(3), Math.sin(3 / 100), Math.cos(3 / 100)]);
    // Vaswani et al. count positions from 0: firstPosition = 0 gives their table.
    expect(sinusoidalPositions(1, 2, 10000, 0)[0]).toEqual([0, 1]);
    expect(() => sinusoidalPositions(0, 2)).toThrow(/integer >= 1/);
  });

  it('foldOutput gives V_h W_O^(h)', () => {
    const folded = foldOutput(
      [{ value: [[1], [2]] }, { value: [[3], [4]] }],
      [
        [1, 10],
        [100, 1000],
      ],
    );
    expect(folded[0].value).toEqual([
      [1, 10],
      [2, 20],
    ]);
    expect(folded[1].value).toEqual([
      [300, 3000],
      [400, 4000],
    ]);
  });
});
