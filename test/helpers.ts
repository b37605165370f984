// Shared test fixtures: one engine per backend, seeded random problems, error measures.

import { createEngine, type Engine } from '../src/engine.js';
import { randomMatrix, seededRandom } from '../src/random.js';
import type { BackendName, Head } from '../src/types.js';

export const BACKEND_NAMES: readonly BackendName[] = ['simd', 'scalar', 'js'];

const engines = new Map<BackendName, Promise<Engine>>();

/** A shared engine per backend (tests must not dispose it). */
export function engineFor(backend: BackendName): Promise<Engine> {
  let e = engines.get(backend);
  if (!e) {
    e = createEngine({ backend });
    engines.set(backend, e);
  }
  return e;
}

export { randomMatrix, seededRandom };

/** H heads with random Q, K (D x dk) and V (D x D), entries ~ N(0, scale^2). */
export function randomHeads(random: () => number, d: number, h: number, dk: number, scale = 0.5): Head[] {
  return Array.from({ length: h }, () => ({
    query: randomMatrix(random, d, dk, scale),
    key: randomMatrix(random, d, dk, scale),
    value: randomMatrix(random, d, d, scale),
  }));
}

/** max |a - b| / max |b|: a relative error that does not blow up at zeros of b. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Least-squares slope of y against x. */
export function fitSlope(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return sxy / sxx;
}

/** Rows of a row-major N x D array. */
export function rows(data: Float64Array, d: number): number[][] {
  return Array.from({ length: data.length / d }, (_, i) => Array.from(data.subarray(i * d, (i + 1) * d)));
}

/** Adaptive Simpson quadrature of g over [lo, hi] to about tol (an independent check of solver times). */
export function adaptiveSimpson(g: (x: number) => number, lo: number, hi: number, tol = 1e-14): number {
  const simpson = (a: number, b: number) => ((b - a) / 6) * (g(a) + 4 * g((a + b) / 2) + g(b));
  const adapt = (a: number, b: number, whole: number, eps: number, depth: number): number => {
    const mid = (a + b) / 2;
    const left = simpson(a, mid);
    const right = simpson(mid, b);
    if (depth > 50 || Math.abs(left + right - whole) <= 15 * eps) return left + right + (left + right - whole) / 15;
    return adapt(a, mid, left, eps / 2, depth + 1) + adapt(mid, b, right, eps / 2, depth + 1);
  };
  return adapt(lo, hi, simpson(lo, hi), tol, 0);
}

/** 1-D tokens -a and a: the upper one follows x' = x tanh(x^2); the time it takes from a to c. */
export function timeToReach(a: number, c: number): number {
  return adaptiveSimpson((x) => 1 / (x * Math.tanh(x * x)), a, c);
}
